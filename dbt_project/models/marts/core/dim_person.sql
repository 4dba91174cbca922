-- 自然人维表（法定代表人、负责人、经营者）：每个人员键一行，人员键为证件号码的哈希，证件号码不入集市。
-- 跨主体关联：担任（或曾担任）法定代表人的主体数，其中截至 as_of_date 在经营异常名录、严重违法失信名单上的主体数
-- （穿透式监管与任职限制的线索，DOMAIN.md §5）。每行显示截至日期：截至日期变动（每日发布）时全部重算；同一截至日期
-- 的增量构建只重算新批次所涉主体（登记、处罚、许可与名单）的人员（宏 incremental_by_case，所涉人员见宏 dim_person_keys）。

{%- set scope = incremental_by_case(
    (person_link_inputs() + list_period_inputs().staged) | unique | list,
    'person_key',
    'dim_person_keys',
    env=['CWH_PERSON_KEY_SALT'],
    dated='whole',
    on_schema_change='fail',
) %}

with

person_enterprises as (

    select * from {{ ref('int_linkage__person_enterprises') }}
    {%- if scope is not none %}
    where {{ selected_keys_filter() }}
    {%- endif %}

),

list_periods as (

    select * from {{ ref('int_lists__list_periods') }}

),

listed_on_date as (

    select
        uscc,
        bool_or(list_type = 'abnormal') as on_abnormal_list,
        bool_or(list_type = 'serious') as on_serious_list
    from list_periods
    where list_date <= {{ as_of_date() }}
        and (removal_date is null or removal_date > {{ as_of_date() }})
    group by uscc

),

ever_serious as (

    select distinct uscc
    from list_periods
    where list_type = 'serious'
        and list_date <= {{ as_of_date() }}

),

links as (

    select
        person_enterprises.*,
        coalesce(listed_on_date.on_abnormal_list, false) as on_abnormal_list,
        coalesce(listed_on_date.on_serious_list, false) as on_serious_list,
        ever_serious.uscc is not null as ever_serious_listed
    from person_enterprises
    left join listed_on_date
        on person_enterprises.uscc = listed_on_date.uscc
    left join ever_serious
        on person_enterprises.uscc = ever_serious.uscc

),

link_counts as (

    select person_key, count(*) as enterprise_count
    from person_enterprises
    group by person_key

),

-- 只关联一个主体的人员（绝大多数）：那一行就是结果，不做按序聚合（按序聚合的代价在每组一份排序键）
single_links as (

    select
        links.person_key,
        case when links.person_name is not null and links.last_seen_date is not null then links.person_name end
            as person_name,
        link_counts.enterprise_count,
        cast(case when links.is_current_legal_rep then 1 else 0 end as bigint) as current_legal_rep_count,
        cast(case when links.on_abnormal_list then 1 else 0 end as bigint) as abnormal_listed_enterprise_count,
        cast(case when links.on_serious_list then 1 else 0 end as bigint) as serious_listed_enterprise_count,
        cast(case when links.ever_serious_listed then 1 else 0 end as bigint) as ever_serious_listed_enterprise_count,
        links.uscc as enterprise_usccs,
        links.first_seen_date,
        links.last_seen_date
    from links
    inner join link_counts
        on links.person_key = link_counts.person_key
    where link_counts.enterprise_count = 1

),

multiple_links as (

    select
        links.person_key,
        -- the name last reported; last reported on one date for several enterprises: the one of the greatest code
        -- (a total order: the same every build)
        {{ first_ordered('links.person_name', ['links.last_seen_date desc', 'links.uscc desc']) }}
        filter (where links.person_name is not null and links.last_seen_date is not null)
            as person_name,
        count(*) as enterprise_count,
        count(*) filter (where links.is_current_legal_rep) as current_legal_rep_count,
        count(*) filter (where links.on_abnormal_list) as abnormal_listed_enterprise_count,
        count(*) filter (where links.on_serious_list) as serious_listed_enterprise_count,
        count(*) filter (where links.ever_serious_listed) as ever_serious_listed_enterprise_count,
        {{ ordered_string_agg('links.uscc', "';'") }} as enterprise_usccs,
        min(links.first_seen_date) as first_seen_date,
        max(links.last_seen_date) as last_seen_date
    from links
    inner join link_counts
        on links.person_key = link_counts.person_key
    where link_counts.enterprise_count > 1
    group by links.person_key

),

final as (

    select single_links.*, {{ as_of_date() }} as as_of_date from single_links
    union all
    select multiple_links.*, {{ as_of_date() }} as as_of_date from multiple_links

)

select * from final
