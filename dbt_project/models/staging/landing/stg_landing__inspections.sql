-- 抽查检查结果信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'inspections') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'inspections' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(task_id as varchar) as task_id,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(task_name as varchar) as task_name,
        cast(inspection_type as varchar) as inspection_type,
        cast(party_name as varchar) as party_name,
        cast(result as varchar) as result,
        cast(inspecting_unit as varchar) as inspecting_unit,
        cast(inspecting_unit_uscc as varchar) as inspecting_unit_uscc,
        cast(inspector_ids as varchar) as inspector_ids,

        -- 日期
        cast(inspection_date as date) as inspection_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
