-- 每个对象 × 措施的闭环环节：应办期限（工作日，来自 ref_calendar）与实际办理日。
--   推送：事由作出后 push_working_days（会商 15；外单位文书自接收起 external_match_working_days）
--   接收并转发：推送后 receive_forward_working_days
--   反馈：实施当月结束后 feedback_working_days_into_month 个工作日内
--   调整：异议解除后 objection_adjust_working_days

with

om as (

    select * from {{ ref('int_punishment__object_measures') }}
    where object_key is not null

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
        arg_min(unit_name, event_date) filter (where stage_code = 'received') as receiving_unit,
        min(event_date) filter (where stage_code = 'forwarded') as forwarded_on,
        min(event_date) filter (where stage_code = 'implemented') as implemented_on,
        arg_min(unit_name, event_date) filter (where stage_code = 'implemented') as implementing_unit,
        min(event_date) filter (where stage_code = 'fed_back') as fed_back_on,
        min(event_date) filter (where stage_code = 'adjusted') as adjusted_on
    from events
    group by object_measure_id

),

joined as (

    select
        om.*,
        per_measure.* exclude (object_measure_id),
        case when om.basis_type = 'court_judgment' then om.received_date else om.decision_date end as push_clock_start,
        case
            when om.basis_type = 'court_judgment'
                then {{ punishment_rule('external_match_working_days', 'om.decision_date') }}
            when coalesce(per_measure.had_consultation, false)
                then {{ punishment_rule('push_consultation_working_days', 'om.decision_date') }}
            else {{ punishment_rule('push_working_days', 'om.decision_date') }}
        end as push_working_days,
        last_day(per_measure.implemented_on) as implemented_month_end
    from om
    left join per_measure
        on om.object_measure_id = per_measure.object_measure_id

)

select
    *,
    {{ working_days_after('push_clock_start', 'push_working_days') }} as push_due,
    {{ working_days_after_is_estimated('push_clock_start', 'push_working_days') }} as push_due_estimated,
    {{ working_days_after('pushed_on', punishment_rule('receive_forward_working_days', 'pushed_on')) }} as forward_due,
    {{ working_days_after_is_estimated('pushed_on', punishment_rule('receive_forward_working_days', 'pushed_on')) }}
        as forward_due_estimated,
    {{ working_days_after(
        'implemented_month_end', punishment_rule('feedback_working_days_into_month', 'implemented_month_end')
    ) }} as feedback_due,
    {{ working_days_after_is_estimated(
        'implemented_month_end', punishment_rule('feedback_working_days_into_month', 'implemented_month_end')
    ) }} as feedback_due_estimated,
    case when release_path = 'objection'
            then {{ working_days_after(
                'release_date', punishment_rule('objection_adjust_working_days', 'release_date')
            ) }}
    end as adjust_due,
    case when release_path = 'objection'
            then {{ working_days_after_is_estimated(
                'release_date', punishment_rule('objection_adjust_working_days', 'release_date')
            ) }}
    end as adjust_due_estimated
from joined
