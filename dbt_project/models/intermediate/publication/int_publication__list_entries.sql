-- 经营异常名录、严重违法失信名单的公示判断：每个列入决定书文号取截至 as_of 日已收到的最新版本。
-- 移出是历史而非删除：移出日期取最早发生的一项——报送的移出（日期已到）、准予信用修复（规则 stop）、
-- 名单期限届满（与名单模型同一规则行 rule_list_parameters.serious_list_period，严重违法失信名单3年）；
-- 移出后的记录继续公示并带移出日期与原因。公示的移出原因是合同代码表中的值：报送的原样公示，信用修复与期满移出
-- 取规则行的 display_reason（SQL 中不写原因文字；tests/unit/test_vocabulary.py 逐一核对）。

with

abnormal_versions as (

    select *, 'abnormal_list' as record_type, cast(null as varchar) as related_penalty_number
    from {{ ref('stg_landing__abnormal_listings') }}
    where cast(_received_at as date) <= {{ as_of_date() }}

),

serious_versions as (

    select *, 'serious_list' as record_type, cast(null as varchar) as removal_authority
    from {{ ref('stg_landing__serious_listings') }}
    where cast(_received_at as date) <= {{ as_of_date() }}

),

versions as (

    select * from abnormal_versions
    union all by name
    select * from serious_versions

),

repairs as (

    select * from {{ ref('stg_landing__credit_repairs') }}
    where cast(_received_at as date) <= {{ as_of_date() }} and decision_date <= {{ as_of_date() }}

),

rules as (

    select * from {{ ref('rule_publication_actions') }}
    where source_feed = 'credit_repairs' and action = 'stop'

),

-- 名单期限与期满移出原因：名单模型（int_lists__list_periods）所用的同一规则行
terms as (

    select 'serious_list' as record_type, period.*
    from {{ ref('rule_list_parameters') }} as period
    where period.rule_id = 'serious_list_period' and period.list_type = 'serious'

),

deadlines as (

    select * from {{ ref('rule_publication_periods') }}
    where parameter = 'publish_deadline'

),

record_types as (

    select * from {{ ref('ref_publication_record_types') }}

),

holds as (

    select record_types.record_type, holds.record_number, min(holds.hold_id) as hold_id
    from {{ ref('int_publication__holds') }} as holds
    inner join record_types on holds.record_label = record_types.record_label
    group by record_types.record_type, holds.record_number

),


latest as (

    select
        *,
        min(cast(_received_at as date)) over (partition by record_type, list_decision_number) as first_received_date
    from versions
    qualify row_number() over (
            partition by record_type, list_decision_number
            order by _received_at desc, _batch_id desc, _row_number desc
        ) = 1

),

repair_removals as (

    select
        record_types.record_type, repairs.related_record_number as list_decision_number,
        min(repairs.decision_date) as removed_on, min(rules.display_reason) as reason,
        min(repairs.deciding_authority) as authority
    from repairs
    inner join record_types on repairs.repair_object_type = record_types.record_label
    inner join rules
        on record_types.record_type = rules.record_type
        and rules.field = 'outcome'
        and repairs.outcome = rules.value
        and {{ rule_in_force('repairs.decision_date', 'rules') }}
    group by record_types.record_type, repairs.related_record_number

),

term_removals as (

    select
        latest.record_type, latest.list_decision_number,
        cast(latest.list_date + {{ rule_period('terms') }} as date) as removed_on, terms.display_reason as reason
    from latest
    inner join terms
        on latest.record_type = terms.record_type
        and {{ rule_in_force('latest.list_date', 'terms') }}
    where cast(latest.list_date + {{ rule_period('terms') }} as date) <= {{ as_of_date() }}

),

removals as (

    select
        record_type, list_decision_number, removal_date as removed_on, removal_reason as reason,
        removal_authority as authority, 1 as priority
    from latest
    where removal_date is not null and removal_date <= {{ as_of_date() }}

    union all

    select record_type, list_decision_number, removed_on, reason, authority, 2 from repair_removals

    union all

    select record_type, list_decision_number, removed_on, reason, null, 3 from term_removals

),

first_removal as (

    select *
    from removals
    qualify row_number() over (partition by record_type, list_decision_number order by removed_on, priority) = 1

),

final as (

    select
        latest.record_type,
        latest.list_decision_number,
        latest.uscc,
        latest.enterprise_name,
        latest.list_reason,
        latest.list_date,
        latest.list_authority,
        latest.related_penalty_number,
        first_removal.removed_on as removal_date,
        first_removal.reason as removal_reason,
        first_removal.authority as removal_authority,
        latest.first_received_date as publicity_start,
        deadline.calendar_date as publish_due_date,
        latest.first_received_date <= deadline.calendar_date as is_published_on_time,
        holds.hold_id is not null as is_withheld,
        case when holds.hold_id is not null then 'withheld' else 'published' end as publication_state,
        latest._producer_dept,
        latest._batch_id as source_batch_id
    from latest
    left join first_removal using (record_type, list_decision_number)
    left join holds
        on latest.record_type = holds.record_type and latest.list_decision_number = holds.record_number
    left join deadlines
        on latest.record_type = deadlines.record_type
        and {{ rule_in_force('latest.list_date', 'deadlines') }}
    {{ join_working_days_after('latest.list_date', 'deadlines.quantity', 'deadline') }}

)

select * from final
