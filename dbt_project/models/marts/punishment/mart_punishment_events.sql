-- 失信联合惩戒闭环事件流水：每次环节变化一行（谁、何时、为何），只增不改。认定与解除由事由、异议、信用修复和
-- 期限推导；推送至反馈、调整来自闭环系统报送。对应不上对象措施的报送事件也在此（link_issue 写明原因）。
-- 增量构建按案件只重算新批次与截至日期变动所涉案件（宏 incremental_by_case、punishment_case_keys）；对应不上的事件以
-- 事件编号为键。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__registry_records', 'stg_landing__punishment_feedback_events'],
    'coalesce(basis_number, event_source)', 'punishment_case_keys',
    {'measures': 'object_measures', 'old_cases': 'object_measure', 'event_ids': true},
    env=['CWH_PERSON_KEY_SALT'], dated='window', on_schema_change='fail',
) %}
{%- set selected = selected_keys_filter if scope is not none else none %}

with

om as (

    select * from {{ ref('int_punishment__object_measures') }}
    {%- if selected %}
    where {{ selected('basis_number') }}
    {%- endif %}

),

unit_events as (

    select * from {{ ref('int_punishment__unit_events') }}
    {%- if selected %}
    -- the mart's key: the case where the event is linked, else the event
    where {{ selected('case when object_measure_id is not null then basis_number else event_id end') }}
    {%- endif %}

),

stages as (

    select * from {{ ref('punishment_stages') }}

),

events as (

    select
        object_measure_id, 'identified' as stage_code, decision_date as event_date,
        cast(decision_date as timestamp) as event_at, source_agency as actor, '认定机关' as actor_type,
        reason as event_reason, basis_number as event_source, cast(null as string) as link_issue,
        _batch_id, _source_file, _row_number
    from om
    where decision_date <= {{ as_of_date() }}

    union all

    select
        object_measure_id, stage_code, event_date, event_at, unit_name, unit_type,
        coalesce(note, case when consultation = '是' then '经会商' end), event_id, link_issue,
        _batch_id, _source_file, _row_number
    from unit_events

    union all

    select
        object_measure_id, 'released', release_date, cast(release_date as timestamp), released_by,
        case release_path when 'natural' then '系统' when 'objection' then '异议处理机关' else '信用修复决定机关' end,
        release_reason, release_path, null, _batch_id, _source_file, _row_number
    from om
    where release_date is not null

)

select
    md5(concat_ws('|', events.object_measure_id, events.stage_code, events.event_source, events.event_date))
        as event_key,
    events.object_measure_id,
    om.object_type,
    om.object_key,
    om.uscc,
    om.basis_number,
    om.measure_id,
    events.stage_code,
    stages.stage_label,
    stages.stage_order,
    events.event_date,
    events.event_at,
    events.actor,
    events.actor_type,
    events.event_reason,
    events.event_source,
    events.link_issue,
    events._batch_id,
    events._source_file,
    events._row_number
from events
left join om
    on events.object_measure_id = om.object_measure_id
left join stages
    on events.stage_code = stages.stage_code
