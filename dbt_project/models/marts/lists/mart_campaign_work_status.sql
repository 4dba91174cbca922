-- 专项治理行动工作情况表（总局 2023年6月21日通知附件）：按月、按监管领域（含合计行）统计。
-- 每月的数字截至该月月末（当月截至 as_of_date），只用当时已收到的数据，故后到的数据不改写已过去的月份：
--   列入严重违法失信名单（件）：已公示的列入决定（公示判断取 int_publication__list_entries：不予公示标记扣留的不计），
--   计入首次公示（publicity_start，收到即公示）所在月；领域取据以列入的行政处罚判定的监管领域
--   （int_lists__penalties），无处罚依据或领域不在表中的计入“其他”；
--   “屡禁不止、屡罚不改”经营主体：本仓库不公示屡罚不改名单，也没有其集中公示的数据项，集中公示户数为空
--   （不以认定户数代替）；另列认定户数：int_lists__repeat_offender_assessments 按月末认定（当月截至 as_of_date），
--   每户计入首次认定之月，领域取该次认定窗口内处罚最多的领域；
--   领域无法判定（待核实）的计入“其他”，并在 *_undecided_count 列中单独计数，不混同于判定为“其他”的。
--   宣传曝光典型案例（件）：尚无典型案例曝光数据项，为空（不以其他数据代替）。
-- 任一期间 = 对所含月份求和（每件、每户只计入一个月）。

with

serious_entries as (

    select * from {{ ref('int_publication__list_entries') }}
    where record_type = 'serious_list'
        and publication_state = 'published'
        and publicity_start <= {{ as_of_date() }}

),

penalties as (

    select * from {{ ref('int_lists__penalties') }}

),

assessments as (

    select * from {{ ref('int_lists__repeat_offender_assessments') }}

),

domains as (

    select * from {{ ref('ref_campaign_domains') }}

),

other_domain as (

    select domain_code from domains
    where is_catch_all

),

serious_by_month as (

    select
        date_trunc('month', serious_entries.publicity_start) as period_month,
        coalesce(domains.domain_code, (select domain_code from other_domain)) as domain_code,
        count(*) as serious_listed_count,
        count(*) filter (where penalties.domain_method = 'undecided') as serious_listed_undecided_count
    from serious_entries
    left join penalties
        on serious_entries.related_penalty_number = penalties.decision_number
    left join domains
        on penalties.domain_code = domains.domain_code
    group by all

),

-- 每户首次被认定的认定日（月末，或当月的 as_of_date）
first_identified as (

    select enterprise_uscc, assessment_date, main_domain_code
    from assessments
    qualify row_number() over (partition by enterprise_uscc order by assessment_date) = 1

),

repeat_by_month as (

    select
        date_trunc('month', first_identified.assessment_date) as period_month,
        coalesce(domains.domain_code, (select domain_code from other_domain)) as domain_code,
        count(*) as repeat_offender_identified_count,
        count(*) filter (where first_identified.main_domain_code is null) as repeat_offender_undecided_count
    from first_identified
    left join domains
        on first_identified.main_domain_code = domains.domain_code
    group by all

),

months as (

    select cast(period_month as date) as period_month
    from (
        select
            {{ series_rows(
                'first_months.first_month',
                "date_trunc('month', " ~ as_of_date() ~ ")",
                'interval 1 month'
            ) }} as period_month
        -- the first month from a relation, not a scalar subquery in the series (Spark rejects that)
        from (
            select min(first_month) as first_month
            from (
                select min(period_month) as first_month from serious_by_month
                union all
                select min(period_month) as first_month from repeat_by_month
            ) as months_per_list
        ) as first_months
    ) as month_series

),

grid as (

    select
        months.period_month,
        domains.domain_code,
        domains.display_order,
        coalesce(serious_by_month.serious_listed_count, 0) as serious_listed_count,
        coalesce(serious_by_month.serious_listed_undecided_count, 0) as serious_listed_undecided_count,
        coalesce(repeat_by_month.repeat_offender_identified_count, 0) as repeat_offender_identified_count,
        coalesce(repeat_by_month.repeat_offender_undecided_count, 0) as repeat_offender_undecided_count
    from months
    cross join domains
    left join serious_by_month
        on months.period_month = serious_by_month.period_month
        and domains.domain_code = serious_by_month.domain_code
    left join repeat_by_month
        on months.period_month = repeat_by_month.period_month
        and domains.domain_code = repeat_by_month.domain_code

),

with_total as (

    select
        period_month,
        domain_code,
        display_order,
        serious_listed_count,
        serious_listed_undecided_count,
        repeat_offender_identified_count,
        repeat_offender_undecided_count
    from grid

    union all

    select
        period_month,
        '合计' as domain_code,
        max(display_order) + 1 as display_order,
        sum(serious_listed_count),
        sum(serious_listed_undecided_count),
        sum(repeat_offender_identified_count),
        sum(repeat_offender_undecided_count)
    from grid
    group by period_month

),

final as (

    select
        cast(period_month as date) as period_month,
        cast(period_month as date) as period_start,
        cast(last_day(period_month) as date) as period_end,
        least(cast(last_day(period_month) as date), {{ as_of_date() }}) as figures_as_of,
        domain_code,
        cast(display_order as integer) as display_order,
        cast(serious_listed_count as bigint) as serious_listed_count,
        cast(serious_listed_undecided_count as bigint) as serious_listed_undecided_count,
        cast(null as bigint) as repeat_offender_count,
        cast(repeat_offender_identified_count as bigint) as repeat_offender_identified_count,
        cast(repeat_offender_undecided_count as bigint) as repeat_offender_undecided_count,
        cast(null as bigint) as typical_cases_exposed_count,
        {{ as_of_date() }} as as_of_date
    from with_total

)

select * from final
