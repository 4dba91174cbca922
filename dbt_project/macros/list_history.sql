{#- The listing / removal history of one list (经营异常名录 or 严重违法失信名单) from int_lists__list_periods:
    one row per list decision, membership [valid_from, valid_to), the removal's path and reason as that model decides
    them (never re-derived here). `extra_columns` are list-specific columns of int_lists__list_periods.
    某一名录的全部列入与移出历史（移出日期、路径与原因取名录模型）。 -#}
{% macro list_history(list_type, extra_columns=[]) %}

{#- by key (incremental_by_key): the list decisions whose period changes, and those of the enterprises whose registry
    rows are new (name, region) -#}
{%- set inputs = list_period_inputs() %}
{%- set listings = {
    'abnormal': 'stg_landing__abnormal_listings', 'serious': 'stg_landing__serious_listings'
}[list_type] %}
{%- set keys_of = {} %}
{%- do keys_of.update(inputs.keys_of) %}
{%- do keys_of.update({'stg_landing__registry_records': {
    'column': 'uscc', 'through': [{'relation': listings, 'from': 'uscc', 'to': 'list_decision_number'}]
}}) %}
{%- set scope = incremental_by_key(
    inputs.staged + ['stg_landing__registry_records'],
    'list_decision_number',
    on_schema_change='fail',
    keys_of=keys_of,
) %}

with

periods as (

    select * from {{ ref('int_lists__list_periods') }}
    where list_type = '{{ list_type }}'
    {%- if scope is not none %}
        and {{ changed_keys_filter(scope) }}
    {%- endif %}

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}
    {%- if scope is not none %}
    where uscc in (select uscc from periods)
    {%- endif %}

),

final as (

    select
        periods.listing_id,
        periods.uscc,
        coalesce(enterprises.enterprise_name, periods.enterprise_name) as enterprise_name,
        periods.enterprise_name as listed_name,
        enterprises.region_code,
        periods.list_decision_number,
        periods.list_reason,
        periods.list_authority,
        {%- for column in extra_columns %}
        periods.{{ column }},
        {%- endfor %}
        periods.list_date as valid_from,
        periods.removal_date as valid_to,
        periods.removal_path,
        periods.removal_reason,
        periods.removal_authority,
        periods.reported_removal_reason,
        periods.version_count,
        periods._batch_id,
        periods._producer_code,
        periods._source_file,
        periods._row_number,
        periods.last_batch_id
    from periods
    left join enterprises
        on periods.uscc = enterprises.uscc

)

select * from final

{% endmacro %}


{#- What int_lists__list_periods reads, and how each input's new batches name the list decisions (list_decision_number)
    they change — incremental_by_key's `staged` and `keys_of`: the listings themselves; a credit repair (every version
    of the application) by its related record number; a penalty, and an objection (every version) to one, through the
    serious listings that rest on it (related_penalty_number). 名录期间模型的输入及各输入的新批次所涉列入决定。 -#}
{% macro list_period_inputs() -%}
    {%- set via_serious_listings = [
        {'relation': 'stg_landing__serious_listings', 'from': 'related_penalty_number', 'to': 'list_decision_number'}
    ] -%}
    {{ return({
        'staged': [
            'stg_landing__abnormal_listings',
            'stg_landing__serious_listings',
            'stg_landing__credit_repairs',
            'stg_landing__penalties',
            'stg_landing__objections',
        ],
        'keys_of': {
            'stg_landing__credit_repairs': {'column': 'related_record_number', 'versions_of': 'application_id'},
            'stg_landing__penalties': {'column': 'decision_number', 'through': via_serious_listings},
            'stg_landing__objections': {
                'column': 'related_record_number', 'versions_of': 'objection_id', 'through': via_serious_listings
            },
        },
    }) }}
{%- endmacro %}
