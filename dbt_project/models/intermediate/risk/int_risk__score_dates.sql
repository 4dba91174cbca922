-- 分类日：分类日当天（当月）；月度快照需要全量重建时（--full-refresh，或快照表尚不存在），再加此前
-- score_history_months 个月的月末，按各月末有效的规则回放。日常运行只算当天，10 M 企业也只算一遍。
-- 每个分类日按当日有效的规则、当日之前的记录计算。

{%- set monthly = adapter.get_relation(database=target.database, schema=target.schema,
                                        identifier='mart_credit_risk_monthly') if execute else none %}
{%- set replay = flags.FULL_REFRESH or monthly is none %}

with

history as (

    select {% if replay %}cast({{ risk_parameter('score_history_months') }} as integer){% else %}0{% endif %} as months

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
