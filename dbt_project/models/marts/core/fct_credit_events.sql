-- 信用事件时间线（记于企业名下）：许可、处罚、抽查检查、经营异常名录、严重违法失信名单、信用修复、信用承诺、
-- 法院及其他部门文书，每条已提交的落地记录一行，可经 _batch_id、_source_file、_row_number 追溯到来源批次与行。
-- 一条记录只报告一件事：名录记录有移出日期即为“移出”事件（后续批次补报移出），处罚记录的
-- 当前状态为“变更/撤销”即为变更/撤销事件，许可状态非“有效”即为注销/撤销/吊销事件。
-- 报送时没有统一社会信用代码的记录按 int_linkage__record_links 关联到主体（写明方法与置信度），关联不上的
-- 保留并写明原因（is_linked = false），从不丢弃。
-- 增量：每次只处理尚未入表的批次，以及表中尚未关联的行（登记信息后到时可重新关联）；全量重建结果相同。
-- depends_on: {{ ref('stg_landing__batches') }}
-- incremental on DuckDB, a table rebuilt every run on Spark (macros/portable.sql, by_batch_materialization); the rest
-- of the configuration is in _core__models.yml
{{ config(materialized=by_batch_materialization()) }}

{%- set staged = ['stg_landing__licences', 'stg_landing__penalties', 'stg_landing__inspections',
                  'stg_landing__abnormal_listings', 'stg_landing__serious_listings', 'stg_landing__credit_repairs',
                  'stg_landing__credit_commitments', 'stg_landing__court_judgments'] %}
{#- an incremental build reads only the batches it may write (the filter in `final` picks the rows exactly): the
    expressions of ten years' rows are not computed again to keep a day's (10 M enterprises, nothing new: 7.8 s) -#}
{%- set in_scope %}
    {%- if is_incremental() %}
    where _batch_id in (select batches_in_scope._batch_id from batches_in_scope)
    {%- endif %}
{%- endset %}

with

{%- if is_incremental() %}

-- 表中已有的批次副本（批次编号, 来源文件, 接收时间）
loaded_copies as (

    select distinct _batch_id, _source_file, _received_at from {{ this }}

),

-- 本次可能写入的批次：表中尚无其副本的批次，以及表中仍有未关联行的批次
batches_in_scope as (

    select staged._batch_id
    from (
        {%- for name in staged %}
        {{ 'union' if not loop.first }}
        select distinct _batch_id, _source_file, _received_at from {{ ref(name) }}
        {%- endfor %}
    ) as staged
    where not exists (
        select 1
        from loaded_copies as loaded
        where loaded._batch_id = staged._batch_id
            and loaded._source_file = staged._source_file
            and loaded._received_at = staged._received_at
    )

    union

    select _batch_id from {{ this }}
    where not is_linked

),
{%- endif %}

licences as (

    select * from {{ ref('stg_landing__licences') }}
    {{ in_scope }}

),

penalties as (

    select * from {{ ref('stg_landing__penalties') }}
    {{ in_scope }}

),

inspections as (

    select * from {{ ref('stg_landing__inspections') }}
    {{ in_scope }}

),

abnormal_listings as (

    select * from {{ ref('stg_landing__abnormal_listings') }}
    {{ in_scope }}

),

serious_listings as (

    select * from {{ ref('stg_landing__serious_listings') }}
    {{ in_scope }}

),

credit_repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}
    {{ in_scope }}

),

credit_commitments as (

    select * from {{ ref('stg_landing__credit_commitments') }}
    {{ in_scope }}

),

court_judgments as (

    select * from {{ ref('stg_landing__court_judgments') }}
    {{ in_scope }}

),

record_links as (

    select * from {{ ref('int_linkage__record_links') }}

),

events as (

    select
        'licences' as feed,
        case when licence_status = '有效' then '行政许可' else '行政许可' || licence_status end as event_type,
        case when licence_status = '有效' then decision_date else coalesce(status_date, decision_date) end as event_date,
        uscc,
        party_name as subject_name,
        licence_number as record_key,
        {{ concat_text([
            "certificate_name", "' '", "licence_number", "'：'", "licence_content", "'（'", "licence_status", "'）'"
        ]) }} as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from licences

    union all

    select
        'penalties' as feed,
        case record_status when '变更' then '行政处罚变更' when '撤销' then '行政处罚撤销' else '行政处罚' end as event_type,
        decision_date as event_date,
        uscc,
        party_name as subject_name,
        decision_number as record_key,
        {{ concat_text([
            "penalty_types", "'：'", "violation_type",
            "case when fine_amount_wan is not null then concat('，罚款 ', fine_amount_wan, ' 万元') end",
            "'（'", "authority_name", "'）'"
        ]) }} as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from penalties

    union all

    select
        'inspections' as feed,
        '抽查检查' as event_type,
        inspection_date as event_date,
        uscc,
        party_name as subject_name,
        concat_ws('|', task_id, uscc) as record_key,
        {{ concat_text(["inspection_type", "'：'", "task_name", "'，结果：'", "result"]) }} as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from inspections

    union all

    select
        'abnormal_list' as feed,
        case when removal_date is null then '列入经营异常名录' else '移出经营异常名录' end as event_type,
        coalesce(removal_date, list_date) as event_date,
        uscc,
        enterprise_name as subject_name,
        list_decision_number as record_key,
        case when removal_date is null then list_reason else coalesce(removal_reason, '移出') end as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from abnormal_listings

    union all

    select
        'serious_list' as feed,
        case when removal_date is null then '列入严重违法失信名单' else '移出严重违法失信名单' end as event_type,
        coalesce(removal_date, list_date) as event_date,
        uscc,
        enterprise_name as subject_name,
        list_decision_number as record_key,
        case when removal_date is null then list_reason else coalesce(removal_reason, '移出') end as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from serious_listings

    union all

    select
        'credit_repairs' as feed,
        '信用修复' as event_type,
        decision_date as event_date,
        uscc,
        enterprise_name as subject_name,
        application_id as record_key,
        {{ concat_text(["repair_object_type", "' '", "related_record_number", "'：'", "outcome"]) }} as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from credit_repairs

    union all

    select
        'credit_commitments' as feed,
        case when fulfilment_status = '承诺不实' then '信用承诺不实' else '信用承诺' end as event_type,
        case when fulfilment_status = '承诺不实' then coalesce(verification_date, commitment_date)
            else commitment_date
        end as event_date,
        uscc,
        enterprise_name as subject_name,
        commitment_id as record_key,
        {{ concat_text(["commitment_type", "'：'", "commitment_matter", "'（'", "fulfilment_status", "'）'"]) }}
            as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from credit_commitments

    union all

    select
        'court_judgments' as feed,
        '外部文书' as event_type,
        effective_date as event_date,
        uscc,
        party_name as subject_name,
        document_number as record_key,
        {{ concat_text([
            "issuing_body", "document_type", "'：'", "dishonest_type",
            "case when restriction_end is not null then concat('，限制至 ', restriction_end) end"
        ]) }} as summary,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from court_judgments

),

keyed as (

    select
        md5(concat_ws('|', feed, _batch_id, _row_number)) as event_id,
        *
    from events

),

final as (

    select
        keyed.event_id,
        keyed.feed,
        keyed.event_type,
        keyed.event_date,
        coalesce(nullif(trim(keyed.uscc), ''), record_links.linked_uscc) as uscc,
        nullif(trim(keyed.uscc), '') as reported_uscc,
        case when nullif(trim(keyed.uscc), '') is not null then 'reported_uscc' else record_links.link_method end
            as link_method,
        cast(case when nullif(trim(keyed.uscc), '') is not null then 1 else record_links.link_confidence end as double)
            as link_confidence,
        coalesce(nullif(trim(keyed.uscc), ''), record_links.linked_uscc) is not null as is_linked,
        record_links.unlinked_reason,
        keyed.subject_name,
        keyed.record_key,
        keyed.summary,
        keyed._batch_id,
        keyed._producer_code,
        keyed._source_file,
        cast(keyed._row_number as bigint) as _row_number,
        keyed._received_at
    from keyed
    left join record_links
        on keyed.event_id = record_links.source_row_id
    {% if is_incremental() %}
    -- 新批次，被更早收到的同内容副本替换的批次（批次编号相同，来源文件与接收时间不同），以及尚未关联的行
    where not exists (
        select 1
        from loaded_copies as loaded
        where loaded._batch_id = keyed._batch_id
            and loaded._source_file = keyed._source_file
            and loaded._received_at = keyed._received_at
    )
    or keyed.event_id in (select event_id from {{ this }} where not is_linked)
    {% endif %}

)

select * from final
