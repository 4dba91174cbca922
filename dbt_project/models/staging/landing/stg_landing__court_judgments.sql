-- 外部失信认定文书：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。
-- 负面清单字段（相关自然人证件号码）在此保留，只供下游计算哈希键，不得进入任何对外产品。

with

source as (

    select * from {{ source('landing', 'court_judgments') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'court_judgments' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(document_number as varchar) as document_number,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(document_type as varchar) as document_type,
        cast(issuing_body as varchar) as issuing_body,
        cast(party_name as varchar) as party_name,
        cast(region_code as varchar) as region_code,
        cast(person_name as varchar) as person_name,
        cast(person_id_number as varchar) as person_id_number,  -- 负面清单
        cast(dishonest_type as varchar) as dishonest_type,
        cast(summary as varchar) as summary,

        -- 日期
        cast(effective_date as date) as effective_date,
        cast(restriction_end as date) as restriction_end,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
