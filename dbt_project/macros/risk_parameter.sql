{#-
  One value of rules.rule_risk_parameters in force on the as-of date, as a scalar subquery.
  `column` is value_number or value_text. 信用风险与双随机参数表中某参数在分类日有效的取值。
-#}
{% macro risk_parameter(parameter_code, column='value_number') -%}
    (select {{ column }} from {{ ref('rule_risk_parameters') }}
     where parameter_code = '{{ parameter_code }}' and {{ rule_in_force(as_of_date()) }})
{%- endmacro %}


{#- The scenario the what-if mart compares with the current classification: the dbt var risk_scenario, else the
    parameter whatif_scenario. 情景分析所用情景：dbt 变量 risk_scenario，否则参数 whatif_scenario。 -#}
{% macro whatif_scenario_id() -%}
    coalesce(
        {{ "'" ~ (var('risk_scenario') | replace("'", "''")) ~ "'" if var('risk_scenario', none) else 'null' }},
        {{ risk_parameter('whatif_scenario', 'value_text') }}
    )
{%- endmacro %}
