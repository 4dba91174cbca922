-- 分类日（as_of_date）每个情景、每个参与分类的企业的分值与类别：int_risk__scores 在分类日的部分，但总是全部企业。
-- 增量构建时 int_risk__scores 只含本次重算的企业：分类日为全部企业重算时（新的一天、规则或模型改变、全量重建）本表
-- 全部重写，同一分类日的再次构建只替换变更集中企业的行（docs/risk.md“增量构建”）。分类结果、情景分析与双随机抽取读本表。
-- depends_on: {{ ref('int_risk__score_dates') }}
-- depends_on: {{ ref('int_risk__changed_enterprises') }}

{{ config(
    materialized=by_batch_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ clear_recomputed_current_risk_rows() }}"
) }}

select
    scenario_id,
    score_date,
    uscc,
    model_id,
    score,
    contributing_indicator_count,
    top_indicator_code,
    top_contribution,
    risk_class
from {{ ref('int_risk__scores') }}
where score_date = {{ as_of_date() }}
