-- 市场主体（中间层）：每个统一社会信用代码一行，取最新一次登记（核准日期最大；同日再按收到时间、行号）。
-- 法定代表人只保留姓名与人员哈希键，证件号码不向下游传递。集市 dim_enterprise 原样落表；中间层模型引用本模型而非集市。
-- 每行只取决于同一 uscc 的登记记录与区划、行业代码表：增量构建只重算新批次所报企业（宏 incremental_by_key；
-- 代码表、人员哈希键的盐或本模型改变时全部重算）。

{%- set scope = incremental_by_key('stg_landing__registry_records', 'uscc', env=['CWH_PERSON_KEY_SALT']) %}

with

registry_records as {{ cte_hint(false) }} (

    select * from {{ ref('int_registry__records_deduplicated') }}
    {%- if scope is not none %}
        where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

region_codes as (

    select * from {{ ref('ref_region_codes') }}

),

industry_codes as (

    select * from {{ ref('ref_industry_codes') }}

),

-- 历史区划行没有省名：按省级代码从现行行补齐
provinces as (

    select province_code, max(nullif(province_name, '')) as province_name
    from region_codes
    group by province_code

),

-- each enterprise: how many registrations, and the latest one (approval date, then the version order)
enterprise_records as (

    select
        uscc,
        count(*) as registry_record_count,
        -- its identity (batch, row number) out of one ordered aggregate
        {{ first_ordered(
            struct_of({'batch_id': '_batch_id', 'row_number': '_row_number'}),
            'approval_date desc, ' ~ version_order(),
        ) }} as latest_row
    from registry_records
    group by uscc

),

latest as (

    select
        registry_records.*,
        enterprise_records.registry_record_count
    from registry_records
    inner join enterprise_records
        on registry_records._batch_id = {{ struct_field('enterprise_records.latest_row', 'batch_id') }}
        and registry_records._row_number = {{ struct_field('enterprise_records.latest_row', 'row_number') }}

),

final as (

    select
        latest.uscc,
        latest.enterprise_name,
        latest.entity_type,

        latest.region_code,
        region_codes.region_name,
        coalesce(region_codes.province_code, left(latest.region_code, 2)) as province_code,
        provinces.province_name,
        region_codes.is_current as is_region_code_current,

        latest.industry_code,
        industry_codes.name as industry_name,
        industry_codes.section as industry_section,
        industry_sections.name as industry_section_name,

        latest.legal_rep_name,
        latest.legal_rep_id_type,
        {{ person_key('latest.legal_rep_id_number') }} as legal_rep_person_key,

        latest.registration_status,
        latest.registration_status in ('存续', '在业') as is_operating,
        latest.established_date,
        latest.registered_capital_wan,
        latest.registration_authority,
        latest.approval_date as latest_approval_date,

        latest.registry_record_count,
        latest.first_seen_batch_id,
        latest.first_seen_at,
        latest.last_seen_batch_id,
        latest.last_seen_at,

        latest._batch_id,
        latest._producer_code,
        latest._source_file,
        latest._row_number

    from latest
    left join region_codes
        on latest.region_code = region_codes.region_code
    left join provinces
        on coalesce(region_codes.province_code, left(latest.region_code, 2)) = provinces.province_code
    left join industry_codes
        on latest.industry_code = industry_codes.code
        and industry_codes.level = 4
    left join industry_codes as industry_sections
        on industry_codes.section = industry_sections.code
        and industry_sections.level = 1

)

select * from final
