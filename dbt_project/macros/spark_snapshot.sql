{#-
  Snapshots on Spark without a table format that can MERGE. dbt-spark's snapshot needs Delta, Iceberg or Hudi (its
  MERGE INTO updates the closed rows in place); their Spark runtimes are Java libraries that no Python package of the
  index ships for Spark 4 (delta-spark's wheel has the Python API only and caps pyspark below 4.3; the one package
  with Iceberg's runtime jars carries Spark 3.5's), and a deployment fetching them from a Maven repository at start-up
  is not reproducible from the lock. So on Spark the snapshot is a plain Parquet table, rebuilt:

      the rows already closed, and the current rows that stay current (unchanged)
    + the current rows that this run closes (dbt_valid_to set: changed, or gone with hard_deletes: invalidate)
    + the new rows (new keys, new versions of changed keys)

  into a new table, which then replaces the old one. dbt's own macros choose the rows (the strategy, the staging
  relation with dbt_change_type, the first build), so the SCD2 columns dbt_valid_from, dbt_valid_to, dbt_scd_id,
  dbt_updated_at mean what they mean on DuckDB; only the final MERGE is replaced. The rebuild reads the whole
  snapshot once per build — the price of Parquet's immutable files (Delta's MERGE rewrites the touched files too).
  Spark 上的快照：无 Delta/Iceberg 时以 Parquet 表重建（保留、关闭、新增三部分写入新表后替换），列含义与 dbt 相同。
-#}
{% materialization snapshot, adapter='spark' %}

    {%- set target_table = model.get('alias', model.get('name')) -%}
    {%- set strategy_name = config.get('strategy') -%}
    {%- set grant_config = config.get('grants') -%}

    {%- set target_relation_exists, target_relation = get_or_create_relation(
        database=none, schema=model.schema, identifier=target_table, type='table') -%}

    {%- if not adapter.check_schema_exists(model.database, model.schema) -%}
        {%- do create_schema(model.schema) -%}
    {%- endif -%}
    {%- if not target_relation.is_table -%}
        {%- do exceptions.relation_wrong_type(target_relation, 'table') -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set strategy_macro = strategy_dispatch(strategy_name) -%}
    {%- set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) -%}

    {%- if not target_relation_exists -%}

        {%- set final_sql = create_table_as(False, target_relation, build_snapshot_table(strategy, model['compiled_code'])) -%}
        {%- call statement('main') %}{{ final_sql }}{% endcall -%}

    {%- else -%}

        {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
        {{ adapter.assert_valid_snapshot_target_given_strategy(target_relation, columns, strategy) }}

        {%- set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) -%}
        {%- set helper_columns = ['dbt_change_type', 'dbt_unique_key'] -%}
        {%- set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
            | rejectattr('name', 'in', helper_columns) | list -%}
        {%- do create_columns(target_relation, missing_columns) -%}

        {%- set rebuilt_relation = target_relation.incorporate(path={'identifier': target_table ~ '__dbt_rebuilt'}) -%}
        {%- do adapter.drop_relation(rebuilt_relation) -%}
        {%- set final_sql = create_table_as(False, rebuilt_relation,
            snapshot_rebuild_sql(target_relation, staging_table, columns)) -%}
        {%- call statement('main') %}{{ final_sql }}{% endcall -%}

        {%- do post_snapshot(staging_table) -%}
        {%- do adapter.drop_relation(target_relation) -%}
        {%- do adapter.rename_relation(rebuilt_relation, target_relation) -%}

    {%- endif -%}

    {%- set should_revoke = should_revoke(target_relation_exists, full_refresh_mode=False) -%}
    {%- do apply_grants(target_relation, grant_config, should_revoke=should_revoke) -%}
    {%- do persist_docs(target_relation, model) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}


{#- The snapshot after this run, from the snapshot before it (`target`) and dbt's staging relation (`staging`: one row
    per change, dbt_change_type insert / update / delete; an update or delete carries the dbt_scd_id of the current
    row it closes and the dbt_valid_to to close it with) — what dbt-spark's MERGE leaves in a Delta table. A column
    the source no longer has stays in the snapshot, null in new rows (as MERGE's `insert *` leaves it). -#}
{% macro snapshot_rebuild_sql(target, staging, columns) %}
    {%- set target_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | list -%}
    {%- set staging_columns = adapter.get_columns_in_relation(staging) | map(attribute='name') | map('lower') | list -%}
    {%- set current_to = config.get('dbt_valid_to_current') -%}
    select
        {%- for name in target_columns %}
        {% if name == columns.dbt_valid_to -%}
            case when closing.dbt_scd_id is null then snapshotted.{{ name }} else closing.dbt_valid_to end as {{ name }}
        {%- else -%}
            snapshotted.{{ name }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ target }} as snapshotted
    left join (
        select {{ columns.dbt_scd_id }} as dbt_scd_id, {{ columns.dbt_valid_to }} as dbt_valid_to
        from {{ staging }}
        where dbt_change_type in ('update', 'delete')
    ) as closing
        on snapshotted.{{ columns.dbt_scd_id }} = closing.dbt_scd_id
        and (snapshotted.{{ columns.dbt_valid_to }} is null
            {%- if current_to %} or snapshotted.{{ columns.dbt_valid_to }} = {{ current_to }}{% endif %})
    union all
    select
        {%- for name in target_columns %}
        {% if name | lower in staging_columns %}{{ name }}{% else %}null as {{ name }}{% endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ staging }}
    where dbt_change_type = 'insert'
{% endmacro %}
