{#- Use the configured schema name as is (staging, marts, …) instead of dbt's default "<target>_<custom>":
    the quality gate and publication read fixed names such as marts.dim_enterprise. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
