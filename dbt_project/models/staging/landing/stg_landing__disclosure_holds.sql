-- 不予公示信息标记：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。
-- 全部字段为内部字段：只供发布作业扣留记录并计数，不得进入任何公示文件。

with

source as (

    select * from {{ source('landing', 'disclosure_holds') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
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
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
