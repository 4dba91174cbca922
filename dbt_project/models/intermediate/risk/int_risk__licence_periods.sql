-- 许可的有效期段：同一（主体、许可证编号、证书名称）相互重叠的有效期并成一段（更正、延续的各版本可同时覆盖一日），
-- 每段带该许可最早的失效日期（注销、撤销、吊销、无效：ref_licence_statuses；异议、其他等不使许可失效）。
-- int_risk__valid_licences 据此取各分类日持有的有效许可：区间合并每个许可只算一次，不在每次构建、每个读者处重算。
-- 按主体增量（宏 incremental_by_key）：新批次所报许可证编号的任一版本涉及的主体全部重算（更正可能把许可从一家企业
-- 改到另一家）；失效日期取这些许可证编号在暂存层的全部版本。

{%- set scope = incremental_by_key(
    'stg_landing__licences', 'uscc', on_schema_change='fail',
    keys_of={'stg_landing__licences': {'versions_of': 'licence_number'}}
) %}

with

licences as (

    select * from {{ ref('stg_landing__licences') }}
    where uscc is not null
    {%- if scope is not none %}
        and {{ changed_keys_filter(scope) }}
    {%- endif %}

),

licence_statuses as (

    select * from {{ ref('ref_licence_statuses') }}

),

-- 失效日期按许可证编号取其全部版本（不只本次重算的主体所报的版本）
ended as (

    select
        every_version.licence_number,
        min(coalesce(every_version.status_date, every_version.decision_date)) as ended_on
    from {{ ref('stg_landing__licences') }} as every_version
    inner join licence_statuses
        on every_version.licence_status = licence_statuses.licence_status
    where
        licence_statuses.ends_licence
        and every_version.uscc is not null
        and every_version.licence_number in (select licences.licence_number from licences)
    group by every_version.licence_number

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

)

select
    merged.uscc,
    merged.licence_number,
    merged.certificate_name,
    merged.valid_from,
    merged.valid_to,
    ended.ended_on
from merged
left join ended
    on merged.licence_number = ended.licence_number
