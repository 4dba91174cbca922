-- 每个情景、分类日、企业的信用风险分值与类别。贡献 = 100 × 权重 × 标准化值 / 模型权重合计；
-- 分值 = 贡献之和（四位小数，精确求和：与相加顺序无关），类别 = 分值落入的 [下限, 上一类下限) 区间。没有任何指标行的
-- 企业分值为 0。贡献最大的指标并列时取指标代码最小者。

with

enterprise_models as (

    select * from {{ ref('int_risk__enterprise_models') }}

),

contributions as (

    select * from {{ ref('int_risk__indicator_contributions') }}

),

weights as (

    select * from {{ ref('int_risk__weights') }}

),

thresholds as (

    select * from {{ ref('int_risk__class_thresholds') }}

),

-- 每个分类日计算的情景（int_risk__weights：情景分析只在 as_of_date，以前各月只有 baseline）
scenario_dates as (

    select distinct scenario_id, score_date from weights

),

totals as (

    select
        scenario_id, score_date, uscc,
        cast({{ exact_sum('contribution') }} as double) as score,
        count(*) filter (where contribution > 0) as contributing_indicator_count,
        {{ first_ordered('indicator_code', ['contribution desc', 'indicator_code asc']) }}
        filter (where indicator_code is not null and contribution is not null) as top_indicator_code,
        max(contribution) as top_contribution
    from contributions
    group by all

),

scored as (

    select
        scenario_dates.scenario_id,
        enterprise_models.score_date,
        enterprise_models.uscc,
        enterprise_models.model_id,
        round(coalesce(totals.score, 0), 4) as score,
        coalesce(totals.contributing_indicator_count, 0) as contributing_indicator_count,
        case when totals.top_contribution > 0 then totals.top_indicator_code end as top_indicator_code,
        case when totals.top_contribution > 0 then round(totals.top_contribution, 4) end as top_contribution
    from enterprise_models
    inner join scenario_dates
        on enterprise_models.score_date = scenario_dates.score_date
    left join totals
        on enterprise_models.score_date = totals.score_date
        and enterprise_models.uscc = totals.uscc
        and scenario_dates.scenario_id = totals.scenario_id

)

-- 类别名称不随行写下（全量重建时约 1.3 亿行）：集市按（情景、分类日、模型、类别）从 int_risk__class_thresholds 取
select
    scored.*,
    thresholds.risk_class
from scored
left join thresholds
    on scored.scenario_id = thresholds.scenario_id
    and scored.score_date = thresholds.score_date
    and scored.model_id = thresholds.model_id
    and scored.score >= thresholds.min_score
    and (thresholds.max_score is null or scored.score < thresholds.max_score)
