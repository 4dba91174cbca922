-- 风险预警信息（发布与解除）：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'risk_warnings') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'risk_warnings' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(warning_id as varchar) as warning_id,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(object_name as varchar) as object_name,
        cast(warning_level as varchar) as warning_level,
        cast(warning_type as varchar) as warning_type,
        cast(warning_reason as varchar) as warning_reason,
        cast(issuing_department as varchar) as issuing_department,
        cast(issuing_department_uscc as varchar) as issuing_department_uscc,
        cast(responding_departments as varchar) as responding_departments,
        cast(measures as varchar) as measures,
        cast(legal_basis as varchar) as legal_basis,
        cast(lifting_department as varchar) as lifting_department,
        cast(lifting_department_uscc as varchar) as lifting_department_uscc,
        cast(lift_reason as varchar) as lift_reason,

        -- 日期
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(lift_date as date) as lift_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
