{#- Stable, non-reversible key of a natural person from an ID number (负面清单字段): sha256 of the cleaned number,
    so marts can link a person across feeds without holding the number itself. CWH_PERSON_KEY_SALT, when set,
    is prepended: a plain hash of an 18-character resident ID can be reversed by enumeration, so production should
    set it (and never change it, or every key changes). Empty or missing numbers give NULL. -#}
{% macro person_key(id_number) -%}
    case when nullif(trim({{ id_number }}), '') is not null
         then {{ sha256_hex("'" ~ env_var('CWH_PERSON_KEY_SALT', '') ~ "' || upper(trim(" ~ id_number ~ "))") }} end
{%- endmacro %}
