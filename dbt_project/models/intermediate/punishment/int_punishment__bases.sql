-- 失信惩戒事由：严重违法失信名单、经营异常名录、屡禁不止屡罚不改、外单位文书、行政处罚，每个事由（文书号）一行。
-- basis_text 是触发规则匹配的文字（列入原因、失信类型、原处罚种类）；planned_end 为事由的自然届满日。
-- 事由的移出（removal_date / removal_path / removal_reason / removal_authority）不在这里推导：名录事由取名录模型
-- int_lists__list_periods（报送移出、据以列入的处罚被撤销、信用修复——严重违法失信名单须列入满规定期限——与期满中
-- 最早者），处罚事由取 int_lists__penalties 的撤销（路径 basis_revoked）；解除路径由 punishment_release_paths 对照。
-- 负面清单字段（文书所列自然人证件号码）在此只用于计算人员哈希键。

-- 增量构建按案件（事由文书号）只重算新批次与截至日期变动所涉案件（宏 incremental_by_case、punishment_case_keys）；
-- 屡禁不止事由每次全部重算（随新处罚与日期变化，行数少）。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs'],
    'basis_number', 'punishment_case_keys', {'cases': 'this'}, env=['CWH_PERSON_KEY_SALT'], dated='window',
) %}
{%- set selected = selected_keys_filter if scope is not none else none %}

{#- 名录事由的移出原因，附据以移出的信用修复申请编号或被撤销的处罚文号 -#}
{%- set listing_removal_reason -%}
    removal_reason || coalesce('（' || case removal_path
            when 'repair' then repair_application_id
            when 'basis_revoked' then related_penalty_number
        end || '）', '')
{%- endset %}

with

-- 名录事由：每个列入决定一行（最后收到的版本），列入、移出与期满日都取名录模型
listings as (

    select * from {{ ref('int_lists__list_periods') }}
    {%- if selected %}
    where {{ selected('list_decision_number') }}
    {%- endif %}

),

-- 处罚是否被撤销（记录状态或异议处理结果）只在 int_lists__penalties 中判定
penalty_status as (

    select * from {{ ref('int_lists__penalties') }}
    {%- if selected %}
    where {{ selected('decision_number') }}
    {%- endif %}

),

court as (

    select * from {{ ref('stg_landing__court_judgments') }}
    {%- if selected %}
    where {{ selected('document_number') }}
    {%- endif %}
    qualify {{ latest_version('document_number') }}

),

penalty_domains as (

    select * from {{ ref('int_lists__penalty_domains') }}

),

-- 处罚按原决定（最先收到的版本）匹配触发规则；撤销取 int_lists__penalties，变更由异议路径处理。
-- 领域为该版本判定的监管领域（int_lists__penalty_domains），无法判定的为空（不匹配限定领域的规则，进入待核实队列）
penalties as (

    select
        staged.*,
        penalty_domains.domain_code as basis_domain
    from {{ ref('stg_landing__penalties') }} as staged
    left join penalty_domains
        on staged._batch_id = penalty_domains._batch_id
        and staged._row_number = penalty_domains._row_number
    where staged.uscc is not null
    {%- if selected %}
        and {{ selected('staged.decision_number') }}
    {%- endif %}
    qualify {{ latest_version('decision_number', alias='staged', first=true) }}

),

repeat_offenders as (

    select * from {{ ref('int_lists__repeat_offenders') }}

),

-- 认定口径（窗口年数、门槛、获准修复的处罚是否不计）取认定所依据的规则行，事由文字据此写明
repeat_offender_rules as (

    select * from {{ ref('rule_repeat_offenders') }}

),

-- the later branches of the union repeat a column where the first names two (basis_text, reason; dates)
-- noqa: disable=AL08
bases as (

    select
        'serious_list' as basis_type,
        list_decision_number as basis_number,
        uscc,
        cast(null as string) as subject_person_key,
        cast(null as string) as basis_domain,
        list_reason as basis_text,
        list_reason as reason,
        list_authority as source_agency,
        related_penalty_number,
        list_date as decision_date,
        list_date as received_date,
        listing_id,
        removal_date,
        removal_path,
        {{ listing_removal_reason }} as removal_reason,
        removal_authority,
        scheduled_expiry_date as planned_end,
        _batch_id, _source_file, _row_number
    from listings
    where list_type = 'serious'

    union all

    select
        'abnormal_list', list_decision_number, uscc, null, null, list_reason, list_reason, list_authority, null,
        list_date, list_date, listing_id, removal_date, removal_path, {{ listing_removal_reason }},
        removal_authority, scheduled_expiry_date,
        _batch_id, _source_file, _row_number
    from listings
    where list_type = 'abnormal'

    union all

    select
        'court_judgment', document_number, uscc, {{ person_key('person_id_number') }}, null, dishonest_type,
        concat_ws('：', document_type, dishonest_type, summary), issuing_body, null,
        effective_date, cast(_received_at as date), null, null, null, null, null, restriction_end,
        _batch_id, _source_file, _row_number
    from court

    union all

    -- 屡禁不止、屡罚不改（截至 as_of_date 仍满足认定条件的主体）；认定日 = 窗口内第 N 次处罚的决定日期
    select
        'repeat_offender',
        concat_ws(
            '-', repeat_offenders.rule_id, repeat_offenders.enterprise_uscc,
            {{ format_date('repeat_offenders.qualifying_date', "%Y%m%d") }}
        ),
        repeat_offenders.enterprise_uscc, null, null, repeat_offenders.rule_id,
        concat(
            repeat_offender_rules.window_years, '年内受到行政处罚 ', repeat_offenders.penalty_count_3y, ' 次（',
            repeat_offender_rules.min_penalty_count, ' 次以上；撤销的',
            case when repeat_offender_rules.excludes_repaired_penalties then '、获准信用修复的' else '' end, '处罚不计）'
        ),
        null, null,
        repeat_offenders.qualifying_date, repeat_offenders.qualifying_date, null, null, null, null, null, null,
        null, null, null
    from repeat_offenders
    left join repeat_offender_rules
        on repeat_offenders.rule_id = repeat_offender_rules.rule_id

    union all

    -- 处罚事由：原决定匹配触发规则；处罚被撤销（int_lists__penalties）即事由依据被撤销
    select
        'penalty', penalties.decision_number, penalties.uscc, null, penalties.basis_domain, penalties.penalty_types,
        concat_ws('：', penalties.violation_type, penalties.penalty_content), penalties.authority_name, null,
        penalties.decision_date, penalties.decision_date, null,
        penalty_status.revoked_on,
        case when penalty_status.revoked_on is not null then 'basis_revoked' end,
        penalty_status.revocation_outcome || coalesce('（' || penalty_status.revocation_objection_id || '）', ''),
        penalty_status.revoking_authority,
        null,
        penalties._batch_id, penalties._source_file, penalties._row_number
    from penalties
    left join penalty_status
        on penalties.decision_number = penalty_status.decision_number

)
-- noqa: enable=AL08

select * from bases
