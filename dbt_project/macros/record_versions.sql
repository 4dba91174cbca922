{#-
  The one reading of "the version of a record as received": a feed re-sends a record (same business key) in a later
  batch to correct, change or revoke it, and the version that counts is the last one received. Every model that keeps
  one version per key takes it from these macros, never from its own window.

  One tie-break order (version_order): _received_at desc, _batch_id desc, _row_number desc. _received_at is the batch's
  receipt time (one per batch), so within a batch the later row (_row_number) wins; two batches received in the same
  second are ordered by _batch_id so the choice is deterministic. `first=true` reverses it (the first version received,
  e.g. the original decision a correction cannot rewrite).

  The receipt cut-off (received_by) keeps only versions received on or before a date (default: as_of_date()), so a
  model judged "as of" a date does not see a correction received later. It is optional: the list models read every
  version received (a later correction is applied as of its receipt date by the models themselves).

  The batch id is `<feed>-<first 16 hex of the file's SHA-256>` (ingestion.ledger.batch_id_for): it depends on the
  delivered bytes alone, so the order never depends on the path, the order or the time the files were ingested in;
  _received_at is the declared receipt (or the moment ingestion first saw the file), never a file attribute.

  arg_max_received / arg_min_received: arg_max / arg_min (the value on the row with the highest / lowest `by`) made
  total by the same order — a tie on `by` goes to the latest version received (arg_min: the first received). A plain
  arg_max picks among tied rows in whatever order they arrive, and two builds of the same data could differ.

  记录的版本：同一业务主键在后续批次中重报（更正、变更、撤销）时，以最后收到的版本为准（同一秒收到的两个批次按批次编号，
  同一批次内按行号）；first=true 取最先收到的版本（原决定）。received_by：只取截至某日（默认 as_of_date）已收到的版本。
  批次编号由文件内容（SHA-256）决定，与入库的路径、顺序和时间无关。arg_max_received / arg_min_received：按某列取最大（最小）
  值所在行的取值，并列时按上述版本顺序取最后（最先）收到的一行，结果不随行的到达顺序而变。
-#}

{#- The tie-break order of the versions of one key (latest first; first=true: first received first). -#}
{% macro version_order(alias=none, first=false) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    {%- set direction = '' if first else ' desc' -%}
    {{ p }}_received_at{{ direction }}, {{ p }}_batch_id{{ direction }}, {{ p }}_row_number{{ direction }}
{%- endmacro %}

{#- A predicate for `qualify`: the row is the latest (first=true: the first) version received of its key. -#}
{% macro latest_version(key_columns, alias=none, first=false) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    {%- set keys = [key_columns] if key_columns is string else key_columns -%}
    row_number() over (
            partition by {% for key in keys %}{{ p }}{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            order by {{ version_order(alias, first) }}
        ) = 1
{%- endmacro %}

{#- A predicate for `where`: the version was received on or before on_date (default: the as-of date). -#}
{% macro received_by(on_date=none, alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    cast({{ p }}_received_at as date) <= {{ on_date if on_date else as_of_date() }}
{%- endmacro %}

{#- arg_max(value, by) with ties on `by` broken by the version order (the latest version received wins). Rows where
    value or by is null are skipped, as arg_max skips them; `where`: the aggregate's filter besides. -#}
{% macro arg_max_received(value, by, alias=none, where=none) -%}
    {{ return(adapter.dispatch('arg_max_received', 'creditwh')(value, by, alias, where)) }}
{%- endmacro %}
{% macro default__arg_max_received(value, by, alias, where) -%}
    first({{ value }} order by {{ by }} desc, {{ version_order(alias) }})
        filter (where {{ value }} is not null and {{ by }} is not null{{ (' and (' ~ where ~ ')') if where else '' }})
{%- endmacro %}
{#- Spark has no ordered aggregate: max_by over (by, the version order) as one struct — every key descending. -#}
{% macro spark__arg_max_received(value, by, alias, where) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    max_by({{ value }}, struct({{ by }}, {{ p }}_received_at, {{ p }}_batch_id, {{ p }}_row_number))
        filter (where {{ value }} is not null and {{ by }} is not null{{ (' and (' ~ where ~ ')') if where else '' }})
{%- endmacro %}

{#- arg_min(value, by) with ties on `by` broken by the version order reversed (the first version received wins). -#}
{% macro arg_min_received(value, by, alias=none, where=none) -%}
    {{ return(adapter.dispatch('arg_min_received', 'creditwh')(value, by, alias, where)) }}
{%- endmacro %}
{% macro default__arg_min_received(value, by, alias, where) -%}
    first({{ value }} order by {{ by }}, {{ version_order(alias, first=true) }})
        filter (where {{ value }} is not null and {{ by }} is not null{{ (' and (' ~ where ~ ')') if where else '' }})
{%- endmacro %}
{% macro spark__arg_min_received(value, by, alias, where) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    min_by({{ value }}, struct({{ by }}, {{ p }}_received_at, {{ p }}_batch_id, {{ p }}_row_number))
        filter (where {{ value }} is not null and {{ by }} is not null{{ (' and (' ~ where ~ ')') if where else '' }})
{%- endmacro %}
