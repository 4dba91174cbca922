{#-
  Incremental staging by batch (docs/stack.md, "Incremental builds"). A landed batch is immutable: its rows change
  only when the batch is committed again — a copy of the same content received earlier takes its place (same batch
  id, new provenance, new ingestion time) — or withdrawn from the ledger. So a staging model loads, on an
  incremental run, only the batches that are committed and not in it yet or in it from an earlier commit, and drops
  the batches no longer committed. The ids come back as literals: the landing glob is then pruned to their folders
  (a join with the ledger would read every file).
  增量暂存：只读取新提交（或被更早收到的同内容副本替换）的批次，并删除台账中已不再提交的批次；其余批次原样保留。
-#}
{% macro changed_batches(feed) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set sql -%}
        select ledger.batch_id
        from {{ ref('stg_landing__batches') }} as ledger
        left join (
            select _batch_id, min(_ingested_at) as loaded_at, max(_ingested_at) as last_loaded_at
            from {{ this }}
            group by _batch_id
        ) as loaded
            on ledger.batch_id = loaded._batch_id
        where
            ledger.feed = '{{ feed }}'
            and ledger.status = 'landed'
            and (
                loaded._batch_id is null
                or loaded.loaded_at <> ledger.ingested_at
                or loaded.last_loaded_at <> ledger.ingested_at
            )
        order by ledger.batch_id
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}


{#- ``column in ('a', 'b')``, or false for no value: a filter made of literals. -#}
{% macro in_literals(column, values) -%}
    {%- if values | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for value in values %}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of an incremental model whose rows carry ``_batch_id``: rows of batches the ledger no longer commits
    leave it (``feed``: only that feed's batches are committed ones). For a feed's staging model (``feed`` given) it
    then records the batches the table now holds: the feed's batches the ledger table of this build commits, a
    committed batch without rows included, in build_state.<model>__loaded, in the model's transaction. The models
    incremental by key read that record instead of scanning every staged row for its distinct batches
    (incremental_by_key.sql, _staged_batches; at 2 M enterprises 90 such scans cost 2.9 s of a deliveries' build).
    Here and not in a hook of its own: a staging model's SQL is in the fingerprint of every model incremental by key
    downstream, a macro is not — a new hook there would have recomputed them all once.
    删除台账中已不再提交的批次的行；暂存模型还记下本表所含批次，供按主键增量的模型读取，不再扫描暂存表。 -#}
{% macro drop_withdrawn_batches(feed=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where _batch_id not in (
            select ledger.batch_id from {{ ref('stg_landing__batches') }} as ledger
            where ledger.status = 'landed'{% if feed %} and ledger.feed = '{{ feed }}'{% endif %}
        );
    {%- endif %}
    {%- if feed %}
    {{ record_loaded_batches(feed) }}
    {%- endif %}
{%- endmacro %}

{% macro record_loaded_batches(feed) -%}
    {{ return(adapter.dispatch('record_loaded_batches')(feed)) }}
{%- endmacro %}

{#- Spark: the models incremental by key are tables rebuilt whole there; nothing reads the record. -#}
{% macro spark__record_loaded_batches(feed) -%}{%- endmacro %}

{% macro default__record_loaded_batches(feed) -%}
    create schema if not exists {{ build_state_schema() }};
    create or replace table {{ build_state_schema() }}.{{ loaded_batches_identifier(this) }} as
    select distinct batch_id, ingested_at from {{ ref('stg_landing__batches') }}
    where feed = '{{ feed }}' and status = 'landed'
{%- endmacro %}

{% macro loaded_batches_identifier(staged) -%}
    {{ staged.identifier }}__loaded
{%- endmacro %}


{#- The quarantine (stg_landing__rejects) by batch: a batch's quarantine file is read once, when the ledger first
    records the batch (landed or rejected whole) or records it again (a new ingestion time), whether or not it had
    rows to quarantine. The batches read are kept in build_state.stg_landing__rejects__batches (post-hook, in the
    model's transaction); before the read, the rows of the batches read again and of those the ledger no longer
    records leave (pre-hook).
    隔离区按批次增量：台账新记录（或重新入库）的批次才读其隔离文件；台账已无记录的批次的行删除。 -#}
{% macro changed_quarantine_batches() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set record = adapter.get_relation(
        database=this.database, schema=build_state_schema(), identifier=this.identifier ~ '__batches') -%}
    {%- set sql -%}
        select distinct batch_id from (
            select batch_id, ingested_at from {{ ref('stg_landing__batches') }}
            {%- if record is not none %}
            except
            select batch_id, ingested_at from {{ record }}
            {%- endif %}
        )
        order by batch_id
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}

{% macro clear_changed_quarantine_batches() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            _batch_id not in (select batch_id from {{ ref('stg_landing__batches') }})
            or {{ in_literals('_batch_id', changed_quarantine_batches()) }}
    {%- endif -%}
{%- endmacro %}

{% macro record_quarantine_batches() -%}
    {{ return(adapter.dispatch('record_quarantine_batches')()) }}
{%- endmacro %}

{#- Spark: a table rebuilt whole, no record. -#}
{% macro spark__record_quarantine_batches() -%}{%- endmacro %}

{% macro default__record_quarantine_batches() -%}
    create schema if not exists {{ build_state_schema() }};
    create or replace table {{ build_state_schema() }}.{{ this.identifier }}__batches as
    select distinct batch_id, ingested_at from {{ ref('stg_landing__batches') }}
{%- endmacro %}
