-- “屡禁不止、屡罚不改”经营主体（截至 as_of_date）：int_lists__repeat_offender_assessments 在截至日期的认定，
-- 每个主体一行。认定口径（窗口、门槛、撤下与获准修复的处罚不计）只在那个模型中。

with

assessments as (

    select * from {{ ref('int_lists__repeat_offender_assessments') }}
    where is_current

),

final as (

    select
        enterprise_uscc,
        as_of_date,
        penalty_count_3y,
        fine_amount_wan_3y,
        main_domain_code,
        window_start,
        window_end,
        qualifying_date,
        first_penalty_date,
        last_penalty_date,
        repaired_penalty_count,
        withdrawn_penalty_count,
        rule_id
    from assessments

)

select * from final
