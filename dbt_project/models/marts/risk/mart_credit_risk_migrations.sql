-- 信用风险类别迁移矩阵：相邻两个快照月之间，按（上月类别, 本月类别）计数。上月未参与分类的记为 NEW（新纳入），
-- 本月不再参与分类的（注销、吊销）记为 EXIT（退出）。月度快照每行带上月类别（previous_risk_class），所以只聚合快照
-- 一遍：EXIT = 上月该类的企业数 − 本月上月类别为该类的企业数。快照的首月没有上个月，不计。

with

monthly as (

    select * from {{ ref('mart_credit_risk_monthly') }}

),

cells as (

    select score_month, previous_risk_class, risk_class, count(*) as enterprise_count
    from monthly
    group by all

),

first_month as (

    select min(score_month) as score_month from cells

),

months as (

    select distinct
        score_month,
        cast(score_month - {{ months_interval(1) }} as date) as previous_month
    from cells
    where score_month > (select score_month from first_month)

),

arrivals as (

    select
        months.score_month,
        months.previous_month,
        coalesce(cells.previous_risk_class, 'NEW') as from_class,
        cells.risk_class as to_class,
        cells.enterprise_count
    from months
    inner join cells
        on months.score_month = cells.score_month

),

previous_class_counts as (

    select months.score_month, months.previous_month, cells.risk_class as from_class, sum(cells.enterprise_count) as n
    from months
    inner join cells
        on months.previous_month = cells.score_month
    group by all

),

stayed as (

    select score_month, from_class, sum(enterprise_count) as n
    from arrivals
    where from_class <> 'NEW'
    group by all

),

exits as (

    select
        previous_class_counts.score_month,
        previous_class_counts.previous_month,
        previous_class_counts.from_class,
        'EXIT' as to_class,
        previous_class_counts.n - coalesce(stayed.n, 0) as enterprise_count
    from previous_class_counts
    left join stayed
        on previous_class_counts.score_month = stayed.score_month
        and previous_class_counts.from_class = stayed.from_class

),

counted as (

    select score_month, previous_month, from_class, to_class, enterprise_count from arrivals
    union all
    select score_month, previous_month, from_class, to_class, enterprise_count from exits
    where enterprise_count > 0

)

select
    score_month,
    previous_month,
    from_class,
    to_class,
    from_class <> to_class as is_changed,
    cast(enterprise_count as bigint) as enterprise_count,
    cast(round(enterprise_count / sum(enterprise_count) over (partition by score_month, from_class), 6) as double)
        as share_of_from_class
from counted
