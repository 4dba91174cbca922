-- 每个情景下企业 × 指标的贡献：贡献 = 100 × 权重 × 标准化值 / 模型权重合计（分值 0–100，贡献之和即分值）。

with

indicator_values as (

    select * from {{ ref('int_risk__indicator_values') }}

),

weights as (

    select * from {{ ref('int_risk__weights') }}

)

select
    weights.scenario_id,
    indicator_values.score_date,
    indicator_values.uscc,
    indicator_values.model_id,
    indicator_values.indicator_code,
    indicator_values.indicator_group,
    indicator_values.indicator_name,
    indicator_values.raw_value,
    indicator_values.normalised_value,
    weights.weight,
    weights.weight_origin,
    weights.model_total_weight,
    100.0 * weights.weight * indicator_values.normalised_value / nullif(weights.model_total_weight, 0) as contribution
from indicator_values
inner join weights
    on indicator_values.score_date = weights.score_date
    and indicator_values.model_id = weights.model_id
    and indicator_values.indicator_code = weights.indicator_code
