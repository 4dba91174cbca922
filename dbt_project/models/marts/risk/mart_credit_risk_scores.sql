-- 企业信用风险分类结果（现行规则，分类日 = as_of_date）：每个参与分类的企业一行，分值、类别、所用模型，
-- 以及贡献最大的指标。各指标明细见 mart_credit_risk_indicators。

-- 增量表：分类日为全部企业重算时全部重写，同一分类日的再次构建只替换变更集中企业的行（int_risk__scores 此时只含这些企业；
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

scores as (

    select * from {{ ref('int_risk__scores') }}
    where scenario_id = 'baseline'
        and score_date = {{ as_of_date() }}

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}

),

models as (

    select * from {{ ref('rule_risk_models') }}
    where {{ rule_in_force(as_of_date()) }}

),

classes as (

    select * from {{ ref('int_risk__class_thresholds') }}
    where scenario_id = 'baseline'
        and score_date = {{ as_of_date() }}

),

indicators as (

    select * from {{ ref('rule_risk_indicators') }}
    where {{ rule_in_force(as_of_date()) }}

)

select
    scores.score_date as as_of_date,
    scores.uscc,
    enterprises.enterprise_name,
    enterprises.region_code,
    enterprises.region_name,
    enterprises.industry_code,
    enterprises.industry_name,
    scores.model_id,
    models.model_name,
    cast(scores.score as double) as score,
    scores.risk_class,
    classes.risk_class_name,
    cast(scores.contributing_indicator_count as integer) as contributing_indicator_count,
    scores.top_indicator_code,
    indicators.indicator_name as top_indicator_name,
    cast(scores.top_contribution as double) as top_contribution
from scores
inner join enterprises
    on scores.uscc = enterprises.uscc
inner join models
    on scores.model_id = models.model_id
left join classes
    on scores.model_id = classes.model_id
    and scores.risk_class = classes.risk_class
left join indicators
    on scores.top_indicator_code = indicators.indicator_code
