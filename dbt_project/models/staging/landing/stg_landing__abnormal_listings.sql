-- 经营异常名录信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'abnormal_list') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'abnormal_list' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(list_decision_number as varchar) as list_decision_number,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(enterprise_name as varchar) as enterprise_name,
        cast(list_reason as varchar) as list_reason,
        cast(list_authority as varchar) as list_authority,
        cast(removal_reason as varchar) as removal_reason,
        cast(removal_authority as varchar) as removal_authority,

        -- 日期
        cast(list_date as date) as list_date,
        cast(removal_date as date) as removal_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
