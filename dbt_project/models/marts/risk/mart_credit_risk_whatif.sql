-- 情景分析（what-if）：同一分类日，按情景权重（dbt 变量 risk_scenario，默认取参数 whatif_scenario）重新计分，
-- 与现行分类逐户对比。不改变现行分类结果。
-- 增量表：分类日为全部企业重算时、或所选情景改变时全部重写，同一分类日的再次构建只替换变更集中企业的行
-- （int_risk__current_scores 的同一部分；docs/risk.md“增量构建”）。
-- depends_on: {{ ref('int_risk__score_dates') }}
-- depends_on: {{ ref('int_risk__changed_enterprises') }}

{{ config(
    materialized=by_batch_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ clear_recomputed_current_risk_rows(also='scenario_id is distinct from ' ~ whatif_scenario_id()) }}"
) }}

with

scenario as (

    select {{ whatif_scenario_id() }} as scenario_id

),

scores as {{ cte_hint(false) if not is_incremental() else '' }} (

    select * from {{ ref('int_risk__current_scores') }}
    {%- if is_incremental() %}
    -- the rows the pre-hook removed: the change set's, or every enterprise's (then none of the scenario is left)
    where {{ current_risk_rows(ref('int_risk__score_dates'), ref('int_risk__changed_enterprises')) }}
        or not exists (select 1 from {{ this }})
    {%- endif %}

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
