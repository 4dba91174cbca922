-- 法定代表人（负责人、经营者）与主体的关联：每个人员键、每个主体一行。人员键为证件号码的哈希（person_key），
-- 证件号码本身只在这里的输入（staging）中出现，不进入输出。来源：登记记录的各个版本、行政处罚与行政许可中报送的
-- 法定代表人；is_current_legal_rep 表示该人是主体最新一次登记的法定代表人。
-- 每行只取决于同一 uscc 的登记、处罚、许可记录：增量构建只重算新批次所报企业（宏 incremental_by_key）。
-- 没有证件号码的记录不关联人员（person_key 为空）：在聚合之后去掉（having），不在聚合之前筛选——那样的条件会被
-- DuckDB 下推到输入的全表扫描，增量构建也要对每条历史记录求值，而不是只对变更企业的记录。

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
        {{ person_key('legal_rep_id_number') }} as person_key,
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
        {{ person_key('legal_rep_id_number') }} as person_key,
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
        {{ person_key('legal_rep_id_number') }} as person_key,
        legal_rep_name as person_name,
        uscc,
        'licences' as source_feed,
        decision_date as seen_date,
        _received_at,
        _batch_id,
        _row_number
    from licences

),

final as (

    select
        roles.person_key,
        roles.uscc,
        -- the name last reported (on one date in several records: the latest version received)
        {{ arg_max_received('roles.person_name', 'roles.seen_date', 'roles') }} as person_name,
        min(roles.seen_date) as first_seen_date,
        max(roles.seen_date) as last_seen_date,
        -- the feeds, distinct and sorted (a list, not a DISTINCT aggregate: that one is a second pass over every row)
        {{ distinct_sorted_joined('roles.source_feed', "';'") }} as source_feeds,
        coalesce(bool_or(enterprises.legal_rep_person_key = roles.person_key), false) as is_current_legal_rep
    from roles
    left join enterprises
        on roles.uscc = enterprises.uscc
    where roles.uscc is not null
    group by roles.person_key, roles.uscc
    having max(roles.person_key) is not null

)

select * from final
