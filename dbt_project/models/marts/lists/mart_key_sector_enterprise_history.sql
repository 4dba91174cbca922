-- 重点领域企业清单历史（国市监信发〔2021〕28号 第(三)(四)条）：每个主体、每个重点领域、每段连续在列的时间一行。
-- 同一领域的多个许可（含换证延续）首尾相接或重叠即合并为一段；成员区间 [valid_from, valid_to)，valid_to 为空即仍在列。
-- 某日 D 的清单：where valid_from <= D and (valid_to is null or valid_to > D)。

with

licence_terms as (

    select * from {{ ref('int_lists__key_sector_licence_terms') }}
    where uscc is not null
        and (tag_to is null or tag_to > tag_from)

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}

),

ordered as (

    select
        *,
        coalesce(tag_to, date '9999-12-31') as tag_end,
        max(coalesce(tag_to, date '9999-12-31')) over (
            partition by uscc, key_sector_domain
            order by tag_from, coalesce(tag_to, date '9999-12-31')
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from licence_terms

),

numbered as (

    select
        *,
        sum(case when previous_end >= tag_from then 0 else 1 end) over (
            partition by uscc, key_sector_domain
            order by tag_from, tag_end
            rows between unbounded preceding and current row
        ) as period_seq
    from ordered

),

periods as (

    select
        uscc,
        key_sector_domain,
        period_seq,
        min(tag_from) as valid_from,
        max(tag_end) as valid_end,
        count(*) as licence_term_count,
        {{ ordered_string_agg('licence_number', "';'", distinct=true) }} as licence_numbers,
        -- the period's last and first licence term: ends (starts) latest (earliest), then by licence number and
        -- term (one row each: a total order, the same every build)
        {{ first_ordered('licence_number', 'tag_end desc, licence_number desc, valid_from desc') }}
        filter (where licence_number is not null) as last_licence_number,
        {{ first_ordered('untag_reason', 'tag_end desc, licence_number desc, valid_from desc') }}
        filter (where untag_reason is not null) as untag_reason,
        {{ first_ordered('_batch_id', 'tag_from, licence_number, valid_from') }}
        filter (where _batch_id is not null and tag_from is not null) as _batch_id,
        {{ first_ordered('_source_file', 'tag_from, licence_number, valid_from') }}
        filter (where _source_file is not null and tag_from is not null) as _source_file,
        {{ first_ordered('_row_number', 'tag_from, licence_number, valid_from') }}
        filter (where _row_number is not null and tag_from is not null) as _row_number
    from numbered
    group by uscc, key_sector_domain, period_seq

),

final as (

    select
        md5(concat_ws('|', periods.uscc, periods.key_sector_domain, periods.valid_from)) as key_sector_period_id,
        periods.uscc,
        enterprises.enterprise_name,
        enterprises.region_code,
        enterprises.industry_name,
        periods.key_sector_domain,
        cast(periods.period_seq as integer) as period_seq,
        periods.valid_from,
        nullif(periods.valid_end, date '9999-12-31') as valid_to,
        case when periods.valid_end < date '9999-12-31' then periods.untag_reason end as untag_reason,
        periods.licence_term_count,
        periods.licence_numbers,
        periods.last_licence_number,
        periods._batch_id,
        periods._source_file,
        periods._row_number
    from periods
    left join enterprises
        on periods.uscc = enterprises.uscc

)

select * from final
