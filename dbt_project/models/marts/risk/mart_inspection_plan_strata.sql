-- 双随机抽取说明（分层）：计划日每个（区划, 信用风险类别）一行——参与分类户数、因重点监管或频次上限不参与抽取的户数、
-- 可抽户数、抽查比例、应抽与实抽户数，以及随机种子。应抽户数按类别在全辖区用最大余数法分配（int_risk__inspection_draw），
-- 同一类别各行的 class_eligible_count、class_quota 相同：本类实抽合计 = class_quota = round(class_eligible_count × 比例)。
-- 与 mart_inspection_plan 的逐户说明一起，可复核整个抽取过程。

with

draw as {{ cte_hint(false) }} (

    select * from {{ ref('int_risk__inspection_draw') }}

),

classes as (

    select risk_class, max(class_eligible) as class_eligible, max(class_quota) as class_quota
    from draw
    group by risk_class

)

select
    concat('SJ', {{ format_date('draw.plan_date', "%Y%m%d") }}, '-', draw.plan_seed) as plan_id,
    draw.plan_date,
    draw.plan_seed,
    draw.region_code,
    any_value(draw.region_name) as region_name,
    draw.risk_class,
    any_value(draw.sampling_ratio) as sampling_ratio,
    any_value(draw.max_prior_inspections_365d) as max_prior_inspections,
    cast(count(*) as integer) as classified_count,
    cast(count(*) filter (where draw.exclusion_reason = 'key_supervision') as integer) as key_supervision_count,
    cast(count(*) filter (where draw.exclusion_reason = 'frequency_cap') as integer) as frequency_capped_count,
    cast(count(*) filter (where draw.exclusion_reason is null) as integer) as eligible_count,
    cast(coalesce(max(draw.stratum_quota), 0) as integer) as quota,
    cast(count(*) filter (where draw.is_drawn) as integer) as drawn_count,
    cast(coalesce(any_value(classes.class_eligible), 0) as integer) as class_eligible_count,
    cast(coalesce(any_value(classes.class_quota), 0) as integer) as class_quota
from draw
left join classes
    on draw.risk_class = classes.risk_class
group by draw.plan_date, draw.plan_seed, draw.region_code, draw.risk_class
