{#- First day of the month the monthly joint-punishment feedback report covers: var feedback_month (YYYY-MM),
    default the month before as_of_date. 月度反馈所属月份的第一天。 -#}
{% macro feedback_month_start() -%}
    {%- set value = var('feedback_month', none) -%}
    {%- if value -%}
        cast('{{ value }}-01' as date)
    {%- else -%}
        cast(date_trunc('month', {{ as_of_date() }}) - interval 1 month as date)
    {%- endif -%}
{%- endmacro %}
