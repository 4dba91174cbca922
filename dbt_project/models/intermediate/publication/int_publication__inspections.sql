-- 抽查检查结果的公示判断：每个（检查任务编号，统一社会信用代码）取截至 as_of 日已收到的最新版本；
-- 按不予公示标记扣留（标记的关联记录编号为检查任务编号，并以统一社会信用代码区分主体）；其时被扣留、其后解除的，
-- 自解除之日起公示。总局令第107号起（2025-12-25）抽查检查负面结果可信用修复：准予修复（规则 stop）且
-- rule_credit_repair_conditions 逐项满足的停止公示（修复对象类型“抽查检查”，关联文号为检查任务编号）；其余公示。

-- 增量构建按（检查任务编号，统一社会信用代码）只重算新批次与截至日期变动所涉结果（宏 incremental_by_case、
-- publication_keys）。

{%- set key = publication_key('inspections', 'task_id') %}
{%- set scope = incremental_by_case(
    ['stg_landing__inspections', 'stg_landing__credit_repairs', 'stg_landing__disclosure_holds'],
    key, 'publication_keys', {'record_type': 'inspections'}, dated='window',
) %}

with

versions as (

    select * from {{ ref('stg_landing__inspections') }}
    -- 检查日期在截至日之后的结果尚不存在：不早于检查日期公示
    where {{ received_by() }} and inspection_date <= {{ as_of_date() }}
    {%- if scope is not none %}
        and {{ selected_keys_filter() }}
    {%- endif %}

),

repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}
    where {{ received_by() }} and decision_date <= {{ as_of_date() }}
    {%- if scope is not none %}
        and {{ selected_keys_filter(publication_key('inspections', 'related_record_number')) }}
    {%- endif %}

),

rules as (

    select * from {{ ref('rule_publication_actions') }}
    where record_type = 'inspections' and source_feed = 'credit_repairs' and action = 'stop'

),

periods as (

    select * from {{ ref('rule_publication_periods') }}
    where record_type = 'inspections' and parameter = 'publish_deadline'

),

record_types as (

    select * from {{ ref('ref_publication_record_types') }}
    where record_type = 'inspections'

),

holds as (

    {{ holds_for('inspections') }}

),


latest as (

    select
        *,
        min(cast(_received_at as date)) over (partition by task_id, uscc) as first_received_date
    from versions
    qualify {{ latest_version(['task_id', 'uscc']) }}

),

-- 实际公示之日：首次送达发布作业之日（不早于检查日期）；其时已被扣留、其后解除的，为解除之日
publication_starts as (

    {{ publication_starts('latest', ['task_id', 'uscc'], 'inspection_date', 'inspections') }}

),

approved_repairs as (

    select
        repairs.application_id,
        latest.task_id,
        latest.uscc,
        latest.task_id || '/' || latest.uscc as record_key,
        latest.result,
        repairs.apply_date,
        repairs.decision_date as repair_date
    from repairs
    inner join record_types on repairs.repair_object_type = record_types.record_label
    inner join rules
        on rules.field = 'outcome'
        and repairs.outcome = rules.value
        and {{ rule_in_force('repairs.decision_date', 'rules') }}
    inner join latest
        on repairs.related_record_number = latest.task_id
        and repairs.uscc = latest.uscc

),

-- 修复档次（负面结果）按修复决定日期当日有效的档次规则
tier_facts as (

    select
        record_key,
        repair_date as on_date,
        false as is_short_period,
        cast(null as {{ string_list_type() }}) as penalty_types,
        cast(null as string) as domain_code,
        cast(null as string) as domain_rule_id,
        cast(null as {{ string_list_type() }}) as basis_list_types,
        result as inspection_result
    from approved_repairs

),

repair_tiers as (

    {{ repair_tiers_on('tier_facts', 'inspections') }}

),

repair_facts as (

    select
        approved_repairs.application_id,
        approved_repairs.task_id,
        approved_repairs.uscc,
        approved_repairs.repair_date,
        false as early_stop_barred,
        repair_tiers.repairable as tier_repairable,
        approved_repairs.apply_date
        >= publication_starts.publicity_start
        + {{ months_interval('repair_tiers.repair_wait_months') }} as waiting_over,
        false as repeat_violation,
        cast(null as {{ string_list_type() }}) as listed_types
    from approved_repairs
    inner join publication_starts using (task_id, uscc)
    left join repair_tiers
        on approved_repairs.record_key = repair_tiers.record_key
        and approved_repairs.repair_date = repair_tiers.on_date

),

repair_refusals as (

    {{ repair_refusals('repair_facts', 'inspections') }}

),

-- 每条结果一次修复：最早一次停止公示的；没有的，取最近一次未停止公示的及其原因
chosen_repair as (

    select
        repair_facts.*,
        repair_refusals.refused_by,
        repair_refusals.refused_reason
    from repair_facts
    left join repair_refusals using (application_id)
    qualify row_number() over (
            partition by repair_facts.task_id, repair_facts.uscc
            order by
                repair_refusals.application_id is not null asc,
                case when repair_refusals.application_id is null then repair_facts.repair_date end asc,
                repair_facts.repair_date desc,
                repair_facts.application_id asc
        ) = 1

),

final as (

    select
        latest.task_id,
        latest.uscc,
        latest.task_name,
        latest.inspection_type,
        latest.party_name,
        latest.inspection_date,
        latest.result,
        latest.inspecting_unit,
        latest.inspecting_unit_uscc,
        publication_starts.publicity_start,
        deadline.calendar_date as publish_due_date,
        latest.first_received_date <= deadline.calendar_date as is_published_on_time,
        holds.hold_id is not null as is_withheld,
        chosen_repair.application_id as repair_application_id,
        case when chosen_repair.refused_by is null then chosen_repair.repair_date end as repaired_on,
        chosen_repair.refused_by as repair_refused_by,
        chosen_repair.refused_reason as repair_refused_reason,
        case
            when holds.hold_id is not null then 'withheld'
            when chosen_repair.application_id is not null and chosen_repair.refused_by is null then 'stopped'
            else 'published'
        end as publication_state,
        latest._producer_dept,
        latest._batch_id as source_batch_id
    from latest
    inner join publication_starts using (task_id, uscc)
    left join chosen_repair using (task_id, uscc)
    left join holds on latest.task_id = holds.record_number and latest.uscc = holds.uscc
    left join periods
        on {{ rule_in_force('latest.inspection_date', 'periods') }}
    {{ working_days_after('latest.inspection_date', 'periods.quantity', 'deadline') }}

)

select * from final
