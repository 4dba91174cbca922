-- 失信惩戒实施情况月度反馈（杭州闭环指导意见 二（六））：所属月份（var feedback_month）内，按实施机构 × 措施统计
-- 在执行对象数、新增、实施、解除（按路径）、应反馈与已反馈（按时、逾期）、未反馈及典型案例说明条数。

with

lifecycle as (

    select * from {{ ref('mart_punishment_lifecycle') }}
    where object_key is not null

),

unit_events as (

    select * from {{ ref('int_punishment__unit_events') }}
    where object_measure_id is not null

),

month_bounds as (

    select
        {{ feedback_month_start() }} as month_start,
        cast({{ feedback_month_start() }} + interval 1 month as date) as next_month_start

),

rows as (

    select
        lifecycle.*,
        coalesce(lifecycle.implementing_unit, lifecycle.implementing_unit_type) as unit_name,
        month_bounds.month_start,
        month_bounds.next_month_start
    from lifecycle
    cross join month_bounds
    where lifecycle.start_date < month_bounds.next_month_start
        and (lifecycle.end_date is null or lifecycle.end_date >= month_bounds.month_start)

),

notes as (

    select unit_events.object_measure_id, count(*) as typical_case_notes
    from unit_events
    cross join month_bounds
    where unit_events.stage_code = 'fed_back'
        and unit_events.note is not null
        and unit_events.event_date >= month_bounds.next_month_start
        and unit_events.event_date < month_bounds.next_month_start + interval 1 month
    group by 1

)

select
    {{ format_date('rows.month_start', "%Y-%m") }} as feedback_month,
    rows.unit_name as implementing_unit,
    rows.implementing_unit_type,
    rows.measure_id,
    rows.measure_name,
    rows.measure_list,
    rows.measure_category,
    count(*) filter (where rows.end_date is null or rows.end_date >= rows.next_month_start) as in_force_at_month_end,
    count(*) filter (where rows.start_date >= rows.month_start) as newly_identified,
    count(*) filter (where rows.implemented_on >= rows.month_start and rows.implemented_on < rows.next_month_start)
        as implemented,
    count(
        *) filter (
        where rows.release_date >= rows.month_start and rows.release_date < rows.next_month_start
        and rows.release_path = 'natural'
    ) as released_natural,
    count(
        *) filter (
        where rows.release_date >= rows.month_start and rows.release_date < rows.next_month_start
        and rows.release_path = 'objection'
    ) as released_objection,
    count(
        *) filter (
        where rows.release_date >= rows.month_start and rows.release_date < rows.next_month_start
        and rows.release_path = 'repair'
    ) as released_repair,
    count(*) filter (where rows.implemented_on >= rows.month_start and rows.implemented_on < rows.next_month_start)
        as feedback_expected,
    count(
        *) filter (
        where rows.implemented_on >= rows.month_start and rows.implemented_on < rows.next_month_start
        and rows.fed_back_on <= rows.feedback_due
    ) as fed_back_on_time,
    count(
        *) filter (
        where rows.implemented_on >= rows.month_start and rows.implemented_on < rows.next_month_start
        and rows.fed_back_on > rows.feedback_due
    ) as fed_back_late,
    count(
        *) filter (
        where rows.implemented_on >= rows.month_start and rows.implemented_on < rows.next_month_start
        and rows.fed_back_on is null
    ) as feedback_missing,
    max(rows.feedback_due) as feedback_due,
    cast(coalesce(sum(notes.typical_case_notes), 0) as bigint) as typical_case_notes,
    any_value(rows.as_of_date) as as_of_date
from rows
left join notes
    on rows.object_measure_id = notes.object_measure_id
group by all
