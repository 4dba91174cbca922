{#-
  Pre-hook of the monthly risk snapshot on an incremental build (docs/risk.md, "Incremental builds"): before the
  recomputed rows are appended, the rows they replace leave — months recomputed for every enterprise (the current
  month, and month-ends not yet computed as such), the change set's rows in the other months of the window, and the
  months outside the window (older than score_history_months, or after as_of_date when it moved back); the first
  month's previous class is cleared, as a full rebuild leaves it.
  月度快照增量构建前删除将被重算的行：全部企业重算的月份、其余月份中变更集企业的行，以及窗口之外的月份；窗口首月的
  上月类别置空（与全量重建相同）。
-#}
{% macro clear_recomputed_risk_months() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            score_month < (select min(score_month) from {{ ref('int_risk__score_dates') }})
            or score_month > (select max(score_month) from {{ ref('int_risk__score_dates') }})
            or score_month in (
                select score_month from {{ ref('int_risk__score_dates') }} where not changed_only
            )
            or (
                score_month in (select score_month from {{ ref('int_risk__score_dates') }} where changed_only)
                and uscc in (select uscc from {{ ref('int_risk__changed_enterprises') }})
            );
        {%- if 'previous_risk_class' in adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
        -- the window's first month has no previous month in the snapshot (as in a full rebuild): once the window has
        -- moved on, its rows no longer name the class of a month that has left
        update {{ this }} set previous_risk_class = null
        where
            score_month = (select min(score_month) from {{ ref('int_risk__score_dates') }})
            and previous_risk_class is not null
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- The enterprises of every version of the records a new batch reports, by business key (int_risk__changed_enterprises;
    a correction may move a record from one enterprise to another). Needs the CTE ``new_batches``. -#}
{% macro every_version_of_new_records(relation, key) -%}
    select uscc from {{ relation }}
    where {{ key }} in (select {{ key }} from {{ relation }} where _batch_id in (select batch_id from new_batches))
{%- endmacro %}


{#- The batches the monthly risk snapshot has counted (mart_credit_risk_batches), or none when there is no such table
    yet or it is of an older layout: then the history is replayed in full (int_risk__score_dates) rather than trusted.
    On Spark always none: the monthly snapshot is a table rebuilt whole there (by_batch_materialization). -#}
{% macro risk_counted_batches() -%}
    {%- if not execute or by_batch_materialization() != 'incremental' -%}{{ return(none) }}{%- endif -%}
    {%- set relation = adapter.get_relation(database=target.database, schema=target.schema,
                                            identifier='mart_credit_risk_batches') -%}
    {%- if relation is none -%}{{ return(none) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {%- for needed in ['batch_id', 'source_file', 'received_at'] -%}
        {%- if needed not in columns -%}{{ return(none) }}{%- endif -%}
    {%- endfor -%}
    {{ return(relation) }}
{%- endmacro %}


{#- A fingerprint of what the as-of date's risk results depend on besides the data: the SQL of every model and the
    contents of every seed upstream of the record of counted batches (mart_credit_risk_batches, written after all the
    results of the as-of date). A build on the day the record was written, with the same fingerprint, recomputes the
    as-of date only for the change set (int_risk__score_dates); a changed rule table or model recomputes it for every
    enterprise. -#}
{% macro risk_inputs_fingerprint() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set parts = [] -%}
    {%- do _upstream_checksums('model.creditwh.mart_credit_risk_batches', parts) -%}
    {{ return(local_md5(parts | sort | join('|'))) }}
{%- endmacro %}


{#- The as-of date's risk rows a build writes: every enterprise's when the as-of date is recomputed for every
    enterprise (a new day, a changed rule or model, a full rebuild; or no record of it), else the change set's.
    `dates`, `changed`: int_risk__score_dates and int_risk__changed_enterprises. Read by the pre-hooks below, by the
    what-if mart and by the data tests of these tables (test_scope.sql, recomputed_current_risk_rows).
    分类日结果本次构建重写的行：分类日为全部企业重算时为全部企业，否则为变更集中的企业。 -#}
{% macro current_risk_rows(dates, changed) -%}
    (coalesce((select not changed_only from {{ dates }} where is_current), true)
        or uscc in (select uscc from {{ changed }}))
{%- endmacro %}


{#- Pre-hook of the tables that hold the as-of date's risk results for every enterprise (int_risk__current_scores,
    mart_credit_risk_scores, mart_credit_risk_indicators, mart_credit_risk_whatif): before the recomputed rows are
    appended, the rows they replace leave (current_risk_rows); `also`: a condition on the table's rows that makes
    them leave too (the what-if mart: rows of another scenario than the one asked for).
    分类日结果表增量构建前删除将被重算的行：分类日为全部企业重算时删除全部，否则只删除变更集中企业的行。 -#}
{% macro clear_recomputed_current_risk_rows(also=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            {{ current_risk_rows(ref('int_risk__score_dates'), ref('int_risk__changed_enterprises')) }}
            {%- if also %}
            or ({{ also }})
            {%- endif %}
    {%- endif -%}
{%- endmacro %}
