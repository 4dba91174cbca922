-- 事由 × 触发规则：事由类型、领域、事由文字相符，且规则与措施在事由作出之日均有效（按作出之日的规则判断）。

with

bases as (

    select * from {{ ref('int_punishment__bases') }}

),

triggers as (

    select * from {{ ref('punishment_triggers') }}

),

measures as (

    select * from {{ ref('int_punishment__measures') }}

)

select
    bases.basis_type,
    bases.basis_number,
    triggers.trigger_id,
    triggers.object_role,
    triggers.basis_contains,
    measures.measure_id
from bases
inner join triggers
    on bases.basis_type = triggers.basis_type
    and (triggers.basis_domain is null or bases.basis_domain = triggers.basis_domain)
    and (triggers.basis_contains is null or contains(bases.basis_text, triggers.basis_contains))
    and {{ rule_in_force('bases.decision_date', 'triggers') }}
inner join measures
    on measures.measure_id = triggers.measure_id
    and {{ rule_in_force('bases.decision_date', 'measures') }}
