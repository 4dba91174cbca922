-- 公示率、及时率、准确率（鲁工商信用〔2016〕：行政处罚 100% 公示，确保公示率、及时率和准确率），
-- 按决定机关 × 记录类型 × 决定月份；各率同时给出分子分母，任意期间的比率 = 该期间分子之和 ÷ 分母之和
-- （publication.rates.summarise 即如此汇总）。
--   公示率 = 已公示 ÷ 应公示。应公示：已入库且未被规则排除、未撤下、未扣留的记录，加上被隔离且始终没有合格版本入库的记录。
--   及时率 = 决定后在公示时限（rule_publication_periods.publish_deadline，工作日）内送达发布作业的 ÷ 已公示且有时限的。
--   准确率 = 通过数据合同校验的行 ÷ 收到的行（入库行 + 隔离行，含同一记录的各个版本）。

with

record_types as (

    select * from {{ ref('ref_publication_record_types') }}

),

judged as (

    select
        'penalties' as record_type, decision_number as record_key, authority_name as department, decision_date,
        publication_state, is_published_on_time
    from {{ ref('int_publication__penalties') }}
    union all
    select 'licences', licence_number, authority_name, decision_date, publication_state, is_published_on_time
    from {{ ref('int_publication__licences') }}
    union all
    select
        'inspections', task_id || '/' || uscc, inspecting_unit, inspection_date, publication_state,
        is_published_on_time
    from {{ ref('int_publication__inspections') }}
    union all
    select record_type, list_decision_number, list_authority, list_date, publication_state, is_published_on_time
    from {{ ref('int_publication__list_entries') }}

),

landed_rows as (

    select 'penalties' as record_type, authority_name as department, decision_date
    from {{ ref('stg_landing__penalties') }}
    where {{ received_by() }}
    union all
    select 'licences', authority_name, decision_date
    from {{ ref('stg_landing__licences') }}
    where {{ received_by() }}
    union all
    select 'inspections', inspecting_unit, inspection_date
    from {{ ref('stg_landing__inspections') }}
    where {{ received_by() }}
    union all
    select 'abnormal_list', list_authority, list_date
    from {{ ref('stg_landing__abnormal_listings') }}
    where {{ received_by() }}
    union all
    select 'serious_list', list_authority, list_date
    from {{ ref('stg_landing__serious_listings') }}
    where {{ received_by() }}

),

batches as (

    select * from {{ ref('stg_landing__batches') }}

),

-- 隔离行：一行一条原始记录（隔离区每条原因一行），机关、日期、主键按合同中文名从原始记录中取
rejected_rows as (

    select distinct rejects._feed, rejects._batch_id, rejects._row_number, rejects.raw_record
    from {{ ref('stg_landing__rejects') }} as rejects
    inner join batches on rejects._batch_id = batches.batch_id
    where cast(batches.received_at as date) <= {{ as_of_date() }}

),

rejected as (

    select
        record_types.record_type,
        coalesce(
            nullif(
                trim({{ json_member_text('rejected_rows.raw_record', 'record_types.authority_label') }}), ''
            ),
            batches.producer_dept
        ) as department,
        coalesce(
            {{ parse_date_formats(
                'trim(' ~ json_member_text('rejected_rows.raw_record', 'record_types.date_label') ~ ')',
                ['%Y-%m-%d', '%Y/%m/%d', '%Y年%m月%d日']
            ) }},
            cast(batches.received_at as date)
        ) as decision_date,
        trim({{ json_member_text('rejected_rows.raw_record', 'record_types.key_label') }})
        || coalesce(
            '/' || trim({{ json_member_text('rejected_rows.raw_record', 'record_types.subject_label') }}), ''
        )
            as record_key
    from rejected_rows
    inner join record_types on rejected_rows._feed = record_types.feed
    inner join batches on rejected_rows._batch_id = batches.batch_id
    where record_types.record_type in (select distinct record_type from judged)

),

-- 被隔离且没有任何合格版本入库的记录：应公示而未公示
never_landed as (

    select distinct rejected.record_type, rejected.record_key, rejected.department, rejected.decision_date
    from rejected
    left join judged
        on rejected.record_type = judged.record_type and rejected.record_key = judged.record_key
    where judged.record_key is null

),

publicity as (

    select
        record_type,
        department,
        cast(date_trunc('month', decision_date) as date) as period_month,
        count(*) filter (where publication_state in ('published', 'stopped', 'expired')) as published_count,
        count(*) filter (where publication_state in ('published', 'stopped', 'expired')) as publishable_landed_count,
        count(
            *) filter (
            where publication_state in ('published', 'stopped', 'expired')
            and is_published_on_time is not null
        ) as due_count,
        count(*) filter (
            where publication_state in ('published', 'stopped', 'expired') and is_published_on_time
        ) as on_time_count,
        count(*) filter (where publication_state = 'withheld') as withheld_count,
        count(*) filter (where publication_state = 'excluded') as excluded_count,
        count(*) filter (where publication_state = 'withdrawn') as withdrawn_count
    from judged
    group by all

),

missing as (

    select
        record_type, department, cast(date_trunc('month', decision_date) as date) as period_month,
        count(*) as never_landed_count
    from never_landed
    group by all

),

received as (

    select
        record_type, department, cast(date_trunc('month', decision_date) as date) as period_month,
        count(*) as rows_passed, 0 as rows_rejected
    from landed_rows
    group by all
    union all
    select record_type, department, cast(date_trunc('month', decision_date) as date), 0, count(*)
    from rejected
    group by all

),

accuracy as (

    select
        record_type, department, period_month, cast(sum(rows_passed) as bigint) as rows_passed,
        cast((sum(rows_passed) + sum(rows_rejected)) as bigint) as rows_received
    from received
    group by all

),

keys as (

    select record_type, department, period_month from publicity
    union
    select record_type, department, period_month from missing
    union
    select record_type, department, period_month from accuracy

),

final as (

    select
        keys.record_type,
        record_types.title as record_title,
        coalesce(keys.department, '（未填写）') as department,
        keys.period_month,
        coalesce(publicity.publishable_landed_count, 0) + coalesce(missing.never_landed_count, 0) as publishable_count,
        coalesce(publicity.published_count, 0) as published_count,
        coalesce(publicity.published_count, 0)
        / nullif(coalesce(publicity.publishable_landed_count, 0) + coalesce(missing.never_landed_count, 0), 0)
            as publicity_rate,
        coalesce(publicity.due_count, 0) as due_count,
        coalesce(publicity.on_time_count, 0) as on_time_count,
        coalesce(publicity.on_time_count, 0) / nullif(coalesce(publicity.due_count, 0), 0) as timeliness_rate,
        coalesce(accuracy.rows_received, 0) as rows_received,
        coalesce(accuracy.rows_passed, 0) as rows_passed,
        coalesce(accuracy.rows_passed, 0) / nullif(coalesce(accuracy.rows_received, 0), 0) as accuracy_rate,
        coalesce(publicity.withheld_count, 0) as withheld_count,
        coalesce(publicity.excluded_count, 0) as excluded_count,
        coalesce(publicity.withdrawn_count, 0) as withdrawn_count,
        {{ as_of_date() }} as as_of_date
    from keys
    inner join record_types on keys.record_type = record_types.record_type
    left join publicity
        on keys.record_type = publicity.record_type and keys.department is not distinct from publicity.department
        and keys.period_month is not distinct from publicity.period_month
    left join missing
        on keys.record_type = missing.record_type and keys.department is not distinct from missing.department
        and keys.period_month is not distinct from missing.period_month
    left join accuracy
        on keys.record_type = accuracy.record_type and keys.department is not distinct from accuracy.department
        and keys.period_month is not distinct from accuracy.period_month

)

select * from final
