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

-- 候选模型按（优先级降序, 模型编码升序）取第一个。专业模型只有持有对应有效许可的企业才有（少数）：只为这些企业把专业
-- 与通用候选放在一起排序；其余企业的候选只有通用模型，当日最优的通用模型只求一次。不必为每户每个分类日排序。
sector_candidates as (

    select valid_licences.score_date, valid_licences.uscc, models.model_id, models.priority
    from valid_licences
    inner join models
        on valid_licences.licence_type = models.licence_type
        and {{ rule_in_force('valid_licences.score_date', 'models') }}

),

general_candidates as (

    select score_dates.score_date, models.model_id, models.priority
    from score_dates
    inner join models
        on models.licence_type is null
        and {{ rule_in_force('score_dates.score_date', 'models') }}

),

sector_holders as (

    select distinct score_date, uscc from sector_candidates

),

sector_holder_choice as (

    select score_date, uscc, model_id, priority from sector_candidates

    union all

    select sector_holders.score_date, sector_holders.uscc, general_candidates.model_id, general_candidates.priority
    from sector_holders
    inner join general_candidates
        on sector_holders.score_date = general_candidates.score_date

),

sector_holder_best as (

    select score_date, uscc, model_id from sector_holder_choice
    qualify row_number() over (partition by score_date, uscc order by priority desc, model_id asc) = 1

),

general_best as (

    select score_date, model_id from general_candidates
    qualify row_number() over (partition by score_date order by priority desc, model_id asc) = 1

),

chosen as (

    select
        classified.score_date,
        classified.uscc,
        coalesce(sector_holder_best.model_id, general_best.model_id) as model_id
    from classified
    left join sector_holder_best
        on classified.score_date = sector_holder_best.score_date
        and classified.uscc = sector_holder_best.uscc
    left join general_best
        on classified.score_date = general_best.score_date

)

select score_date, uscc, model_id
from chosen
where model_id is not null
