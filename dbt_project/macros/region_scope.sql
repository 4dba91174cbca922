{#-
  A rule row applies in a region when its region_scope — a prefix of the GB/T 2260 region code (37 a province,
  3301 a city, 330106 a district) — is empty (national) or starts the region code. An unknown region (null) takes
  the national rows only. Where several rows apply, the most specific one (longest scope) wins:
  `region_scope_rank(alias)` orders them. One convention for every region-scoped rule seed.
  规则行适用于某地区：适用地区（行政区划代码前缀）为空（全国），或为该地区代码的前缀；地区不明的只适用全国规则。
  多条适用时取范围最具体者（前缀最长）。
-#}
{% macro in_region_scope(region_code, alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    ({{ p }}region_scope is null or coalesce({{ text_starts_with(region_code, p ~ 'region_scope') }}, false))
{%- endmacro %}

{% macro region_scope_rank(alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    length(coalesce({{ p }}region_scope, ''))
{%- endmacro %}
