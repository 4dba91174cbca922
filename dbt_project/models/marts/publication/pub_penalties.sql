-- 公示用行政处罚：每个文书号取最新版本（后续批次的更正优先），再按公示排除规则（种子表 rule_publication_exclusions，
-- 以处罚决定日期当日有效的规则为准）剔除不予公示的记录。只含合同中标为 public 的字段与来源批次。

with

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

),

exclusions as (

    select * from {{ ref('rule_publication_exclusions') }}
    where record_type = 'penalties' and action = 'exclude'

),

latest as (

    select *
    from penalties
    qualify row_number() over (
        partition by decision_number
        order by _received_at desc, _batch_id desc, _row_number desc
    ) = 1

),

excluded as (

    select distinct latest.decision_number
    from latest
    inner join exclusions
        on latest.decision_date >= exclusions.valid_from
        and (exclusions.valid_to is null or latest.decision_date <= exclusions.valid_to)
        and case exclusions.field
            when 'penalty_types' then latest.penalty_types = exclusions.value
            when 'procedure_type' then latest.procedure_type = exclusions.value
            when 'record_status' then latest.record_status = exclusions.value
            when 'party_category' then latest.party_category = exclusions.value
        end

),

final as (

    select
        latest.decision_number,
        latest.party_name,
        latest.party_category,
        latest.uscc,
        latest.legal_rep_name,
        latest.violation_type,
        latest.violation_facts,
        latest.legal_basis,
        latest.penalty_types,
        latest.penalty_content,
        latest.fine_amount_wan,
        latest.confiscation_amount_wan,
        latest.revoked_licence,
        latest.decision_date,
        latest.valid_until,
        latest.authority_name,
        latest.authority_uscc,
        latest.domain_code,
        latest.record_status,
        latest.source_unit,
        latest.source_unit_uscc,
        latest._batch_id as source_batch_id
    from latest
    left join excluded using (decision_number)
    where excluded.decision_number is null

)

select * from final
