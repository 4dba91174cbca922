-- 失信惩戒事由：严重违法失信名单、经营异常名录、屡禁不止屡罚不改、外单位文书、行政处罚，每个事由（文书号）一行，取最后收到的版本。
-- basis_text 是触发规则匹配的文字（列入原因、失信类型、原处罚种类）；planned_end 为事由的自然届满日。
-- 负面清单字段（文书所列自然人证件号码）在此只用于计算人员哈希键。

with

serious as (

    select * from {{ ref('stg_landing__serious_listings') }}
    qualify row_number() over (
            partition by list_decision_number
            order by _received_at desc, _row_number desc, _batch_id desc
        ) = 1

),

-- 名单期满日只在名单模型中计算一次（列入当日有效的 rule_list_parameters.serious_list_period）
serious_expiry as (

    select list_decision_number, uscc, scheduled_expiry_date
    from {{ ref('int_lists__list_periods') }}
    where list_type = 'serious'

),

abnormal as (

    select * from {{ ref('stg_landing__abnormal_listings') }}
    qualify row_number() over (
            partition by list_decision_number
            order by _received_at desc, _row_number desc, _batch_id desc
        ) = 1

),

court as (

    select * from {{ ref('stg_landing__court_judgments') }}
    qualify row_number() over (
            partition by document_number
            order by _received_at desc, _row_number desc, _batch_id desc
        ) = 1

),

penalty_domains as (

    select * from {{ ref('int_lists__penalty_domains') }}

),

-- 处罚按原决定（最先收到的版本）匹配触发规则；变更、撤销由异议路径处理。
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
    qualify row_number() over (
            partition by staged.decision_number
            order by staged._received_at, staged._row_number, staged._batch_id
        ) = 1

),

repeat_offenders as (

    select * from {{ ref('int_lists__repeat_offenders') }}

),

-- the later branches of the union repeat a column where the first names two (basis_text, reason; dates)
-- noqa: disable=AL08
bases as (

    select
        'serious_list' as basis_type,
        list_decision_number as basis_number,
        uscc,
        cast(null as varchar) as subject_person_key,
        cast(null as varchar) as basis_domain,
        list_reason as basis_text,
        list_reason as reason,
        list_authority as source_agency,
        related_penalty_number,
        list_date as decision_date,
        list_date as received_date,
        removal_date,
        removal_reason,
        serious_expiry.scheduled_expiry_date as planned_end,
        _batch_id, _source_file, _row_number
    from serious
    left join serious_expiry using (list_decision_number, uscc)

    union all

    select
        'abnormal_list', list_decision_number, uscc, null, null, list_reason, list_reason, list_authority, null,
        list_date, list_date, removal_date, removal_reason, null,
        _batch_id, _source_file, _row_number
    from abnormal

    union all

    select
        'court_judgment', document_number, uscc, {{ person_key('person_id_number') }}, null, dishonest_type,
        concat_ws('：', document_type, dishonest_type, summary), issuing_body, null,
        effective_date, cast(_received_at as date), null, null, restriction_end,
        _batch_id, _source_file, _row_number
    from court

    union all

    -- 屡禁不止、屡罚不改（截至 as_of_date 仍满足认定条件的主体）；认定日 = 窗口内第 N 次处罚的决定日期
    select
        'repeat_offender', concat_ws('-', rule_id, enterprise_uscc, strftime(qualifying_date, '%Y%m%d')),
        enterprise_uscc, null, null, rule_id,
        concat('三年内受到行政处罚 ', penalty_count_3y, ' 次且无准予信用修复'), null, null,
        qualifying_date, qualifying_date, null, null, null,
        null, null, null
    from repeat_offenders

    union all

    select
        'penalty', decision_number, uscc, null, basis_domain, penalty_types,
        concat_ws('：', violation_type, penalty_content), authority_name, null,
        decision_date, decision_date, null, null, null,
        _batch_id, _source_file, _row_number
    from penalties

)
-- noqa: enable=AL08

select * from bases
