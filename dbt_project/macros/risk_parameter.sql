{#-
  One value of rules.rule_risk_parameters in force on the as-of date, as a scalar subquery.
  `column` is value_number or value_text. 信用风险与双随机参数表中某参数在分类日有效的取值。
-#}
{% macro risk_parameter(parameter_code, column='value_number') -%}
    (select {{ column }} from {{ ref('rule_risk_parameters') }}
     where parameter_code = '{{ parameter_code }}' and {{ rule_in_force(as_of_date()) }})
{%- endmacro %}
