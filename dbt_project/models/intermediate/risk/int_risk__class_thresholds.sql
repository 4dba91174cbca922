-- 每个情景、分类日、模型的分类阈值：[min_score, max_score)，max_score 为更高一类的下限（D 类为空）。
-- 取值顺序同权重：情景×本模型 > 情景×通用模型 > 现行×本模型 > 现行×通用模型，逐类取。

with

score_dates as (

    select score_date from {{ ref('int_risk__score_dates') }}

),

models as (

    select * from {{ ref('rule_risk_models') }}

),

thresholds as (

    select * from {{ ref('rule_risk_class_thresholds') }}

),

scenarios as (

    select distinct scenario_id from {{ ref('rule_risk_weights') }}
    union
    select distinct scenario_id from thresholds

),

classes as (

    select distinct risk_class from thresholds

),

grid as (

    select
        scenarios.scenario_id, score_dates.score_date, models.model_id, classes.risk_class,
        general.model_id as general_model_id
    from scenarios
    cross join score_dates
    cross join classes
    inner join models
        on {{ rule_in_force('score_dates.score_date', 'models') }}
    inner join models as general
        on general.licence_type is null
        and {{ rule_in_force('score_dates.score_date', 'general') }}

),

resolved as (

    select
        grid.scenario_id, grid.score_date, grid.model_id, grid.risk_class,
        thresholds.risk_class_name, thresholds.min_score
    from grid
    inner join thresholds
        on grid.risk_class = thresholds.risk_class
        and {{ risk_rule_fallback_join('thresholds', 'grid') }}
    qualify row_number() over (
            partition by grid.scenario_id, grid.score_date, grid.model_id, grid.risk_class
            order by {{ risk_rule_precedence('thresholds', 'grid') }}
        ) = 1

)

select
    scenario_id, score_date, model_id, risk_class, risk_class_name, min_score,
    lead(min_score) over w as max_score,
    lead(risk_class) over w as next_risk_class
from resolved
window w as (partition by scenario_id, score_date, model_id order by min_score)
