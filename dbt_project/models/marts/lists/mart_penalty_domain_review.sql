-- 行政处罚监管领域待核实队列：仍计为有效处罚（最后收到的版本）中，监管领域既未报送、也无法按处罚依据或违法行为类型
-- 判定的（int_lists__penalty_domains 的 undecided），每个决定书文号一行，写明原因、引用的法律法规与来源批次、文件、
-- 行号。核实后补充 rule_penalty_domains 的规则（或退回生产部门补正）即可出队；从不默认为“其他”。
-- 含较重处罚种类的另在 mart_list_candidates 中列为“待核实”候选。

with

penalties as (

    select * from {{ ref('int_lists__penalties') }}

),

penalty_domains as (

    select * from {{ ref('int_lists__penalty_domains') }}

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}

),

final as (

    select
        penalties.decision_number,
        penalties.enterprise_uscc,
        enterprises.enterprise_name,
        penalties.decision_date,
        penalties.authority_name,
        penalties.violation_type,
        penalties.legal_basis,
        penalty_domains.cited_laws,
        penalties.penalty_types,
        penalty_domains.undecided_reason as review_reason,
        penalties._batch_id,
        penalties._producer_code,
        penalties._source_file,
        penalties._row_number
    from penalties
    inner join penalty_domains
        on penalties._batch_id = penalty_domains._batch_id
        and penalties._row_number = penalty_domains._row_number
    left join enterprises
        on penalties.enterprise_uscc = enterprises.uscc
    where penalties.is_in_force
        and penalties.domain_method = 'undecided'

)

select * from final
