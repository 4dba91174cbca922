-- 事由 × 触发规则：事由类型、领域、事由文字相符，且规则与措施在事由作出之日均有效（按作出之日的规则判断）。
-- 行政处罚另可按所吊销的证照限定（licence_contains）：营业执照的吊销按《行政处罚法》第九条报送为“吊销许可证件”，
-- 证照名称只在“暂扣或吊销证照名称及编号”（revoked_licence）中，取与事由同一版本（原决定）的记录。
-- 有适用地区的措施（地方清单）只适用于登记在该地区的经营主体（region_scope，地区取自登记信息）。
-- 增量构建按案件（事由文书号）只重算新批次所涉案件（宏 incremental_by_case、punishment_case_keys）：匹配不读
-- as_of_date，只读事由、事由所依据的处罚记录与主体的登记地区；屡禁不止事由每次全部重算。

{%- set scope = incremental_by_case(
    ['stg_landing__penalties', 'stg_landing__abnormal_listings', 'stg_landing__serious_listings',
     'stg_landing__court_judgments', 'stg_landing__objections', 'stg_landing__credit_repairs',
     'stg_landing__registry_records'],
    'basis_number', 'punishment_case_keys',
) %}
{%- set selected = selected_keys_filter if scope is not none else none %}

with

bases as (

    select * from {{ ref('int_punishment__bases') }}
    {%- if selected %}
    where {{ selected('basis_number') }}
    {%- endif %}

),

-- 事由所依据的那一版处罚记录（同一批次、同一行）上的证照名称
penalty_licences as (

    select _batch_id, _row_number, revoked_licence from {{ ref('stg_landing__penalties') }}

),

enterprises as (

    select uscc, region_code from {{ ref('int_registry__enterprises') }}

),

triggers as (

    select * from {{ ref('punishment_triggers') }}

),

measures as (

    select * from {{ ref('int_punishment__measures') }}

)

select
    bases.basis_type,
    bases.basis_number,
    triggers.trigger_id,
    triggers.object_role,
    triggers.basis_contains,
    triggers.licence_contains,
    measures.measure_id
from bases
left join penalty_licences
    on bases.basis_type = 'penalty'
    and bases._batch_id = penalty_licences._batch_id
    and bases._row_number = penalty_licences._row_number
left join enterprises
    on bases.uscc = enterprises.uscc
inner join triggers
    on bases.basis_type = triggers.basis_type
    and (triggers.basis_domain is null or bases.basis_domain = triggers.basis_domain)
    and (triggers.basis_contains is null or contains(bases.basis_text, triggers.basis_contains))
    and (triggers.licence_contains is null or contains(penalty_licences.revoked_licence, triggers.licence_contains))
    and {{ rule_in_force('bases.decision_date', 'triggers') }}
inner join measures
    on measures.measure_id = triggers.measure_id
    and {{ rule_in_force('bases.decision_date', 'measures') }}
    and {{ in_region_scope('enterprises.region_code', 'measures') }}
