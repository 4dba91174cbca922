{#- A rule row applies on `on_date` when valid_from <= on_date <= valid_to (valid_to empty: still in force).
    一条规则在某日适用：生效日期 ≤ 该日 ≤ 失效日期（失效日期为空即现行有效）。 -#}
{% macro rule_in_force(rule, on_date) -%}
    ({{ rule }}.valid_from <= {{ on_date }} and ({{ rule }}.valid_to is null or {{ rule }}.valid_to >= {{ on_date }}))
{%- endmacro %}

{#- The period a rule_list_parameters row stands for (value + unit), as an interval to add to a date.
    规则参数（数值 + 单位）所表示的期间。 -#}
{% macro rule_period(rule) -%}
    (case {{ rule }}.unit when 'year' then to_years({{ rule }}.value) when 'day' then to_days({{ rule }}.value) end)
{%- endmacro %}
