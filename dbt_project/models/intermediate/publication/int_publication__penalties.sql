-- 行政处罚的公示判断：每个决定书文号取截至 as_of 日已收到的最新版本，按规则种子表逐条判断
--   不予公示（exclude）→ 撤下（withdraw：决定被撤销、确认无效）→ 扣留（不予公示标记）→ 停止（准予信用修复）
--   → 公示期届满（总局令第45号第13条：3个月或3年，限制期限更长的按实际期限）→ 公示中。
-- 公示之日按记录首次送达发布作业之日（每日发布）计；规则按决定日期（撤下、修复按其事件日期）当日有效的行取用。

with

versions as (

    select * from {{ ref('stg_landing__penalties') }}
    where cast(_received_at as date) <= {{ as_of_date() }}

),

objections as (

    select * from {{ ref('stg_landing__objections') }}
    where cast(_received_at as date) <= {{ as_of_date() }} and outcome_date <= {{ as_of_date() }}

),

repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}
    where cast(_received_at as date) <= {{ as_of_date() }} and decision_date <= {{ as_of_date() }}

),

rules as (

    select * from {{ ref('rule_publication_actions') }}
    where record_type = 'penalties'

),

periods as (

    select * from {{ ref('rule_publication_periods') }}
    where record_type = 'penalties'

),

type_rules as (

    select * from {{ ref('rule_penalty_type_publicity') }}

),

lower_amounts as (

    select * from {{ ref('rule_lower_amount_fines') }}

),

record_types as (

    select * from {{ ref('ref_publication_record_types') }}
    where record_type = 'penalties'

),

holds as (

    {{ holds_for('penalties') }}

),


latest as (

    select
        *,
        min(cast(_received_at as date)) over (partition by decision_number) as first_received_date,
        count(*) over (partition by decision_number) as version_count
    from versions
    qualify row_number() over (
            partition by decision_number
            order by _received_at desc, _batch_id desc, _row_number desc
        ) = 1

),

excluded as (

    select latest.decision_number, min(rules.rule_code) as rule_code
    from latest
    inner join rules
        on rules.source_feed = 'penalties' and rules.action = 'exclude'
        and {{ rule_in_force('latest.decision_date', 'rules') }}
        and case rules.field
            when 'penalty_types' then latest.penalty_types = rules.value
            when 'procedure_type' then latest.procedure_type = rules.value
            when 'party_category' then latest.party_category = rules.value
        end
    group by latest.decision_number

),

-- 撤下：本数据项以“撤销”状态重报，或异议（复议、诉讼）结果为撤销、确认无效
withdrawals as (

    select latest.decision_number, rules.rule_code, cast(latest._received_at as date) as event_date
    from latest
    inner join rules
        on rules.source_feed = 'penalties' and rules.action = 'withdraw' and rules.field = 'record_status'
        and latest.record_status = rules.value
        and {{ rule_in_force('cast(latest._received_at as date)', 'rules') }}

    union all

    select objections.related_record_number, rules.rule_code, objections.outcome_date
    from objections
    inner join rules
        on rules.source_feed = 'objections' and rules.action = 'withdraw' and rules.field = 'outcome'
        and objections.outcome = rules.value
        and {{ rule_in_force('objections.outcome_date', 'rules') }}

),

first_withdrawal as (

    select decision_number, min(event_date) as withdrawn_on, min(rule_code) as rule_code
    from withdrawals
    group by decision_number

),

stops as (

    select
        repairs.related_record_number as decision_number, min(repairs.decision_date) as repaired_on,
        min(rules.rule_code) as rule_code
    from repairs
    inner join record_types on repairs.repair_object_type = record_types.record_label
    inner join rules
        on rules.source_feed = 'credit_repairs' and rules.action = 'stop' and rules.field = 'outcome'
        and repairs.outcome = rules.value
        and {{ rule_in_force('repairs.decision_date', 'rules') }}
    group by repairs.related_record_number

),

-- 处罚类别逐项对照 rule_penalty_type_publicity；未列入种子表的类别按标准公示期处理
type_flags as (

    select
        latest.decision_number,
        bool_and(coalesce(type_rules.short_period_eligible, false)) as all_short_eligible,
        bool_or(coalesce(type_rules.needs_lower_amount, false)) as needs_lower_amount,
        bool_or(coalesce(type_rules.term_extends_publicity, false)) as term_extends_publicity,
        bool_or(coalesce(type_rules.early_stop_barred, false)) as early_stop_barred
    from latest
    cross join unnest(string_split(latest.penalty_types, ';')) as t (penalty_type)
    left join type_rules
        on trim(t.penalty_type) = type_rules.penalty_type
        and {{ rule_in_force('latest.decision_date', 'type_rules') }}
    group by latest.decision_number

),

lower_amount as (

    select latest.decision_number
    from latest
    inner join lower_amounts
        on substr(latest.authority_uscc, 3, 2) = lower_amounts.province_code
        and latest.party_category = lower_amounts.party_category
        and {{ rule_in_force('latest.decision_date', 'lower_amounts') }}
    where latest.fine_amount_wan is not null
        and case when lower_amounts.inclusive
                then latest.fine_amount_wan * 10000 <= lower_amounts.threshold_yuan
            else latest.fine_amount_wan * 10000 < lower_amounts.threshold_yuan
        end

),

period_rules as (

    select
        latest.decision_number,
        max(case when periods.parameter = 'publicity_period_short' then periods.quantity end) as short_months,
        max(case when periods.parameter = 'publicity_period_standard' then periods.quantity end) as standard_months,
        max(case when periods.parameter = 'publish_deadline' then periods.quantity end) as publish_deadline_wd
    from latest
    inner join periods
        on {{ rule_in_force('latest.decision_date', 'periods') }}
    group by latest.decision_number

),

judged as (

    select
        latest.*,
        excluded.rule_code as excluded_by,
        first_withdrawal.withdrawn_on,
        first_withdrawal.rule_code as withdrawn_by,
        holds.hold_id is not null as is_withheld,
        stops.repaired_on,
        type_flags.early_stop_barred,
        type_flags.all_short_eligible
        and (not type_flags.needs_lower_amount or lower_amount.decision_number is not null) as is_short_period,
        cast(case
            when type_flags.all_short_eligible
                and (not type_flags.needs_lower_amount or lower_amount.decision_number is not null)
                then latest.first_received_date + to_months(period_rules.short_months)
            when type_flags.term_extends_publicity
                then greatest(
                        latest.first_received_date + to_months(period_rules.standard_months),
                        coalesce(latest.valid_until, latest.first_received_date)
                    )
            else latest.first_received_date + to_months(period_rules.standard_months)
        end as date) as regular_publicity_end,
        period_rules.publish_deadline_wd
    from latest
    left join excluded using (decision_number)
    left join first_withdrawal using (decision_number)
    left join stops using (decision_number)
    left join type_flags using (decision_number)
    left join lower_amount using (decision_number)
    left join period_rules using (decision_number)
    left join holds on latest.decision_number = holds.record_number

),

with_dates as (

    select
        judged.*,
        -- 提前停止：准予修复之日；不得提前停止的类别（第14条）在限制期限届满后停止
        case
            when judged.repaired_on is null then null
            when judged.early_stop_barred
                then greatest(judged.repaired_on, coalesce(judged.valid_until, judged.repaired_on))
            else judged.repaired_on
        end as stopped_on,
        deadline.calendar_date as publish_due_date
    from judged
    {{ join_working_days_after('judged.decision_date', 'judged.publish_deadline_wd', 'deadline') }}

),

final as (

    select
        with_dates.decision_number,
        with_dates.party_name,
        with_dates.party_category,
        with_dates.uscc,
        with_dates.legal_rep_name,
        with_dates.violation_type,
        with_dates.violation_facts,
        with_dates.legal_basis,
        with_dates.penalty_types,
        with_dates.penalty_content,
        with_dates.fine_amount_wan,
        with_dates.confiscation_amount_wan,
        with_dates.revoked_licence,
        with_dates.decision_date,
        with_dates.valid_until,
        with_dates.authority_name,
        with_dates.authority_uscc,
        with_dates.domain_code,
        with_dates.record_status,
        with_dates.source_unit,
        with_dates.source_unit_uscc,
        greatest(with_dates.first_received_date, with_dates.decision_date) as publicity_start,
        least(with_dates.regular_publicity_end, with_dates.stopped_on) as publicity_end,
        with_dates.is_short_period,
        with_dates.publish_due_date,
        with_dates.first_received_date <= with_dates.publish_due_date as is_published_on_time,
        with_dates.withdrawn_on,
        with_dates.excluded_by,
        with_dates.withdrawn_by,
        with_dates.is_withheld,
        case
            when with_dates.excluded_by is not null then 'excluded'
            when with_dates.withdrawn_on is not null and with_dates.withdrawn_on <= {{ as_of_date() }} then 'withdrawn'
            when with_dates.is_withheld then 'withheld'
            when with_dates.stopped_on is not null and with_dates.stopped_on <= {{ as_of_date() }}
                and with_dates.stopped_on < with_dates.regular_publicity_end then 'stopped'
            when with_dates.regular_publicity_end <= {{ as_of_date() }} then 'expired'
            else 'published'
        end as publication_state,
        with_dates.version_count,
        with_dates._producer_dept,
        with_dates._batch_id as source_batch_id
    from with_dates

)

select * from final
