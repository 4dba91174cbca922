-- 行政处罚（每个决定书文号一行）：同一文号在后续批次中更正（变更、撤销）时以最后收到的版本为准。
-- “处罚是否仍计为有效处罚”只在这里判定，名录（据以列入的处罚被撤销而移出）、清单、公示的核对与联合惩戒的处罚事由都从
-- 这里读。处罚被撤销之日（revoked_on）取下列最早的一项：
--   record_status  最后收到的版本状态不计为有效处罚（ref_penalty_record_statuses）：该状态（此前最后一次有效状态之后）
--                  首次收到之日；
--   objection      异议（复议、诉讼）处理结果为撤销、确认无效（punishment_release_paths 中解除全部措施的异议结果）之日，
--                  每个异议编号取最后收到的版本。
-- is_in_force：未被撤销。监管领域为该版本判定的领域（int_lists__penalty_domains；无法判定为空）。
-- is_heavier：是否较重行政处罚（总局令第44号第2条），“较重”只在这里判定：处罚种类逐项对照
-- rule_serious_list_penalty_types（决定日期当日有效的行），不须裁量的种类即为较重，罚款按从重处罚裁量（报送“是”）
-- 才算；都不满足而罚款未报送是否从重处罚的为空（待核实）。严重违法失信名单候选与信用风险指标都读这一列。
-- 每行只取决于同一文号的处罚记录与异议（异议的各个版本所关联的文号）：增量构建只重算新批次所报文号
-- （宏 incremental_by_key）。

{%- set scope = incremental_by_key(
    ['stg_landing__penalties', 'stg_landing__objections'],
    'decision_number',
    keys_of={'stg_landing__objections': {'column': 'related_record_number', 'versions_of': 'objection_id'}},
) %}

with

penalties as (

    select * from {{ ref('stg_landing__penalties') }}
    {%- if scope is not none %}
    where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

penalty_domains as (

    select * from {{ ref('int_lists__penalty_domains') }}
    {%- if scope is not none %}
    where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

record_statuses as (

    select * from {{ ref('ref_penalty_record_statuses') }}

),

objection_versions as (

    select * from {{ ref('stg_landing__objections') }}
    {%- if scope is not none %}
    -- every version of the objections that name a changed decision number in any version
    where {{ versions_naming_changed_keys(scope, ref('stg_landing__objections'), 'objection_id', 'related_record_number') }}
    {%- endif %}

),

objections as (

    select * from objection_versions
    qualify {{ latest_version('objection_id') }}

),

-- 异议处理结果中撤销、确认无效（解除全部措施）的
heavier_types as (

    select * from {{ ref('rule_serious_list_penalty_types') }}

),

revoking_outcomes as (

    select * from {{ ref('punishment_release_paths') }}
    where source_field = 'objection_outcome' and release_path = 'objection'

),

latest as (

    select
        *,
        count(*) over (partition by decision_number) as version_count
    from penalties
    qualify {{ latest_version('decision_number') }}

),

version_statuses as (

    select
        penalties.decision_number,
        penalties._received_at,
        coalesce(record_statuses.is_in_force, true) as is_in_force,
        max(case when coalesce(record_statuses.is_in_force, true) then penalties._received_at end)
            over (partition by penalties.decision_number) as last_in_force_at
    from penalties
    left join record_statuses
        on penalties.record_status = record_statuses.record_status

),

-- 以不计为有效的状态重报（最后一次有效状态之后首次收到之日）；最后收到的版本仍有效的没有此行
status_revocations as (

    select decision_number, cast(min(_received_at) as date) as revoked_on
    from version_statuses
    where not is_in_force
        and (last_in_force_at is null or _received_at > last_in_force_at)
    group by decision_number

),

objection_revocations as (

    select
        objections.related_record_number as decision_number,
        objections.outcome_date as revoked_on,
        objections.outcome,
        objections.objection_id,
        objections.handling_authority
    from objections
    inner join revoking_outcomes
        on objections.outcome = revoking_outcomes.source_value
    qualify row_number() over (
            partition by objections.related_record_number
            order by objections.outcome_date, objections.objection_id
        ) = 1

),

-- 较重处罚种类（逐项）：is_heavier 为真的种类；为空（待核实）时为未报送是否从重处罚的种类
heavier_items as (

    select
        latest.decision_number,
        heavier_types.rule_id,
        heavier_types.penalty_type,
        heavier_types.source,
        not heavier_types.requires_heavier_discretion or latest.heavier_discretion = '是' as is_heavier
    from latest
    cross join {{ split_rows('latest.penalty_types', ';', 'items', 'penalty_type') }}
    inner join heavier_types
        on trim(items.penalty_type) = heavier_types.penalty_type
        and {{ rule_in_force('latest.decision_date', 'heavier_types') }}

),

heavier as (

    select
        decision_number,
        coalesce(bool_or(is_heavier), false) as any_heavier,
        bool_or(is_heavier is null) as any_unreported,
        {{ ordered_string_agg('penalty_type', "';'", where='is_heavier') }} as heavier_types,
        {{ ordered_string_agg('rule_id', "';'", order_by='penalty_type', where='is_heavier') }} as heavier_rule_ids,
        {{ ordered_string_agg('source', "'；'", order_by='penalty_type', where='is_heavier') }} as heavier_sources,
        {{ ordered_string_agg('penalty_type', "';'", where='is_heavier is null') }} as unreported_types,
        {{ ordered_string_agg('rule_id', "';'", order_by='penalty_type', where='is_heavier is null') }}
            as unreported_rule_ids,
        {{ ordered_string_agg('source', "'；'", order_by='penalty_type', where='is_heavier is null') }}
            as unreported_sources
    from heavier_items
    group by decision_number

),

revocations as (

    select
        latest.decision_number,
        case
            when objection_revocations.revoked_on <= status_revocations.revoked_on then 'objection'
            when status_revocations.revoked_on is null and objection_revocations.revoked_on is not null
                then 'objection'
            when status_revocations.revoked_on is not null then 'record_status'
        end as revoked_via,
        least(status_revocations.revoked_on, objection_revocations.revoked_on) as revoked_on,
        objection_revocations.outcome as objection_outcome,
        objection_revocations.objection_id,
        objection_revocations.handling_authority
    from latest
    left join status_revocations
        on latest.decision_number = status_revocations.decision_number
    left join objection_revocations
        on latest.decision_number = objection_revocations.decision_number

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
        latest.confiscation_amount_wan,
        case
            when heavier.any_heavier then true
            when heavier.any_unreported then null
            else false
        end as is_heavier,
        case when heavier.any_heavier then heavier.heavier_types else heavier.unreported_types end
            as heavier_penalty_types,
        case when heavier.any_heavier then heavier.heavier_rule_ids else heavier.unreported_rule_ids end
            as heavier_rule_id,
        case when heavier.any_heavier then heavier.heavier_sources else heavier.unreported_sources end
            as heavier_rule_source,
        latest.revoked_licence,
        latest.decision_date,
        latest.record_status,
        revocations.revoked_on is null as is_in_force,
        revocations.revoked_on,
        revocations.revoked_via,
        case revocations.revoked_via
            when 'objection' then revocations.objection_outcome
            when 'record_status' then latest.record_status
        end as revocation_outcome,
        case when revocations.revoked_via = 'objection' then revocations.objection_id end as revocation_objection_id,
        case revocations.revoked_via
            when 'objection' then revocations.handling_authority
            when 'record_status' then latest.authority_name
        end as revoking_authority,
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
    left join revocations
        on latest.decision_number = revocations.decision_number
    left join heavier
        on latest.decision_number = heavier.decision_number

)

select * from final
