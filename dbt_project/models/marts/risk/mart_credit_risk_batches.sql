-- 信用风险已计入的批次：每次构建在月度快照与分类日结果（int_risk__current_scores、mart_credit_risk_scores、
-- mart_credit_risk_indicators）都写成之后，记下本次读到的已提交批次、分类日与输入指纹。下一次增量构建据此找出新批次
-- 与它们涉及的企业（int_risk__changed_enterprises）；同一分类日、指纹相同时分类日也只为变更集重算
-- （int_risk__score_dates）。其中任何一个失败时本表不更新，下一次把这些批次再算一遍。
-- depends_on: {{ ref('mart_credit_risk_monthly') }}
-- depends_on: {{ ref('int_risk__current_scores') }}
-- depends_on: {{ ref('mart_credit_risk_scores') }}
-- depends_on: {{ ref('mart_credit_risk_indicators') }}

-- 被更早收到的同内容副本替换的批次编号不变，来源文件与接收时间变了：按这三项判断是否已计入（不用入库时间：
-- 同样的报送无论何时入库，结果相同）。
select
    batch_id,
    feed,
    source_file,
    received_at,
    {{ as_of_date() }} as as_of_date,
    '{{ risk_inputs_fingerprint() }}' as inputs_fingerprint
from {{ ref('stg_landing__batches') }}
where status = 'landed'
