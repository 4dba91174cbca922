-- 企业 × 指标的原始值与标准化值（每个分类日一组）。只保留标准化值不为 0 的行：未列出的指标贡献为 0。
-- 累计型指标：回溯窗口（lookback_months）内的记录数量之和；时点型指标：分类日是否在名录中、成立月数、
-- 法定代表人关联的被吊销企业数。指标的窗口、满分值与方向取分类日有效的 rule_risk_indicators 行。

with

indicators as (

    select * from {{ ref('rule_risk_indicators') }}

),

enterprise_models as {{ cte_hint(false) }} (

    select * from {{ ref('int_risk__enterprise_models') }}

),

enterprises as {{ cte_hint(false) }} (

    select * from {{ ref('int_registry__enterprises') }}

),

indicator_events as (

    select * from {{ ref('int_risk__indicator_events') }}

),

-- 只算参与分类的企业 × 分类日（int_risk__enterprise_models；增量构建时以前各月只含变更集）
cumulative as (

    select
        enterprise_models.score_date, indicator_events.uscc, enterprise_models.model_id,
        indicator_events.indicator_code,
        cast({{ exact_sum('indicator_events.amount') }} as double) as raw_value
    from indicator_events
    inner join enterprise_models
        on indicator_events.uscc = enterprise_models.uscc
        and indicator_events.event_date <= enterprise_models.score_date
    inner join indicators
        on indicator_events.indicator_code = indicators.indicator_code
        and {{ rule_in_force('enterprise_models.score_date', 'indicators') }}
        and (
            indicators.lookback_months is null
            or indicator_events.event_date
            > enterprise_models.score_date - {{ months_interval('indicators.lookback_months') }}
        )
    group by all

),

listings as (

    select
        'abnormal_listed' as indicator_code,
        uscc, list_decision_number, list_date, removal_date, _received_at, _row_number, _batch_id
    from {{ ref('stg_landing__abnormal_listings') }}
    union all
    select 'serious_listed', uscc, list_decision_number, list_date, removal_date, _received_at, _row_number, _batch_id
    from {{ ref('stg_landing__serious_listings') }}

),

latest_listings as (

    select * from listings
    where uscc is not null
    qualify {{ latest_version(['indicator_code', 'list_decision_number']) }}

),

listed as (

    select
        enterprise_models.score_date, latest_listings.uscc, enterprise_models.model_id, latest_listings.indicator_code,
        1.0 as raw_value
    from latest_listings
    inner join enterprise_models
        on latest_listings.uscc = enterprise_models.uscc
        and latest_listings.list_date <= enterprise_models.score_date
        and (latest_listings.removal_date is null or latest_listings.removal_date > enterprise_models.score_date)
    group by all

),

age as (

    select
        enterprise_models.score_date, enterprise_models.uscc, enterprise_models.model_id,
        'young_enterprise' as indicator_code,
        cast(
            {{ month_boundaries_between('enterprises.established_date', 'enterprise_models.score_date') }} as double
        ) as raw_value
    from enterprise_models
    inner join enterprises
        on enterprise_models.uscc = enterprises.uscc
    where enterprises.established_date is not null

),

revoked_enterprises as (

    select uscc, legal_rep_person_key, latest_approval_date
    from enterprises
    where legal_rep_person_key is not null
        and registration_status in {{ criterion_values('revoked_enterprise', 'registration_status') }}

),

-- 先找出法定代表人名下有其他被吊销企业的企业（少数），再按分类日展开
rep_links as (

    select enterprises.uscc, revoked_enterprises.uscc as revoked_uscc, revoked_enterprises.latest_approval_date
    from enterprises
    inner join revoked_enterprises
        on enterprises.legal_rep_person_key = revoked_enterprises.legal_rep_person_key
        and enterprises.uscc <> revoked_enterprises.uscc

),

linked as (

    select
        enterprise_models.score_date, enterprise_models.uscc, enterprise_models.model_id,
        'rep_linked_revoked' as indicator_code,
        cast(count(distinct rep_links.revoked_uscc) as double) as raw_value
    from rep_links
    inner join enterprise_models
        on rep_links.uscc = enterprise_models.uscc
        and rep_links.latest_approval_date <= enterprise_models.score_date
    group by all

),

raw_values as (

    select * from cumulative
    union all
    select * from listed
    union all
    select * from age
    union all
    select * from linked

),

normalised as (

    select
        raw_values.score_date,
        raw_values.uscc,
        raw_values.model_id,
        raw_values.indicator_code,
        indicators.indicator_group,
        indicators.indicator_name,
        raw_values.raw_value,
        case indicators.direction
            when 'higher_riskier' then least(raw_values.raw_value / indicators.cap_value, 1.0)
            when 'lower_riskier' then greatest(1.0 - raw_values.raw_value / indicators.cap_value, 0.0)
        end as normalised_value
    from raw_values
    inner join indicators
        on raw_values.indicator_code = indicators.indicator_code
        and {{ rule_in_force('raw_values.score_date', 'indicators') }}

)

select * from normalised
where normalised_value > 0
