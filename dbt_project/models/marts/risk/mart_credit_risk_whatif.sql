-- 情景分析（what-if）：同一分类日，按情景权重（dbt 变量 risk_scenario，默认取参数 whatif_scenario）重新计分，
-- 与现行分类逐户对比。不改变现行分类结果。

with

scenario as (

    select coalesce(
        {{ "'" ~ var('risk_scenario') ~ "'" if var('risk_scenario', none) else 'null' }},
        {{ risk_parameter('whatif_scenario', 'value_text') }}
    ) as scenario_id

),

scores as (

    select * from {{ ref('int_risk__current_scores') }}

),

baseline as (

    select * from scores
    where scenario_id = 'baseline'

),

alternative as (

    select scores.* from scores
    inner join scenario
        on scores.scenario_id = scenario.scenario_id

)

select
    baseline.score_date as as_of_date,
    alternative.scenario_id,
    baseline.uscc,
    baseline.model_id,
    cast(baseline.score as double) as baseline_score,
    baseline.risk_class as baseline_class,
    cast(alternative.score as double) as scenario_score,
    alternative.risk_class as scenario_class,
    cast(round(alternative.score - baseline.score, 4) as double) as score_change,
    baseline.risk_class <> alternative.risk_class as is_class_changed,
    case
        when alternative.risk_class > baseline.risk_class then 'up'
        when alternative.risk_class < baseline.risk_class then 'down'
        else 'same'
    end as class_change_direction
from baseline
inner join alternative
    on baseline.uscc = alternative.uscc
