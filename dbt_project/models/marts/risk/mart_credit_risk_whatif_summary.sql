-- 情景分析汇总：现行类别 × 情景类别 的企业数，以及类别改变的企业合计（每个现行类别一行合计见 changed_in_baseline_class）。

with

whatif as (

    select * from {{ ref('mart_credit_risk_whatif') }}

),

counted as (

    select as_of_date, scenario_id, baseline_class, scenario_class, count(*) as enterprise_count
    from whatif
    group by all

)

select
    as_of_date,
    scenario_id,
    baseline_class,
    scenario_class,
    baseline_class <> scenario_class as is_class_changed,
    cast(enterprise_count as bigint) as enterprise_count,
    cast(sum(enterprise_count) filter (where baseline_class <> scenario_class) over () as bigint) as total_changed,
    cast(sum(enterprise_count) over () as bigint) as total_enterprises
from counted
