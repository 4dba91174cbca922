-- 入库台账：每个批次一行（ingestion.ledger 写入的提交标志）。只有台账中 status = 'landed' 的批次才算已提交，
-- 各数据项的 staging 模型据此过滤；落地目录存在而台账没有记录的批次视为未完成，一律忽略。

with

source as (

    select * from {{ source('landing', 'ledger') }}

),

-- 新工作区尚无台账时 read_json(allow_empty) 不返回任何列：按名补回有类型的列，下游始终能解析
-- （列序同台账源表的列序：Spark 没有按名合并，按位置合并）
typed_source as (

    select * from source
    {{ union_all_by_name() }}
    select
        cast(null as string) as batch_id,
        cast(null as string) as feed,
        cast(null as string) as producer_code,
        cast(null as string) as producer_dept,
        cast(null as string) as source_file,
        cast(null as string) as file_sha256,
        cast(null as string) as encoding,
        cast(null as string) as format,
        cast(null as string) as contract_version,
        cast(null as string) as received_at,
        cast(null as string) as ingested_at,
        cast(null as bigint) as rows_read,
        cast(null as bigint) as rows_landed,
        cast(null as bigint) as rows_quarantined,
        cast(null as string) as status,
        cast(null as string) as error,
        cast(null as bigint) as rows_late
    where false

),

renamed as (

    select
        -- 标识
        cast(batch_id as string) as batch_id,
        cast(feed as string) as feed,
        cast(status as string) as status,

        -- 来源
        cast(producer_code as string) as producer_code,
        cast(producer_dept as string) as producer_dept,
        cast(source_file as string) as source_file,
        cast(file_sha256 as string) as file_sha256,
        cast(encoding as string) as file_encoding,
        cast(format as string) as file_format,
        cast(contract_version as string) as contract_version,

        -- 行数核对：rows_read = rows_landed + rows_quarantined
        cast(rows_read as bigint) as rows_read,
        cast(rows_landed as bigint) as rows_landed,
        cast(rows_quarantined as bigint) as rows_quarantined,
        -- 逾期入库行数（按责任清单报送时限）；旧台账无此项时按 0 计
        coalesce(cast(rows_late as bigint), 0) as rows_late,
        cast(error as string) as error_message,

        -- 时间（北京时间；台账记 UTC）
        {{ beijing_time('received_at') }} as received_at,
        {{ beijing_time('ingested_at') }} as ingested_at

    from typed_source

)

select * from renamed
