-- 截至 as_of 日仍有效的不予公示标记：每个标记编号取最新版本（解除以同一编号补报，macro latest_holds），审批日已到、
-- 尚未解除。已解除的标记见 macro hold_releases_for：公示模型据此从解除之日起公示当时被扣留的记录。
-- 只供发布作业扣留记录并计数；本模型字段一律不进入公示文件。

with

latest as (

    {{ latest_holds() }}

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
