-- 重点领域企业清单（截至 as_of_date）：持有重点领域许可（食品生产、特种设备生产等，类型见 ref_licence_types）
-- 且在有效期内的主体，每个主体、每个领域一行。每日重建；每次构建由快照 snp_key_sector_enterprises 留存。

with

history as (

    select * from {{ ref('mart_key_sector_enterprise_history') }}

),

final as (

    select
        md5(concat_ws('|', uscc, key_sector_domain)) as key_sector_enterprise_id,
        uscc,
        enterprise_name,
        region_code,
        industry_name,
        key_sector_domain,
        valid_from as tagged_since,
        valid_to as tagged_until,
        licence_numbers,
        last_licence_number,
        {{ as_of_date() }} as as_of_date
    from history
    where valid_from <= {{ as_of_date() }}
        and (valid_to is null or valid_to > {{ as_of_date() }})

)

select * from final
