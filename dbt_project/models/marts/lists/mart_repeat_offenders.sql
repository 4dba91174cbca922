-- “屡禁不止、屡罚不改”经营主体清单（截至 as_of_date）：int_lists__repeat_offenders 的认定结果（计数的处罚、主要
-- 监管领域、罚款合计、不计的已修复与已撤下处罚件数都在 int_lists__repeat_offender_assessments 中算出），
-- 附主体登记信息与所适用规则的出处。专项治理行动工作情况表按月末认定，见 mart_campaign_work_status。

with

repeat_offenders as (

    select * from {{ ref('int_lists__repeat_offenders') }}

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}

),

rules as (

    select * from {{ ref('rule_repeat_offenders') }}

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
        cast(repeat_offenders.penalty_count_3y as bigint) as penalty_count_3y,
        cast(repeat_offenders.fine_amount_wan_3y as double) as fine_amount_wan_3y,
        repeat_offenders.main_domain_code,
        repeat_offenders.window_start,
        repeat_offenders.window_end,
        repeat_offenders.qualifying_date,
        repeat_offenders.first_penalty_date,
        repeat_offenders.last_penalty_date,
        cast(repeat_offenders.repaired_penalty_count as bigint) as repaired_penalty_count,
        cast(repeat_offenders.withdrawn_penalty_count as bigint) as withdrawn_penalty_count,
        repeat_offenders.rule_id,
        rules.source as rule_source,
        repeat_offenders.as_of_date
    from repeat_offenders
    left join enterprises
        on repeat_offenders.enterprise_uscc = enterprises.uscc
    left join rules
        on repeat_offenders.rule_id = rules.rule_id

)

select * from final
