{#-
  The date every "as of" rule is judged on (lists, periods, risk classes, deadlines, publicity).
  The pipeline passes it in the environment, CWH_AS_OF_DATE (warehouse/runner.py; Airflow's logical date): dbt
  parses the whole project again whenever `--vars` change (~15 s at every daily build), while an environment variable
  read only when SQL is executed leaves its partial parse in place. `--vars '{as_of_date: 2026-11-23}'` still works
  and wins (the models' unit tests set it so); default: today.
  一切“截至某日”的规则判断所依据的日期：流水线经环境变量 CWH_AS_OF_DATE 传入（--vars 每变一次 dbt 便全量重新解析），
  也可用 dbt 变量 as_of_date 指定（优先）；都未指定时为当天。
-#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if not value and execute -%}
        {#- read at execution only: a value read while parsing would be recorded, and its change parse again -#}
        {%- set value = env_var('CWH_AS_OF_DATE', '') -%}
    {%- endif -%}
    {%- if value and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value | string) -%}
        {{ exceptions.raise_compiler_error('as_of_date 须为 YYYY-MM-DD 格式的日期，收到：' ~ (value | string)[:40]) }}
    {%- endif -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
