-- 行政处罚的监管领域（总局令第44号第二章的领域；专项治理行动工作情况表、严重违法失信名单候选、失信惩戒触发规则共用），
-- 每条落地的处罚记录（每个版本）一行，写明领域如何判定（domain_method）与所依据的规则（domain_rule_id）：
--   reported        生产部门报送了监管领域（地方扩展列；须为领域表 rule_serious_list_domains 中的领域）；
--   law_article     处罚依据引用的法律法规条款在 rule_penalty_domains 中（如特种设备安全法第九十五条：妨碍监督检查）；
--   law             处罚依据引用的法律法规在 rule_penalty_domains 中（其实施条例、实施细则随之）；
--   violation_type  违法行为类型符合 rule_penalty_domains 中的模式；
--   undecided       以上都无法判定，或同一层次的规则指向多个领域：领域为空，进入待核实队列（从不默认为“其他”）。
-- 按 law_article → law → violation_type 的顺序取第一个有匹配的层次；规则按处罚决定当日有效的版本。
-- 处罚依据中的引用按书名号识别：《法规名称》及其后至下一个书名号之前的“第N条”；名称去掉“中华人民共和国”前缀与
-- 末尾括注（如版本年份）后比对。derived_* 列为不看报送值的判定结果（报送值与规则不一致时可据此核对）。
-- 每行只取决于该处罚记录与规则种子表：增量构建只重算新批次所报文号（宏 incremental_by_key）。

{%- set scope = incremental_by_key('stg_landing__penalties', 'decision_number') %}

with

penalties as (

    select
        decision_number,
        decision_date,
        legal_basis,
        violation_type,
        domain_code as reported_domain_code,
        _batch_id,
        _row_number
    from {{ ref('stg_landing__penalties') }}
    {%- if scope is not none %}
    where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

rules as (

    select * from {{ ref('rule_penalty_domains') }}

),

known_domains as (

    select distinct domain_code from {{ ref('rule_serious_list_domains') }}

),

-- 引用的解析与规则的模式匹配只依赖处罚依据、违法行为类型的文字：按不同的文字各做一次（处罚记录远多于不同的文字），
-- 再按文字与处罚决定日期（规则有效期）接回每条处罚记录

basis_citations as (

    select
        legal_basis,
        {{ regexp_matches_as_structs('legal_basis', "'《([^《》]+)》([^《]*)'", ['law', 'tail']) }} as cited
    from (select distinct legal_basis from penalties) as bases

),

citation_items as (

    select
        legal_basis,
        {{ unnest_with_position('cited', 'citation', 'citation_position') }}
    from basis_citations

),

citations as (

    select
        legal_basis,
        citation_position,
        regexp_replace(
            regexp_replace({{ regexp_replace_all(struct_field('citation', 'law'), "'\\s'", "''") }}, '^中华人民共和国', ''),
            '[（(][^（）()]*[）)]$',
            ''
        ) as law_name,
        {{ list_map(
            "regexp_extract_all(" ~ struct_field('citation', 'tail') ~ ", '第\\s*([零〇一二三四五六七八九十百0-9]+)\\s*条', 1)",
            'article',
            article_number('article')
        ) }} as article_numbers
    from citation_items

),

cited_laws as (

    select
        legal_basis,
        {{ ordered_string_agg('law_name', "'；'", distinct=true) }} as cited_laws
    from citations
    group by legal_basis

),

-- 每段处罚依据文字 × 可能匹配的规则（不论日期）
basis_rule_matches as (

    select
        citations.legal_basis,
        'law_article' as match_method,
        1 as method_rank,
        citations.citation_position as match_position,
        rules.rule_id,
        rules.domain_code,
        rules.valid_from,
        rules.valid_to
    from citations
    inner join rules
        on rules.match_on = 'law_article'
        and citations.law_name = rules.law_name
        and {{ list_has('citations.article_numbers', 'rules.article_number') }}

    union all

    select
        citations.legal_basis,
        'law' as match_method,
        2 as method_rank,
        citations.citation_position as match_position,
        rules.rule_id,
        rules.domain_code,
        rules.valid_from,
        rules.valid_to
    from citations
    inner join rules
        on rules.match_on = 'law'
        and (
            citations.law_name = rules.law_name
            or {{ text_starts_with('citations.law_name', "rules.law_name || '实施'") }}
        )

),

citation_matches as (

    select
        penalties._batch_id,
        penalties._row_number,
        basis_rule_matches.match_method,
        basis_rule_matches.method_rank,
        basis_rule_matches.match_position,
        basis_rule_matches.rule_id,
        basis_rule_matches.domain_code
    from penalties
    inner join basis_rule_matches
        on penalties.legal_basis = basis_rule_matches.legal_basis
        and {{ rule_in_force('penalties.decision_date', 'basis_rule_matches') }}

),

-- 每种违法行为类型 × 其模式匹配的规则（不论日期）
violation_type_rules as (

    select
        violation_types.violation_type,
        rules.rule_id,
        rules.domain_code,
        rules.valid_from,
        rules.valid_to
    from (select distinct violation_type from penalties) as violation_types
    inner join rules
        on rules.match_on = 'violation_type'
        and {{ regexp_search('violation_types.violation_type', 'rules.violation_type_pattern') }}

),

violation_type_matches as (

    select
        penalties._batch_id,
        penalties._row_number,
        'violation_type' as match_method,
        3 as method_rank,
        0 as match_position,
        violation_type_rules.rule_id,
        violation_type_rules.domain_code
    from penalties
    inner join violation_type_rules
        on penalties.violation_type = violation_type_rules.violation_type
        and {{ rule_in_force('penalties.decision_date', 'violation_type_rules') }}

),

matches as (

    select * from citation_matches
    union all
    select * from violation_type_matches

),

-- the first layer (law_article → law → violation_type) that matched decides, when its rules agree on one domain
best_layer as (

    select
        *,
        -- within the layer, the rules in the order they matched (position in the legal basis, then rule id)
        row_number() over (
            partition by _batch_id, _row_number, method_rank order by match_position, rule_id
        ) as match_order
    from matches
    qualify method_rank = min(method_rank) over (partition by _batch_id, _row_number)

),

derived as (

    select
        _batch_id,
        _row_number,
        any_value(match_method) as match_method,
        count(distinct domain_code) as domain_count,
        {{ ordered_string_agg('domain_code', "'、'", distinct=true) }} as domain_codes,
        max(case when match_order = 1 then domain_code end) as domain_code,
        max(case when match_order = 1 then rule_id end) as rule_id
    from best_layer
    group by all

),

final as (

    select
        penalties.decision_number,
        penalties._batch_id,
        penalties._row_number,
        penalties.decision_date,
        penalties.legal_basis,
        penalties.violation_type,
        cited_laws.cited_laws,
        known_domains.domain_code as reported_domain_code,
        case when derived.domain_count = 1 then derived.domain_code end as derived_domain_code,
        case when derived.domain_count = 1 then derived.match_method else 'undecided' end as derived_domain_method,
        case when derived.domain_count = 1 then derived.rule_id end as derived_domain_rule_id,
        coalesce(
            known_domains.domain_code, case when derived.domain_count = 1 then derived.domain_code end
        ) as domain_code,
        case
            when known_domains.domain_code is not null then 'reported'
            when derived.domain_count = 1 then derived.match_method
            else 'undecided'
        end as domain_method,
        case
            when known_domains.domain_code is null and derived.domain_count = 1 then derived.rule_id
        end as domain_rule_id,
        case
            when known_domains.domain_code is not null or derived.domain_count = 1 then null
            when derived.domain_count > 1
                then concat('处罚依据或违法行为类型指向多个监管领域（', derived.domain_codes, '），须人工判定')
            when cited_laws.cited_laws is null
                then '处罚依据未以书名号引用法律法规，违法行为类型亦无对应规则，须人工判定'
            else concat('处罚依据引用的法律法规（', cited_laws.cited_laws, '）及违法行为类型均无对应规则，须人工判定')
        end as undecided_reason
    from penalties
    left join known_domains
        on penalties.reported_domain_code = known_domains.domain_code
    left join cited_laws
        on penalties.legal_basis = cited_laws.legal_basis
    left join derived
        on penalties._batch_id = derived._batch_id
        and penalties._row_number = derived._row_number

)

select * from final
