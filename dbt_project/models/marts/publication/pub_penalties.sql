-- 公示用行政处罚信息（双公示 / 公示系统展示口径）：int_publication__penalties 中截至 as_of 日处于公示期内的记录。
-- 只含合同中标为 public 的字段、按规则脱敏的证件号码、公示日期与截止期、来源批次。

with

judged as (

    select * from {{ ref('int_publication__penalties') }}
    where publication_state = 'published'

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
