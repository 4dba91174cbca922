-- 行政许可信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。
-- 负面清单字段（证件号码）在此保留，只供下游计算哈希键，不得进入任何对外产品。

with

source as (

    select * from {{ source('landing', 'licences') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'licences' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(licence_number as varchar) as licence_number,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(party_name as varchar) as party_name,
        cast(party_category as varchar) as party_category,
        cast(legal_rep_name as varchar) as legal_rep_name,
        cast(legal_rep_id_number as varchar) as legal_rep_id_number,  -- 负面清单
        cast(document_name as varchar) as document_name,
        cast(document_number as varchar) as document_number,
        cast(licence_category as varchar) as licence_category,
        cast(certificate_name as varchar) as certificate_name,
        cast(licence_content as varchar) as licence_content,
        cast(authority_name as varchar) as authority_name,
        cast(authority_uscc as varchar) as authority_uscc,
        cast(licence_status as varchar) as licence_status,

        -- 日期
        cast(decision_date as date) as decision_date,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(status_date as date) as status_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
