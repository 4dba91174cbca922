-- 行政处罚信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。
-- 负面清单字段（证件号码）在此保留，只供下游计算哈希键，不得进入任何对外产品。

with

source as (

    select * from {{ source('landing', 'penalties') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'penalties' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(decision_number as varchar) as decision_number,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(party_name as varchar) as party_name,
        cast(party_category as varchar) as party_category,
        cast(legal_rep_name as varchar) as legal_rep_name,
        cast(legal_rep_id_type as varchar) as legal_rep_id_type,
        cast(legal_rep_id_number as varchar) as legal_rep_id_number,  -- 负面清单
        cast(violation_type as varchar) as violation_type,
        cast(violation_facts as varchar) as violation_facts,
        cast(legal_basis as varchar) as legal_basis,
        cast(penalty_types as varchar) as penalty_types,
        cast(penalty_content as varchar) as penalty_content,
        cast(revoked_licence as varchar) as revoked_licence,
        cast(authority_name as varchar) as authority_name,
        cast(authority_uscc as varchar) as authority_uscc,
        cast(domain_code as varchar) as domain_code,
        cast(heavier_discretion as varchar) as heavier_discretion,
        cast(procedure_type as varchar) as procedure_type,
        cast(record_status as varchar) as record_status,
        cast(source_unit as varchar) as source_unit,
        cast(source_unit_uscc as varchar) as source_unit_uscc,
        cast(remarks as varchar) as remarks,

        -- 金额与数量
        cast(fine_amount_wan as double) as fine_amount_wan,
        cast(confiscation_amount_wan as double) as confiscation_amount_wan,

        -- 日期
        cast(decision_date as date) as decision_date,
        cast(valid_until as date) as valid_until,
        cast(publicity_end as date) as publicity_end,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
