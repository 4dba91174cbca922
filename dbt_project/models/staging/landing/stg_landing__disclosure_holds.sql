-- 不予公示信息标记：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。
-- 全部字段为内部字段：只供发布作业扣留记录并计数，不得进入任何公示文件。

with

source as (

    select * from {{ source('landing', 'disclosure_holds') }}

),

committed_batches as (

    select batch_id from {{ ref('stg_landing__batches') }}
    where feed = 'disclosure_holds' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(hold_id as varchar) as hold_id,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(record_type as varchar) as record_type,
        cast(record_number as varchar) as record_number,
        cast(hold_reason as varchar) as hold_reason,
        cast(legal_basis as varchar) as legal_basis,
        cast(approving_unit as varchar) as approving_unit,

        -- 日期
        cast(approved_date as date) as approved_date,
        cast(hold_end as date) as hold_end,

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
