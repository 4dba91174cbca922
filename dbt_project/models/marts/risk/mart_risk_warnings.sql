-- 风险预警名单（截至 as_of_date）：部门发布的预警（derivation = issued，来自风险预警数据项）与按规则派生的预警
-- （抽查抽检、投诉举报、专项整治），一条预警一行：对象、级别、类型、原因、起止日期、发布与响应部门、措施、依据、状态。
-- 谁预警、谁解除：解除部门与发布部门（统一社会信用代码）不同的解除不生效，如实记入 rejected_lift_count。

with

warning_versions as (

    select * from {{ ref('stg_landing__risk_warnings') }}
    where start_date <= {{ as_of_date() }}

),

issued as (

    select * from warning_versions
    qualify row_number() over (
            partition by warning_id order by (lift_date is not null), {{ version_order(first=true) }}
        ) = 1

),

lifts as (

    select
        warning_versions.warning_id,
        warning_versions.lift_date,
        warning_versions.lifting_department,
        warning_versions.lift_reason,
        warning_versions.lifting_department_uscc = issued.issuing_department_uscc as is_by_issuer,
        warning_versions._received_at,
        warning_versions._batch_id,
        warning_versions._row_number
    from warning_versions
    inner join issued
        on warning_versions.warning_id = issued.warning_id
    where warning_versions.lift_date is not null
        and warning_versions.lift_date <= {{ as_of_date() }}

),

lift_summary as (

    select
        warning_id,
        min(lift_date) filter (where is_by_issuer) as lift_date,
        {{ arg_min_received('lifting_department', 'lift_date', where='is_by_issuer') }} as lifting_department,
        {{ arg_min_received('lift_reason', 'lift_date', where='is_by_issuer') }} as lift_reason,
        count(*) filter (where not is_by_issuer) as rejected_lift_count,
        {{ ordered_string_agg('lifting_department', "';'", distinct=true, where='not is_by_issuer') }}
            as rejected_lifting_departments
    from lifts
    group by warning_id

),

derived as (

    select * from {{ ref('int_risk__derived_warnings') }}

),

derivations as (

    select * from {{ ref('rule_risk_warning_derivations') }}
    where {{ rule_in_force(as_of_date()) }}

),

enterprises as (

    select uscc, enterprise_name from {{ ref('dim_enterprise') }}

),

combined as (

    select
        issued.warning_id,
        'issued' as derivation,
        '部门发布' as derivation_name,
        issued.uscc,
        issued.object_name,
        issued.warning_level,
        issued.warning_type,
        issued.warning_reason,
        issued.start_date,
        issued.end_date,
        issued.issuing_department,
        issued.issuing_department_uscc,
        issued.responding_departments,
        issued.measures,
        issued.legal_basis,
        lift_summary.lift_date,
        lift_summary.lifting_department,
        lift_summary.lift_reason,
        coalesce(lift_summary.rejected_lift_count, 0) as rejected_lift_count,
        lift_summary.rejected_lifting_departments,
        cast(null as integer) as trigger_count,
        cast(null as string) as trigger_records,
        issued._batch_id,
        issued._source_file,
        issued._row_number
    from issued
    left join lift_summary
        on issued.warning_id = lift_summary.warning_id

    union all

    select
        concat(
            'DW-', derived.derivation_code, '-', derived.uscc, '-', {{ format_date('derived.start_date', "%Y%m%d") }}
        ),
        derived.derivation_code,
        derivations.derivation_name,
        derived.uscc,
        enterprises.enterprise_name,
        derivations.warning_level,
        derivations.warning_type,
        {{ format_text(
            "'{}：近 {} 天内符合条件的检查结果达 {} 次（阈值 {} 次），触发记录 {}'",
            ['derivations.derivation_name', 'derivations.lookback_days', 'derived.max_records_in_window',
             'derivations.min_count', 'derived.trigger_records']
        ) }},
        derived.start_date,
        derived.end_date,
        derived.issuing_department,
        derived.issuing_department_uscc,
        derivations.responding_departments,
        derivations.measures,
        derivations.legal_basis,
        null, null, null, 0, null,
        derived.trigger_count,
        derived.trigger_records,
        null, null, null
    from derived
    inner join derivations
        on derived.derivation_code = derivations.derivation_code
    left join enterprises
        on derived.uscc = enterprises.uscc

)

select
    {{ as_of_date() }} as as_of_date,
    warning_id,
    derivation,
    derivation_name,
    uscc,
    object_name,
    warning_level,
    warning_type,
    warning_reason,
    start_date,
    end_date,
    issuing_department,
    issuing_department_uscc,
    responding_departments,
    measures,
    legal_basis,
    lift_date,
    lifting_department,
    lift_reason,
    cast(rejected_lift_count as integer) as rejected_lift_count,
    rejected_lifting_departments,
    case
        when lift_date is not null then '已解除'
        when end_date < {{ as_of_date() }} then '已到期'
        else '生效中'
    end as warning_status,
    lift_date is null and end_date >= {{ as_of_date() }} as is_active,
    cast(trigger_count as integer) as trigger_count,
    trigger_records,
    _batch_id,
    _source_file,
    cast(_row_number as bigint) as _row_number
from combined
