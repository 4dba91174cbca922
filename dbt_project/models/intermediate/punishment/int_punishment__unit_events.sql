-- 闭环系统报送的办理事件，对应到对象 × 措施（按事由文书号、对象角色、措施编号）；对应不上的保留并写明原因。
-- 同一事件在多个批次中重报时取最后收到的版本。
-- 增量构建按案件（事由文书号）只重算新批次与截至日期变动所涉案件（宏 incremental_by_case、punishment_case_keys）。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__registry_records', 'stg_landing__punishment_feedback_events'],
    'basis_number', 'punishment_case_keys', {'old_cases': 'object_measure'}, env=['CWH_PERSON_KEY_SALT'], dated='window',
) %}
{%- set selected = selected_keys_filter if scope is not none else none %}

{#- every version of the events naming a selected case (the keys hold the cases of all versions of a new event) -#}
{%- set selected_events -%}
    {%- if selected %}
        and event_id in (
            select event_id from {{ ref('stg_landing__punishment_feedback_events') }}
            where {{ selected('basis_number') }}
        )
    {%- endif %}
{%- endset %}

with

-- the latest version of each event, chosen on the narrow columns (a window over every column sorts them all)
latest_versions as (

    select _batch_id, _row_number
    from {{ ref('stg_landing__punishment_feedback_events') }}
    where event_date <= {{ as_of_date() }}
    {{- selected_events }}
    qualify {{ latest_version('event_id') }}

),

events as (

    select * from {{ ref('stg_landing__punishment_feedback_events') }}
    where event_date <= {{ as_of_date() }}
        and {{ columns_in(['_batch_id', '_row_number'], 'latest_versions') }}

),

stages as (

    select * from {{ ref('punishment_stages') }}

),

object_measures as (

    select object_measure_id, basis_number, object_role, measure_id
    from {{ ref('int_punishment__object_measures') }}
    {%- if selected %}
    where {{ selected('basis_number') }}
    {%- endif %}

)

select
    events.event_id,
    object_measures.object_measure_id,
    stages.stage_code,
    events.* {{ star_except() }} (event_id),
    {{ date_at_time_text('events.event_date', 'events.event_time') }} as event_at,  -- 北京时间
    case
        when stages.stage_code is null then '办理环节不在环节代码表中'
        when object_measures.object_measure_id is null then '找不到对应的惩戒对象和措施（事由文书号、对象角色、措施编号）'
    end as link_issue
from events
left join stages
    on events.stage = stages.feed_stage
left join object_measures
    on events.basis_number = object_measures.basis_number
    and events.object_role = object_measures.object_role
    and events.measure_id = object_measures.measure_id
