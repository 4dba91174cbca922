-- “屡禁不止、屡罚不改”经营主体的认定（专项治理行动通知二（一）“三是”）：在每个认定日，统计窗口
-- [认定日 − window_years 年 + 1 日, 认定日] 内仍计数的行政处罚达到门槛次数的主体，每个认定日 × 主体一行。
-- 认定日：as_of_date（is_current；int_lists__repeat_offenders 即取这一日），以及自规则最早生效之月起 as_of_date
-- 之前的每个月末（专项治理行动工作情况表按月末认定、只用当时已收到的数据，过去的月份不因后到的数据而改写）。
-- 处罚取 int_lists__penalties（每个决定书文号一行；“是否仍计为有效处罚”与撤销之日 revoked_on 只在那里判定）：
--   认定日已收到（首次收到日 ≤ 认定日）才计；撤销、确认无效的（revoked_on ≤ 认定日）不计；
--   获准信用修复的处罚不计（修复以一件处罚为对象：只有被修复的那一件不计，主体其余处罚照计），
--   修复须在认定日前作出且已收到；“获准”取自 ref_credit_repair_outcomes，修复对象类型与口径取自 rule_repeat_offenders。
-- 监管领域为 int_lists__penalties 判定的领域（无法判定为空）；窗口内计数处罚最多的领域为主要领域。

with

recorded_penalties as (

    select * from {{ ref('int_lists__penalties') }}
    where enterprise_uscc is not null

),

-- 每个决定书文号首次收到之日（此前的月末认定不知道这件处罚）
first_received as (

    select decision_number, min(cast(_received_at as date)) as first_received_date
    from {{ ref('stg_landing__penalties') }}
    group by decision_number

),

credit_repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}
    where {{ received_by() }} and decision_date <= {{ as_of_date() }}

),

repair_outcomes as (

    select * from {{ ref('ref_credit_repair_outcomes') }}

),

rules as (

    select * from {{ ref('rule_repeat_offenders') }}

),

month_ends as (

    select cast(last_day(month_start) as date) as assessment_date
    from (
        select {{ series_rows(
            "cast(date_trunc('month', first_rules.first_valid_from) as date)",
            "cast(date_trunc('month', " ~ as_of_date() ~ ") - interval 1 month as date)",
            'interval 1 month'
        ) }} as month_start
        -- the first rule's month from a relation, not a scalar subquery in the series (Spark rejects that)
        from (select min(valid_from) as first_valid_from from rules) as first_rules
    ) as months

),

assessment_dates as (

    select {{ as_of_date() }} as assessment_date, true as is_current

    union all

    select assessment_date, false as is_current
    from month_ends
    where assessment_date < {{ as_of_date() }}

),

rule_in_force as (

    select
        assessment_dates.assessment_date,
        assessment_dates.is_current,
        rules.rule_id,
        rules.min_penalty_count,
        rules.repair_object_type,
        rules.excludes_repaired_penalties,
        cast(assessment_dates.assessment_date - {{ years_interval('rules.window_years') }} as date) + 1 as window_start,
        assessment_dates.assessment_date as window_end
    from assessment_dates
    inner join rules
        on {{ rule_in_force('assessment_dates.assessment_date', 'rules') }}

),

-- 只有处罚总数达到（任一规则的）门槛次数的主体才可能在某个认定日达到门槛（窗口内的计数不会超过总数）：
-- 其余主体的处罚不按认定日展开（先筛掉，再按认定日展开）
penalties as {{ cte_hint(true) }} (

    select *
    from recorded_penalties
    where enterprise_uscc in (
            select per_enterprise.enterprise_uscc
            from recorded_penalties as per_enterprise
            group by per_enterprise.enterprise_uscc
            having count(*) >= (select min(min_penalty_count) from rules)
        )

),

-- 获准修复的处罚：决定书文号 × 修复对象类型，自修复决定作出且已收到之日起不计
repaired as (

    select
        credit_repairs.related_record_number as decision_number,
        credit_repairs.repair_object_type,
        min(greatest(credit_repairs.decision_date, cast(credit_repairs._received_at as date))) as repair_known_on
    from credit_repairs
    inner join repair_outcomes
        on credit_repairs.outcome = repair_outcomes.outcome
        and repair_outcomes.is_approved
    group by all

),

penalties_in_window as (

    select
        rule_in_force.*,
        penalties.enterprise_uscc,
        penalties.decision_number,
        penalties.decision_date,
        penalties.fine_amount_wan,
        penalties.domain_code,
        coalesce(penalties.revoked_on <= rule_in_force.assessment_date, false) as is_withdrawn,
        coalesce(repaired.repair_known_on <= rule_in_force.assessment_date, false) as is_repaired
    from penalties
    inner join first_received
        on penalties.decision_number = first_received.decision_number
    inner join rule_in_force
        on penalties.decision_date between rule_in_force.window_start and rule_in_force.window_end
        and first_received.first_received_date <= rule_in_force.assessment_date
    left join repaired
        on penalties.decision_number = repaired.decision_number
        and rule_in_force.repair_object_type = repaired.repair_object_type

),

counted_penalties as (

    select
        *,
        row_number() over (
            partition by assessment_date, enterprise_uscc
            order by decision_date, decision_number
        ) as penalty_seq
    from penalties_in_window
    where not is_withdrawn
        and not (excludes_repaired_penalties and is_repaired)

),

counted as (

    select
        assessment_date,
        enterprise_uscc,
        any_value(is_current) as is_current,
        any_value(rule_id) as rule_id,
        any_value(window_start) as window_start,
        any_value(window_end) as window_end,
        any_value(min_penalty_count) as min_penalty_count,
        count(*) as penalty_count_3y,
        cast({{ exact_sum('fine_amount_wan') }} as double) as fine_amount_wan_3y,
        min(decision_date) as first_penalty_date,
        max(decision_date) as last_penalty_date,
        max(case when penalty_seq = min_penalty_count then decision_date end) as qualifying_date
    from counted_penalties
    group by assessment_date, enterprise_uscc
    having count(*) >= any_value(min_penalty_count)

),

not_counted as (

    select
        assessment_date,
        enterprise_uscc,
        count(*) filter (where is_withdrawn) as withdrawn_penalty_count,
        count(*) filter (where not is_withdrawn and is_repaired) as repaired_penalty_count
    from penalties_in_window
    group by assessment_date, enterprise_uscc

),

main_domain as (

    select
        counted_penalties.assessment_date,
        counted_penalties.enterprise_uscc,
        counted_penalties.domain_code as main_domain_code,
        -- a column, not count(*) in the window's order (Spark cannot order a window by an aggregate in QUALIFY)
        count(*) as domain_penalty_count
    from counted_penalties
    inner join counted
        on counted_penalties.assessment_date = counted.assessment_date
        and counted_penalties.enterprise_uscc = counted.enterprise_uscc
    group by counted_penalties.assessment_date, counted_penalties.enterprise_uscc, counted_penalties.domain_code
    qualify row_number() over (
            partition by counted_penalties.assessment_date, counted_penalties.enterprise_uscc
            order by domain_penalty_count desc, main_domain_code asc nulls last
        ) = 1

),

final as (

    select
        counted.enterprise_uscc,
        counted.assessment_date,
        counted.is_current,
        {{ as_of_date() }} as as_of_date,
        counted.penalty_count_3y,
        counted.fine_amount_wan_3y,
        main_domain.main_domain_code,
        counted.window_start,
        counted.window_end,
        counted.qualifying_date,
        counted.first_penalty_date,
        counted.last_penalty_date,
        coalesce(not_counted.repaired_penalty_count, 0) as repaired_penalty_count,
        coalesce(not_counted.withdrawn_penalty_count, 0) as withdrawn_penalty_count,
        counted.rule_id
    from counted
    left join main_domain
        on counted.assessment_date = main_domain.assessment_date
        and counted.enterprise_uscc = main_domain.enterprise_uscc
    left join not_counted
        on counted.assessment_date = not_counted.assessment_date
        and counted.enterprise_uscc = not_counted.enterprise_uscc

)

select * from final
