-- 闭环超期预警：每个对象 × 措施 × 环节，超过期限仍未办理（超期未办）或办理晚于期限（逾期办结），
-- 超期多少个工作日（截至 as_of_date 或实际办理日）。期限落在尚未公布节假日安排的年份时标记为估算。
-- 期限按对象所在地区适用的规则（int_punishment__stage_deadlines）；没有适用规则的地区期限为空，不预警。

with

d as {{ cte_hint(false) }} (

    select * from {{ ref('int_punishment__stage_deadlines') }}

),

stages as (

    select * from {{ ref('punishment_stages') }}

),

checks as (

    select
        object_measure_id, 'pushed' as stage_code, push_due as due_date, push_due_estimated as is_estimated,
        pushed_on as done_on, source_agency as responsible_unit, '执法办案机构' as responsible_unit_type
    from d

    union all

    select
        object_measure_id, 'forwarded', forward_due, forward_due_estimated, forwarded_on,
        coalesce(receiving_unit, source_agency || '（业务主管机构）'), '业务主管机构'
    from d
    where pushed_on is not null

    union all

    select
        object_measure_id, 'fed_back', feedback_due, feedback_due_estimated, fed_back_on,
        coalesce(implementing_unit, implementing_unit_type), implementing_unit_type
    from d
    where implemented_on is not null

    union all

    select
        object_measure_id, 'adjusted', adjust_due, adjust_due_estimated, adjusted_on,
        coalesce(receiving_unit, source_agency || '（业务主管机构）'), '业务主管机构'
    from d
    where adjust_due is not null

),

late as (

    select
        checks.*,
        {{ working_days_between('checks.due_date', 'coalesce(checks.done_on, ' ~ as_of_date() ~ ')') }}
            as late_working_days
    from checks
    inner join d
        on checks.object_measure_id = d.object_measure_id
    where checks.due_date < coalesce(checks.done_on, {{ as_of_date() }})
        -- 措施在期限前已解除的，不再要求办理后续环节（调整环节除外）
        and (checks.stage_code = 'adjusted' or d.release_date is null or d.release_date > checks.due_date)

)

select
    late.object_measure_id,
    late.stage_code,
    stages.stage_label,
    late.responsible_unit,
    late.responsible_unit_type,
    d.object_type,
    d.object_key,
    d.uscc,
    d.basis_type,
    d.basis_number,
    d.measure_id,
    d.measure_name,
    late.due_date,
    late.is_estimated,
    late.done_on,
    case when late.done_on is null then '超期未办' else '逾期办结' end as overdue_status,
    late.late_working_days,
    {{ as_of_date() }} as as_of_date
from late
inner join d
    on late.object_measure_id = d.object_measure_id
left join stages
    on late.stage_code = stages.stage_code
where late.late_working_days > 0
