-- 公示用行政许可信息（双公示展示口径）：每个许可编号一行，含当前状态；不是市场主体的自然人的许可与不予公示的记录不在其中
-- （个体工商户的许可照常公示）。

-- 增量构建按许可编号只重算新批次与截至日期变动所涉记录，与 int_publication__licences 同一选取（宏 incremental_by_case、
-- publication_keys）。

{%- set scope = incremental_by_case(
    ['stg_landing__licences', 'stg_landing__disclosure_holds'],
    'licence_number', 'publication_keys', {'record_type': 'licences'}, dated='window', on_schema_change='fail',
) %}

with

judged as (

    select * from {{ ref('int_publication__licences') }}
    where publication_state = 'published'
    {%- if scope is not none %}
        and {{ selected_keys_filter() }}
    {%- endif %}

),

final as (

    select
        licence_number,
        party_name,
        party_category,
        uscc,
        legal_rep_name,
        document_name,
        document_number,
        licence_category,
        certificate_name,
        licence_content,
        decision_date,
        valid_from,
        valid_to,
        authority_name,
        authority_uscc,
        licence_status,
        status_date,
        publicity_start,
        source_batch_id
    from judged

)

select * from final
