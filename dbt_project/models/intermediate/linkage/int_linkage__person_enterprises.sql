-- 法定代表人（负责人、经营者）与主体的关联：每个人员键、每个主体一行。人员键为证件号码的哈希（person_key），
-- 证件号码本身只在这里的输入（staging）中出现，不进入输出。来源：登记记录的各个版本、行政处罚与行政许可中报送的
-- 法定代表人；is_current_legal_rep 表示该人是主体最新一次登记的法定代表人。
-- 每行只取决于同一 uscc 的登记、处罚、许可记录：增量构建只重算新批次所报企业（宏 incremental_by_key）。
-- 没有证件号码的记录不关联人员（person_key 为空）：在聚合之后去掉（having），不在聚合之前筛选——那样的条件会被
-- DuckDB 下推到输入的全表扫描，增量构建也要对每条历史记录求值，而不是只对变更企业的记录。
-- 按清洗后的证件号码（宏 person_id_cleaned，18 位）而非其 64 位哈希分组，每组只算一次哈希（宏 person_key_of_cleaned）；
-- 证件号码只在本查询内部出现。来源只有三个，各记一个标志再按字母序拼接，不为每组建列表（1000 万主体：约 25 → 13 秒）。

{%- set scope = incremental_by_key(
    person_link_inputs(),
    'uscc',
    env=['CWH_PERSON_KEY_SALT'],
) %}
{%- set changed = 'where ' ~ changed_keys_filter(scope) if scope is not none else '' %}

with

registry_records as (

    select * from {{ ref('int_registry__records_deduplicated') }}
    {{ changed }}

),

penalties as (

    select * from {{ ref('stg_landing__penalties') }}
    {{ changed }}

),

licences as (

    select * from {{ ref('stg_landing__licences') }}
    {{ changed }}

),

enterprises as (

    select * from {{ ref('int_registry__enterprises') }}
    {{ changed }}

),

roles as (

    select
        {{ person_id_cleaned('legal_rep_id_number') }} as person_id,
        legal_rep_name as person_name,
        uscc,
        'registry' as source_feed,
        approval_date as seen_date,
        _received_at,
        _batch_id,
        _row_number
    from registry_records

    union all

    select
        {{ person_id_cleaned('legal_rep_id_number') }} as person_id,
        legal_rep_name as person_name,
        uscc,
        'penalties' as source_feed,
        decision_date as seen_date,
        _received_at,
        _batch_id,
        _row_number
    from penalties

    union all

    select
        {{ person_id_cleaned('legal_rep_id_number') }} as person_id,
        legal_rep_name as person_name,
        uscc,
        'licences' as source_feed,
        decision_date as seen_date,
        _received_at,
        _batch_id,
        _row_number
    from licences

),

-- each (person, enterprise): grouped by the cleaned ID number, hashed after (one hash per group)
person_links as (

    select
        roles.person_id,
        roles.uscc,
        -- the name last reported (on one date in several records: the latest version received)
        {{ arg_max_received('roles.person_name', 'roles.seen_date', 'roles') }} as person_name,
        min(roles.seen_date) as first_seen_date,
        max(roles.seen_date) as last_seen_date,
        -- the three feeds of roles above, one flag each (a list per group costs more)
        bool_or(roles.source_feed = 'licences') as from_licences,
        bool_or(roles.source_feed = 'penalties') as from_penalties,
        bool_or(roles.source_feed = 'registry') as from_registry
    from roles
    where roles.uscc is not null
    group by roles.person_id, roles.uscc
    -- an aggregate, not the group key: a condition on the key would be pushed down into the inputs' scans
    having count(roles.person_id) > 0

),

keyed as (

    select
        {{ person_key_of_cleaned('person_id') }} as person_key,
        *
    from person_links

),

final as (

    select
        keyed.person_key,
        keyed.uscc,
        keyed.person_name,
        keyed.first_seen_date,
        keyed.last_seen_date,
        -- the feeds, once each, in alphabetical order
        concat_ws(
            ';',
            case when keyed.from_licences then 'licences' end,
            case when keyed.from_penalties then 'penalties' end,
            case when keyed.from_registry then 'registry' end
        ) as source_feeds,
        enterprises.uscc is not null as is_current_legal_rep
    from keyed
    -- the person is the enterprise's legal representative in its latest registration
    left join enterprises
        on keyed.uscc = enterprises.uscc
        and keyed.person_key = enterprises.legal_rep_person_key

)

select * from final
