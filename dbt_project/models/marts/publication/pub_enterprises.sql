-- 公示用企业登记基本信息：来自市场主体维表，只含可公示字段（不含证件号码、联系电话、住所、人员哈希键）。

with

enterprises as (

    select * from {{ ref('dim_enterprise') }}

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
