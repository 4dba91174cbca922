{#-
  A rule row is in force on a date when valid_from <= date <= valid_to: valid_to is the LAST day the row applies
  (empty: still in force). A replacement row starts the day after. `alias` names the rule relation when the query joins
  several. One convention for every rule seed of the project.
  规则行在某日有效：生效日期 ≤ 该日 ≤ 失效日期（失效日期为该规则适用的最后一天；为空即现行有效）。
-#}
{% macro rule_in_force(on_date, alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    ({{ p }}valid_from <= {{ on_date }} and ({{ p }}valid_to is null or {{ on_date }} <= {{ p }}valid_to))
{%- endmacro %}

{#- The period a rule_list_parameters row stands for (value + unit), as an interval to add to a date.
    规则参数（数值 + 单位）所表示的期间。 -#}
{% macro rule_period(rule) -%}
    (case {{ rule }}.unit when 'year' then {{ years_interval(rule ~ '.value') }} when 'day' then {{ days_interval(rule ~ '.value') }} end)
{%- endmacro %}
