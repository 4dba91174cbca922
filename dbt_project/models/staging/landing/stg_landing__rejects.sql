-- 隔离区：未通过合同校验的行，每条原因一行。只保留台账中有记录的批次（无论 landed 还是整批 rejected），
-- 未完成批次的隔离文件不计入。received_value 与 raw_record 可能含证件号码：仅供内部核查，不得对外。
-- 增量构建按批次：只读台账中新记录（或重新入库）的批次的隔离文件，删除台账中已无记录的批次
-- （macros/landed_batches.sql，changed_quarantine_batches）。

{{ config(
    materialized=by_batch_materialization(),
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ clear_changed_quarantine_batches() }}",
    post_hook="{{ record_quarantine_batches() }}"
) }}

{%- set changed = changed_quarantine_batches() if is_incremental() else none %}

with

source as (

    select * from {{ source('landing', 'rejects') }}
    {%- if changed is not none %}
    where {{ in_literals('batch_id', changed) }}
    {%- endif %}

),

recorded_batches as (

    select feed, batch_id from {{ ref('stg_landing__batches') }}

),

renamed as (

    select
        -- 来源
        cast(source._batch_id as string) as _batch_id,
        cast(source._feed as string) as _feed,
        cast(source._source_file as string) as _source_file,
        cast(source._row_number as bigint) as _row_number,

        -- 原因
        cast(source.rule as string) as failed_rule,
        cast(source.field as string) as field_name,
        cast(source.value as string) as received_value,
        cast(source.message as string) as message,
        cast(source.raw_record as string) as raw_record

    from source
    inner join recorded_batches
        on source._feed = recorded_batches.feed
        and source._batch_id = recorded_batches.batch_id

)

select * from renamed
