-- 经营异常名录、严重违法失信名单的列入与移出：每个列入决定（名录类型 + 列入决定书文号）一行。“某日是否在列、哪天经哪条
-- 路径移出”只在这里判定：名录集市、公示（int_publication__list_entries）与联合惩戒的名录事由（int_punishment__bases）
-- 都读这里，不另行推导。列入与移出都是事件（后续批次补报移出），从不删除；列入信息取最后收到的版本（更正以后到的为准），
-- 来源取首次报送的批次与行。移出日期取下列移出事件中最早的一个（同日按此顺序）：
--   reported       报送的移出（最后收到的版本中的移出日期与原因）；报送原因与某条移出规则的公示原因相同的，按该规则的
--                  路径（如信用修复提前移出按 repair 核对列入时长），否则为报送移出；
--   basis_revoked  据以列入的行政处罚被撤销、确认无效（int_lists__penalties.revoked_on）：撤销列入决定，自撤销之日起移出；
--   repair         获准信用修复（修复对象为该名录、关联文号为列入文号；每个申请取最后收到的版本）；
--   expiry         期满自动移出（列入日期 + 列入当日有效的名单期限）。
-- 每条路径的期限与公示的移出原因都在 rule_list_parameters（removal_path 列），按事件当日有效的一行；SQL 中不写原因文字。
-- 信用修复（获准的修复决定或报送的信用修复移出）未满规定列入时长的不移出，记入 early_removal_refused_on 待核查。
-- 成员区间为 [list_date, removal_date)：移出当日起不再在名单上。期满日可能在将来（已确定的计划移出）；截至某日是否已
-- 移出由读者比较 removal_date 与该日（本模型不依赖 as_of_date）。
-- 每行只取决于同一列入决定书文号的列入记录、关联文号为它的信用修复（申请的各个版本）与据以列入的处罚（处罚及其异议经
-- 严重违法失信名单的 related_penalty_number 找到列入决定）：增量构建只重算这些文号（宏 incremental_by_key，
-- 输入及其所涉文号见宏 list_period_inputs）。

{%- set inputs = list_period_inputs() %}
{%- set scope = incremental_by_key(inputs.staged, 'list_decision_number', keys_of=inputs.keys_of) %}
{%- set changed = 'where ' ~ changed_keys_filter(scope) if scope is not none else '' %}

with

abnormal_listings as (

    select * from {{ ref('stg_landing__abnormal_listings') }}
    {{ changed }}

),

serious_listings as (

    select * from {{ ref('stg_landing__serious_listings') }}
    {{ changed }}

),

repair_versions as (

    select * from {{ ref('stg_landing__credit_repairs') }}
    {%- if scope is not none %}
    -- every version of the applications that name a changed list decision in any version
    where {{ versions_naming_changed_keys(scope, ref('stg_landing__credit_repairs'), 'application_id', 'related_record_number') }}
    {%- endif %}

),

credit_repairs as (

    select * from repair_versions
    qualify {{ latest_version('application_id') }}

),

repair_outcomes as (

    select * from {{ ref('ref_credit_repair_outcomes') }}

),

penalties as (

    select * from {{ ref('int_lists__penalties') }}
    {%- if scope is not none %}
    where decision_number in (select related_penalty_number from serious_listings)
    {%- endif %}

),

list_types as (

    select * from {{ ref('ref_list_types') }}

),

list_parameters as (

    select * from {{ ref('rule_list_parameters') }}

),

listing_records as (

    select
        'abnormal' as list_type, uscc, list_decision_number, enterprise_name, list_reason,
        cast(null as string) as related_penalty_number, list_authority, list_date, removal_date, removal_reason,
        removal_authority,
        _batch_id, _producer_code, _producer_dept, _source_file, _row_number, _received_at
    from abnormal_listings

    union all

    select
        'serious' as list_type, uscc, list_decision_number, enterprise_name, list_reason,
        related_penalty_number, list_authority, list_date, removal_date, removal_reason,
        cast(null as string) as removal_authority,
        _batch_id, _producer_code, _producer_dept, _source_file, _row_number, _received_at
    from serious_listings

),

-- 同一列入决定的各个版本：最后收到的版本
listings as (

    select
        *,
        count(*) over (partition by list_type, list_decision_number) as version_count,
        cast(min(_received_at) over (partition by list_type, list_decision_number) as date) as first_received_date
    from listing_records
    qualify {{ latest_version(['list_type', 'list_decision_number']) }}

),

first_reports as (

    select list_type, list_decision_number, _batch_id, _producer_code, _source_file, _row_number
    from listing_records
    qualify {{ latest_version(['list_type', 'list_decision_number'], first=true) }}

),

-- 报送的移出：原因与移出规则的公示原因相同的按该路径；信用修复移出须列入满该规则（移出当日有效）的期限
reported_removals as (

    select
        listings.list_type,
        listings.list_decision_number,
        listings.removal_date as removed_on,
        coalesce(reported_rule.removal_path, 'reported') as removal_path,
        listings.removal_reason as reason,
        listings.removal_authority as authority,
        reported_rule.removal_path is null
        or reported_rule.removal_path != 'repair'
        or listings.removal_date >= listings.list_date + {{ rule_period('reported_rule') }} as is_allowed
    from listings
    left join list_parameters as reported_rule
        on listings.list_type = reported_rule.list_type
        and listings.removal_reason = reported_rule.display_reason
        and {{ rule_in_force('listings.removal_date', 'reported_rule') }}
    where listings.removal_date is not null

),

-- 据以列入的处罚被撤销：自撤销之日起（早于列入的，列入当日）
revocation_removals as (

    select
        listings.list_type,
        listings.list_decision_number,
        greatest(listings.list_date, penalties.revoked_on) as removed_on,
        revoked_rule.display_reason as reason,
        penalties.revoking_authority as authority
    from listings
    inner join penalties
        on listings.related_penalty_number = penalties.decision_number
    inner join list_parameters as revoked_rule
        on revoked_rule.removal_path = 'basis_revoked'
        and listings.list_type = revoked_rule.list_type
        and {{ rule_in_force('penalties.revoked_on', 'revoked_rule') }}
    where penalties.revoked_on is not null

),

-- 获准信用修复：修复决定日即移出日，须列入满修复决定当日有效的规则期限（没有有效规则的不设期限）
repair_removals as (

    select
        listings.list_type,
        listings.list_decision_number,
        credit_repairs.decision_date as removed_on,
        credit_repairs.application_id,
        repair_rule.display_reason as reason,
        credit_repairs.deciding_authority as authority,
        repair_rule.rule_id is null
        or credit_repairs.decision_date >= listings.list_date + {{ rule_period('repair_rule') }} as is_allowed
    from listings
    inner join list_types
        on listings.list_type = list_types.list_type
    inner join credit_repairs
        on listings.uscc = credit_repairs.uscc
        and listings.list_decision_number = credit_repairs.related_record_number
        and list_types.repair_object_type = credit_repairs.repair_object_type
        and listings.list_date <= credit_repairs.decision_date
    inner join repair_outcomes
        on credit_repairs.outcome = repair_outcomes.outcome
        and repair_outcomes.is_approved
    left join list_parameters as repair_rule
        on repair_rule.removal_path = 'repair'
        and listings.list_type = repair_rule.list_type
        and {{ rule_in_force('credit_repairs.decision_date', 'repair_rule') }}

),

-- 期满自动移出：按列入当日有效的名单期限
expiry_removals as (

    select
        listings.list_type,
        listings.list_decision_number,
        cast(listings.list_date + {{ rule_period('period') }} as date) as removed_on,
        period.display_reason as reason,
        period.rule_id
    from listings
    inner join list_parameters as period
        on period.removal_path = 'expiry'
        and listings.list_type = period.list_type
        and {{ rule_in_force('listings.list_date', 'period') }}

),

removal_events as (

    select
        list_type, list_decision_number, removed_on, removal_path, reason, authority,
        cast(null as string) as repair_application_id, 1 as priority
    from reported_removals
    where is_allowed

    union all

    select
        list_type, list_decision_number, removed_on, 'basis_revoked' as removal_path, reason, authority,
        cast(null as string) as repair_application_id, 2 as priority
    from revocation_removals

    union all

    select
        list_type, list_decision_number, removed_on, 'repair' as removal_path, reason, authority,
        application_id as repair_application_id, 3 as priority
    from repair_removals
    where is_allowed

    union all

    select
        list_type, list_decision_number, removed_on, 'expiry' as removal_path, reason,
        cast(null as string) as authority, cast(null as string) as repair_application_id, 4 as priority
    from expiry_removals

),

first_removals as (

    select *
    from removal_events
    qualify row_number() over (
            partition by list_type, list_decision_number
            order by removed_on, priority, repair_application_id
        ) = 1

),

-- 未满规定列入时长、不予提前移出的信用修复（获准的修复决定或报送的信用修复移出）
refused_repairs as (

    select list_type, list_decision_number, min(removed_on) as early_removal_refused_on
    from (
        select list_type, list_decision_number, removed_on
        from repair_removals
        where not is_allowed
        union all
        select list_type, list_decision_number, removed_on
        from reported_removals
        where not is_allowed
    ) as refused
    group by list_type, list_decision_number

),

-- 可申请提前移出（信用修复）之日：与修复的核对同一规则——列入满修复当日有效的规则期限的日子可以移出。规则各版本下
-- 可以移出的日子是 [greatest(列入日期 + 期限, 生效日期), 失效日期]；取此后一直可以移出的最早一日（后续版本都自其生效日
-- 即可移出的那一段的起点），规则收紧（期限变长）后按新期限
early_removal_segments as (

    select
        listings.list_type,
        listings.list_decision_number,
        repair_rule.valid_from,
        repair_rule.valid_to,
        greatest(cast(listings.list_date + {{ rule_period('repair_rule') }} as date), repair_rule.valid_from)
            as segment_start,
        cast(listings.list_date + {{ rule_period('repair_rule') }} as date) <= repair_rule.valid_from
            as open_from_valid_from
    from listings
    inner join list_parameters as repair_rule
        on repair_rule.removal_path = 'repair'
        and listings.list_type = repair_rule.list_type

),

early_removal as (

    select list_type, list_decision_number, min(segment_start) as early_removal_from
    from (
        select
            *,
            coalesce(
                bool_and(open_from_valid_from) over (
                    partition by list_type, list_decision_number
                    order by valid_from
                    rows between 1 following and unbounded following
                ),
                true
            ) as open_ever_after
        from early_removal_segments
    ) as segments
    where open_ever_after
        and (valid_to is null or segment_start <= valid_to)
    group by list_type, list_decision_number

),

final as (

    select
        md5(concat_ws('|', listings.list_type, listings.uscc, listings.list_decision_number)) as listing_id,
        listings.list_type,
        list_types.list_name,
        listings.uscc,
        listings.enterprise_name,
        listings.list_decision_number,
        listings.list_reason,
        listings.related_penalty_number,
        listings.list_authority,
        listings.list_date,
        listings.removal_date as reported_removal_date,
        listings.removal_reason as reported_removal_reason,
        first_removals.removed_on as removal_date,
        first_removals.removal_path,
        first_removals.reason as removal_reason,
        first_removals.authority as removal_authority,
        first_removals.repair_application_id,
        expiry_removals.removed_on as scheduled_expiry_date,
        expiry_removals.rule_id as period_rule_id,
        early_removal.early_removal_from,
        refused_repairs.early_removal_refused_on,
        listings.version_count,
        listings.first_received_date,
        first_reports._batch_id,
        first_reports._producer_code,
        listings._producer_dept,
        first_reports._source_file,
        first_reports._row_number,
        listings._batch_id as last_batch_id
    from listings
    inner join list_types
        on listings.list_type = list_types.list_type
    inner join first_reports
        on listings.list_type = first_reports.list_type
        and listings.list_decision_number = first_reports.list_decision_number
    left join first_removals
        on listings.list_type = first_removals.list_type
        and listings.list_decision_number = first_removals.list_decision_number
    left join expiry_removals
        on listings.list_type = expiry_removals.list_type
        and listings.list_decision_number = expiry_removals.list_decision_number
    left join early_removal
        on listings.list_type = early_removal.list_type
        and listings.list_decision_number = early_removal.list_decision_number
    left join refused_repairs
        on listings.list_type = refused_repairs.list_type
        and listings.list_decision_number = refused_repairs.list_decision_number

)

select * from final
