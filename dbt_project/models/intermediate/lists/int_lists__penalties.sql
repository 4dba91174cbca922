-- 行政处罚（每个决定书文号一行）：同一文号在后续批次中更正（变更、撤销）时以最后收到的版本为准；
-- 状态是否仍计为有效处罚取自代码表 ref_penalty_record_statuses。名录、清单与“屡罚不改”认定都从这里读处罚。
-- 监管领域为该版本判定的领域（int_lists__penalty_domains：报送、按法律法规条款、法律法规或违法行为类型；无法判定为空）。

with

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

),

penalty_domains as (

    select * from {{ ref('int_lists__penalty_domains') }}

),

record_statuses as (

    select * from {{ ref('ref_penalty_record_statuses') }}

),

latest as (

    select
        *,
        count(*) over (partition by decision_number) as version_count
    from penalties
    qualify row_number() over (
            partition by decision_number
            order by _received_at desc, _batch_id desc, _row_number desc
        ) = 1

),

final as (

    select
        latest.decision_number,
        latest.uscc as enterprise_uscc,
        latest.party_name,
        latest.party_category,
        penalty_domains.domain_code,
        penalty_domains.domain_method,
        penalty_domains.domain_rule_id,
        latest.violation_type,
        latest.legal_basis,
        latest.penalty_types,
        latest.heavier_discretion,
        latest.fine_amount_wan,
        latest.revoked_licence,
        latest.decision_date,
        latest.record_status,
        coalesce(record_statuses.is_in_force, true) as is_in_force,
        latest.authority_name,
        latest.authority_uscc,
        latest.version_count,
        latest._batch_id,
        latest._producer_code,
        latest._source_file,
        latest._row_number
    from latest
    left join penalty_domains
        on latest._batch_id = penalty_domains._batch_id
        and latest._row_number = penalty_domains._row_number
    left join record_statuses
        on latest.record_status = record_statuses.record_status

)

select * from final
