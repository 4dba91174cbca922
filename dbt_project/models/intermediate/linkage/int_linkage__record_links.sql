-- 无统一社会信用代码记录的主体关联。记录的每个键（组织机构代码、注册号、名称匹配键）与主体的同类键比对：
-- 组织机构代码比统一社会信用代码第 9–17 位，注册号比登记历史中出现过的注册号（int_registry__secondary_identifiers），
-- 名称比现用名与曾用名（int_registry__enterprise_names）+ 区划（地市级）。方法、优先级、置信度与条件见
-- rule_linkage_methods（match_on 为比对的键，取值不符 value_pattern 的不比对）；取事件日期有效、有匹配的最高优先级：
-- 只对应一个主体即关联；对应多个主体或无匹配的不关联，并写明原因（区划按线索的级别比较：省级机关比到省，其余
-- 比到地市）；自然人不记于企业名下。每条待关联记录一行，从不丢弃；次要标识只在本模型内使用，不输出。

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

secondary_identifiers as (

    select * from {{ ref('int_registry__secondary_identifiers') }}

),

enterprises as {{ cte_hint(false) }} (

    select * from {{ ref('int_registry__enterprises') }}

),

link_methods as (

    select * from {{ ref('rule_linkage_methods') }}

),

-- 键的中文名与列举顺序（未关联原因中使用）
key_labels as (

    select
        key_label.match_on,
        key_label.label,
        key_label.label_order
    from (
        values ('org_code', '组织机构代码', 1), ('registration_number', '注册号', 2), ('name', '名称', 3)
    ) as key_label (match_on, label, label_order)

),

-- 记录一侧：每条记录、每个报送了的键一行（自然人不参与关联）
record_keys as (

    select source_row_id, event_date, region_hint, region_prefix_length, 'org_code' as match_on, org_code as match_value
    from unkeyed_records
    where org_code is not null and coalesce(party_category, '') <> '自然人'

    union all

    select
        source_row_id, event_date, region_hint, region_prefix_length, 'registration_number', registration_number
    from unkeyed_records
    where registration_number is not null and coalesce(party_category, '') <> '自然人'

    union all

    select source_row_id, event_date, region_hint, region_prefix_length, 'name', name_key
    from unkeyed_records
    where name_key is not null and coalesce(party_category, '') <> '自然人'

),

-- 主体一侧：同样的键；名称带使用期间，次要标识不限期间；都带住所区划。只取有记录报送了同一键值的（几千条记录比对
-- 千万主体：先以记录的键筛出候选，再连接主体取区划）
enterprise_keys as (

    select
        enterprise_names.uscc,
        'name' as match_on,
        enterprise_names.name_key as match_value,
        enterprise_names.valid_from,
        enterprise_names.valid_to,
        enterprises.region_code
    from enterprise_names
    inner join enterprises
        on enterprise_names.uscc = enterprises.uscc
    where exists (
            select 1 from record_keys
            where record_keys.match_on = 'name' and record_keys.match_value = enterprise_names.name_key
        )

    union all

    select
        secondary_identifiers.uscc,
        secondary_identifiers.identifier_type,
        secondary_identifiers.identifier,
        cast(null as date),
        cast(null as date),
        enterprises.region_code
    from secondary_identifiers
    inner join enterprises
        on secondary_identifiers.uscc = enterprises.uscc
    where exists (
            select 1 from record_keys
            where
                record_keys.match_on = secondary_identifiers.identifier_type
                and record_keys.match_value = secondary_identifiers.identifier
        )

),

-- 每条记录的每个键可用的方法：事件日期有效、取值符合格式
record_methods as (

    select
        record_keys.*,
        link_methods.link_method,
        link_methods.method_rank,
        link_methods.confidence,
        link_methods.requires_region_match,
        link_methods.requires_name_valid_on_date
    from record_keys
    inner join link_methods
        on record_keys.match_on = link_methods.match_on
        and {{ rule_in_force('record_keys.event_date', 'link_methods') }}
        and (
            link_methods.value_pattern is null
            or {{ regexp_full_match('record_keys.match_value', 'link_methods.value_pattern') }}
        )

),

matches as (

    select
        record_methods.source_row_id,
        record_methods.match_on,
        enterprise_keys.uscc,
        record_methods.link_method,
        record_methods.method_rank,
        record_methods.confidence
    from record_methods
    inner join enterprise_keys
        on record_methods.match_on = enterprise_keys.match_on
        and record_methods.match_value = enterprise_keys.match_value
    where (
        not record_methods.requires_region_match
        or left(record_methods.region_hint, record_methods.region_prefix_length)
        = left(enterprise_keys.region_code, record_methods.region_prefix_length)
    )
    and (
        not record_methods.requires_name_valid_on_date
        or (
            record_methods.event_date >= enterprise_keys.valid_from
            and (enterprise_keys.valid_to is null or record_methods.event_date < enterprise_keys.valid_to)
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
        any_value(matches.match_on) as match_on,
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

-- 比对过（有可用方法）的键，供“无匹配”的原因列出
compared_keys as (

    select
        compared.source_row_id,
        {{ ordered_string_agg('key_labels.label', "'、'", order_by='key_labels.label_order') }} as labels
    from (select distinct source_row_id, match_on from record_methods) as compared
    inner join key_labels
        on compared.match_on = key_labels.match_on
    group by compared.source_row_id

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
            when best.candidate_count > 1
                then best_labels.label || '对应多个主体（' || best.candidate_count || ' 个）'
            when best.candidate_count = 1 then null
            when compared_keys.labels is not null then '无' || compared_keys.labels || '匹配的主体'
            when records.name_key is null and records.registration_number is null and records.org_code is null
                then '无主体名称'
            else '无可用的关联方法（代码格式不符，或事件日期早于关联方法的生效日期）'
        end as unlinked_reason,
        records._batch_id,
        records._row_number
    from unkeyed_records as records
    left join best
        on records.source_row_id = best.source_row_id
    left join key_labels as best_labels
        on best.match_on = best_labels.match_on
    left join compared_keys
        on records.source_row_id = compared_keys.source_row_id

)

select * from final
