-- 失信联合惩戒闭环办理事件：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'punishment_feedback') }}

),

committed_batches as (

    select batch_id from {{ ref('stg_landing__batches') }}
    where feed = 'punishment_feedback' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(event_id as varchar) as event_id,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(object_role as varchar) as object_role,
        cast(basis_number as varchar) as basis_number,
        cast(measure_id as varchar) as measure_id,
        cast(stage as varchar) as stage,
        cast(unit_name as varchar) as unit_name,
        cast(unit_type as varchar) as unit_type,
        cast(event_time as varchar) as event_time,
        cast(consultation as varchar) as consultation,
        cast(note as varchar) as note,

        -- 日期
        cast(event_date as date) as event_date,

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
