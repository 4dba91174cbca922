-- 分类日：分类日当天（当月），以及此前 score_history_months 个月的月末（月度快照全量重建时回放）。
-- 每个分类日按当日有效的规则、当日之前的记录计算。

with

history as (

    select cast({{ risk_parameter('score_history_months') }} as integer) as months

),

offsets as (

    select unnest(range(0, months + 1)) as months_back
    from history

),

final as (

    select
        case when months_back = 0 then {{ as_of_date() }}
             else cast(last_day({{ as_of_date() }} - to_months(cast(months_back as integer))) as date)
        end as score_date,
        months_back = 0 as is_current
    from offsets

)

select
    score_date,
    cast(date_trunc('month', score_date) as date) as score_month,
    is_current
from final
