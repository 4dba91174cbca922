-- 分类日持有的有效许可：任一版本的有效期覆盖该日，且没有在该日或之前生效的失效版本（注销、撤销、吊销、无效）。
-- 许可类型按分类日有效的证书名称对照（ref_licence_types）。

with

licences as (

    select * from {{ ref('stg_landing__licences') }}
    where uscc is not null

),

licence_types as (

    select * from {{ ref('ref_licence_types') }}

),

score_dates as (

    select score_date from {{ ref('int_risk__score_dates') }}

),

-- 使许可失效的状态取自 ref_licence_statuses（异议、其他等不使许可失效）
licence_statuses as (

    select * from {{ ref('ref_licence_statuses') }}

),

ended as (

    select licences.licence_number, min(coalesce(licences.status_date, licences.decision_date)) as ended_on
    from licences
    inner join licence_statuses
        on licences.licence_status = licence_statuses.licence_status
    where licence_statuses.ends_licence
    group by licences.licence_number

),

covering as (

    select distinct
        score_dates.score_date,
        licences.uscc,
        licences.licence_number,
        licences.certificate_name
    from licences
    inner join score_dates
        on licences.valid_from <= score_dates.score_date
        and (licences.valid_to is null or licences.valid_to >= score_dates.score_date)
    left join ended
        on licences.licence_number = ended.licence_number
    where ended.ended_on is null or ended.ended_on > score_dates.score_date

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
