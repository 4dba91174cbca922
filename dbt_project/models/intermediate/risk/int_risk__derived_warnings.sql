-- 派生风险预警（截至 as_of_date）：抽查抽检、投诉举报、专项整治的处理结果达到 rule_risk_warning_derivations 的阈值
-- （近 lookback_days 天内、含当天，符合检查类型标准与结果标准的记录达到 min_count 次）即触发，自触发日起
-- duration_days 天；同一企业同一规则的预警期相互重叠或相接的合并为一条。发布部门为最近一次触发记录的检查实施机关
-- （谁产生、谁预警）。

with

derivations as (

    select * from {{ ref('rule_risk_warning_derivations') }}
    where {{ rule_in_force(as_of_date()) }}

),

criteria as (

    select * from {{ ref('int_risk__record_criteria') }}

),

inspections as (

    select * from {{ ref('stg_landing__inspections') }}
    where uscc is not null
        and inspection_date <= {{ as_of_date() }}

),

matched as (

    select distinct
        derivations.derivation_code,
        inspections.uscc,
        inspections.inspection_date,
        concat_ws('|', inspections.task_id, inspections.uscc) as record_key,
        inspections.inspecting_unit,
        inspections.inspecting_unit_uscc
    from inspections
    inner join derivations
        on true
    inner join criteria as type_criteria
        on derivations.type_criterion = type_criteria.criterion_code
        and type_criteria.field = 'inspection_type'
        and inspections.inspection_type = type_criteria.value
    inner join criteria as result_criteria
        on derivations.result_criterion = result_criteria.criterion_code
        and result_criteria.field = 'result'
        and inspections.result = result_criteria.value

),

counted as (

    select
        this.derivation_code, this.uscc, this.inspection_date, this.record_key,
        this.inspecting_unit, this.inspecting_unit_uscc,
        count(*) as records_in_window
    from matched as this
    inner join derivations
        on this.derivation_code = derivations.derivation_code
    inner join matched as earlier
        on this.derivation_code = earlier.derivation_code
        and this.uscc = earlier.uscc
        and this.inspection_date >= earlier.inspection_date
        and earlier.inspection_date > this.inspection_date - derivations.lookback_days
    group by all

),

triggers as (

    select
        counted.*,
        counted.inspection_date + derivations.duration_days as trigger_end
    from counted
    inner join derivations
        on counted.derivation_code = derivations.derivation_code
    where counted.records_in_window >= derivations.min_count

),

flagged as (

    select
        *,
        case when inspection_date <= max(trigger_end) over (
                    partition by derivation_code, uscc order by inspection_date, record_key
                    rows between unbounded preceding and 1 preceding
                )
                then 0
            else 1
        end as starts_new_warning
    from triggers

),

islands as (

    select
        *,
        sum(starts_new_warning) over (
            partition by derivation_code, uscc order by inspection_date, record_key rows unbounded preceding
        ) as warning_seq
    from flagged

)

select
    derivation_code,
    uscc,
    cast(warning_seq as integer) as warning_seq,
    min(inspection_date) as start_date,
    max(trigger_end) as end_date,
    cast(count(*) as integer) as trigger_count,
    cast(max(records_in_window) as integer) as max_records_in_window,
    {{ ordered_string_agg('record_key', "';'", order_by=['inspection_date', 'record_key']) }} as trigger_records,
    -- the last trigger record in the order trigger_records lists them (a total order: the same every build)
    {{ first_ordered(
        'inspecting_unit',
        ['inspection_date desc', 'record_key desc', 'inspecting_unit desc', 'inspecting_unit_uscc desc']
    ) }}
    filter (where inspecting_unit is not null and inspection_date is not null) as issuing_department,
    {{ first_ordered(
        'inspecting_unit_uscc',
        ['inspection_date desc', 'record_key desc', 'inspecting_unit desc', 'inspecting_unit_uscc desc']
    ) }}
    filter (where inspecting_unit_uscc is not null and inspection_date is not null) as issuing_department_uscc
from islands
group by derivation_code, uscc, warning_seq
