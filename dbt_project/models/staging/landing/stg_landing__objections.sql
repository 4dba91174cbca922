-- 异议处理信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'objections') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'objections' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(objection_id as varchar) as objection_id,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(related_record_number as varchar) as related_record_number,
        cast(objection_reason as varchar) as objection_reason,
        cast(outcome as varchar) as outcome,
        cast(handling_authority as varchar) as handling_authority,

        -- 日期
        cast(objection_date as date) as objection_date,
        cast(outcome_date as date) as outcome_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
