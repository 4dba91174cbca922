-- 公示用企业登记基本信息：来自市场主体维表，只含可公示字段（不含证件号码、联系电话、住所、人员哈希键）。

{#- every row depends only on the enterprise's registry records: an incremental build rewrites the enterprises new
    batches report (macros/incremental_by_key.sql) -#}
{%- set scope = incremental_by_key('stg_landing__registry_records', 'uscc', on_schema_change='fail') %}

with

enterprises as (

    select * from {{ ref('dim_enterprise') }}
    {%- if scope is not none %}
        where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

final as (

    select
        uscc,
        enterprise_name,
        entity_type,
        region_code,
        region_name,
        industry_code,
        industry_name,
        legal_rep_name,
        registration_status as status,
        established_date,
        registered_capital_wan,
        registration_authority,
        last_seen_batch_id as source_batch_id
    from enterprises

)

select * from final
