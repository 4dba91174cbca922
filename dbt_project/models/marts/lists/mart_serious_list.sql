-- 严重违法失信名单（截至 as_of_date 在列的主体）：每个在列的列入决定一行，附可申请提前移出之日与期满移出日。

with

history as (

    select * from {{ ref('mart_serious_list_history') }}

),

list_parameters as (

    select * from {{ ref('rule_list_parameters') }}

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
        {{ as_of_date() }} - history.valid_from as days_listed,
        cast(history.valid_from + {{ rule_period('min_listed') }} as date) as early_removal_from,
        history.scheduled_expiry_date,
        {{ as_of_date() }} as as_of_date
    from history
    left join list_parameters as min_listed
        on min_listed.rule_id = 'serious_list_early_removal_min_listed'
        and {{ rule_in_force(as_of_date(), 'min_listed') }}
    where history.valid_from <= {{ as_of_date() }}
        and (history.valid_to is null or history.valid_to > {{ as_of_date() }})

)

select * from final
