{#- The listing / removal history of one list (经营异常名录 or 严重违法失信名单) from int_lists__list_periods:
    one row per list decision, membership [valid_from, valid_to), the removal's path and reason as that model decides
    them (never re-derived here). `extra_columns` are list-specific columns of int_lists__list_periods.
    某一名录的全部列入与移出历史（移出日期、路径与原因取名录模型）。 -#}
{% macro list_history(list_type, extra_columns=[]) %}

with

periods as (

    select * from {{ ref('int_lists__list_periods') }}
    where list_type = '{{ list_type }}'

),

enterprises as (

    select * from {{ ref('dim_enterprise') }}

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
