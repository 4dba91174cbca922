-- 主体的次要标识：每个主体、每个标识一行，只供内部关联（int_linkage__record_links），不进入集市与公示产品。
-- 组织机构代码 = 统一社会信用代码第 9–17 位（GB 32100 主体标识码）；注册号取登记记录的每个版本（登记历史）：
-- 换发统一社会信用代码后的登记版本往往不再带注册号，所以不能只看最新一次登记。first_seen_date、last_seen_date
-- 为带该标识的登记版本中最早、最晚的核准日期。

{%- set scope = incremental_by_key('stg_landing__registry_records', 'uscc') %}

with

registry_records as (

    select * from {{ ref('int_registry__records_deduplicated') }}
    {%- if scope is not none %}
        where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

identifiers as (

    select
        uscc,
        'org_code' as identifier_type,
        substr(uscc, 9, 9) as identifier,
        approval_date
    from registry_records

    union all

    select
        uscc,
        'registration_number' as identifier_type,
        {{ normalise_code('registration_number') }} as identifier,
        approval_date
    from registry_records

),

final as (

    select
        uscc,
        identifier_type,
        identifier,
        min(approval_date) as first_seen_date,
        max(approval_date) as last_seen_date
    from identifiers
    where identifier is not null
    group by uscc, identifier_type, identifier

)

select * from final
