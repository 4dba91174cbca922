-- 严重违法失信名单信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'serious_list') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'serious_list' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(list_decision_number as varchar) as list_decision_number,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(enterprise_name as varchar) as enterprise_name,
        cast(list_reason as varchar) as list_reason,
        cast(related_penalty_number as varchar) as related_penalty_number,
        cast(list_authority as varchar) as list_authority,
        cast(removal_reason as varchar) as removal_reason,

        -- 日期
        cast(list_date as date) as list_date,
        cast(removal_date as date) as removal_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
