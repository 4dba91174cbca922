-- 同一规则、同一结果：公示中“期满自动移出”的严重违法失信名单记录，移出日期必须等于名单模型按列入当日有效的
-- 名单期限（rule_list_parameters.serious_list_period）算出的期满日；惩戒事由的自然届满日同样取自名单模型。
-- 返回不一致的列入决定（应为空）。

with

published as (

    select list_decision_number, uscc, removal_date
    from {{ ref('int_publication__list_entries') }}
    where record_type = 'serious_list' and removal_reason = '期满自动移出'

),

bases as (

    select basis_number as list_decision_number, uscc, planned_end
    from {{ ref('int_punishment__bases') }}
    where basis_type = 'serious_list'

),

periods as (

    select list_decision_number, uscc, scheduled_expiry_date
    from {{ ref('int_lists__list_periods') }}
    where list_type = 'serious'

)

select 'publication' as consumer, published.list_decision_number, published.removal_date as consumer_date,
    periods.scheduled_expiry_date
from published
left join periods using (list_decision_number, uscc)
where periods.scheduled_expiry_date is distinct from published.removal_date

union all

select 'punishment', bases.list_decision_number, bases.planned_end, periods.scheduled_expiry_date
from bases
inner join periods using (list_decision_number, uscc)
where periods.scheduled_expiry_date is distinct from bases.planned_end
