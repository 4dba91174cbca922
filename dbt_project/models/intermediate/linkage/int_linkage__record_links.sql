-- 无统一社会信用代码记录的主体关联：按名称匹配键（现用名与曾用名，见 int_registry__enterprise_names）+ 区划（地市级）
-- 逐级尝试 rule_linkage_methods 中的方法，取优先级最高且只对应一个主体的结果；对应多个主体或无匹配的
-- 不关联，并写明原因（区划按线索的级别比较：省级机关比到省，其余比到地市）；自然人不记于企业名下。每条待关联记录一行，从不丢弃。

with

unkeyed_records as (

    select
        *,
        -- 区划线索精确到哪一级就比到哪一级：省级代码（××0000）比前 2 位，其余比到地市级（前 4 位）
        case when region_hint like '%0000' then 2 else 4 end as region_prefix_length
    from {{ ref('int_linkage__unkeyed_records') }}

),

enterprise_names as (

    select * from {{ ref('int_registry__enterprise_names') }}

),

enterprises as (

    select * from {{ ref('int_registry__enterprises') }}

),

link_methods as (

    select * from {{ ref('rule_linkage_methods') }}

),

name_keys as (

    select
        enterprise_names.uscc,
        {{ normalise_name('enterprise_names.enterprise_name') }} as name_key,
        enterprise_names.valid_from,
        enterprise_names.valid_to,
        enterprises.region_code
    from enterprise_names
    inner join enterprises
        on enterprise_names.uscc = enterprises.uscc

),

matches as (

    select
        records.source_row_id,
        name_keys.uscc,
        link_methods.link_method,
        link_methods.method_rank,
        link_methods.confidence
    from unkeyed_records as records
    inner join name_keys
        on records.name_key = name_keys.name_key
    inner join link_methods
        on {{ rule_in_force('records.event_date', 'link_methods') }}
        and (
            not link_methods.requires_region_match
            or left(records.region_hint, records.region_prefix_length)
            = left(name_keys.region_code, records.region_prefix_length)
        )
        and (
            not link_methods.requires_name_valid_on_date
            or (
                records.event_date >= name_keys.valid_from
                and (name_keys.valid_to is null or records.event_date < name_keys.valid_to)
            )
        )

),

best_rank as (

    select
        source_row_id,
        min(method_rank) as method_rank
    from matches
    group by source_row_id

),

best as (

    select
        matches.source_row_id,
        any_value(matches.link_method) as link_method,
        any_value(matches.confidence) as link_confidence,
        count(distinct matches.uscc) as candidate_count,
        min(matches.uscc) as uscc
    from matches
    inner join best_rank
        on matches.source_row_id = best_rank.source_row_id
        and matches.method_rank = best_rank.method_rank
    group by matches.source_row_id

),

final as (

    select
        records.source_row_id,
        records.feed,
        records.record_key,
        records.subject_name,
        records.name_key,
        records.region_hint,
        records.event_date,
        case when best.candidate_count = 1 then best.uscc end as linked_uscc,
        case when best.candidate_count = 1 then best.link_method end as link_method,
        case when best.candidate_count = 1 then best.link_confidence end as link_confidence,
        coalesce(best.candidate_count, 0) as candidate_count,
        case
            when records.party_category = '自然人' then '行政相对人为自然人，不记于企业名下'
            when records.name_key is null then '无主体名称'
            when best.candidate_count is null then '无名称匹配的主体'
            when best.candidate_count > 1 then '名称对应多个主体（' || best.candidate_count || ' 个）'
        end as unlinked_reason,
        records._batch_id,
        records._row_number
    from unkeyed_records as records
    left join best
        on records.source_row_id = best.source_row_id
        and coalesce(records.party_category, '') <> '自然人'

)

select * from final
