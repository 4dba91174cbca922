{#-
  The landing as tables, before every run (on-run-start, dbt_project.yml). DuckDB reads the landed files through each
  source's external_location and needs nothing here. dbt-spark ignores external_location: on Spark every source of
  the landing (a feed's Parquet batches, the ledger, the quarantine) is registered as a table of schema `landing` over
  its folder (the source's spark_location, spark_format, spark_options and, for the ledger, spark_schema — generated
  from the contracts by contracts/codegen.py). The tables are created again on every run, so a new batch folder
  (a `batch_id=` partition, found by MSCK REPAIR TABLE) or a contract's new column is seen by the next build; without
  the repair a partitioned table silently returns no rows.
  落地区在 Spark 上注册为表：每次运行前按来源的目录重建，并修复分区（新批次在下一次构建中可见）。DuckDB 无需此步。
-#}
{% macro register_landing_sources() -%}
    {{ return(adapter.dispatch('register_landing_sources', 'creditwh')()) }}
{%- endmacro %}

{% macro default__register_landing_sources() -%}{%- endmacro %}

{% macro spark__register_landing_sources() -%}
    {%- if execute -%}
        {%- set sources = graph.sources.values() | selectattr('source_name', 'equalto', 'landing') | list -%}
        {%- for source in sources | sort(attribute='name') if source.meta.get('spark_location') -%}
            {%- if loop.first %}{% do run_query('create schema if not exists ' ~ source.schema) %}{% endif -%}
            {%- set relation = source.schema ~ '.' ~ source.identifier -%}
            {%- set options = dict(source.meta.get('spark_options', {}), path=source.meta.spark_location) -%}
            {%- set partitioned = source.meta.spark_format == 'parquet' and not options.get('recursiveFileLookup') -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- set create -%}
                create table {{ relation }}
                {%- if source.meta.get('spark_schema') %} ({{ source.meta.spark_schema }}){% endif %}
                using {{ source.meta.spark_format }}
                options ({% for key, value in options | dictsort %}{{ key }} '{{ value }}'{{ ', ' if not loop.last }}{% endfor %})
            {%- endset -%}
            {%- do run_query(create) -%}
            {%- if partitioned %}{% do run_query('msck repair table ' ~ relation) %}{% endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#-
  Seeds on Spark: dbt-spark 1.11's session mode binds an empty CSV cell (None) as the text 'None' (its cursor quotes
  every non-number), so a string column got 'None' where DuckDB has NULL. The same loader as dbt-spark's, with an
  empty cell written as null instead of bound.
  Spark 上的种子表：空单元格写为 NULL（dbt-spark 会话模式原会写成文本 'None'）。
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- for value in row if value is not none %}{% do bindings.append(value) %}{% endfor -%}
        {%- endfor -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- if row[loop.index0] is none -%}cast(null as {{ type }}){%- else -%}cast({{ get_binding_char() }} as {{ type }}){%- endif -%}
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
