-- 经营异常名录、严重违法失信名单的公示判断：每个列入决定书文号一行，截至 as_of 日已收到（首次报送不晚于 as_of 日）的列入。
-- 列入信息、移出日期、移出路径与原因都取名录模型 int_lists__list_periods（报送移出、据以列入的处罚被撤销、信用修复——
-- 严重违法失信名单须列入满规定期限——与期满自动移出中最早者，原因取 rule_list_parameters 的 display_reason 或报送原文），
-- 不另行推导；这里只判断截至 as_of 日移出是否已发生、是否扣留与公示时限。移出是历史而非删除：移出后的记录继续公示并带
-- 移出日期与原因（tests/unit/test_vocabulary.py 核对公示的原因都在合同代码表中）。

with

periods as (

    select * from {{ ref('int_lists__list_periods') }}
    where first_received_date <= {{ as_of_date() }}

),

-- 名录类型对应的公示记录类型（ref_publication_record_types）；逐个名录选取，公示模型按记录类型筛选时只读到本名录的行
entries as (

    select 'abnormal_list' as record_type, periods.*
    from periods
    where periods.list_type = 'abnormal'

    union all

    select 'serious_list' as record_type, periods.*
    from periods
    where periods.list_type = 'serious'

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

final as (

    select
        entries.record_type,
        entries.list_decision_number,
        entries.uscc,
        entries.enterprise_name,
        entries.list_reason,
        entries.list_date,
        entries.list_authority,
        entries.related_penalty_number,
        case when entries.removal_date <= {{ as_of_date() }} then entries.removal_date end as removal_date,
        case when entries.removal_date <= {{ as_of_date() }} then entries.removal_path end as removal_path,
        case when entries.removal_date <= {{ as_of_date() }} then entries.removal_reason end as removal_reason,
        case when entries.removal_date <= {{ as_of_date() }} then entries.removal_authority end as removal_authority,
        entries.first_received_date as publicity_start,
        deadline.calendar_date as publish_due_date,
        entries.first_received_date <= deadline.calendar_date as is_published_on_time,
        holds.hold_id is not null as is_withheld,
        case when holds.hold_id is not null then 'withheld' else 'published' end as publication_state,
        entries._producer_dept,
        entries.last_batch_id as source_batch_id
    from entries
    left join holds
        on entries.record_type = holds.record_type and entries.list_decision_number = holds.record_number
    left join deadlines
        on entries.record_type = deadlines.record_type
        and {{ rule_in_force('entries.list_date', 'deadlines') }}
    {{ working_days_after('entries.list_date', 'deadlines.quantity', 'deadline') }}

)

select * from final
