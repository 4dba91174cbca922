-- 企业名称沿革：每个主体每段名称一行。分段逻辑在 int_registry__enterprise_names，本表只按合同定型落表。

select * from {{ ref('int_registry__enterprise_names') }}
