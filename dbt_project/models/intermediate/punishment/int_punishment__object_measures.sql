-- 对象 × 措施：起始日、自然届满日，以及截至 as_of_date 的解除（自然解除、异议解除、信用修复解除，取最早者）。
-- 期限规则：fixed 自事由作出之日起固定月数；basis 随事由存续（事由移出或届满即解除）。
-- 事由的移出取 int_punishment__bases（名录事由来自名录模型 int_lists__list_periods，处罚事由的撤销来自
-- int_lists__penalties），按移出路径对照解除路径（punishment_release_paths）：据以列入的处罚被撤销 → 异议解除，
-- 信用修复移出（严重违法失信名单须列入满规定期限，名录模型已核对）→ 信用修复解除，其余（期满、报送移出）→ 自然解除。
-- 这里不再对名录事由直接读信用修复，不再对处罚事由直接读撤销的异议，以免与名录、公示不一致；其余事由（外单位文书等）
-- 的异议、信用修复仍按文书号直接对应。信用修复不解除法定期限未届满的措施（repair_blocked）；异议变更处罚后，原决定中
-- 触发该措施的处罚种类不再存在的，该措施解除（“收窄”）。end_date 当日起不再限制。
-- 增量构建按案件（事由文书号）只重算新批次与截至日期变动所涉案件（宏 incremental_by_case、punishment_case_keys）。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__registry_records'],
    'basis_number', 'punishment_case_keys', {'measures': 'this'}, env=['CWH_PERSON_KEY_SALT'], dated='window',
) %}
{%- set selected = selected_keys_filter if scope is not none else none %}

with

objects as (

    select * from {{ ref('int_punishment__objects') }}
    {%- if selected %}
    where {{ selected('basis_number') }}
    {%- endif %}

),

matched as (

    select * from {{ ref('int_punishment__matched_triggers') }}
    {%- if selected %}
    where {{ selected('basis_number') }}
    {%- endif %}

),

measures as (

    select * from {{ ref('int_punishment__measures') }}

),

paths as (

    select * from {{ ref('punishment_release_paths') }}

),

objections as (

    select objections.*, paths.release_path
    from {{ ref('stg_landing__objections') }} as objections
    inner join paths
        on paths.source_field = 'objection_outcome' and objections.outcome = paths.source_value
    where objections.outcome_date <= {{ as_of_date() }}
    {%- if selected %}
        -- every version of the objections naming a selected case (the versions name the same case: see the keys)
        and objections.objection_id in (
            select objection_id from {{ ref('stg_landing__objections') }}
            where {{ selected('related_record_number') }}
        )
    {%- endif %}
    qualify {{ latest_version('objection_id') }}

),

repairs as (

    select repairs.*
    from {{ ref('stg_landing__credit_repairs') }} as repairs
    inner join paths
        on paths.source_field = 'repair_outcome' and repairs.outcome = paths.source_value
        and paths.release_path = 'repair'
    where repairs.decision_date <= {{ as_of_date() }}
    {%- if selected %}
        and repairs.application_id in (
            select application_id from {{ ref('stg_landing__credit_repairs') }}
            where {{ selected('related_record_number') }}
        )
    {%- endif %}
    qualify {{ latest_version('application_id') }}

),

-- 处罚的最新版本（变更在后续批次以同一文号重报）
penalty_latest as (

    select decision_number, penalty_types, revoked_licence
    from {{ ref('int_lists__penalties') }}
    {%- if selected %}
    where {{ selected('decision_number') }}
    {%- endif %}

),

object_measures as (

    select
        md5(concat_ws('|', objects.object_id, matched.measure_id)) as object_measure_id,
        objects.*,
        matched.trigger_id,
        matched.basis_contains,
        matched.licence_contains,
        measures.measure_id,
        measures.measure_name,
        measures.measure_list,
        measures.category as measure_category,
        measures.legal_basis,
        measures.implementing_unit_type,
        measures.term_rule,
        measures.term_months,
        measures.is_statutory_term,
        objects.decision_date as start_date,
        removal_paths.release_path as removal_release_path,
        case measures.term_rule
            when 'fixed' then cast(objects.decision_date + {{ months_interval('measures.term_months') }} as date)
            else coalesce(
                    case when removal_paths.release_path is null then objects.removal_date end,
                    objects.planned_end
                )
        end as natural_end
    from objects
    inner join matched
        on objects.basis_type = matched.basis_type
        and objects.basis_number = matched.basis_number
        and objects.object_role = matched.object_role
    inner join measures
        on matched.measure_id = measures.measure_id
    left join paths as removal_paths
        on removal_paths.source_field = 'removal_path' and objects.removal_path = removal_paths.source_value

),

-- 信用修复：名录事由取名录模型的信用修复移出；其余事由按文书号直接对应准予修复的决定
repair_events as (

    select
        object_measure_id, removal_date as repair_date, coalesce(removal_authority, source_agency) as repaired_by,
        '事由移出：' || removal_reason as repair_reason
    from object_measures
    where removal_release_path = 'repair' and removal_date <= {{ as_of_date() }}

    union all

    select
        om.object_measure_id, r.decision_date, r.deciding_authority,
        '信用修复准予修复（' || r.application_id || '）'
    from object_measures as om
    inner join repairs as r
        on om.basis_number = r.related_record_number
    where om.listing_id is null

),

release_candidates as (

    -- 自然解除：期限届满（或事由依规移出：作出移出决定的机关，期满移出为系统自动）
    select
        object_measure_id, natural_end as release_date, 'natural' as release_path, 3 as priority,
        case when removal_date = natural_end and removal_authority is not null
                then removal_authority
            else '系统自动（期限届满）'
        end as released_by,
        case when removal_date = natural_end and removal_reason is not null
                then '事由移出：' || removal_reason
            else '惩戒期限届满自动解除'
        end as release_reason
    from object_measures
    where natural_end <= {{ as_of_date() }}

    union all

    -- 异议解除：事由所依据的处罚被撤销、确认无效（名录模型、处罚模型判定的移出路径）
    select
        object_measure_id, removal_date, 'objection', 1, coalesce(removal_authority, source_agency),
        '事由移出：' || removal_reason
    from object_measures
    where removal_release_path = 'objection' and removal_date <= {{ as_of_date() }}

    union all

    -- 异议解除：事由本身（列入决定、外单位文书等）被撤销、确认无效；处罚事由的撤销已在上一项
    select
        om.object_measure_id, o.outcome_date, 'objection', 1, o.handling_authority,
        '异议处理结果：' || o.outcome || '（' || o.related_record_number || '）'
    from object_measures as om
    inner join objections as o
        on om.basis_number = o.related_record_number
    where o.release_path = 'objection' and om.basis_type != 'penalty'

    union all

    -- 异议变更：变更后的处罚不再包含触发该措施的处罚种类，或不再吊销触发规则限定的证照（licence_contains，如营业执照）
    select
        om.object_measure_id, o.outcome_date, 'objection', 1, o.handling_authority,
        '异议处理结果：变更，变更后处罚为“' || p.penalty_types || '”'
        || coalesce('（吊销证照：' || nullif(p.revoked_licence, '') || '）', '') || '，不再构成本措施的事由'
    from object_measures as om
    inner join objections as o
        on om.basis_number = o.related_record_number
        and o.release_path = 'objection_narrow'
    inner join penalty_latest as p
        on om.basis_number = p.decision_number
    where om.basis_type = 'penalty'
        and (
            (om.basis_contains is not null and not contains(coalesce(p.penalty_types, ''), om.basis_contains))
            or (om.licence_contains is not null and not contains(coalesce(p.revoked_licence, ''), om.licence_contains))
        )

    union all

    -- 信用修复解除：法定期限未届满的不得解除
    select om.object_measure_id, r.repair_date, 'repair', 2, r.repaired_by, r.repair_reason
    from object_measures as om
    inner join repair_events as r
        on om.object_measure_id = r.object_measure_id
    where not (om.is_statutory_term and om.term_rule = 'fixed' and om.natural_end > r.repair_date)

),

-- 最早的解除；同日的按优先级，再按解除机关、原因（同日两份修复决定、两项异议结果）：同样的报送选出同样的一行，
-- 不取决于行的物理顺序
first_release as (

    select * from release_candidates
    where release_date is not null
    qualify row_number() over (
            partition by object_measure_id
            order by release_date asc, priority asc, released_by asc nulls last, release_reason asc nulls last
        ) = 1

),

blocked_repairs as (

    select om.object_measure_id, min(r.repair_date) as repair_blocked_date
    from object_measures as om
    inner join repair_events as r
        on om.object_measure_id = r.object_measure_id
    where om.is_statutory_term and om.term_rule = 'fixed' and om.natural_end > r.repair_date
    group by om.object_measure_id

)

select
    object_measures.*,
    first_release.release_date,
    first_release.release_path,
    first_release.released_by,
    first_release.release_reason,
    coalesce(first_release.release_date, object_measures.natural_end) as end_date,
    -- a repair that found the measure already released blocked nothing
    case when first_release.release_date is null or first_release.release_date > blocked_repairs.repair_blocked_date
            then blocked_repairs.repair_blocked_date
    end as repair_blocked_date
from object_measures
left join first_release
    on object_measures.object_measure_id = first_release.object_measure_id
left join blocked_repairs
    on object_measures.object_measure_id = blocked_repairs.object_measure_id
