-- 信用风险月度快照已计入的批次：每次构建在月度快照写成之后记下本次读到的已提交批次。下一次增量构建据此找出新批次
-- 与它们涉及的企业（int_risk__changed_enterprises）；月度快照失败时本表不更新，下一次把这些批次再算一遍。
-- depends_on: {{ ref('mart_credit_risk_monthly') }}

select
    batch_id,
    feed,
    ingested_at
from {{ ref('stg_landing__batches') }}
where status = 'landed'
