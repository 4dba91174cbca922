{#-
  The date every "as of" rule is judged on (lists, periods, risk classes, deadlines, publicity).
  Set it with `--vars '{as_of_date: 2026-11-23}'` (Airflow passes the logical date); default: today.
  一切“截至某日”的规则判断所依据的日期。
-#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
