{#- Matching key of an organisation name (DOMAIN.md §2): full-width brackets and spaces unified, upper case.
    Ingestion has already applied NFKC (which leaves 【】〔〕 alone); the original name is always kept beside the key.
    名称匹配键：统一括号、去空白、转大写；原名称另行保留。 -#}
{% macro normalise_name(name) -%}
    nullif(upper({{ regexp_replace_all("translate(" ~ name ~ ", '（）【】〔〕［］｛｝', '()[][][]{}')", "'\\s+'", "''") }}), '')
{%- endmacro %}
