{#-
  Incremental by key (docs/stack.md, "Incremental builds"): a model whose every row depends only on the staged rows
  of the same key (e.g. an enterprise's uscc) — read directly or through models that are themselves by key — and on
  a few seeds recomputes, on an incremental build, only the keys the new batches report, and keeps the rest. Which
  batches it has taken in is recorded beside it (build_state.<model>__batches: batch id and ingestion time, written
  by a post-hook in the model's transaction), so a build that failed half-way leaves nothing out: the next build
  compares the staged batches with that record again.

  - new, or committed again (same id, another ingestion time): the keys of their rows are recomputed;
  - withdrawn from the ledger (an id the record holds and staging no longer does), or no record yet: everything is
    recomputed, as on --full-refresh;
  - the model's other inputs changed — its SQL or that of any model or seed upstream of it (a seed's contents), the
    environment settings it names (the person-key salt): everything is recomputed. The record keeps a fingerprint
    of them, never the values.

  A model declares it with `{%- set scope = incremental_by_key('stg_…' or ['stg_…', …], 'uscc', env=[…]) %}`
  (its config: incremental, the hooks below) and filters its read with `{{ changed_keys_filter(scope) }}` when
  `scope is not none`.
  The key must not be null (a data test says so).
  `keys_of` (optional): for a staged relation whose rows name the model's key otherwise, how to find the keys its
  new batches change: {'stg_…': {'column': the column holding the key (default: the key), 'versions_of': a record
  id whose every version counts (a correction may move the record to another key: the keys of all its versions
  too), 'through': [{'relation': 'stg_…', 'from': …, 'to': …}, …] (the keys found, mapped on through another
  staged relation of the list: its `to` where its `from` is one of them)}}.
  按业务主键增量：只重算新批次所报主键的行，其余保留；批次被撤回、代码表或模型改变、尚无记录时全部重算。
-#}

{#- The model's config, and the scope of this build: none (recompute every key) or the batches whose keys change. -#}
{% macro incremental_by_key(staged, key, env=[], on_schema_change='ignore', keys_of={}) -%}
    {%- for name in ([staged] if staged is string else staged) -%}{%- do ref(name) -%}{%- endfor -%}
    {{ return(adapter.dispatch('incremental_by_key')(staged, key, env, on_schema_change, keys_of)) }}
{%- endmacro %}

{#- Spark's Parquet tables take no DELETE: there the model is a table rebuilt whole (scope none). -#}
{% macro spark__incremental_by_key(staged, key, env, on_schema_change, keys_of={}) -%}
    {{ config(materialized='table') }}
    {{ return(none) }}
{%- endmacro %}

{% macro default__incremental_by_key(staged, key, env, on_schema_change, keys_of={}) -%}
    {{ config(
        materialized='incremental',
        on_schema_change=on_schema_change,
        meta={'incremental_by_key': {'staged': staged, 'key': key, 'env': env, 'keys_of': keys_of}},
        pre_hook="{{ delete_changed_keys() }}",
        post_hook="{{ record_staged_batches() }}",
    ) }}
    {{ return(batch_scope()) }}
{%- endmacro %}


{% macro by_key_spec() -%}
    {{ return(config.get('meta', {}).get('incremental_by_key')) }}
{%- endmacro %}


{#- The staged relations the model's rows come from (`staged`: one name or a list). -#}
{% macro _staged_relations() -%}
    {%- set staged = by_key_spec().staged -%}
    {%- set names = [staged] if staged is string else staged -%}
    {%- set relations = [] -%}
    {%- for name in names -%}{%- do relations.append(ref(name)) -%}{%- endfor -%}
    {{ return(relations) }}
{%- endmacro %}


{#- The distinct (batch_id, ingested_at) of the staged relations: the record a feed's staging model keeps of the
    batches it holds (landed_batches.sql, record_loaded_batches), or, without one, a scan of the staged rows. The
    records are looked up in the catalogue, not through dbt's cache of relations, which does not see tables a hook
    of this run made. -#}
{% macro _staged_batches() -%}
    {%- set relations = _staged_relations() -%}
    {%- set names = [] -%}
    {%- for relation in relations -%}{%- do names.append(loaded_batches_identifier(relation) | trim) -%}{%- endfor -%}
    {%- set recorded = run_query(
        "select table_name from information_schema.tables where table_schema = '" ~ build_state_schema() ~ "' and "
        ~ in_literals('table_name', names)
    ).columns[0].values() | list -%}
    {%- for relation in relations %}
        {{ 'union all' if not loop.first }}
        {%- if names[loop.index0] in recorded %}
        select batch_id, ingested_at from {{ build_state_schema() }}.{{ names[loop.index0] }}
        {%- else %}
        select distinct _batch_id as batch_id, _ingested_at as ingested_at from {{ relation }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}


{% macro staged_batches_record() -%}
    {{ build_state_schema() }}.{{ this.identifier }}__batches
{%- endmacro %}


{#- A fingerprint of what the rows depend on besides the staged rows: the SQL of the model and of every model and
    seed upstream of it (a seed's checksum is of its contents), and the named environment settings (hashed: a salt
    never reaches the record). Macros are not in it: after changing one a model uses, run --full-refresh. -#}
{% macro inputs_fingerprint() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set parts = [] -%}
    {%- do _upstream_checksums(model.unique_id, parts) -%}
    {%- for name in by_key_spec().get('env', []) -%}
        {%- do parts.append(name ~ ':' ~ local_md5(env_var(name, ''))) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | sort | join('|'))) }}
{%- endmacro %}

{% macro _upstream_checksums(unique_id, parts) -%}
    {%- set node = graph.nodes.get(unique_id) -%}
    {%- if node is not none and node.resource_type in ('model', 'seed', 'snapshot') -%}
        {%- set entry = unique_id ~ ':' ~ node.checksum.checksum -%}
        {%- if entry not in parts -%}
            {%- do parts.append(entry) -%}
            {%- for parent in node.depends_on.nodes -%}{%- do _upstream_checksums(parent, parts) -%}{%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- none: recompute every key; else the ids of the batches whose keys are recomputed (possibly none). -#}
{% macro batch_scope() -%}
    {#- a unit test renders the model without a relation of its own (`this` is none): everything -#}
    {%- if not execute or this is none or not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {%- set record = adapter.get_relation(
        database=this.database, schema=build_state_schema(), identifier=this.identifier ~ '__batches'
    ) -%}
    {%- if record is none
        or 'inputs_fingerprint' not in adapter.get_columns_in_relation(record) | map(attribute='name') | list -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set sql -%}
        with staged as ({{ _staged_batches() }})
        select 'new' as change, batch_id
        from (select * from staged except select batch_id, ingested_at from {{ record }})
        union all
        select 'withdrawn' as change, batch_id from {{ record }}
        where batch_id not in (select batch_id from staged)
        union all
        select distinct 'inputs changed' as change, null as batch_id from {{ record }}
        where inputs_fingerprint <> '{{ inputs_fingerprint() }}'
    {%- endset -%}
    {%- set new = [] -%}
    {%- for change, batch_id in run_query(sql).rows -%}
        {%- if change != 'new' -%}{{ return(none) }}{%- endif -%}
        {%- if batch_id not in new -%}{%- do new.append(batch_id) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(new | sort) }}
{%- endmacro %}


{#- Every version of the records (`record_id`) of a staged relation that name a changed key (in `column`) in any of
    their versions: a correction may move a record from one key to another, so all its versions are read again. -#}
{% macro versions_naming_changed_keys(scope, relation, record_id, column) -%}
    {{ record_id }} in (
        select {{ record_id }} from {{ relation }}
        where {{ changed_keys_filter(scope, column) }}
    )
{%- endmacro %}


{#- The rows of the keys the batches in scope report (column `key` of the model's read; `column` when it is named
    otherwise there): the keys the pre-hook wrote to build_state.<model>__keys. A table, not the query of the keys
    inline: DuckDB then knows how few they are, builds the join's hash table on them and filters the large scans by
    them; with the query inline it could hash the model's big input instead (int_linkage__person_enterprises at 5 M
    enterprises: 3.6 s → 0.8 s, benchmarks/RESULTS.md). -#}
{% macro changed_keys_filter(scope, column=none) -%}
    {{ return(selected_keys_filter(column)) }}
{%- endmacro %}

{#- The query of the keys the batches in scope report (column key_value; repeated and null keys are left to
    write_selected_keys). -#}
{% macro _changed_keys(scope) -%}
    {%- set spec = by_key_spec() -%}
    {%- set names = [spec.staged] if spec.staged is string else spec.staged %}
    select key_value
    from (
        {%- for name in names %}
            {{ 'union all' if not loop.first }}
            {{ _changed_keys_of(name, spec.get('keys_of', {}).get(name, {}), spec.key, scope) }}
        {%- endfor %}
    ) as changed (key_value)
{%- endmacro %}

{#- The keys the batches in scope change through one staged relation (`of`: its entry in keys_of, or {}).
    `scope`: a list of batch ids, or a query of them. `by_graph`: the relations are found in the graph instead of by
    `ref` (a data test of the model, whose own dependencies are the model alone). -#}
{% macro _changed_keys_of(name, of, key, scope, by_graph=false) -%}
    {%- set column = of.get('column', key) -%}
    {%- set staged = _graph_relation(name) if by_graph else ref(name) -%}
    {%- set in_scope = ('_batch_id in (' ~ scope ~ ')') if scope is string else in_literals('_batch_id', scope) -%}
    {%- set sql -%}
        {%- if of.get('versions_of') -%}
            select {{ column }} from {{ staged }}
            where {{ in_scope }}
                or {{ of.versions_of }} in (
                    select {{ of.versions_of }} from {{ staged }} where {{ in_scope }}
                )
        {%- else -%}
            select {{ column }} from {{ staged }} where {{ in_scope }}
        {%- endif -%}
    {%- endset -%}
    {%- set steps = [sql] -%}
    {%- for hop in of.get('through', []) -%}
        {%- set through = _graph_relation(hop.relation) if by_graph else ref(hop.relation) -%}
        {%- do steps.append(
            'select ' ~ hop.to ~ ' from ' ~ through ~ ' where ' ~ hop['from'] ~ ' in (' ~ steps[-1] ~ ')'
        ) -%}
    {%- endfor -%}
    {{ steps[-1] }}
{%- endmacro %}

{% macro _graph_relation(name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}


{#- Pre-hook: the keys the batches in scope report are written once (build_state.<model>__keys, read by
    changed_keys_filter; the post-hook drops it), and the rows about to be recomputed leave (all of them when the
    scope is everything). -#}
{% macro delete_changed_keys() -%}
    {%- if is_incremental() -%}
        {%- set scope = batch_scope() -%}
        {{ write_selected_keys(scope, _changed_keys(scope) if scope is not none else none) }}
    {%- endif -%}
{%- endmacro %}

{#- The pre-hooks' common part (delete_changed_keys here, delete_selected_keys in incremental_by_case.sql): the keys
    `keys_query` selects (column key_value) written once to build_state.<model>__keys, then the model's rows of those
    keys deleted — every row when `scope` is none (the model is recomputed whole; `keys_query` unused). A null key
    leaves the table by a statement of its own, not by a filter on the query: DuckDB pushes such a filter down into
    the scans of the query's inputs, so a key computed from a column (a person key: sha256 of the ID number) was
    computed for every row of the staged history, not for the rows of the changed enterprises only (dim_person's keys
    at 10 M enterprises: 12 s → 2.3 s). -#}
{% macro write_selected_keys(scope, keys_query) -%}
    {%- if scope is not none %}
    create schema if not exists {{ build_state_schema() }};
    create or replace table {{ selected_keys_table() }} as
    select distinct key_value
    from ({{ keys_query }}) as selected;
    delete from {{ selected_keys_table() }} where key_value is null;
    {%- endif %}
    delete from {{ this }}
    {%- if scope is not none %}
    where {{ selected_keys_filter() }}
    {%- endif %}
{%- endmacro %}


{#- Post-hook: the batches the model now reflects, and the fingerprint of its other inputs. A model recomputed whole
    is also named in build_state.models_recomputed_whole until a build's data tests have all passed
    (macros/test_scope.sql: its tests then test every row, not only the keys of the batches under test). -#}
{% macro record_staged_batches() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    create schema if not exists {{ build_state_schema() }};
    {%- if batch_scope() is none %}
    create table if not exists {{ build_state_schema() }}.models_recomputed_whole (model_name varchar);
    insert into {{ build_state_schema() }}.models_recomputed_whole
    select '{{ this.identifier }}'
    where '{{ this.identifier }}' not in (
        select model_name from {{ build_state_schema() }}.models_recomputed_whole
    );
    {%- endif %}
    create or replace table {{ staged_batches_record() }} as
    select batch_id, ingested_at, '{{ inputs_fingerprint() }}' as inputs_fingerprint
    from ({{ _staged_batches() }});
    drop table if exists {{ selected_keys_table() }}
{%- endmacro %}
