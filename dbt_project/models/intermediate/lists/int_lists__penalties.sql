-- 行政处罚（每个决定书文号一行）：同一文号在后续批次中更正（变更、撤销）时以最后收到的版本为准；
-- 状态是否仍计为有效处罚取自代码表 ref_penalty_record_statuses。名录、清单与“屡罚不改”认定都从这里读处罚。

with

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

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
        latest.domain_code,
        latest.violation_type,
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
    left join record_statuses
        on latest.record_status = record_statuses.record_status

)

select * from final
