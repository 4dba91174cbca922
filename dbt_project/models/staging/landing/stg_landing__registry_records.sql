-- 市场主体登记信息：只含已提交批次（台账 status = 'landed'）的行；改名与类型转换，不含业务逻辑。
-- 负面清单字段（证件号码、联系电话）在此保留，只供下游计算哈希键，不得进入任何对外产品。

with

source as (

    select * from {{ source('landing', 'registry') }}

),

committed_batches as (

    select batch_id, file_sha256 from {{ ref('stg_landing__batches') }}
    where feed = 'registry' and status = 'landed'

),

renamed as (

    select
        -- 标识与业务主键
        cast(uscc as varchar) as uscc,
        cast(approval_date as date) as approval_date,

        -- 文本与代码
        cast(enterprise_name as varchar) as enterprise_name,
        cast(entity_type as varchar) as entity_type,
        cast(region_code as varchar) as region_code,
        cast(industry_code as varchar) as industry_code,
        cast(legal_rep_name as varchar) as legal_rep_name,
        cast(legal_rep_id_type as varchar) as legal_rep_id_type,
        cast(legal_rep_id_number as varchar) as legal_rep_id_number,  -- 负面清单
        cast(status as varchar) as registration_status,
        cast(address as varchar) as address,
        cast(contact_phone as varchar) as contact_phone,  -- 负面清单
        cast(registration_authority as varchar) as registration_authority,

        -- 金额与数量
        cast(registered_capital_wan as double) as registered_capital_wan,

        -- 日期
        cast(established_date as date) as established_date,

        -- 来源（谁产生、谁提供、哪一批、哪一行）
        {{ provenance_columns() }}

    from source
    inner join committed_batches using (batch_id)

)

select * from renamed
