-- 信用风险类别迁移矩阵：相邻两个快照月之间，按（上月类别, 本月类别）计数。上月未参与分类的记为 NEW（新纳入），
-- 本月不再参与分类的（注销、吊销）记为 EXIT（退出）。

with

monthly as (

    select * from {{ ref('mart_credit_risk_monthly') }}

),

months as (

    select score_month, lag(score_month) over (order by score_month) as previous_month
    from (select distinct score_month from monthly) as scored_months

),

consecutive as (

    select * from months
    where previous_month is not null

),

previous_rows as (

    select consecutive.score_month, consecutive.previous_month, monthly.uscc, monthly.risk_class
    from consecutive
    inner join monthly
        on consecutive.previous_month = monthly.score_month

),

current_rows as (

    select consecutive.score_month, consecutive.previous_month, monthly.uscc, monthly.risk_class
    from consecutive
    inner join monthly
        on consecutive.score_month = monthly.score_month

),

transitions as (

    select
        coalesce(current_rows.score_month, previous_rows.score_month) as score_month,
        coalesce(current_rows.previous_month, previous_rows.previous_month) as previous_month,
        coalesce(previous_rows.risk_class, 'NEW') as from_class,
        coalesce(current_rows.risk_class, 'EXIT') as to_class
    from previous_rows
    full outer join current_rows
        on previous_rows.score_month = current_rows.score_month
        and previous_rows.uscc = current_rows.uscc

),

counted as (

    select score_month, previous_month, from_class, to_class, count(*) as enterprise_count
    from transitions
    group by all

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
