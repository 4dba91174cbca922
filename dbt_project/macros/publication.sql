{#- Helpers shared by the publication models (models/intermediate/publication). -#}

{#- A rule row applies to a record when the record's date falls in the row's validity (valid_to empty = in force). -#}
{% macro rule_in_force(rule, on_date) -%}
    ({{ on_date }} >= {{ rule }}.valid_from and ({{ rule }}.valid_to is null or {{ on_date }} <= {{ rule }}.valid_to))
{%- endmacro %}

{#- A natural person's ID number as the masking rule row shows it (e.g. 3209231969****1513); NULL without a rule. -#}
{% macro masked_id(column, rule) -%}
    case when {{ rule }}.rule_code is not null and {{ column }} is not null
         then left({{ column }}, {{ rule }}.keep_prefix) || repeat({{ rule }}.mask_char, {{ rule }}.mask_length)
              || right({{ column }}, {{ rule }}.keep_suffix)
    end
{%- endmacro %}

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
    left join {{ ref('int_publication__calendar') }} as {{ alias }}_start on {{ alias }}_start.calendar_date = {{ start }}
    left join {{ ref('int_publication__calendar') }} as {{ alias }}
        on {{ alias }}.is_working_day and {{ alias }}.working_day_seq = {{ alias }}_start.working_day_seq + {{ n }}
{%- endmacro %}
