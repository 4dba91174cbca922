-- 外部失信认定文书：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。
-- 负面清单字段（相关自然人证件号码）在此保留，只供下游计算哈希键，不得进入任何对外产品。

with

source as (

    select * from {{ source('landing', 'court_judgments') }}

),

committed_batches as (

    select batch_id from {{ ref('stg_landing__batches') }}
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
        cast(_batch_id as varchar) as _batch_id,
        cast(_feed as varchar) as _feed,
        cast(_producer_code as varchar) as _producer_code,
        cast(_producer_dept as varchar) as _producer_dept,
        cast(_producer_dept_uscc as varchar) as _producer_dept_uscc,
        cast(_providing_system as varchar) as _providing_system,
        cast(_source_file as varchar) as _source_file,
        cast(_row_number as bigint) as _row_number,
        cast(_file_sha256 as varchar) as _file_sha256,
        cast(_received_at as timestamp) as _received_at,
        cast(_ingested_at as timestamp) as _ingested_at,
        cast(_due_by as date) as _due_by,
        cast(_due_by_estimated as boolean) as _due_by_estimated,
        cast(_is_late as boolean) as _is_late,
        cast(_warnings as varchar) as _warnings

    from source
    where _batch_id in (select batch_id from committed_batches)

)

select * from renamed
