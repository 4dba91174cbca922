-- 抽查检查结果的公示判断：每个（检查任务编号，统一社会信用代码）取截至 as_of 日已收到的最新版本；
-- 按不予公示标记扣留（标记的关联记录编号为检查任务编号，并以统一社会信用代码区分主体），其余公示。

with

versions as (

    select * from {{ ref('stg_landing__inspections') }}
    -- 检查日期在截至日之后的结果尚不存在：不早于检查日期公示
    where cast(_received_at as date) <= {{ as_of_date() }} and inspection_date <= {{ as_of_date() }}

),

periods as (

    select * from {{ ref('rule_publication_periods') }}
    where record_type = 'inspections' and parameter = 'publish_deadline'

),

holds as (

    {{ holds_for('inspections') }}

),


latest as (

    select
        *,
        min(cast(_received_at as date)) over (partition by task_id, uscc) as first_received_date
    from versions
    qualify row_number() over (
            partition by task_id, uscc
            order by _received_at desc, _batch_id desc, _row_number desc
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
        greatest(latest.first_received_date, latest.inspection_date) as publicity_start,
        deadline.calendar_date as publish_due_date,
        latest.first_received_date <= deadline.calendar_date as is_published_on_time,
        holds.hold_id is not null as is_withheld,
        case when holds.hold_id is not null then 'withheld' else 'published' end as publication_state,
        latest._producer_dept,
        latest._batch_id as source_batch_id
    from latest
    left join holds on latest.task_id = holds.record_number and latest.uscc = holds.uscc
    left join periods
        on {{ rule_in_force('latest.inspection_date', 'periods') }}
    {{ join_working_days_after('latest.inspection_date', 'periods.quantity', 'deadline') }}

)

select * from final
