-- 企业名称沿革：每个主体每段名称一行。分段逻辑在 int_registry__enterprise_names，本表只按合同定型落表。
-- 增量构建只重写新批次所报企业的行（宏 incremental_by_key）。

{%- set scope = incremental_by_key('stg_landing__registry_records', 'uscc', on_schema_change='fail') %}

select
    uscc,
    name_seq,
    enterprise_name,
    valid_from,
    valid_to,
    is_current,
    source_batch_id,
    _source_file,
    _row_number
from {{ ref('int_registry__enterprise_names') }}
{%- if scope is not none %}
where {{ changed_keys_filter(scope) }}
{%- endif %}
