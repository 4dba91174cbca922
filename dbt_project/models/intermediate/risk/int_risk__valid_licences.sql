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

-- 同一许可的各版本（更正、延续）可同时覆盖一个分类日：先把同一（主体、许可、证书名称）相互重叠的有效期并成一段，
-- 每个分类日至多落在一段内，不必再对（分类日 × 许可）去重（10 M 户时去重的哈希表超出内存上限）。
versions as (

    select distinct
        uscc,
        licence_number,
        certificate_name,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to  -- 无截止日：长期有效
    from licences

),

reach as (

    select
        *,
        max(valid_to) over (
            partition by uscc, licence_number, certificate_name
            order by valid_from, valid_to
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from versions

),

islands as (

    select
        *,
        sum(case when reach_before is null or reach_before < valid_from then 1 else 0 end) over (
            partition by uscc, licence_number, certificate_name
            order by valid_from, valid_to
            rows between unbounded preceding and current row
        ) as island
    from reach

),

merged as (

    select uscc, licence_number, certificate_name, min(valid_from) as valid_from, max(valid_to) as valid_to
    from islands
    group by uscc, licence_number, certificate_name, island

),

covering as (

    select
        score_dates.score_date,
        merged.uscc,
        merged.licence_number,
        merged.certificate_name
    from merged
    inner join score_dates
        on merged.valid_from <= score_dates.score_date
        and merged.valid_to >= score_dates.score_date
    left join ended
        on merged.licence_number = ended.licence_number
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
