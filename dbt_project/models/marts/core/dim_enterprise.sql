-- 市场主体维表：每个统一社会信用代码一行，取最新一次登记。选取与补名逻辑在 int_registry__enterprises，
-- 本表只按合同（_core__models.yml）定型落表，供集市、质量关口与发布使用。增量构建只重写新批次所报企业的行
-- （宏 incremental_by_key）。

{%- set scope = incremental_by_key(
    'stg_landing__registry_records', 'uscc', env=['CWH_PERSON_KEY_SALT'], on_schema_change='fail'
) %}

select * from {{ ref('int_registry__enterprises') }}
{%- if scope is not none %}
where {{ changed_keys_filter(scope) }}
{%- endif %}
