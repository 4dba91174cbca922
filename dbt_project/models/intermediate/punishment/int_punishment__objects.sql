-- 惩戒对象：每个事由 × 对象角色一行（经营主体本身、其法定代表人、文书所列自然人）。法定代表人取事由作出之日
-- 在任者（登记记录按核准日期 ASOF 匹配；早于首次登记的取首次登记），以人员哈希键标识，证件号码不出本层。
-- 找不到对象键的保留一行并写明原因（link_issue），不静默丢弃。
-- 增量构建按案件（事由文书号）只重算新批次所涉案件（宏 incremental_by_case、punishment_case_keys）：对象不读
-- as_of_date，只读事由、匹配的规则与主体的登记记录（事由作出之日在任的法定代表人）；屡禁不止事由每次全部重算。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__registry_records'],
    'basis_number', 'punishment_case_keys', env=['CWH_PERSON_KEY_SALT'],
) %}
{%- set selected = selected_keys_filter if scope is not none else none %}

with

bases as (

    select * from {{ ref('int_punishment__bases') }}
    {%- if selected %}
    where {{ selected('basis_number') }}
    {%- endif %}

),

roles as (

    select distinct basis_type, basis_number, object_role from {{ ref('int_punishment__matched_triggers') }}
    {%- if selected %}
    where {{ selected('basis_number') }}
    {%- endif %}

),

-- 只取有事由的主体的登记记录：人员键（哈希）只为它们计算，不为全部主体的全部登记版本（10 M 主体时的主要开销）
registry as (

    select uscc, approval_date, legal_rep_name, {{ person_key('legal_rep_id_number') }} as legal_rep_person_key
    from {{ ref('int_registry__records_deduplicated') }}
    where uscc in (select bases.uscc from bases)

),

first_registration as (

    select * from registry
    qualify row_number() over (partition by uscc order by approval_date) = 1

),

with_rep as (

    select
        bases.*,
        coalesce(rep_then.legal_rep_person_key, first_registration.legal_rep_person_key) as legal_rep_person_key,
        coalesce(rep_then.legal_rep_name, first_registration.legal_rep_name) as legal_rep_name
    from bases
    {{ asof_left_join() }} registry as rep_then
        on bases.uscc = rep_then.uscc
        and bases.decision_date >= rep_then.approval_date
    left join first_registration
        on bases.uscc = first_registration.uscc
    {{ asof_keep_latest(['bases.basis_type', 'bases.basis_number'], 'rep_then.approval_date') }}

),

objects as (

    select
        roles.object_role,
        case roles.object_role when 'enterprise' then 'enterprise' else 'person' end as object_type,
        case roles.object_role
            when 'enterprise' then with_rep.uscc
            when 'legal_rep' then with_rep.legal_rep_person_key
            else with_rep.subject_person_key
        end as object_key,
        case roles.object_role when 'legal_rep' then with_rep.legal_rep_name end as legal_rep_name,
        with_rep.* {{ star_except() }} (legal_rep_person_key, legal_rep_name, subject_person_key)
    from roles
    inner join with_rep
        on roles.basis_type = with_rep.basis_type
        and roles.basis_number = with_rep.basis_number

)

select
    md5(concat_ws('|', basis_type, basis_number, object_role)) as object_id,
    *,
    case
        when object_key is not null then null
        when object_role = 'enterprise' then '事由未载明统一社会信用代码'
        when object_role = 'legal_rep' then '登记信息中没有该主体法定代表人的证件号码'
        else '文书未载明自然人证件号码'
    end as link_issue
from objects
