{#-
  A rule row (valid_from / valid_to) is in force on a date when valid_from <= date < valid_to (valid_to empty:
  still in force). `alias` names the rule relation when the query joins several.
  规则行在某日有效：生效日期 ≤ 该日 < 失效日期（失效日期为空即现行有效）。
-#}
{% macro rule_in_force(on_date, alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    ({{ p }}valid_from <= {{ on_date }} and ({{ p }}valid_to is null or {{ on_date }} < {{ p }}valid_to))
{%- endmacro %}
