-- 记录归类标准（分类日有效的行）：哪些字段取值计入某项指标、预警或抽查频次。

select criterion_code, field, value
from {{ ref('rule_risk_record_criteria') }}
where {{ rule_in_force(as_of_date()) }}
