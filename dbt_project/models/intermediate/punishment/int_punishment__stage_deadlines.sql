-- 每个对象 × 措施的闭环环节：应办期限（工作日，来自 ref_calendar）与实际办理日。
--   推送：事由作出后 push_working_days（会商 15；外单位文书自接收起 external_match_working_days）
--   接收并转发：推送后 receive_forward_working_days
--   反馈：实施当月结束后 feedback_working_days_into_month 个工作日内
--   调整：异议解除后 objection_adjust_working_days
-- 期限规则按对象所在地区（事由所涉经营主体的登记地区）适用范围最具体的有效规则（punishment_rules.region_scope）；
-- 没有适用规则的地区（如杭州闭环指导意见之外的地区）不计期限，期限为空，也就不产生超期预警。
-- 增量构建按案件（事由文书号）只重算新批次与截至日期变动所涉案件（宏 incremental_by_case、punishment_case_keys）。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__registry_records', 'stg_landing__punishment_feedback_events'],
    'basis_number', 'punishment_case_keys', {'measures': 'object_measures'}, env=['CWH_PERSON_KEY_SALT'], dated='window',
) %}
{%- set selected = selected_keys_filter if scope is not none else none %}

with

om as (

    select * from {{ ref('int_punishment__object_measures') }}
    where object_key is not null
    {%- if selected %}
        and {{ selected('basis_number') }}
    {%- endif %}

),

enterprises as (

    select uscc, region_code from {{ ref('int_registry__enterprises') }}

),

events as (

    select * from {{ ref('int_punishment__unit_events') }}
    where object_measure_id is not null
    {%- if selected %}
        and {{ selected('basis_number') }}
    {%- endif %}

),

per_measure as (

    select
        object_measure_id,
        min(event_date) filter (where stage_code = 'pushed') as pushed_on,
        bool_or(consultation = '是') filter (where stage_code = 'pushed') as had_consultation,
        min(event_date) filter (where stage_code = 'received') as received_on,
        {{ arg_min_received('unit_name', 'event_date', where="stage_code = 'received'") }} as receiving_unit,
        min(event_date) filter (where stage_code = 'forwarded') as forwarded_on,
        min(event_date) filter (where stage_code = 'implemented') as implemented_on,
        {{ arg_min_received('unit_name', 'event_date', where="stage_code = 'implemented'") }} as implementing_unit,
        min(event_date) filter (where stage_code = 'fed_back') as fed_back_on,
        min(event_date) filter (where stage_code = 'adjusted') as adjusted_on
    from events
    group by object_measure_id

),

joined as {{ cte_hint(true) }} (

    select
        om.*,
        enterprises.region_code,
        per_measure.* {{ star_except() }} (object_measure_id),
        case when om.basis_type = 'court_judgment' then om.received_date else om.decision_date end as push_clock_start,
        case
            when om.basis_type = 'court_judgment' then 'external_match_working_days'
            when coalesce(per_measure.had_consultation, false) then 'push_consultation_working_days'
            else 'push_working_days'
        end as push_rule_code,
        last_day(per_measure.implemented_on) as implemented_month_end
    from om
    left join enterprises
        on om.uscc = enterprises.uscc
    left join per_measure
        on om.object_measure_id = per_measure.object_measure_id

),

-- 每行要查的期限规则（规则、日期、地区），去重后一次查出
rule_keys as (

    select push_rule_code as rule_code, cast(decision_date as date) as on_date, region_code from joined
    union all
    select 'receive_forward_working_days', cast(pushed_on as date), region_code from joined
    union all
    select 'feedback_working_days_into_month', cast(implemented_month_end as date), region_code from joined
    union all
    select 'objection_adjust_working_days', cast(release_date as date), region_code from joined

),

rule_values as (

    {{ punishment_rule('rule_keys') }}

),

with_rules as (

    select
        joined.* {{ star_except() }} (push_rule_code, implemented_month_end),
        push_rule.rule_value as push_working_days,
        forward_rule.rule_value as forward_working_days,
        joined.implemented_month_end,
        feedback_rule.rule_value as feedback_working_days,
        adjust_rule.rule_value as adjust_working_days
    from joined
    left join rule_values as push_rule
        on joined.push_rule_code = push_rule.rule_code
        and joined.decision_date = push_rule.on_date
        and joined.region_code is not distinct from push_rule.region_code
    left join rule_values as forward_rule
        on forward_rule.rule_code = 'receive_forward_working_days'
        and joined.pushed_on = forward_rule.on_date
        and joined.region_code is not distinct from forward_rule.region_code
    left join rule_values as feedback_rule
        on feedback_rule.rule_code = 'feedback_working_days_into_month'
        and joined.implemented_month_end = feedback_rule.on_date
        and joined.region_code is not distinct from feedback_rule.region_code
    left join rule_values as adjust_rule
        on adjust_rule.rule_code = 'objection_adjust_working_days'
        and joined.release_date = adjust_rule.on_date
        and joined.region_code is not distinct from adjust_rule.region_code

)

select
    with_rules.*,
    push_due.calendar_date as push_due,
    {{ working_days_after_is_estimated('push_due') }} as push_due_estimated,
    forward_due.calendar_date as forward_due,
    {{ working_days_after_is_estimated('forward_due') }} as forward_due_estimated,
    feedback_due.calendar_date as feedback_due,
    {{ working_days_after_is_estimated('feedback_due') }} as feedback_due_estimated,
    case when with_rules.release_path = 'objection' then adjust_due.calendar_date end as adjust_due,
    case when with_rules.release_path = 'objection'
            then {{ working_days_after_is_estimated('adjust_due') }}
    end as adjust_due_estimated
from with_rules
{{ working_days_after('with_rules.push_clock_start', 'with_rules.push_working_days', 'push_due') }}
{{ working_days_after('with_rules.pushed_on', 'with_rules.forward_working_days', 'forward_due') }}
{{ working_days_after('with_rules.implemented_month_end', 'with_rules.feedback_working_days', 'feedback_due') }}
{{ working_days_after('with_rules.release_date', 'with_rules.adjust_working_days', 'adjust_due') }}
