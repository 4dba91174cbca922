-- 公示用列入经营异常名录信息：列入与移出均公示，已移出的记录保留并带移出日期、原因与决定机关（移出是历史，不删除）。
-- 移出日期、原因与机关取名录模型 int_lists__list_periods（经 int_publication__list_entries）。

with

entries as (

    select * from {{ ref('int_publication__list_entries') }}
    where record_type = 'abnormal_list' and publication_state = 'published'

),

final as (

    select
        list_decision_number,
        uscc,
        enterprise_name,
        list_reason,
        list_date,
        list_authority,
        removal_reason,
        removal_date,
        removal_authority,
        publicity_start,
        source_batch_id
    from entries

)

select * from final
