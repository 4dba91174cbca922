-- 截至 as_of 日仍有效的不予公示标记：每个标记编号取最新版本（解除以同一编号补报），审批日已到、尚未解除。
-- 只供发布作业扣留记录并计数；本模型字段一律不进入公示文件。

with

holds as (

    select * from {{ ref('stg_landing__disclosure_holds') }}
    where cast(_received_at as date) <= {{ as_of_date() }}

),

latest as (

    select *
    from holds
    qualify row_number() over (
            partition by hold_id
            order by _received_at desc, _batch_id desc, _row_number desc
        ) = 1

),

final as (

    select
        hold_id,
        record_type as record_label,
        record_number,
        uscc,
        hold_reason,
        approved_date,
        hold_end
    from latest
    where approved_date <= {{ as_of_date() }}
        and (hold_end is null or hold_end > {{ as_of_date() }})

)

select * from final
