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
    leave it (``feed``: only that feed's batches are committed ones). -#}
{% macro drop_withdrawn_batches(feed=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where _batch_id not in (
            select ledger.batch_id from {{ ref('stg_landing__batches') }} as ledger
            where ledger.status = 'landed'{% if feed %} and ledger.feed = '{{ feed }}'{% endif %}
        )
    {%- endif -%}
{%- endmacro %}
