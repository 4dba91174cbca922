-- 信用风险分类月度快照：(score_month, uscc) 一行。增量运行只重算 as_of_date 所在月（先删该月再插入，
-- 同月重跑结果相同）；全量重建回放 score_history_months 个月的月末分类（按各月末有效的规则），再加当月。

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='score_month',
    on_schema_change='fail'
) }}

with

scores as (

    select * from {{ ref('int_risk__scores') }}
    where scenario_id = 'baseline'

),

score_dates as (

    select * from {{ ref('int_risk__score_dates') }}
    {% if is_incremental() %}
    where is_current
    {% endif %}

)

select
    score_dates.score_month,
    scores.score_date,
    scores.uscc,
    scores.model_id,
    cast(scores.score as double) as score,
    scores.risk_class
from scores
inner join score_dates
    on scores.score_date = score_dates.score_date
