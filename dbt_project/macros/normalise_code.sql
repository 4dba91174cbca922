{#- Matching form of a secondary identifier (注册号, 组织机构代码; DOMAIN.md §10): spaces and hyphens removed (GB 11714
    writes the organisation code as XXXXXXXX-X), upper case; empty gives NULL. Ingestion has already applied NFKC.
    次要标识（注册号、组织机构代码）的比对形式：去空白与连字符、转大写；空值为 NULL。 -#}
{% macro normalise_code(code) -%}
    nullif(upper({{ regexp_replace_all(code, "'[\\s\\-－‐–—]+'", "''") }}), '')
{%- endmacro %}
