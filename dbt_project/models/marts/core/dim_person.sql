-- 自然人维表（法定代表人、负责人、经营者）：每个人员键一行，人员键为证件号码的哈希，证件号码不入集市。
-- 跨主体关联：担任（或曾担任）法定代表人的主体数，其中截至 as_of_date 在经营异常名录、严重违法失信名单上的主体数
-- （穿透式监管与任职限制的线索，DOMAIN.md §5）。每日重建。

with

person_enterprises as (

    select * from {{ ref('int_linkage__person_enterprises') }}

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

final as (

    select
        person_enterprises.person_key,
        -- the name last reported; last reported on one date for several enterprises: the one of the greatest code
        -- (a total order: the same every build)
        {{ first_ordered(
            'person_enterprises.person_name',
            ['person_enterprises.last_seen_date desc', 'person_enterprises.uscc desc']
        ) }}
        filter (where person_enterprises.person_name is not null and person_enterprises.last_seen_date is not null)
            as person_name,
        count(*) as enterprise_count,
        count(*) filter (where person_enterprises.is_current_legal_rep) as current_legal_rep_count,
        count(*) filter (where listed_on_date.on_abnormal_list) as abnormal_listed_enterprise_count,
        count(*) filter (where listed_on_date.on_serious_list) as serious_listed_enterprise_count,
        count(ever_serious.uscc) as ever_serious_listed_enterprise_count,
        {{ ordered_string_agg('person_enterprises.uscc', "';'") }} as enterprise_usccs,
        min(person_enterprises.first_seen_date) as first_seen_date,
        max(person_enterprises.last_seen_date) as last_seen_date,
        {{ as_of_date() }} as as_of_date
    from person_enterprises
    left join listed_on_date
        on person_enterprises.uscc = listed_on_date.uscc
    left join ever_serious
        on person_enterprises.uscc = ever_serious.uscc
    group by person_enterprises.person_key

)

select * from final
