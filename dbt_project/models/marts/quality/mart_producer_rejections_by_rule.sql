-- 报送部门记分卡·拒收原因：按生产部门 × 数据项 × 接收月份 × 校验规则统计被隔离的行（一行多因时每条规则各计一次）。

with

batches as (

    select * from {{ ref('stg_landing__batches') }}

),

rejects as (

    select * from {{ ref('stg_landing__rejects') }}

),

reasons as (

    select
        batches.producer_code,
        batches.producer_dept,
        batches.feed,
        cast(date_trunc('month', batches.received_at) as date) as delivery_month,
        rejects.failed_rule,
        rejects._batch_id,
        rejects._row_number
    from rejects
    inner join batches
        on rejects._feed = batches.feed
        and rejects._batch_id = batches.batch_id

),

rows_read as (

    select
        feed, producer_code, cast(date_trunc('month', received_at) as date) as delivery_month,
        sum(rows_read) as rows_read
    from batches
    group by all

)

select
    reasons.producer_code,
    reasons.producer_dept,
    reasons.feed,
    reasons.delivery_month,
    reasons.failed_rule,
    {{ count_distinct_tuples(['reasons._batch_id', 'reasons._row_number']) }} as rows_rejected,
    count(*) as reasons,
    round(
        {{ count_distinct_tuples(['reasons._batch_id', 'reasons._row_number']) }}
        / nullif(any_value(rows_read.rows_read), 0),
        6
    )
        as share_of_rows_read
from reasons
left join rows_read
    on reasons.feed = rows_read.feed
    and reasons.producer_code = rows_read.producer_code
    and reasons.delivery_month = rows_read.delivery_month
group by all
