-- 双随机抽取（计划日 = as_of_date）：每个参与分类的企业一行，说明它是否入选、为何不入选。
-- 重点监管事项清单内的企业不参与抽取；近 sampling_frequency_window_days 天内双随机抽查次数超过该类上限的不抽；
-- 其余按（区划, 信用风险类别）分层抽取，应抽户数按类别在全辖区分配（最大余数法）：
--   本类应抽 = round(本类全辖区可抽户数 × 抽查比例)；每层先得 floor(本层可抽户数 × 比例) 户，
--   余下的户数按余数从大到小各加 1 户（余数相同按 md5(随机种子 | 区划 | 类别) 排序），
--   故每类实抽户数占可抽户数之比等于配置的比例（至多差半户），不因分层逐层取整而偏离；
-- 每层按 md5(随机种子 | 统一社会信用代码) 升序取前若干户；只有排在应抽户数以内的排序值分段才排序（见 reached_buckets），
-- 故名次只给入选户，未入选的为空。
-- 随机种子取 dbt 变量 plan_seed，否则取参数 inspection_plan_seed：同一种子、同一数据必得同一结果。

{#- an eligible enterprise whose key lies in a bucket its stratum's quota reaches (reached_buckets) -#}
{%- set in_reached_bucket -%}
    eligible.region_code = reached_buckets.region_code
        and eligible.risk_class = reached_buckets.risk_class
        and left(eligible.draw_key, 2) = reached_buckets.draw_bucket
        and eligible.exclusion_reason is null
{%- endset %}

with

params as (

    select
        cast(coalesce(
            {{ "'" ~ var('plan_seed') ~ "'" if var('plan_seed', none) else 'null' }},
            cast(cast({{ risk_parameter('inspection_plan_seed') }} as bigint) as string)
        ) as string) as plan_seed,
        {{ as_of_date() }} as plan_date,
        cast({{ risk_parameter('sampling_frequency_window_days') }} as integer) as frequency_window_days

),

scores as (

    select scores.uscc, scores.risk_class, enterprises.region_code, enterprises.region_name
    from {{ ref('int_risk__current_scores') }} as scores
    inner join {{ ref('int_registry__enterprises') }} as enterprises
        on scores.uscc = enterprises.uscc
    where scores.scenario_id = 'baseline'

),

key_items as (

    select
        valid_licences.uscc,
        {{ ordered_string_agg('items.item_code', "';'", distinct=true) }} as key_item_codes,
        {{ ordered_string_agg('items.item_name', "';'", distinct=true) }} as key_item_names
    from {{ ref('int_risk__valid_licences') }} as valid_licences
    inner join {{ ref('ref_key_supervision_items') }} as items
        on valid_licences.licence_type = items.licence_type
        and {{ rule_in_force(as_of_date(), 'items') }}
    where valid_licences.score_date = {{ as_of_date() }}
    group by valid_licences.uscc

),

prior_inspections as (

    select inspections.uscc, count(distinct inspections.task_id) as prior_count
    from {{ ref('stg_landing__inspections') }} as inspections
    cross join params
    where inspections.inspection_type in {{ criterion_values('random_inspection', 'inspection_type') }}
        and inspections.inspection_date <= params.plan_date
        and inspections.inspection_date > params.plan_date - params.frequency_window_days
    group by inspections.uscc

),

sampling as (

    select * from {{ ref('rule_inspection_sampling') }}
    where {{ rule_in_force(as_of_date()) }}

),

eligible as (

    select
        md5(concat(params.plan_seed, '|', scores.uscc)) as draw_key,
        scores.uscc, scores.region_code, scores.region_name, scores.risk_class,
        sampling.sampling_ratio, sampling.max_prior_inspections_365d,
        coalesce(prior_inspections.prior_count, 0) as prior_count,
        key_items.key_item_codes, key_items.key_item_names,
        case
            when key_items.uscc is not null then 'key_supervision'
            when sampling.max_prior_inspections_365d is not null
                and coalesce(prior_inspections.prior_count, 0) > sampling.max_prior_inspections_365d
                then 'frequency_cap'
        end as exclusion_reason
    from scores
    inner join sampling
        on scores.risk_class = sampling.risk_class
    left join key_items
        on scores.uscc = key_items.uscc
    left join prior_inspections
        on scores.uscc = prior_inspections.uscc
    cross join params

),

-- 层内可抽户数与排序值分段：按排序值前两位十六进制分 256 段，每层每段一行（一次聚合，不排序）
buckets as (

    select region_code, risk_class, left(draw_key, 2) as draw_bucket, count(*) as bucket_count
    from eligible
    where exclusion_reason is null
    group by region_code, risk_class, left(draw_key, 2)

),

-- 按类别分配应抽户数（最大余数法）：比例按定点小数相乘，避免浮点误差改变取整
strata as (

    select
        buckets.region_code,
        buckets.risk_class,
        cast(sum(buckets.bucket_count) as bigint) as stratum_eligible,
        cast(any_value(sampling.sampling_ratio) as decimal(18, 6)) * cast(sum(buckets.bucket_count) as bigint)
            as exact_quota
    from buckets
    inner join sampling
        on buckets.risk_class = sampling.risk_class
    group by buckets.region_code, buckets.risk_class

),

allocated as (

    select
        strata.*,
        cast(floor(strata.exact_quota) as integer) as base_quota,
        sum(strata.stratum_eligible) over class_all as class_eligible,
        cast(round(sum(strata.exact_quota) over class_all) as integer) as class_quota,
        cast(round(sum(strata.exact_quota) over class_all) as integer)
        - sum(cast(floor(strata.exact_quota) as integer)) over class_all as class_leftover,
        row_number() over (
            partition by strata.risk_class
            order by
                strata.exact_quota - floor(strata.exact_quota) desc,
                md5(concat(params.plan_seed, '|', strata.region_code, '|', strata.risk_class))
        ) as remainder_rank
    from strata
    cross join params
    window class_all as (partition by strata.risk_class)

),

quotas as (

    select
        region_code,
        risk_class,
        cast(stratum_eligible as integer) as stratum_eligible,
        cast(class_eligible as integer) as class_eligible,
        class_quota,
        base_quota + case when remainder_rank <= class_leftover then 1 else 0 end as stratum_quota
    from allocated

),

-- 入选只看层内名次 ≤ 应抽户数，故只给排在应抽户数以内的段排序：某段之前各段累计户数小于应抽户数，该段才可能有入选者。
-- 这些段是本层排序值最小的若干段，段内企业的名次与全层排序的名次相同（更小的排序值都在更前或同一段内）；
-- 排序的户数约为应抽户数加一段，而不是全辖区所有企业
reached_buckets as (

    select buckets.region_code, buckets.risk_class, buckets.draw_bucket
    from (
        select
            region_code,
            risk_class,
            draw_bucket,
            sum(bucket_count) over (
                partition by region_code, risk_class
                order by draw_bucket
                rows between unbounded preceding and 1 preceding
            ) as earlier_count
        from buckets
    ) as buckets
    inner join quotas
        on buckets.region_code = quotas.region_code
        and buckets.risk_class = quotas.risk_class
    where coalesce(buckets.earlier_count, 0) < quotas.stratum_quota

),

-- 排序到的段内企业带名次，其余企业（含不参与抽取的）名次为空；两部分各读一次 eligible，不按代码连接回来
ranked as (

    select
        eligible.*,
        row_number() over (
            partition by eligible.region_code, eligible.risk_class
            order by eligible.draw_key
        ) as draw_rank
    from eligible
    inner join reached_buckets
        on {{ in_reached_bucket }}
    union all
    select
        eligible.*,
        cast(null as bigint) as draw_rank
    from eligible
    left join reached_buckets
        on {{ in_reached_bucket }}
    where reached_buckets.draw_bucket is null

),

final as (

    select
        params.plan_date,
        params.plan_seed,
        params.frequency_window_days,
        ranked.uscc,
        ranked.region_code,
        ranked.region_name,
        ranked.risk_class,
        ranked.sampling_ratio,
        ranked.max_prior_inspections_365d,
        cast(ranked.prior_count as integer) as prior_count,
        ranked.key_item_codes,
        ranked.key_item_names,
        ranked.exclusion_reason,
        case when ranked.exclusion_reason is null then ranked.draw_key end as draw_key,
        case when ranked.draw_rank <= quotas.stratum_quota then cast(ranked.draw_rank as integer) end as draw_rank,
        quotas.stratum_eligible,
        quotas.stratum_quota,
        quotas.class_eligible,
        quotas.class_quota,
        coalesce(ranked.draw_rank <= quotas.stratum_quota, false) as is_drawn
    from ranked
    cross join params
    left join quotas
        on ranked.region_code = quotas.region_code
        and ranked.risk_class = quotas.risk_class
        and ranked.exclusion_reason is null

)

select * from final
