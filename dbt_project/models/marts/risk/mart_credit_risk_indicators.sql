-- 分类依据（现行规则，分类日 = as_of_date）：企业 × 指标一行，原始值、标准化值、权重、贡献。
-- 只列出贡献不为 0 的指标；同一企业各行贡献之和等于 mart_credit_risk_scores 的分值（四舍五入前）。

-- 增量表：分类日为全部企业重算时全部重写，同一分类日的再次构建只替换变更集中企业的行（int_risk__indicator_contributions 此时只含这些企业；
-- docs/risk.md“增量构建”）。
-- depends_on: {{ ref('int_risk__score_dates') }}
-- depends_on: {{ ref('int_risk__changed_enterprises') }}

{{ config(
    materialized=by_batch_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ clear_recomputed_current_risk_rows() }}"
) }}

with

contributions as (

    select * from {{ ref('int_risk__indicator_contributions') }}
    where scenario_id = 'baseline'
        and score_date = {{ as_of_date() }}

),

indicators as (

    select * from {{ ref('rule_risk_indicators') }}
    where {{ rule_in_force(as_of_date()) }}

)

select
    contributions.score_date as as_of_date,
    contributions.uscc,
    contributions.model_id,
    contributions.indicator_code,
    contributions.indicator_group,
    contributions.indicator_name,
    indicators.lookback_months,
    indicators.cap_value,
    indicators.direction,
    cast(contributions.raw_value as double) as raw_value,
    cast(contributions.normalised_value as double) as normalised_value,
    cast(contributions.weight as double) as weight,
    contributions.weight_origin,
    cast(contributions.model_total_weight as double) as model_total_weight,
    cast(round(contributions.contribution, 4) as double) as contribution
from contributions
inner join indicators
    on contributions.indicator_code = indicators.indicator_code
