{#-
  Helpers for the credit-risk rule seeds (seeds/risk/).

  criterion_values(code, field): the values of rule_risk_record_criteria in force on the as-of date for one
  criterion and field, as a subquery for `x in (...)`. 记录归类标准中某项标准、某字段的取值。

  risk_rule_fallback(rule, grid): join condition and precedence of a weight/threshold row for a grid cell
  (scenario, model): 情景×本模型 (0) > 情景×通用模型 (1) > 现行×本模型 (2) > 现行×通用模型 (3).
-#}
{% macro criterion_values(code, field) -%}
    (select value from {{ ref('int_risk__record_criteria') }}
     where criterion_code = '{{ code }}' and field = '{{ field }}')
{%- endmacro %}

{% macro risk_rule_fallback_join(rule, grid) -%}
    {{ rule }}.scenario_id in ({{ grid }}.scenario_id, 'baseline')
    and {{ rule }}.model_id in ({{ grid }}.model_id, {{ grid }}.general_model_id)
    and {{ rule_in_force(grid ~ '.score_date', rule) }}
{%- endmacro %}

{% macro risk_rule_precedence(rule, grid) -%}
    ((case when {{ rule }}.scenario_id = {{ grid }}.scenario_id then 0 else 2 end)
     + (case when {{ rule }}.model_id = {{ grid }}.model_id then 0 else 1 end))
{%- endmacro %}
