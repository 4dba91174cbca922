-- 严重违法失信名单（截至 as_of_date 在列的主体）：每个在列的列入决定一行，附可申请提前移出之日与期满移出日。
-- 在列与否、可申请提前移出之日都取名录模型（int_lists__list_periods，经 mart_serious_list_history），不另行推导。

with

history as (

    select * from {{ ref('mart_serious_list_history') }}

),

final as (

    select
        history.listing_id,
        history.uscc,
        history.enterprise_name,
        history.region_code,
        history.list_decision_number,
        history.list_reason,
        history.related_penalty_number,
        history.list_authority,
        history.valid_from as list_date,
        {{ days_between('history.valid_from', as_of_date()) }} as days_listed,
        history.early_removal_from,
        case when history.early_removal_refused_on <= {{ as_of_date() }} then history.early_removal_refused_on end
            as early_removal_refused_on,
        history.scheduled_expiry_date,
        {{ as_of_date() }} as as_of_date
    from history
    where history.valid_from <= {{ as_of_date() }}
        and (history.valid_to is null or history.valid_to > {{ as_of_date() }})

)

select * from final
