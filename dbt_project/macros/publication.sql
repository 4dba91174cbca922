{#- Helpers shared by the publication models (models/intermediate/publication). -#}

{#- Disclosure holds in force for one record type: record_number (+ uscc) → hold_id. -#}
{% macro holds_for(record_type) -%}
    select holds.record_number, holds.uscc, min(holds.hold_id) as hold_id
    from {{ ref('int_publication__holds') }} as holds
    inner join {{ ref('ref_publication_record_types') }} as record_types
        on holds.record_label = record_types.record_label
    where record_types.record_type = '{{ record_type }}'
    group by holds.record_number, holds.uscc
{%- endmacro %}

{#- Joins that give `<alias>.calendar_date` = the working day `n` working days after `start` (start not counted). -#}
{% macro join_working_days_after(start, n, alias) -%}
    left join {{ ref('ref_calendar') }} as {{ alias }}_start on {{ alias }}_start.calendar_date = {{ start }}
    left join {{ ref('ref_calendar') }} as {{ alias }}
        on {{ alias }}.is_working_day and {{ alias }}.workday_index = {{ alias }}_start.workday_index + {{ n }}
{%- endmacro %}
