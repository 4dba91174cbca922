{#-
  Data tests of the landing and of staging test the batches no successful build has tested yet (docs/stack.md,
  "Data tests on new batches"). A landed batch is immutable (macros/landed_batches.sql): once a build's tests passed
  on it, they pass on it again, so the pipeline's build after a delivery tests that delivery, not ten years of
  history again. The tests that take part say so in their `where` config with the placeholder
  `__untested_batches__` (dbt_project.yml: the tests defined under models/staging/), which becomes a list of batch
  ids: the landing glob is then pruned to their folders, staging tables to their row groups.

  - `on-run-start` (open_test_scope): the batches the ledger records (landed or rejected) not yet in
    build_state.tested_batches — or all of them on `--full-refresh`, on `dbt test`, or with the var
    `test_every_batch: true` (the scheduled full check) — are the batches under test of this invocation.
  - `on-run-end` (close_test_scope): when every node of an unselected `dbt build` / `dbt test` succeeded, the batches
    under test are recorded as tested, and the record of models recomputed whole but not yet tested is emptied. A
    failing test therefore fails again at the next build until it is fixed. A batch is identified by id and
    ingestion time: a batch committed again (a copy received earlier) is tested again. Batches the ledger no longer
    records leave the record.
  入库区与暂存层的数据测试只检查尚未被成功构建测试过的批次；全量重建、单独的 dbt test 或 test_every_batch 时检查全部批次。
-#}

{% macro build_state_schema() -%}build_state{%- endmacro %}


{#- The batches the ledger records now (landed or rejected), as (batch_id, ingested_at); a folder of the landing
    without a ledger record is an unfinished batch, read by nothing. An empty workspace's ledger has no columns yet. -#}
{% macro ledger_batches_now() -%}
    select distinct batch_id, ingested_at
    from (
        select * from {{ source('landing', 'ledger') }}
        union all by name
        select
            cast(null as varchar) as batch_id,
            cast(null as varchar) as ingested_at
        where false
    )
    where batch_id is not null
{%- endmacro %}


{% macro tests_every_batch() -%}
    {{ return(flags.FULL_REFRESH or flags.WHICH != 'build' or var('test_every_batch', false) in (true, 'true')) }}
{%- endmacro %}


{% macro open_test_scope() -%}
    {{ return(adapter.dispatch('open_test_scope')()) }}
{%- endmacro %}

{#- Spark: no recorded scope yet; every build tests every batch. -#}
{% macro spark__open_test_scope() -%}{%- endmacro %}

{% macro spark__close_test_scope(results) -%}{%- endmacro %}


{% macro default__open_test_scope() -%}
    {%- set state = build_state_schema() -%}
    create schema if not exists {{ state }};
    create table if not exists {{ state }}.tested_batches (batch_id varchar, ingested_at varchar);
    create table if not exists {{ state }}.models_recomputed_whole (model_name varchar);
    drop table if exists {{ state }}.batches_under_test;
    create table {{ state }}.batches_under_test as
    {{ ledger_batches_now() }}
    {%- if not tests_every_batch() %}
        except
        select batch_id, ingested_at from {{ state }}.tested_batches
    {%- endif %};
{%- endmacro %}


{% macro close_test_scope(results) -%}
    {{ return(adapter.dispatch('close_test_scope')(results)) }}
{%- endmacro %}

{% macro default__close_test_scope(results) -%}
    {%- set state = build_state_schema() -%}
    {%- set args = invocation_args_dict -%}
    {%- set unselected = not args.get('select') and not args.get('exclude') and not args.get('selector') -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
    {%- if flags.WHICH in ('build', 'test') and unselected and failed | length == 0 %}
        insert into {{ state }}.tested_batches
        select batch_id, ingested_at from {{ state }}.batches_under_test
        except
        select batch_id, ingested_at from {{ state }}.tested_batches;
        delete from {{ state }}.models_recomputed_whole;
    {%- endif %}
    delete from {{ state }}.tested_batches as tested
    where not exists (
        select 1 from ({{ ledger_batches_now() }}) as recorded
        where recorded.batch_id = tested.batch_id and recorded.ingested_at = tested.ingested_at
    );
    drop table if exists {{ state }}.batches_under_test;
{%- endmacro %}


{#- `(id, id, …)` of the batches under test, for a data test's `where` (a list of literals, so that a Parquet glob
    is pruned to their folders); `(null)` when there are none. -#}
{% macro untested_batches() -%}
    {%- if not execute -%}{{ return('(null)') }}{%- endif -%}
    {%- set scope = adapter.get_relation(
        database=target.database, schema=build_state_schema(), identifier='batches_under_test'
    ) -%}
    {#- compiled outside a run that chose its batches (dbt compile, docs generate, show): every batch -#}
    {%- if scope is none -%}{{ return('(select batch_id from (' ~ ledger_batches_now() ~ '))') }}{%- endif -%}
    {%- set ids = run_query(
        'select distinct batch_id from ' ~ build_state_schema() ~ '.batches_under_test order by 1'
    ).columns[0].values() | list -%}
    {%- if ids | length == 0 -%}{{ return('(null)') }}{%- endif -%}
    {%- set literals = [] -%}
    {%- for id in ids -%}{%- do literals.append("'" ~ (id | replace("'", "''")) ~ "'") -%}{%- endfor -%}
    {{ return('(' ~ literals | join(', ') ~ ')') }}
{%- endmacro %}


{% macro default__scoped_where(where) -%}
    {%- set where = where | replace('__untested_batches__', untested_batches()) -%}
    {%- set where = where | replace('__changed_keys__', changed_keys_rows()) -%}
    {%- set where = where | replace('__recomputed_current_risk_rows__', recomputed_current_risk_rows()) -%}
    {{ return(where | replace('__recomputed_risk_rows__', recomputed_risk_rows())) }}
{%- endmacro %}


{#- The rows of a model incremental by key (macros/incremental_by_key.sql) that the batches under test may have
    changed: those of the keys the batches report, through the model's own `keys_of`. A row of another key was
    written from batches a successful build has tested, and tested then. Every row on the full check, while the
    model is named in build_state.models_recomputed_whole (recomputed whole since the last build whose tests all
    passed), for a model not incremental by key, and for the tests a new row can fail together with a kept one of
    another key: `unique` of another column, `unique_combination_of_columns` without the key, `relationships`
    (a parent may have gone). Used in a data test's `where` as `__changed_keys__` (dbt_project.yml: every test of
    the intermediate layer and the marts unless it sets its own). Not for a model incremental by case
    (macros/incremental_by_case.sql), whose keys also move with the as-of date: tested whole.
    按业务主键增量的模型：数据测试只检查待测批次涉及的主键的行；整表重算后、全量检查时检查全部行。 -#}
{% macro changed_keys_rows() -%}
    {%- if not execute or tests_every_batch() or not model.get('attached_node') -%}{{ return('true') }}{%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- set meta = tested.config.meta if tested is not none else {} -%}
    {%- set spec = meta.get('incremental_by_key') -%}
    {#- by case (macros/incremental_by_case.sql): its keys come from a keys macro and the as-of date, not keys_of -#}
    {%- if spec is none or meta.get('incremental_by_case') is not none -%}{{ return('true') }}{%- endif -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set kwargs = test.get('kwargs') or {} -%}
    {%- if test.get('name') == 'relationships'
        or (test.get('name') == 'unique' and kwargs.get('column_name') != spec.key)
        or (test.get('name') == 'unique_combination_of_columns'
            and spec.key not in (kwargs.get('combination_of_columns') or [])) -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set state = build_state_schema() -%}
    {%- set under_test = adapter.get_relation(
        database=target.database, schema=state, identifier='batches_under_test') -%}
    {%- if under_test is none -%}{{ return('true') }}{%- endif -%}
    {#- SQL, not literals: read at the test's run, no query while compiling each of some hundred tests -#}
    {%- set scope = 'select batch_id from ' ~ under_test -%}
    {%- set names = [spec.staged] if spec.staged is string else spec.staged -%}
    {%- set parts = [] -%}
    {%- for name in names -%}
        {%- do parts.append(_changed_keys_of(name, spec.get('keys_of', {}).get(name, {}), spec.key, scope, true)) -%}
    {%- endfor -%}
    {#- models_recomputed_whole is made beside batches_under_test when the run starts (open_test_scope) -#}
    {{ return('(exists (select 1 from ' ~ state ~ ".models_recomputed_whole where model_name = '" ~ tested.alias
              ~ "') or " ~ spec.key ~ ' in (' ~ parts | join(' union all ') ~ '))') }}
{%- endmacro %}


{#- (the score dates, the change set) this build wrote, for the risk tests' `where`; none on the full check
    (`tests_every_batch`) and when this run has none to read (compiled outside a build). -#}
{% macro _risk_change_relations() -%}
    {%- if not execute or tests_every_batch() -%}{{ return(none) }}{%- endif -%}
    {%- set dates = adapter.get_relation(database=target.database, schema='intermediate',
                                         identifier='int_risk__score_dates') -%}
    {%- set changed = adapter.get_relation(database=target.database, schema='intermediate',
                                           identifier='int_risk__changed_enterprises') -%}
    {{ return(none if dates is none or changed is none else [dates, changed]) }}
{%- endmacro %}


{#- The rows of the monthly risk snapshot this build wrote (the months recomputed for every enterprise, and the change
    set's rows: macros/risk_incremental.sql), for the `where` of its data tests: a row this build did not write was
    tested by the build that wrote it. Everything on the full check (`tests_every_batch`), and when this run has no
    change set to read (compiled outside a build). -#}
{% macro recomputed_risk_rows() -%}
    {%- set relations = _risk_change_relations() -%}
    {%- if relations is none -%}{{ return('true') }}{%- endif -%}
    {%- set dates, changed = relations -%}
    {{ return('(score_month in (select score_month from ' ~ dates ~ ' where not changed_only)'
              ~ ' or uscc in (select uscc from ' ~ changed ~ '))') }}
{%- endmacro %}

{#- The rows of the as-of date's risk results this build wrote (int_risk__current_scores, mart_credit_risk_scores,
    mart_credit_risk_indicators, mart_credit_risk_whatif: current_risk_rows in macros/risk_incremental.sql): every row
    when the date was recomputed for every enterprise, else the change set's. Everything on the full check and
    outside a build. -#}
{% macro recomputed_current_risk_rows() -%}
    {%- set relations = _risk_change_relations() -%}
    {%- if relations is none -%}{{ return('true') }}{%- endif -%}
    {%- set dates, changed = relations -%}
    {{ return(current_risk_rows(dates, changed)) }}
{%- endmacro %}

{#- an engine without a recorded scope (Spark) tests every batch -#}
{% macro spark__scoped_where(where) -%}{{ return('') }}{%- endmacro %}


{#- dbt's own get_where_subquery, with `__untested_batches__`, `__changed_keys__`, `__recomputed_risk_rows__` and
    `__recomputed_current_risk_rows__` in a test's `where` replaced at run time. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and ('__untested_batches__' in where or '__recomputed_risk_rows__' in where
                      or '__changed_keys__' in where or '__recomputed_current_risk_rows__' in where) -%}
        {%- set where = adapter.dispatch('scoped_where')(where) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
