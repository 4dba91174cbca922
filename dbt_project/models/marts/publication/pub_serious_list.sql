-- 公示用列入严重违法失信名单信息：列入与移出均公示，已移出的记录保留并带移出日期与原因（移出是历史，不删除）。
-- 移出日期与原因取名录模型 int_lists__list_periods（经 int_publication__list_entries），与名单集市、联合惩戒一致。

with

entries as (

    select * from {{ ref('int_publication__list_entries') }}
    where record_type = 'serious_list' and publication_state = 'published'

),

final as (

    select
        list_decision_number,
        uscc,
        enterprise_name,
        list_reason,
        related_penalty_number,
        list_date,
        list_authority,
        removal_reason,
        removal_date,
        publicity_start,
        source_batch_id
    from entries

)

select * from final
