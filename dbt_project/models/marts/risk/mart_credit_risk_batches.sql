-- 信用风险月度快照已计入的批次：每次构建在月度快照写成之后记下本次读到的已提交批次。下一次增量构建据此找出新批次
-- 与它们涉及的企业（int_risk__changed_enterprises）；月度快照失败时本表不更新，下一次把这些批次再算一遍。
-- depends_on: {{ ref('mart_credit_risk_monthly') }}

-- 被更早收到的同内容副本替换的批次编号不变，来源文件与接收时间变了：按这三项判断是否已计入（不用入库时间：
-- 同样的报送无论何时入库，结果相同）。
select
    batch_id,
    feed,
    source_file,
    received_at
from {{ ref('stg_landing__batches') }}
where status = 'landed'
