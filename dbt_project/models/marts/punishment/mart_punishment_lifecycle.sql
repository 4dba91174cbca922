-- 失信联合惩戒对象措施台账：每个对象 × 措施一行，事由、措施、期限、各环节办理情况、解除情况与截至 as_of_date 的状态。
-- 登记拦截的限制索引由此表生成（interception/restrictions.py）。
-- 增量构建按案件只重算新批次所涉案件（宏 incremental_by_case）；每行带 as_of_date，截至日期变动时全部重算。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__registry_records', 'stg_landing__punishment_feedback_events'],
    'basis_number', 'punishment_case_keys', {'measures': 'object_measures'},
    env=['CWH_PERSON_KEY_SALT'], dated='whole', on_schema_change='fail',
) %}

with

deadlines as (

    select * from {{ ref('int_punishment__stage_deadlines') }}
    {%- if scope is not none %}
    where {{ selected_keys_filter('basis_number') }}
    {%- endif %}

),

stages as (

    select * from {{ ref('punishment_stages') }}

)

select
    deadlines.object_measure_id,
    deadlines.object_id,
    deadlines.object_type,
    deadlines.object_role,
    deadlines.object_key,
    deadlines.uscc,
    deadlines.legal_rep_name,
    deadlines.basis_type,
    deadlines.basis_number,
    deadlines.reason,
    deadlines.source_agency,
    deadlines.decision_date,
    deadlines.measure_id,
    deadlines.measure_name,
    deadlines.measure_list,
    deadlines.measure_category,
    deadlines.legal_basis,
    deadlines.implementing_unit_type,
    deadlines.term_rule,
    deadlines.is_statutory_term,
    deadlines.start_date,
    deadlines.natural_end,
    deadlines.end_date,
    deadlines.release_date,
    deadlines.release_path,
    deadlines.released_by,
    deadlines.release_reason,
    deadlines.repair_blocked_date,
    deadlines.push_due,
    deadlines.pushed_on,
    deadlines.forward_due,
    deadlines.forwarded_on,
    deadlines.implemented_on,
    deadlines.implementing_unit,
    deadlines.feedback_due,
    deadlines.fed_back_on,
    deadlines.adjust_due,
    deadlines.adjusted_on,
    coalesce(deadlines.push_due_estimated, false) or coalesce(deadlines.forward_due_estimated, false)
    or coalesce(deadlines.feedback_due_estimated, false) or coalesce(deadlines.adjust_due_estimated, false)
        as has_estimated_deadline,
    current_stage.stage_label as current_stage,
    deadlines.start_date <= {{ as_of_date() }}
    and (deadlines.end_date is null or deadlines.end_date > {{ as_of_date() }}) as is_active,
    {{ as_of_date() }} as as_of_date,
    deadlines._batch_id,
    deadlines._source_file,
    deadlines._row_number
from deadlines
left join stages as current_stage
    on current_stage.stage_code = case
        when deadlines.release_date is not null then 'released'
        when deadlines.adjusted_on is not null then 'adjusted'
        when deadlines.fed_back_on is not null then 'fed_back'
        when deadlines.implemented_on is not null then 'implemented'
        when deadlines.forwarded_on is not null then 'forwarded'
        when deadlines.received_on is not null then 'received'
        when deadlines.pushed_on is not null then 'pushed'
        else 'identified'
    end
