-- 报送部门记分卡（谁产生、谁提供、谁负责）：按生产部门 × 数据项 × 接收月份统计批次、行数、拒收率与逾期报送。
-- 比率均为当月该部门该数据项的合计值之比；跨月汇总请先汇总分子分母再相除（见 docs/contracts.md）。

with

batches as (

    select * from {{ ref('stg_landing__batches') }}

)

select
    producer_code,
    producer_dept,
    feed,
    cast(date_trunc('month', received_at) as date) as delivery_month,
    count(*) as batches,
    count(*) filter (where status = 'rejected') as batches_rejected,
    count(*) filter (where rows_late > 0) as batches_late,
    sum(rows_read) as rows_read,
    sum(rows_landed) as rows_landed,
    sum(rows_quarantined) as rows_quarantined,
    sum(rows_late) as rows_late,
    round(sum(rows_quarantined) / nullif(sum(rows_read), 0), 6) as rejection_rate,
    round(1 - sum(rows_quarantined) / nullif(sum(rows_read), 0), 6) as accuracy_rate,
    round(1 - sum(rows_late) / nullif(sum(rows_landed), 0), 6) as on_time_rate,
    min(received_at) as first_received_at,
    max(received_at) as last_received_at
from batches
group by all
