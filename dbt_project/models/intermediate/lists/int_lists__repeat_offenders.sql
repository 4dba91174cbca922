-- “屡禁不止、屡罚不改”经营主体（专项治理行动通知三（一））：截至 as_of_date，统计窗口
-- [as_of_date − window_years 年 + 1 日, as_of_date] 内有效行政处罚达到门槛次数，且窗口内未获准信用修复。
-- 门槛、窗口、修复口径取自 rule_repeat_offenders 中截至日期当日有效的一行，
-- “获准”取自 ref_credit_repair_outcomes。每个认定为屡罚不改的主体一行。

with

penalties as (

    select * from {{ ref('int_lists__penalties') }}

),

credit_repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}

),

repair_outcomes as (

    select * from {{ ref('ref_credit_repair_outcomes') }}

),

rules as (

    select * from {{ ref('rule_repeat_offenders') }}

),

rule_in_force as (

    select
        rule_id,
        min_penalty_count,
        repair_object_type,
        requires_no_approved_repair,
        {{ as_of_date() }} as as_of_date,
        cast({{ as_of_date() }} - to_years(window_years) as date) + 1 as window_start,
        {{ as_of_date() }} as window_end
    from rules
    where {{ rule_in_force(as_of_date()) }}

),

penalties_in_window as (

    select
        penalties.enterprise_uscc,
        penalties.decision_number,
        penalties.decision_date,
        rule_in_force.*,
        row_number() over (
            partition by penalties.enterprise_uscc
            order by penalties.decision_date, penalties.decision_number
        ) as penalty_seq
    from penalties
    inner join rule_in_force
        on penalties.decision_date between rule_in_force.window_start and rule_in_force.window_end
    where penalties.enterprise_uscc is not null
        and penalties.is_in_force

),

counted as (

    select
        enterprise_uscc,
        any_value(rule_id) as rule_id,
        any_value(as_of_date) as as_of_date,
        any_value(window_start) as window_start,
        any_value(window_end) as window_end,
        any_value(min_penalty_count) as min_penalty_count,
        any_value(repair_object_type) as repair_object_type,
        any_value(requires_no_approved_repair) as requires_no_approved_repair,
        count(*) as penalty_count_3y,
        min(decision_date) as first_penalty_date,
        max(decision_date) as last_penalty_date,
        max(case when penalty_seq = min_penalty_count then decision_date end) as qualifying_date
    from penalties_in_window
    group by enterprise_uscc
    having count(*) >= any_value(min_penalty_count)

),

approved_repairs as (

    select distinct counted.enterprise_uscc
    from counted
    inner join credit_repairs
        on counted.enterprise_uscc = credit_repairs.uscc
        and counted.repair_object_type = credit_repairs.repair_object_type
        and credit_repairs.decision_date between counted.window_start and counted.window_end
    inner join repair_outcomes
        on credit_repairs.outcome = repair_outcomes.outcome
        and repair_outcomes.is_approved

),

final as (

    select
        counted.enterprise_uscc,
        counted.as_of_date,
        counted.penalty_count_3y,
        counted.window_start,
        counted.window_end,
        counted.qualifying_date,
        counted.first_penalty_date,
        counted.last_penalty_date,
        approved_repairs.enterprise_uscc is not null as has_approved_repair,
        counted.rule_id
    from counted
    left join approved_repairs
        on counted.enterprise_uscc = approved_repairs.enterprise_uscc
    where not (counted.requires_no_approved_repair and approved_repairs.enterprise_uscc is not null)

)

select * from final
