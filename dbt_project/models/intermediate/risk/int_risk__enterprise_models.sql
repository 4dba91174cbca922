-- 每个分类日参与分类的企业及其适用模型：分类日已成立、尚未注销吊销（或在该日之后才注销吊销）的主体；
-- 增量构建时以前各月只含变更集中的企业（int_risk__score_dates）。
-- 持有专业模型所对应有效许可的用专业模型（多个时取优先级最高者），否则用通用型模型（licence_type 为空的模型）。

with

enterprises as (

    select * from {{ ref('int_registry__enterprises') }}

),

score_dates as (

    select score_date, changed_only from {{ ref('int_risk__score_dates') }}

),

-- 增量构建时以前各月只为变更集中的企业重算（int_risk__score_dates.changed_only）
changed_enterprises as (

    select uscc from {{ ref('int_risk__changed_enterprises') }}

),

models as (

    select * from {{ ref('rule_risk_models') }}

),

valid_licences as (

    select * from {{ ref('int_risk__valid_licences') }}

),

classified as (

    select score_dates.score_date, enterprises.uscc
    from enterprises
    inner join score_dates
        on coalesce(enterprises.established_date, enterprises.latest_approval_date) <= score_dates.score_date
        and (enterprises.is_operating or enterprises.latest_approval_date > score_dates.score_date)
    where score_dates.changed_only is not true
        or enterprises.uscc in (select changed_enterprises.uscc from changed_enterprises)

),

candidates as (

    select classified.score_date, classified.uscc, models.model_id, models.priority
    from classified
    inner join valid_licences
        on classified.score_date = valid_licences.score_date
        and classified.uscc = valid_licences.uscc
    inner join models
        on valid_licences.licence_type = models.licence_type
        and {{ rule_in_force('classified.score_date', 'models') }}

    union all

    select classified.score_date, classified.uscc, models.model_id, models.priority
    from classified
    inner join models
        on models.licence_type is null
        and {{ rule_in_force('classified.score_date', 'models') }}

)

select score_date, uscc, model_id
from candidates
qualify row_number() over (partition by score_date, uscc order by priority desc, model_id asc) = 1
