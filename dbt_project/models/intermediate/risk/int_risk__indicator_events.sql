-- 计入信用风险“累计型”指标的记录：一条记录对某项指标贡献一个数量（次数为 1，金额为万元），带记录日期与来源键。
-- 名录、许可按业务主键取最后收到的版本（变更、撤销以同一文号重报）；处罚取 int_lists__penalties（是否仍有效、是否较重
-- 只在那里判定）；其余哪些取值计入由 rule_risk_record_criteria 决定。

with

-- 处罚：每个文号最后收到的版本，是否仍计为有效处罚（未被撤销、确认无效）与是否较重行政处罚（总局令第44号第2条）
-- 都只在 int_lists__penalties 判定；待核实（罚款未报送是否从重处罚）的不计为较重
counted_penalties as (

    select
        enterprise_uscc as uscc,
        decision_number,
        decision_date,
        fine_amount_wan,
        confiscation_amount_wan,
        coalesce(is_heavier, false) as is_heavier
    from {{ ref('int_lists__penalties') }}
    where enterprise_uscc is not null and is_in_force

),

inspections as (

    select
        *,
        inspection_type in {{ criterion_values('supervision_inspection', 'inspection_type') }} as is_supervision,
        inspection_type in {{ criterion_values('complaint_inspection', 'inspection_type') }} as is_complaint,
        result in {{ criterion_values('inspection_problem', 'result') }} as is_problem,
        result in {{ criterion_values('inspection_serious', 'result') }} as is_serious
    from {{ ref('stg_landing__inspections') }}
    where uscc is not null

),

licence_ends as (

    select uscc, licence_number, min(coalesce(status_date, decision_date)) as ended_on
    from {{ ref('stg_landing__licences') }}
    where uscc is not null
        and licence_status in {{ criterion_values('licence_revoked', 'licence_status') }}
    group by uscc, licence_number

),

false_commitments as (

    select uscc, commitment_id, min(coalesce(verification_date, commitment_date)) as verified_on
    from {{ ref('stg_landing__credit_commitments') }}
    where uscc is not null
        and fulfilment_status in {{ criterion_values('false_commitment', 'fulfilment_status') }}
    group by uscc, commitment_id

),

external_records as (

    select uscc, document_number, effective_date
    from {{ ref('stg_landing__court_judgments') }}
    where uscc is not null
        and dishonest_type in {{ criterion_values('external_dishonest', 'dishonest_type') }}

),

events as (

    select
        uscc, 'penalty_count' as indicator_code, decision_date as event_date, 1.0 as amount,
        decision_number as record_key
    from counted_penalties

    union all

    select uscc, 'heavier_penalty', decision_date, 1.0, decision_number
    from counted_penalties
    where is_heavier

    union all

    select
        uscc, 'fine_amount', decision_date,
        coalesce(fine_amount_wan, 0) + coalesce(confiscation_amount_wan, 0), decision_number
    from counted_penalties
    where coalesce(fine_amount_wan, 0) + coalesce(confiscation_amount_wan, 0) > 0

    union all

    select uscc, 'inspection_problem', inspection_date, 1.0, concat_ws('|', task_id, uscc)
    from inspections
    where is_supervision and is_problem

    union all

    select uscc, 'inspection_serious', inspection_date, 1.0, concat_ws('|', task_id, uscc)
    from inspections
    where is_supervision and is_serious

    union all

    select uscc, 'complaint_problem', inspection_date, 1.0, concat_ws('|', task_id, uscc)
    from inspections
    where is_complaint and is_problem

    union all

    select uscc, 'licence_revoked', ended_on, 1.0, licence_number
    from licence_ends

    union all

    select uscc, 'false_commitment', verified_on, 1.0, commitment_id
    from false_commitments

    union all

    select uscc, 'external_dishonest', effective_date, 1.0, document_number
    from external_records

)

select uscc, indicator_code, event_date, cast(amount as double) as amount, record_key
from events
where event_date is not null
