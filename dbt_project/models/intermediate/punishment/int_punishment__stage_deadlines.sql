-- 每个对象 × 措施的闭环环节：应办期限（工作日，来自 ref_calendar）与实际办理日。
--   推送：事由作出后 push_working_days（会商 15；外单位文书自接收起 external_match_working_days）
--   接收并转发：推送后 receive_forward_working_days
--   反馈：实施当月结束后 feedback_working_days_into_month 个工作日内
--   调整：异议解除后 objection_adjust_working_days
-- 期限规则按对象所在地区（事由所涉经营主体的登记地区）适用范围最具体的有效规则（punishment_rules.region_scope）；
-- 没有适用规则的地区（如杭州闭环指导意见之外的地区）不计期限，期限为空，也就不产生超期预警。

with

om as (

    select * from {{ ref('int_punishment__object_measures') }}
    where object_key is not null

),

enterprises as (

    select uscc, region_code from {{ ref('int_registry__enterprises') }}

),

events as (

    select * from {{ ref('int_punishment__unit_events') }}
    where object_measure_id is not null

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

joined as (

    select
        om.*,
        enterprises.region_code,
        per_measure.* exclude (object_measure_id),
        case when om.basis_type = 'court_judgment' then om.received_date else om.decision_date end as push_clock_start,
        case
            when om.basis_type = 'court_judgment'
                then {{ punishment_rule('external_match_working_days', 'om.decision_date', 'enterprises.region_code') }}
            when coalesce(per_measure.had_consultation, false)
                then {{
                    punishment_rule('push_consultation_working_days', 'om.decision_date', 'enterprises.region_code')
                }}
            else {{ punishment_rule('push_working_days', 'om.decision_date', 'enterprises.region_code') }}
        end as push_working_days,
        {{ punishment_rule('receive_forward_working_days', 'per_measure.pushed_on', 'enterprises.region_code') }}
            as forward_working_days,
        last_day(per_measure.implemented_on) as implemented_month_end,
        {{ punishment_rule(
            'feedback_working_days_into_month', 'last_day(per_measure.implemented_on)', 'enterprises.region_code'
        ) }} as feedback_working_days,
        {{ punishment_rule('objection_adjust_working_days', 'om.release_date', 'enterprises.region_code') }}
            as adjust_working_days
    from om
    left join enterprises
        on om.uscc = enterprises.uscc
    left join per_measure
        on om.object_measure_id = per_measure.object_measure_id

)

select
    *,
    {{ working_days_after('push_clock_start', 'push_working_days') }} as push_due,
    {{ working_days_after_is_estimated('push_clock_start', 'push_working_days') }} as push_due_estimated,
    {{ working_days_after('pushed_on', 'forward_working_days') }} as forward_due,
    {{ working_days_after_is_estimated('pushed_on', 'forward_working_days') }} as forward_due_estimated,
    {{ working_days_after('implemented_month_end', 'feedback_working_days') }} as feedback_due,
    {{ working_days_after_is_estimated('implemented_month_end', 'feedback_working_days') }} as feedback_due_estimated,
    case when release_path = 'objection'
            then {{ working_days_after('release_date', 'adjust_working_days') }}
    end as adjust_due,
    case when release_path = 'objection'
            then {{ working_days_after_is_estimated('release_date', 'adjust_working_days') }}
    end as adjust_due_estimated
from joined
