-- 信用风险分类月度快照：(score_month, uscc) 一行，窗口为 as_of_date 所在月及此前 score_history_months 个月。
-- 全量重建回放窗口内每个月末的分类（按各月末有效的规则），再加当月。增量构建（docs/risk.md“增量构建”）重算当月与
-- 尚未按月末算过的月份（全部企业），其余月份只重算变更集中的企业；结果与全量重建相同（tests/e2e/test_incremental_build.py）。
-- depends_on: {{ ref('int_risk__changed_enterprises') }}

{{ config(
    materialized=by_batch_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ clear_recomputed_risk_months() }}"
) }}

with

scores as (

    select * from {{ ref('int_risk__scores') }}
    where scenario_id = 'baseline'

),

score_dates as (

    select * from {{ ref('int_risk__score_dates') }}

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
