{#-
  Incremental by key, when the key is not a column of the staged rows (docs/stack.md, "Incremental builds"): the
  joint-punishment chain is keyed by the case (basis_number, the document a punishment rests on), while its inputs
  name the case in different columns (decision number, list decision number, related record number …) or reach it
  through the enterprise (registry, repeat offenders). Built on incremental_by_key.sql (batch_scope, the record of the
  staged batches and the fingerprint of the other inputs): the same scope, with two additions.

  - `keys`: a macro default__<keys>(scope, window, **keys_args) selects (column key_value) every key whose rows the
    batches in scope change. The pre-hook computes them once into build_state.<model>__keys — reading the model's
    own rows (`this`) before they are deleted — deletes their rows, and the model reads the keys from there
    (selected_keys_filter); the post-hook drops the table.
  - `dated`: the model depends on the as-of date. build_state.<model>__as_of keeps the date it was built for. 'window':
    when the date moved, `window` is [earlier, later] (date literals) and the keys macro adds the keys whose state
    changes on a date in it; 'whole': everything is recomputed when the date moved (every row shows the date).
    No record of the date yet: everything is recomputed.
  `key` may be an expression over the model's columns (the pre-hook deletes the rows whose expression is selected).
  按案件（事由文书号）增量：新批次所涉案件、以及截至日期变动所涉案件才重算；键由模型的宏选出，先记下再删除、重算。
-#}

{% macro incremental_by_case(staged, key, keys, keys_args={}, env=[], dated=none, on_schema_change='ignore') -%}
    {#- while parsing: the staged relations and those the keys macro reads become dependencies of the model (a unit
        test, which renders it without a relation of its own, need not give them) -#}
    {%- if not execute -%}
        {%- for name in ([staged] if staged is string else staged) -%}{%- do ref(name) -%}{%- endfor -%}
        {%- do context[keys](none, none, **keys_args) -%}
    {%- endif -%}
    {{ return(adapter.dispatch('incremental_by_case')(staged, key, keys, keys_args, env, dated, on_schema_change)) }}
{%- endmacro %}

{#- Spark: a table rebuilt whole, like incremental_by_key. -#}
{% macro spark__incremental_by_case(staged, key, keys, keys_args, env, dated, on_schema_change) -%}
    {{ config(materialized='table') }}
    {{ return(none) }}
{%- endmacro %}

{% macro default__incremental_by_case(staged, key, keys, keys_args, env, dated, on_schema_change) -%}
    {{ config(
        materialized='incremental',
        on_schema_change=on_schema_change,
        meta={
            'incremental_by_key': {'staged': staged, 'key': key, 'env': env},
            'incremental_by_case': {'keys_macro': keys, 'keys_args': keys_args, 'dated': dated},
        },
        pre_hook="{{ delete_selected_keys() }}",
        post_hook=["{{ record_staged_batches() }}", "{{ record_as_of_date() }}"],
    ) }}
    {{ return(case_scope()) }}
{%- endmacro %}


{% macro by_case_spec() -%}
    {{ return(config.get('meta', {}).get('incremental_by_case')) }}
{%- endmacro %}

{% macro selected_keys_table() -%}
    {{ build_state_schema() }}.{{ this.identifier }}__keys
{%- endmacro %}

{% macro _as_of_record() -%}
    {{ return(adapter.get_relation(
        database=this.database, schema=build_state_schema(), identifier=this.identifier ~ '__as_of'
    )) }}
{%- endmacro %}


{#- none when the model is built for the as-of date it was built for last; else [earlier, later] (date literals). -#}
{% macro as_of_window() -%}
    {%- if not execute or this is none or not by_case_spec().dated -%}{{ return(none) }}{%- endif -%}
    {%- set record = _as_of_record() -%}
    {%- if record is none -%}{{ return(none) }}{%- endif -%}
    {%- set sql -%}
        select cast(least(as_of_date, {{ as_of_date() }}) as string), cast(greatest(as_of_date, {{ as_of_date() }}) as string)
        from {{ record }}
        where as_of_date <> {{ as_of_date() }}
    {%- endset -%}
    {%- set rows = run_query(sql).rows -%}
    {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
    {{ return(["cast('" ~ rows[0][0] ~ "' as date)", "cast('" ~ rows[0][1] ~ "' as date)"]) }}
{%- endmacro %}


{#- batch_scope(), and none (everything) too when a dated model has no record of its date, or ('whole') it moved. -#}
{% macro case_scope() -%}
    {%- set scope = batch_scope() -%}
    {%- if scope is none -%}{{ return(none) }}{%- endif -%}
    {%- set dated = by_case_spec().dated -%}
    {%- if dated and _as_of_record() is none -%}{{ return(none) }}{%- endif -%}
    {%- if dated == 'whole' and as_of_window() is not none -%}{{ return(none) }}{%- endif -%}
    {{ return(scope) }}
{%- endmacro %}


{#- The model's read: the rows of the selected keys (`column`: the key's column or expression there). -#}
{% macro selected_keys_filter(column=none) -%}
    {%- if not execute -%}{{ return('true') }}{%- endif -%}
    {{ column or by_key_spec().key }} in (select key_value from {{ selected_keys_table() }})
{%- endmacro %}


{#- Pre-hook: the keys selected once, then their rows leave (all rows when the scope is everything). -#}
{% macro delete_selected_keys() -%}
    {%- if is_incremental() -%}
        {%- set scope = case_scope() -%}
        {%- set spec = by_case_spec() -%}
        {{ write_selected_keys(
            scope,
            context[spec.keys_macro](scope, as_of_window(), **spec.keys_args) if scope is not none else none
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook (after record_staged_batches, which drops the keys of this build): the as-of date the model now
    reflects. -#}
{% macro record_as_of_date() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    create schema if not exists {{ build_state_schema() }};
    {%- if by_case_spec().dated %}
    create or replace table {{ build_state_schema() }}.{{ this.identifier }}__as_of as
    select {{ as_of_date() }} as as_of_date
    {%- endif %}
{%- endmacro %}
