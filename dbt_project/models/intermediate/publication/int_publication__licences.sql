-- 行政许可的公示判断：每个许可编号取截至 as_of 日已收到的最新版本（换证、注销、撤销、吊销以同一编号重报，
-- 当前状态随之更新，不删除）；按规则种子表排除不是市场主体的自然人的许可，按不予公示标记扣留，其余公示；
-- 其时被扣留、其后解除的，自解除之日起公示。

-- 增量构建按许可编号只重算新批次与截至日期变动所涉许可（宏 incremental_by_case、publication_keys）。

{%- set scope = incremental_by_case(
    ['stg_landing__licences', 'stg_landing__disclosure_holds'],
    'licence_number', 'publication_keys', {'record_type': 'licences'}, dated='window',
) %}

with

versions as (

    select * from {{ ref('stg_landing__licences') }}
    -- 决定日期在截至日之后的版本尚不存在：不早于决定日期公示
    where {{ received_by() }} and decision_date <= {{ as_of_date() }}
    {%- if scope is not none %}
        and {{ selected_keys_filter() }}
    {%- endif %}

),

rules as (

    select * from {{ ref('rule_publication_actions') }}
    where record_type = 'licences' and source_feed = 'licences' and action = 'exclude'

),

periods as (

    select * from {{ ref('rule_publication_periods') }}
    where record_type = 'licences' and parameter = 'publish_deadline'

),

holds as (

    {{ holds_for('licences') }}

),


latest as (

    select
        *,
        min(cast(_received_at as date)) over (partition by licence_number) as first_received_date,
        -- 首次许可决定日期：公示时限从最初的决定起算（换证另有新的决定日期）
        min(decision_date) over (partition by licence_number) as first_decision_date
    from versions
    qualify {{ latest_version('licence_number') }}

),

excluded as (

    select latest.licence_number, min(rules.rule_code) as rule_code
    from latest
    inner join rules
        on {{ rule_in_force('latest.decision_date', 'rules') }}
        and case rules.field
            when 'party_category' then latest.party_category = rules.value
            -- 不是市场主体的自然人：类别为 value，且没有统一社会信用代码、注册号（个体工商户有其一，予以公示）
            when 'natural_person_not_market_entity'
                then latest.party_category = rules.value
                    and nullif(trim(latest.uscc), '') is null
                    and nullif(trim(latest.party_registration_number), '') is null
            when 'licence_status' then latest.licence_status = rules.value
        end
    group by latest.licence_number

),

-- 实际公示之日：首次送达发布作业之日（不早于决定日期）；其时已被扣留、其后解除的，为解除之日
publication_starts as (

    {{ publication_starts('latest', ['licence_number'], 'decision_date', 'licences') }}

),

final as (

    select
        latest.licence_number,
        latest.party_name,
        latest.party_category,
        latest.uscc,
        latest.legal_rep_name,
        latest.document_name,
        latest.document_number,
        latest.licence_category,
        latest.certificate_name,
        latest.licence_content,
        latest.decision_date,
        latest.valid_from,
        latest.valid_to,
        latest.authority_name,
        latest.authority_uscc,
        latest.licence_status,
        latest.status_date,
        publication_starts.publicity_start,
        deadline.calendar_date as publish_due_date,
        latest.first_received_date <= deadline.calendar_date as is_published_on_time,
        excluded.rule_code as excluded_by,
        holds.hold_id is not null as is_withheld,
        case
            when excluded.rule_code is not null then 'excluded'
            when holds.hold_id is not null then 'withheld'
            else 'published'
        end as publication_state,
        latest._producer_dept,
        latest._batch_id as source_batch_id
    from latest
    inner join publication_starts using (licence_number)
    left join excluded using (licence_number)
    left join holds on latest.licence_number = holds.record_number
    left join periods
        on {{ rule_in_force('latest.first_decision_date', 'periods') }}
    {{ working_days_after('latest.first_decision_date', 'periods.quantity', 'deadline') }}

)

select * from final
