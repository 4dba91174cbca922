-- 名称沿革：每个主体每段名称一行。按核准日期排列该主体的登记记录，名称与前一条不同处开始新的一段；
-- valid_from 为该名称首次核准的日期，valid_to 为下一个名称的核准日期（不含当日），当前名称为空。
-- 改回曾用名（甲→乙→甲）算三段。
-- name_key 为名称匹配键（宏 normalise_name），主体关联（int_linkage__record_links）按它比对：每段名称只算一次。
-- 集市 dim_enterprise_names 落表（不含 name_key）；中间层模型（如主体关联）引用本模型而非集市。
-- 增量构建只重写新批次所报企业的行（宏 incremental_by_key）。

{%- set scope = incremental_by_key('stg_landing__registry_records', 'uscc', on_schema_change='fail') %}

with

registry_records as (

    select * from {{ ref('int_registry__records_deduplicated') }}
    {%- if scope is not none %}
        where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

flagged as (

    select
        uscc,
        enterprise_name,
        approval_date,
        _received_at,
        _batch_id,
        _source_file,
        _row_number,
        (
            enterprise_name is distinct from lag(enterprise_name) over (
                partition by uscc order by approval_date, _received_at, _row_number
            )
        ) as starts_new_name
    from registry_records

),

name_periods as (

    select
        uscc,
        row_number() over (partition by uscc order by approval_date, _received_at, _row_number) as name_seq,
        enterprise_name,
        approval_date as valid_from,
        lead(approval_date) over (partition by uscc order by approval_date, _received_at, _row_number) as valid_to,
        _batch_id as source_batch_id,
        _source_file,
        _row_number
    from flagged
    where starts_new_name

),

final as (

    select
        uscc,
        cast(name_seq as integer) as name_seq,
        enterprise_name,
        {{ normalise_name('enterprise_name') }} as name_key,
        valid_from,
        valid_to,
        valid_to is null as is_current,
        source_batch_id,
        _source_file,
        _row_number
    from name_periods

)

select * from final
