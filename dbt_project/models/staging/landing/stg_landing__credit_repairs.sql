-- 信用修复信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'credit_repairs') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'credit_repairs' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(application_id as varchar) as application_id,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(enterprise_name as varchar) as enterprise_name,
        cast(repair_object_type as varchar) as repair_object_type,
        cast(related_record_number as varchar) as related_record_number,
        cast(outcome as varchar) as outcome,
        cast(deciding_authority as varchar) as deciding_authority,

        -- 日期
        cast(apply_date as date) as apply_date,
        cast(decision_date as date) as decision_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
