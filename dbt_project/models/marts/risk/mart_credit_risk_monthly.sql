-- 信用风险分类月度快照：(score_month, uscc) 一行，窗口为 as_of_date 所在月及此前 score_history_months 个月。
-- 全量重建回放窗口内每个月末的分类（按各月末有效的规则），再加当月。增量构建（docs/risk.md“增量构建”）重算当月与
-- 尚未按月末算过的月份（全部企业），其余月份只重算变更集中的企业；结果与全量重建相同（tests/e2e/test_incremental_build.py）。
-- previous_risk_class（上月类别）随行写下，类别迁移矩阵（mart_credit_risk_migrations）因此只需聚合本表一遍，不必把
-- 全部月份与其上月逐户连接：上月的行若也在本次重算之列，取重算的；否则取快照中保留的（只可能是全部企业重算的首月之前
-- 的那个月：变更集中的企业各月全部重算）。
-- depends_on: {{ ref('int_risk__changed_enterprises') }}

{{ config(
    materialized=by_batch_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ clear_recomputed_risk_months() }}"
) }}

with

scores as (

    select * from {{ ref('int_risk__scores') }}
    where scenario_id = 'baseline'

),

score_dates as (

    select * from {{ ref('int_risk__score_dates') }}

),

recomputed as (

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

),

-- 上月类别：把本次重算的行与快照中保留的上月行排在一起，按企业、月份取前一行（lag），前一行恰是上个月时取其类别。
-- 不把重算的行与自身按（企业, 上月）连接：10 M 企业全量重建时那是 1.3 亿行对 1.3 亿行的哈希连接，超出内存上限而
-- 落盘；按企业分区排序所需内存少得多。两部分不会有同一（企业, 月份）：快照中被重算的行已由前置钩子删去。
snapshot_rows as (

    select score_month, score_date, uscc, model_id, score, risk_class, true as is_recomputed
    from recomputed
    {%- if is_incremental() %}
    union all
    select score_month, score_date, uscc, model_id, score, risk_class, false as is_recomputed
    from {{ this }}
    where score_month in (
        select cast(score_month - {{ months_interval(1) }} as date) from score_dates where not changed_only
    )
    {%- endif %}

),

with_previous as (

    select
        snapshot_rows.*,
        lag(snapshot_rows.risk_class) over (
            partition by snapshot_rows.uscc order by snapshot_rows.score_month
        ) as preceding_class,
        lag(snapshot_rows.score_month) over (
            partition by snapshot_rows.uscc order by snapshot_rows.score_month
        ) as preceding_month
    from snapshot_rows

)

select
    score_month,
    score_date,
    uscc,
    model_id,
    score,
    risk_class,
    case
        when preceding_month = cast(score_month - {{ months_interval(1) }} as date) then preceding_class
    end as previous_risk_class
from with_previous
where is_recomputed
