-- 失信联合惩戒闭环办理事件：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'punishment_feedback') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
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
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
