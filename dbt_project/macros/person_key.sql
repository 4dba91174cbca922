{#- Stable, non-reversible key of a natural person from an ID number (负面清单字段): sha256 of the cleaned number,
    so marts can link a person across feeds without holding the number itself. CWH_PERSON_KEY_SALT, when set,
    is prepended: a plain hash of an 18-character resident ID can be reversed by enumeration, so production should
    set it (and never change it, or every key changes). Empty or missing numbers give NULL.

    The key is made in two steps, each one macro: person_id_cleaned (trimmed, upper case, NULL when empty) and
    person_key_of_cleaned (the salted hash of a cleaned number). A model that groups many rows per person groups by
    the cleaned number and hashes once per group: an 18-character group key instead of a 64-character one, and one
    hash per group instead of one per row (int_linkage__person_enterprises, 10 M enterprises: ~25 → ~13 s). The
    cleaned number stays inside that model's query; only the key leaves it. -#}
{% macro person_key(id_number) -%}
    {{ person_key_of_cleaned(person_id_cleaned(id_number)) }}
{%- endmacro %}

{% macro person_id_cleaned(id_number) -%}
    nullif(upper(trim({{ id_number }})), '')
{%- endmacro %}

{% macro person_key_of_cleaned(cleaned) -%}
    case when {{ cleaned }} is not null
         then {{ sha256_hex("'" ~ env_var('CWH_PERSON_KEY_SALT', '') ~ "' || " ~ cleaned) }} end
{%- endmacro %}
