-- 列入严重违法失信名单的候选（截至 as_of_date），每条触发记录一行，写明所依据的规则与触发记录：
--   1. 较重行政处罚：列明领域（rule_serious_list_domains）内的较重行政处罚（int_lists__penalties.is_heavier，按
--      rule_serious_list_penalty_types 判定：罚款须按从重处罚裁量），按处罚决定当日有效的规则判断；处罚须在回溯期内，
--      且尚未据以列入名单。
--      领域取判定的监管领域（int_lists__penalty_domains，写明判定方法与规则）。无法确定的不默认排除，列为“待核实”：
--      领域无法判定（可能属列明领域）；或罚款未报送是否从重处罚（非罚款的较重处罚种类不需要裁量标记）。
--   2. 经营异常名录届满：在列满规定期限仍未移出（应列入），或距届满不超过预警天数（届满预警）；
--      期限与预警天数按列入当日有效的规则；已在严重违法失信名单上的主体不再提示。

with

penalties as (

    select * from {{ ref('int_lists__penalties') }}

),

list_periods as (

    select * from {{ ref('int_lists__list_periods') }}

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}

),

domains as (

    select * from {{ ref('rule_serious_list_domains') }}

),

list_parameters as (

    select * from {{ ref('rule_list_parameters') }}

),

-- 回溯期即名单期限（serious_list_period，总局令第44号：列入期限3年）：超过名单期限的处罚不再提示列入
lookback as (

    select cast({{ as_of_date() }} - {{ rule_period('lookback') }} as date) as earliest_decision_date
    from list_parameters as lookback
    where lookback.rule_id = 'serious_list_period'
        and {{ rule_in_force(as_of_date(), 'lookback') }}

),

already_listed_penalties as (

    select distinct related_penalty_number as decision_number
    from list_periods
    where list_type = 'serious' and related_penalty_number is not null

),

-- 较重行政处罚只在 int_lists__penalties 判定（is_heavier；为空即罚款未报送是否从重处罚，待核实）
heavier_penalties as (

    select
        penalties.decision_number,
        penalties.enterprise_uscc,
        penalties.decision_date,
        penalties.domain_code,
        penalties.domain_method,
        penalties.domain_rule_id,
        penalties.authority_name,
        coalesce(penalties.is_heavier, false) as is_heavier,
        case
            when penalties.is_heavier then penalties.heavier_penalty_types
            -- 待核实：每个未报送是否从重处罚的种类后注明
            else {{ regexp_replace_all('penalties.heavier_penalty_types', "'([^;]+)'", "'\\1（是否从重处罚未报送）'") }}
        end as heavier_penalty_types,
        concat_ws('；', domains.source, penalties.heavier_rule_source) as rule_source,
        penalties._batch_id,
        penalties._source_file,
        penalties._row_number
    from penalties
    cross join lookback
    left join domains
        on penalties.domain_code = domains.domain_code
        and {{ rule_in_force('penalties.decision_date', 'domains') }}
    where penalties.is_in_force
        and penalties.is_heavier is distinct from false
        and penalties.enterprise_uscc is not null
        and penalties.decision_date <= {{ as_of_date() }}
        and penalties.decision_date >= lookback.earliest_decision_date
        and penalties.decision_number not in (select decision_number from already_listed_penalties)
        and (
            domains.is_named_domain
            or (
                penalties.domain_method = 'undecided'
                and exists (
                    select 1 from domains as named
                    where named.is_named_domain and {{ rule_in_force('penalties.decision_date', 'named') }}
                )
            )
        )

),

on_serious_list as (

    select distinct uscc
    from list_periods
    where list_type = 'serious'
        and list_date <= {{ as_of_date() }}
        and (removal_date is null or removal_date > {{ as_of_date() }})

),

abnormal_due as (

    select
        periods.*,
        cast(periods.list_date + {{ rule_period('to_serious') }} as date) as due_date,
        cast(periods.list_date + {{ rule_period('to_serious') }} - {{ rule_period('warning') }} as date)
            as warning_date,
        to_serious.source || '；' || warning.source as rule_source
    from list_periods as periods
    inner join list_parameters as to_serious
        on to_serious.rule_id = 'abnormal_to_serious_period'
        and {{ rule_in_force('periods.list_date', 'to_serious') }}
    inner join list_parameters as warning
        on warning.rule_id = 'abnormal_to_serious_warning'
        and {{ rule_in_force('periods.list_date', 'warning') }}
    where periods.list_type = 'abnormal'
        and periods.list_date <= {{ as_of_date() }}
        and (periods.removal_date is null or periods.removal_date > {{ as_of_date() }})
        and periods.uscc not in (select uscc from on_serious_list)

),

candidates as (

    select
        'rule_serious_list_penalty_types' as rule_table,
        '较重行政处罚' as candidate_type,
        case when is_heavier and domain_code is not null then '应列入' else '待核实' end as stage,
        enterprise_uscc,
        '行政处罚' as trigger_record_type,
        decision_number as trigger_record_number,
        decision_date as trigger_date,
        concat(coalesce(domain_code, '监管领域待判定'), '：', heavier_penalty_types) as trigger_detail,
        decision_date as due_date,
        authority_name as listing_authority,
        rule_source,
        domain_code,
        domain_method,
        domain_rule_id,
        nullif(concat_ws(
            '；',
            case when domain_code is null then '监管领域无法判定，须核实是否属列明领域（见 mart_penalty_domain_review）' end,
            case when not is_heavier then '罚款未报送是否按从重处罚裁量，须核实' end
        ), '') as review_reason,
        _batch_id, _source_file, _row_number
    from heavier_penalties

    union all

    select
        'rule_list_parameters' as rule_table,
        '经营异常名录届满' as candidate_type,
        case when due_date <= {{ as_of_date() }} then '应列入' else '届满预警' end as stage,
        uscc as enterprise_uscc,
        '经营异常名录' as trigger_record_type,
        list_decision_number as trigger_record_number,
        list_date as trigger_date,
        list_reason as trigger_detail,
        due_date,
        list_authority as listing_authority,
        rule_source,
        null as domain_code,
        null as domain_method,
        null as domain_rule_id,
        null as review_reason,
        _batch_id, _source_file, _row_number
    from abnormal_due
    where warning_date <= {{ as_of_date() }}

),

final as (

    select
        md5(concat_ws(
            '|', candidates.trigger_record_type, candidates.enterprise_uscc, candidates.trigger_record_number
        ))
            as candidate_id,
        candidates.enterprise_uscc,
        enterprises.enterprise_name,
        enterprises.region_code,
        candidates.candidate_type,
        candidates.stage,
        candidates.trigger_record_type,
        candidates.trigger_record_number,
        candidates.trigger_date,
        candidates.trigger_detail,
        candidates.due_date,
        candidates.listing_authority,
        candidates.rule_table,
        candidates.rule_source,
        candidates.domain_code,
        candidates.domain_method,
        candidates.domain_rule_id,
        candidates.review_reason,
        candidates._batch_id,
        candidates._source_file,
        candidates._row_number,
        {{ as_of_date() }} as as_of_date
    from candidates
    left join enterprises
        on candidates.enterprise_uscc = enterprises.uscc

)

select * from final
