-- 未记于任何主体名下的信用记录（报送时无统一社会信用代码、按组织机构代码、注册号、名称 + 区划也关联不上）：每条一行，写明原因与来源，
-- 供数据质量人员补正或退回生产部门。自然人的记录也列在这里（原因：行政相对人为自然人）。

with

events as (

    select * from {{ ref('fct_credit_events') }}
    where not is_linked

),

record_links as (

    select * from {{ ref('int_linkage__record_links') }}

),

final as (

    select
        events.event_id,
        events.feed,
        events.event_type,
        events.event_date,
        events.record_key,
        events.subject_name,
        record_links.region_hint,
        coalesce(events.unlinked_reason, record_links.unlinked_reason) as unlinked_reason,
        coalesce(record_links.candidate_count, 0) as candidate_count,
        events._batch_id,
        events._producer_code,
        events._source_file,
        events._row_number
    from events
    left join record_links
        on events.event_id = record_links.source_row_id

)

select * from final
