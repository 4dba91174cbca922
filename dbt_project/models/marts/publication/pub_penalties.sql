-- 公示用行政处罚信息（双公示 / 公示系统展示口径）：int_publication__penalties 中截至 as_of 日处于公示期内的记录。
-- 只含合同中标为 public 的字段、按规则脱敏的证件号码、公示日期与截止期、来源批次。

-- 增量构建按决定书文号只重算新批次与截至日期变动所涉记录，与 int_publication__penalties 同一选取（宏 incremental_by_case、
-- publication_keys）。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__abnormal_listings', 'stg_landing__serious_listings', 'stg_landing__disclosure_holds'],
    'decision_number', 'publication_keys', {'record_type': 'penalties', 'dates_from': 'int_publication__penalties'}, dated='window', on_schema_change='fail',
) %}

with

judged as (

    select * from {{ ref('int_publication__penalties') }}
    where publication_state = 'published'
    {%- if scope is not none %}
        and {{ selected_keys_filter() }}
    {%- endif %}

),

final as (

    select
        decision_number,
        party_name,
        party_category,
        uscc,
        legal_rep_name,
        violation_type,
        violation_facts,
        legal_basis,
        penalty_types,
        penalty_content,
        fine_amount_wan,
        confiscation_amount_wan,
        revoked_licence,
        decision_date,
        valid_until,
        authority_name,
        authority_uscc,
        domain_code,
        record_status,
        source_unit,
        source_unit_uscc,
        publicity_start,
        publicity_end,
        source_batch_id
    from judged

)

select * from final
