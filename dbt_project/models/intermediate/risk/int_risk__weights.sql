-- 每个情景、分类日、模型、指标的生效权重。取值顺序（先有先用）：情景×本模型 > 情景×通用模型 >
-- 现行(baseline)×本模型 > 现行×通用模型。通用模型是 licence_type 为空的模型；情景只需列出它改动的权重。
-- 情景（baseline 以外）只在 as_of_date 计算：以前各月只有现行权重。

with

score_dates as (

    select score_date, is_current from {{ ref('int_risk__score_dates') }}

),

models as (

    select * from {{ ref('rule_risk_models') }}

),

indicators as (

    select * from {{ ref('rule_risk_indicators') }}

),

weights as (

    select * from {{ ref('rule_risk_weights') }}

),

scenarios as (

    select distinct scenario_id from weights

),

grid as (

    select
        scenarios.scenario_id, score_dates.score_date, models.model_id, indicators.indicator_code,
        general.model_id as general_model_id
    from scenarios
    cross join score_dates
    inner join models
        on {{ rule_in_force('score_dates.score_date', 'models') }}
    inner join models as general
        on general.licence_type is null
        and {{ rule_in_force('score_dates.score_date', 'general') }}
    inner join indicators
        on {{ rule_in_force('score_dates.score_date', 'indicators') }}
    -- 情景分析只看 as_of_date（mart_credit_risk_whatif）：以前各月的月末只用现行权重（月度快照）
    where scenarios.scenario_id = 'baseline' or score_dates.is_current

),

candidates as (

    select
        grid.scenario_id, grid.score_date, grid.model_id, grid.indicator_code,
        weights.weight,
        weights.scenario_id as weight_scenario_id,
        weights.model_id as weight_model_id,
        {{ risk_rule_precedence('weights', 'grid') }} as precedence
    from grid
    inner join weights
        on grid.indicator_code = weights.indicator_code
        and {{ risk_rule_fallback_join('weights', 'grid') }}

),

resolved as (

    select * from candidates
    qualify row_number() over (partition by scenario_id, score_date, model_id, indicator_code order by precedence) = 1

)

select
    scenario_id, score_date, model_id, indicator_code, weight,
    concat(weight_scenario_id, '/', weight_model_id) as weight_origin,
    cast(
        {{ exact_sum('weight') }} over (partition by scenario_id, score_date, model_id) as double
    ) as model_total_weight
from resolved
