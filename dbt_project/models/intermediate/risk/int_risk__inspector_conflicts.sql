-- 回避：检查人员所在单位（unit_uscc）在计划日（as_of_date）前 inspection_conflict_days 天内（含第 N 天与计划日当天）
-- 作出过行政处罚的企业，该单位的检查人员不得被选派检查该企业。撤销的处罚同样回避（办案关系已经形成）。

with

inspectors as (

    select * from {{ ref('ref_inspectors') }}
    where {{ rule_in_force(as_of_date()) }}

),

penalties as (

    select uscc, authority_uscc, decision_number, decision_date
    from {{ ref('stg_landing__penalties') }}
    where uscc is not null
        and decision_date <= {{ as_of_date() }}
        and decision_date >= {{ as_of_date() }} - cast({{ risk_parameter('inspection_conflict_days') }} as integer)

)

select
    inspectors.inspector_id,
    penalties.uscc,
    inspectors.unit_uscc,
    max(penalties.decision_date) as last_decision_date,
    -- the latest decision; on one day several: the last decision number (a total order: the same every build)
    {{ first_ordered('penalties.decision_number', 'penalties.decision_date desc, penalties.decision_number desc') }}
    filter (where penalties.decision_number is not null and penalties.decision_date is not null)
        as last_decision_number
from inspectors
inner join penalties
    on inspectors.unit_uscc = penalties.authority_uscc
group by all
