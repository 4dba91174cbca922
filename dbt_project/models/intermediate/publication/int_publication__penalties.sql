-- 行政处罚的公示判断：每个决定书文号取截至 as_of 日已收到的最新版本，按规则种子表逐条判断
--   不予公示（exclude）→ 撤下（withdraw：决定被撤销、确认无效）→ 扣留（不予公示标记）→ 停止（准予信用修复且条件满足）
--   → 公示期届满（总局令第45号第13条：3个月或3年，限制期限更长的按实际期限；总局令第107号起按档次设上限）→ 公示中。
-- 公示之日按记录首次送达发布作业之日（每日发布）计；其时被不予公示标记扣留、其后解除的，自解除之日起公示，
-- 公示期与申请修复的期限都自实际公示之日起算。规则按决定日期（撤下、修复按其事件日期）当日有效的行取用。
-- 准予修复只在 rule_credit_repair_conditions 逐项满足时停止公示；第一项不满足的写入 repair_refused_by / _reason。
-- 处罚是否仍有效、监管领域取自 int_lists__penalties，名录与名单期间取自 int_lists__list_periods（与名录模型同一判定）。

-- 增量构建按决定书文号只重算新批次与截至日期变动所涉处罚（宏 incremental_by_case、publication_keys），名录、处罚模型的
-- 变动按主体扩散到该主体的全部处罚（重复违法、修复当日在列的核对读同一主体的其他处罚与名录）。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__abnormal_listings', 'stg_landing__serious_listings', 'stg_landing__disclosure_holds'],
    'decision_number', 'publication_keys', {'record_type': 'penalties', 'dates_from': 'this'}, dated='window',
) %}

with

versions as (

    select * from {{ ref('stg_landing__penalties') }}
    where {{ received_by() }}
    {%- if scope is not none %}
        and {{ selected_keys_filter() }}
    {%- endif %}

),

repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}
    where {{ received_by() }} and decision_date <= {{ as_of_date() }}
    {%- if scope is not none %}
        and {{ selected_keys_filter('related_record_number') }}
    {%- endif %}

),

rules as (

    select * from {{ ref('rule_publication_actions') }}
    where record_type = 'penalties'

),

periods as (

    select * from {{ ref('rule_publication_periods') }}
    where record_type = 'penalties'

),

repair_deadlines as (

    select * from {{ ref('rule_publication_periods') }}
    where record_type = 'credit_repairs' and parameter = 'repair_decision_deadline'

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

counted_penalties as (

    select * from {{ ref('int_lists__penalties') }}
    {%- if scope is not none %}
    -- the selected penalties, and the enterprise's others (repeat violations)
    where {{ selected_keys_filter() }} or enterprise_uscc in (select uscc from versions)
    {%- endif %}

),

list_periods as (

    select * from {{ ref('int_lists__list_periods') }}
    {%- if scope is not none %}
    -- the listings resting on the selected penalties, and the enterprise's (listed on the repair day)
    where {{ selected_keys_filter('related_penalty_number') }} or uscc in (select uscc from versions)
    {%- endif %}

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
    qualify {{ latest_version('decision_number') }}

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
            -- 不是市场主体的自然人：类别为 value，且没有统一社会信用代码、注册号（个体工商户有其一，予以公示）
            when 'natural_person_not_market_entity'
                then latest.party_category = rules.value
                    and nullif(trim(latest.uscc), '') is null
                    and nullif(trim(latest.party_registration_number), '') is null
        end
    group by latest.decision_number

),

-- 撤下：决定被撤销、确认无效（以“撤销”状态重报，或异议结果为撤销、确认无效）。是否被撤销及撤销之日只取
-- int_lists__penalties（revoked_on / revoked_via / revocation_outcome，与名录、联合惩戒同一判定）；这里只按撤销途径
-- 对照本种子表的撤下规则（撤销之日当日有效的行），截至 as_of 日已撤销的撤下。
first_withdrawal as (

    select
        counted_penalties.decision_number,
        counted_penalties.revoked_on as withdrawn_on,
        min(rules.rule_code) as rule_code
    from counted_penalties
    inner join rules
        on rules.action = 'withdraw'
        and rules.source_feed = case counted_penalties.revoked_via
            when 'record_status' then 'penalties'
            when 'objection' then 'objections'
        end
        and counted_penalties.revocation_outcome = rules.value
        and {{ rule_in_force('counted_penalties.revoked_on', 'rules') }}
    where counted_penalties.revoked_on <= {{ as_of_date() }}
    group by counted_penalties.decision_number, counted_penalties.revoked_on

),

-- 实际公示之日：首次送达发布作业之日（不早于决定日期）；其时已被扣留、其后解除的，为解除之日
publication_starts as (

    {{ publication_starts('latest', ['decision_number'], 'decision_date', 'penalties') }}

),

-- 处罚类别逐项对照 rule_penalty_type_publicity；未列入种子表的类别按标准公示期处理
type_flags as (

    select
        latest.decision_number,
        {{ list_of('trim(t.penalty_type)') }} as penalty_type_list,
        bool_and(coalesce(type_rules.short_period_eligible, false)) as all_short_eligible,
        bool_or(coalesce(type_rules.needs_lower_amount, false)) as needs_lower_amount,
        bool_or(coalesce(type_rules.term_extends_publicity, false)) as term_extends_publicity,
        bool_or(coalesce(type_rules.early_stop_barred, false)) as early_stop_barred
    from latest
    cross join {{ split_rows('latest.penalty_types', ';', 't', 'penalty_type') }}
    left join type_rules
        on trim(t.penalty_type) = type_rules.penalty_type
        and {{ rule_in_force('latest.decision_date', 'type_rules') }}
    group by latest.decision_number

),

-- 较低数额罚款：本省、本类相对人的行优先，否则为省级代码（类别）为空的默认行；所用的行记入 lower_amount_rule
lower_amount as (

    select
        latest.decision_number,
        lower_amounts.rule_code as lower_amount_rule,
        coalesce(
            case
                when lower_amounts.inclusive then latest.fine_amount_wan * 10000 <= lower_amounts.threshold_yuan
                else latest.fine_amount_wan * 10000 < lower_amounts.threshold_yuan
            end,
            false
        ) as is_lower_amount
    from latest
    inner join lower_amounts
        on (lower_amounts.province_code is null or substr(latest.authority_uscc, 3, 2) = lower_amounts.province_code)
        and (lower_amounts.party_category is null or latest.party_category = lower_amounts.party_category)
        and {{ rule_in_force('latest.decision_date', 'lower_amounts') }}
    where latest.fine_amount_wan is not null
    qualify row_number() over (
            partition by latest.decision_number
            order by lower_amounts.province_code is null, lower_amounts.party_category is null, lower_amounts.rule_code
        ) = 1

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

-- 据以列入名录或名单的处罚（名单类型的列表）
list_bases as (

    select related_penalty_number as decision_number, {{ list_of('list_type', distinct=true) }} as basis_list_types
    from list_periods
    where related_penalty_number is not null
    group by related_penalty_number

),

penalty_facts as (

    select
        latest.decision_number,
        latest.decision_date,
        type_flags.penalty_type_list,
        type_flags.term_extends_publicity,
        type_flags.early_stop_barred,
        lower_amount.lower_amount_rule,
        type_flags.all_short_eligible
        and (not type_flags.needs_lower_amount or coalesce(lower_amount.is_lower_amount, false)) as is_short_period,
        counted_penalties.domain_code as derived_domain_code,
        counted_penalties.domain_rule_id,
        list_bases.basis_list_types
    from latest
    left join type_flags using (decision_number)
    left join lower_amount using (decision_number)
    left join counted_penalties using (decision_number)
    left join list_bases using (decision_number)

),

-- 准予修复（规则 stop，按修复决定日期当日有效的行）
approved_repairs as (

    select
        repairs.application_id,
        repairs.related_record_number as decision_number,
        repairs.apply_date,
        repairs.decision_date as repair_date
    from repairs
    inner join record_types on repairs.repair_object_type = record_types.record_label
    inner join rules
        on rules.source_feed = 'credit_repairs' and rules.action = 'stop' and rules.field = 'outcome'
        and repairs.outcome = rules.value
        and {{ rule_in_force('repairs.decision_date', 'rules') }}
    where repairs.related_record_number in (select latest.decision_number from latest)

),

-- 修复档次：公示期上限按决定日期、申请修复的期限按修复决定日期当日有效的档次规则
tier_dates as (

    select decision_number, decision_date as on_date from penalty_facts
    union
    select decision_number, repair_date from approved_repairs

),

tier_facts as (

    select
        penalty_facts.decision_number as record_key,
        tier_dates.on_date,
        penalty_facts.is_short_period,
        penalty_facts.penalty_type_list as penalty_types,
        penalty_facts.derived_domain_code as domain_code,
        penalty_facts.domain_rule_id,
        penalty_facts.basis_list_types,
        cast(null as string) as inspection_result
    from penalty_facts
    inner join tier_dates using (decision_number)

),

repair_tiers as (

    {{ repair_tiers_on('tier_facts', 'penalties') }}

),

-- 第14条第（三）项：修复决定前又因同一类违法行为（同一违法行为类型）受到仍有效的行政处罚
repeat_violations as (

    select approved_repairs.application_id
    from approved_repairs
    inner join latest using (decision_number)
    inner join counted_penalties as later
        on latest.uscc = later.enterprise_uscc
        and latest.violation_type = later.violation_type
        and latest.decision_number != later.decision_number
        and later.is_in_force
        and latest.decision_date < later.decision_date
        and approved_repairs.repair_date >= later.decision_date
    group by approved_repairs.application_id

),

-- 第14条第（四）项：修复决定当日所在的名录、名单（成员期间 [列入日期, 移出日期)）
listed_on_repair_date as (

    select approved_repairs.application_id, {{ list_of('list_periods.list_type', distinct=true) }} as listed_types
    from approved_repairs
    inner join latest using (decision_number)
    inner join list_periods
        on latest.uscc = list_periods.uscc
        and approved_repairs.repair_date >= list_periods.list_date
        and (list_periods.removal_date is null or approved_repairs.repair_date < list_periods.removal_date)
    group by approved_repairs.application_id

),

repair_facts as (

    select
        approved_repairs.application_id,
        approved_repairs.decision_number,
        approved_repairs.apply_date,
        approved_repairs.repair_date,
        penalty_facts.early_stop_barred,
        repair_tiers.repairable as tier_repairable,
        approved_repairs.apply_date
        >= publication_starts.publicity_start
        + {{ months_interval('repair_tiers.repair_wait_months') }} as waiting_over,
        repeat_violations.application_id is not null as repeat_violation,
        listed_on_repair_date.listed_types,
        deadline.calendar_date as decision_due_date
    from approved_repairs
    inner join penalty_facts using (decision_number)
    inner join publication_starts using (decision_number)
    left join repair_tiers
        on approved_repairs.decision_number = repair_tiers.record_key
        and approved_repairs.repair_date = repair_tiers.on_date
    left join repeat_violations using (application_id)
    left join listed_on_repair_date using (application_id)
    left join repair_deadlines
        on {{ rule_in_force('approved_repairs.apply_date', 'repair_deadlines') }}
    {{ working_days_after('approved_repairs.apply_date', 'repair_deadlines.quantity', 'deadline') }}

),

repair_refusals as (

    {{ repair_refusals('repair_facts', 'penalties') }}

),

-- 每个文号一次修复：最早一次停止公示的；没有的，取最近一次未停止公示的及其原因
chosen_repair as (

    select
        repair_facts.*,
        repair_refusals.refused_by,
        repair_refusals.refused_reason
    from repair_facts
    left join repair_refusals using (application_id)
    qualify row_number() over (
            partition by repair_facts.decision_number
            order by
                repair_refusals.application_id is not null asc,
                case when repair_refusals.application_id is null then repair_facts.repair_date end asc,
                repair_facts.repair_date desc,
                repair_facts.application_id asc
        ) = 1

),

judged as (

    select
        latest.*,
        penalty_facts.derived_domain_code,
        publication_starts.publicity_start,
        excluded.rule_code as excluded_by,
        first_withdrawal.withdrawn_on,
        first_withdrawal.rule_code as withdrawn_by,
        holds.hold_id is not null as is_withheld,
        penalty_facts.is_short_period,
        penalty_facts.lower_amount_rule,
        decision_tier.tier_label as repair_tier,
        chosen_repair.application_id as repair_application_id,
        case when chosen_repair.refused_by is null then chosen_repair.repair_date end as stopped_on,
        chosen_repair.refused_by as repair_refused_by,
        chosen_repair.refused_reason as repair_refused_reason,
        chosen_repair.decision_due_date as repair_decision_due_date,
        chosen_repair.repair_date <= chosen_repair.decision_due_date as is_repair_decided_on_time,
        -- 总局令第45号第13条的公示期；总局令第107号的档次上限（按决定日期）；限制期限更长的按实际期限
        cast(case
            when penalty_facts.term_extends_publicity
                then greatest(
                        least(
                            publication_starts.publicity_start + {{ months_interval('period_rules.standard_months') }},
                            publication_starts.publicity_start
                            + {{ months_interval('decision_tier.publicity_cap_months') }}
                        ),
                        coalesce(latest.valid_until, publication_starts.publicity_start)
                    )
            else least(
                    publication_starts.publicity_start + {{ months_interval(
                        'case when penalty_facts.is_short_period then period_rules.short_months'
                        ~ ' else period_rules.standard_months end'
                    ) }},
                    publication_starts.publicity_start + {{ months_interval('decision_tier.publicity_cap_months') }}
                )
        end as date) as regular_publicity_end,
        period_rules.publish_deadline_wd
    from latest
    inner join publication_starts using (decision_number)
    inner join penalty_facts using (decision_number)
    left join excluded using (decision_number)
    left join first_withdrawal using (decision_number)
    left join period_rules using (decision_number)
    left join chosen_repair using (decision_number)
    left join repair_tiers as decision_tier
        on latest.decision_number = decision_tier.record_key
        and latest.decision_date = decision_tier.on_date
    left join holds on latest.decision_number = holds.record_number

),

with_dates as (

    select
        judged.*,
        deadline.calendar_date as publish_due_date
    from judged
    {{ working_days_after('judged.decision_date', 'judged.publish_deadline_wd', 'deadline') }}

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
        -- 监管领域为判定的领域（int_lists__penalties，见 int_lists__penalty_domains），不是生产部门报送的原值
        with_dates.derived_domain_code as domain_code,
        with_dates.record_status,
        with_dates.source_unit,
        with_dates.source_unit_uscc,
        with_dates.publicity_start,
        least(with_dates.regular_publicity_end, with_dates.stopped_on) as publicity_end,
        with_dates.is_short_period,
        with_dates.lower_amount_rule,
        with_dates.repair_tier,
        with_dates.publish_due_date,
        with_dates.first_received_date <= with_dates.publish_due_date as is_published_on_time,
        with_dates.withdrawn_on,
        with_dates.excluded_by,
        with_dates.withdrawn_by,
        with_dates.is_withheld,
        with_dates.repair_application_id,
        with_dates.stopped_on as repaired_on,
        with_dates.repair_refused_by,
        with_dates.repair_refused_reason,
        with_dates.repair_decision_due_date,
        with_dates.is_repair_decided_on_time,
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
