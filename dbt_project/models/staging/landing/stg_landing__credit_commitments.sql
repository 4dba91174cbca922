-- 信用承诺信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。

with

source as (

    select * from {{ source('landing', 'credit_commitments') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'credit_commitments' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(commitment_id as varchar) as commitment_id,
        cast(uscc as varchar) as uscc,

        -- 文本与代码
        cast(enterprise_name as varchar) as enterprise_name,
        cast(commitment_type as varchar) as commitment_type,
        cast(commitment_matter as varchar) as commitment_matter,
        cast(approving_unit as varchar) as approving_unit,
        cast(fulfilment_status as varchar) as fulfilment_status,

        -- 日期
        cast(commitment_date as date) as commitment_date,
        cast(verification_date as date) as verification_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
