-- 经营异常名录、严重违法失信名单的列入期间：每个列入决定（名录类型 + 主体 + 列入决定书文号）一行。
-- 列入与移出都是事件（后续批次补报移出日期），从不删除。移出日期取最早发生的一种：
--   1. 报送的移出（最后收到的版本中的移出日期与原因）；
--   2. 获准信用修复（修复对象为该名录、关联文号为列入文号）；严重违法失信名单须列入满规定期限才可提前移出；
--   3. 严重违法失信名单期满自动移出（列入日期 + 列入当日有效的名单期限）。
-- 成员区间为 [list_date, removal_date)：移出当日起不再在名单上。期满日可能在将来（已确定的计划移出）。

with

abnormal_listings as (

    select * from {{ ref('stg_landing__abnormal_listings') }}

),

serious_listings as (

    select * from {{ ref('stg_landing__serious_listings') }}

),

credit_repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}

),

repair_outcomes as (

    select * from {{ ref('ref_credit_repair_outcomes') }}

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
        cast(null as varchar) as related_penalty_number, list_authority, list_date, removal_date, removal_reason,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from abnormal_listings

    union all

    select
        'serious' as list_type, uscc, list_decision_number, enterprise_name, list_reason,
        related_penalty_number, list_authority, list_date, removal_date, removal_reason,
        _batch_id, _producer_code, _source_file, _row_number, _received_at
    from serious_listings

),

-- 同一列入决定的多个版本：列入信息取第一次报送，移出信息取最后收到的版本
listings as (

    select
        list_type,
        uscc,
        list_decision_number,
        min(list_date) as list_date,
        arg_min(enterprise_name, (_received_at, _batch_id, _row_number)) as enterprise_name,
        arg_min(list_reason, (_received_at, _batch_id, _row_number)) as list_reason,
        arg_min(related_penalty_number, (_received_at, _batch_id, _row_number)) as related_penalty_number,
        arg_min(list_authority, (_received_at, _batch_id, _row_number)) as list_authority,
        arg_max(removal_date, (_received_at, _batch_id, _row_number)) as reported_removal_date,
        arg_max(removal_reason, (_received_at, _batch_id, _row_number)) as reported_removal_reason,
        arg_min(_batch_id, (_received_at, _batch_id, _row_number)) as _batch_id,
        arg_min(_producer_code, (_received_at, _batch_id, _row_number)) as _producer_code,
        arg_min(_source_file, (_received_at, _batch_id, _row_number)) as _source_file,
        arg_min(_row_number, (_received_at, _batch_id, _row_number)) as _row_number,
        arg_max(_batch_id, (_received_at, _batch_id, _row_number)) as last_batch_id,
        count(*) as version_count
    from listing_records
    group by list_type, uscc, list_decision_number

),

-- 期满自动移出：按列入当日有效的名单期限
scheduled_expiry as (

    select
        listings.list_type,
        listings.uscc,
        listings.list_decision_number,
        cast(listings.list_date + {{ rule_period('period') }} as date) as scheduled_expiry_date,
        period.rule_id as period_rule_id
    from listings
    inner join list_parameters as period
        on period.rule_id = 'serious_list_period'
        and listings.list_type = period.list_type
        and {{ rule_in_force('listings.list_date', 'period') }}

),

-- 获准信用修复：修复决定日即移出日；提前移出须已列入满规定期限（按修复决定当日有效的规则）
repairs as (

    select
        listings.list_type,
        listings.uscc,
        listings.list_decision_number,
        min(credit_repairs.decision_date) as repair_removal_date,
        arg_min(credit_repairs.application_id, credit_repairs.decision_date) as repair_application_id
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
    left join list_parameters as min_listed
        on min_listed.rule_id = 'serious_list_early_removal_min_listed'
        and listings.list_type = min_listed.list_type
        and {{ rule_in_force('credit_repairs.decision_date', 'min_listed') }}
    where min_listed.rule_id is null
        or credit_repairs.decision_date >= listings.list_date + {{ rule_period('min_listed') }}
    group by all

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
        listings.reported_removal_date,
        listings.reported_removal_reason,
        repairs.repair_removal_date,
        repairs.repair_application_id,
        scheduled_expiry.scheduled_expiry_date,
        scheduled_expiry.period_rule_id,
        least(listings.reported_removal_date, repairs.repair_removal_date, scheduled_expiry.scheduled_expiry_date)
            as removal_date,
        case least(listings.reported_removal_date, repairs.repair_removal_date, scheduled_expiry.scheduled_expiry_date)
            when listings.reported_removal_date then '报送移出'
            when repairs.repair_removal_date then '信用修复移出'
            when scheduled_expiry.scheduled_expiry_date then '期满自动移出'
        end as removal_basis,
        listings.version_count,
        listings._batch_id,
        listings._producer_code,
        listings._source_file,
        listings._row_number,
        listings.last_batch_id
    from listings
    inner join list_types
        on listings.list_type = list_types.list_type
    left join scheduled_expiry
        on listings.list_type = scheduled_expiry.list_type
        and listings.uscc = scheduled_expiry.uscc
        and listings.list_decision_number = scheduled_expiry.list_decision_number
    left join repairs
        on listings.list_type = repairs.list_type
        and listings.uscc = repairs.uscc
        and listings.list_decision_number = repairs.list_decision_number

)

select * from final
