-- “屡禁不止、屡罚不改”经营主体清单（截至 as_of_date）：认定结果附主体登记信息、窗口内处罚的主要监管领域与罚款合计，
-- 以及所适用规则的出处。专项治理行动工作情况表按 main_domain_code 归入监管领域。

with

repeat_offenders as (

    select * from {{ ref('int_lists__repeat_offenders') }}

),

penalties as (

    select * from {{ ref('int_lists__penalties') }}

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}

),

rules as (

    select * from {{ ref('rule_repeat_offenders') }}

),

penalties_in_window as (

    select
        repeat_offenders.enterprise_uscc,
        penalties.domain_code,
        penalties.fine_amount_wan
    from repeat_offenders
    inner join penalties
        on repeat_offenders.enterprise_uscc = penalties.enterprise_uscc
        and penalties.decision_date between repeat_offenders.window_start and repeat_offenders.window_end
        and penalties.is_in_force

),

domain_counts as (

    select enterprise_uscc, domain_code, count(*) as penalty_count
    from penalties_in_window
    group by all

),

main_domain as (

    select enterprise_uscc, domain_code as main_domain_code
    from domain_counts
    qualify row_number() over (
            partition by enterprise_uscc order by penalty_count desc, domain_code asc nulls last
        ) = 1

),

fines as (

    select enterprise_uscc, sum(fine_amount_wan) as fine_amount_wan_3y
    from penalties_in_window
    group by all

),

final as (

    select
        repeat_offenders.enterprise_uscc,
        enterprises.enterprise_name,
        enterprises.entity_type,
        enterprises.region_code,
        enterprises.region_name,
        enterprises.industry_name,
        enterprises.registration_status,
        enterprises.legal_rep_name,
        repeat_offenders.penalty_count_3y,
        fines.fine_amount_wan_3y,
        main_domain.main_domain_code,
        repeat_offenders.window_start,
        repeat_offenders.window_end,
        repeat_offenders.qualifying_date,
        repeat_offenders.first_penalty_date,
        repeat_offenders.last_penalty_date,
        repeat_offenders.has_approved_repair,
        repeat_offenders.rule_id,
        rules.source as rule_source,
        repeat_offenders.as_of_date
    from repeat_offenders
    left join enterprises
        on repeat_offenders.enterprise_uscc = enterprises.uscc
    left join main_domain
        on repeat_offenders.enterprise_uscc = main_domain.enterprise_uscc
    left join fines
        on repeat_offenders.enterprise_uscc = fines.enterprise_uscc
    left join rules
        on repeat_offenders.rule_id = rules.rule_id

)

select * from final
