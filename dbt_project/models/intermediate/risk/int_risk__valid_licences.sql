-- 分类日持有的有效许可：任一版本的有效期覆盖该日（重叠的版本已并成一段：int_risk__licence_periods），且没有在该日
-- 或之前生效的失效版本（注销、撤销、吊销、无效）。许可类型按分类日有效的证书名称对照（ref_licence_types）。

with

periods as (

    select * from {{ ref('int_risk__licence_periods') }}

),

licence_types as (

    select * from {{ ref('ref_licence_types') }}

),

score_dates as (

    select score_date from {{ ref('int_risk__score_dates') }}

),

covering as (

    select
        score_dates.score_date,
        periods.uscc,
        periods.licence_number,
        periods.certificate_name
    from periods
    inner join score_dates
        on periods.valid_from <= score_dates.score_date
        and periods.valid_to >= score_dates.score_date
    where periods.ended_on is null or periods.ended_on > score_dates.score_date

)

select
    covering.score_date,
    covering.uscc,
    covering.licence_number,
    covering.certificate_name,
    licence_types.licence_type
from covering
inner join licence_types
    on covering.certificate_name = licence_types.certificate_name
    and {{ rule_in_force('covering.score_date', 'licence_types') }}
