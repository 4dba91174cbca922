-- 经营异常名录（截至 as_of_date 在列的主体）：每个在列的列入决定一行，附届满 3 年转严重违法失信名单的到期日。

with

history as (

    select * from {{ ref('mart_abnormal_list_history') }}

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
        history.list_authority,
        history.valid_from as list_date,
        {{ days_between('history.valid_from', as_of_date()) }} as days_listed,
        cast(history.valid_from + {{ rule_period('to_serious') }} as date) as serious_list_due_date,
        to_serious.source as serious_list_due_source,
        {{ as_of_date() }} as as_of_date
    from history
    left join list_parameters as to_serious
        on to_serious.rule_id = 'abnormal_to_serious_period'
        and {{ rule_in_force('history.valid_from', 'to_serious') }}
    where history.valid_from <= {{ as_of_date() }}
        and (history.valid_to is null or history.valid_to > {{ as_of_date() }})

)

select * from final
