-- 登记记录去重：业务主键 (uscc, approval_date) 每个版本只留一条。同一次登记在后续批次中重报（更正）时，
-- 以最后收到的为准（宏 version_order：_received_at，再按 _batch_id、_row_number）。同时带出每个主体第一次和最后一次出现的批次，
-- 供 int_registry__enterprises 使用（去重会丢掉被更正的旧版本，所以须在去重前计算）。
-- 每行只取决于同一 uscc 的登记记录：增量构建只重算新批次所报企业（宏 incremental_by_key）。

{%- set scope = incremental_by_key('stg_landing__registry_records', 'uscc') %}

with

-- read three times below (versions of a key, versions of an enterprise, the kept rows): a scan each, not a copy
registry_records as {{ cte_hint(false) }} (

    select * from {{ ref('stg_landing__registry_records') }}
    {%- if scope is not none %}
        where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

-- each business key: how many versions, and which one is kept (the latest received)
key_versions as (

    select
        uscc,
        approval_date,
        count(*) as version_count,
        {{ first_ordered('_batch_id', version_order()) }} as kept_batch_id,
        {{ first_ordered('_row_number', version_order()) }} as kept_row_number
    from registry_records
    group by uscc, approval_date

),

-- each enterprise: its first and last batch, over every version received (before the deduplication)
enterprise_versions as (

    select
        uscc,
        {{ first_ordered('_batch_id', version_order(first=true)) }} as first_seen_batch_id,
        min(_received_at) as first_seen_at,
        {{ first_ordered('_batch_id', version_order()) }} as last_seen_batch_id,
        max(_received_at) as last_seen_at
    from registry_records
    group by uscc

)

select
    registry_records.*,
    key_versions.version_count,
    enterprise_versions.first_seen_batch_id,
    enterprise_versions.first_seen_at,
    enterprise_versions.last_seen_batch_id,
    enterprise_versions.last_seen_at
from registry_records
inner join key_versions
    on registry_records._batch_id = key_versions.kept_batch_id
    and registry_records._row_number = key_versions.kept_row_number
inner join enterprise_versions
    on registry_records.uscc is not distinct from enterprise_versions.uscc
