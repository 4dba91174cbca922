{#-
  The provenance columns every landed row carries (ingestion.landing: who produced and provided it, which batch,
  file and row, when it arrived (Beijing time, macro beijing_time), its SLA due date and late flag), cast once for every staging model. The batch id is
  the batch folder's name (batch_id=…, a hive partition key) and the file's SHA-256 comes from the batch's ledger
  entry (committed_batches): neither is written on the rows.
  每条入库记录的来源列（谁产生、谁提供、哪一批、哪一行、何时收到、报送时限与是否逾期）。批次编号取自批次目录名，
  文件 SHA-256 取自入库台账。
-#}
{% macro provenance_columns() -%}
        cast(batch_id as string) as _batch_id,
        cast(_feed as string) as _feed,
        cast(_producer_code as string) as _producer_code,
        cast(_producer_dept as string) as _producer_dept,
        cast(_producer_dept_uscc as string) as _producer_dept_uscc,
        cast(_providing_system as string) as _providing_system,
        cast(_source_file as string) as _source_file,
        cast(_row_number as bigint) as _row_number,
        cast(file_sha256 as string) as _file_sha256,
        {{ beijing_time('_received_at') }} as _received_at,
        {{ beijing_time('_ingested_at') }} as _ingested_at,
        cast(_due_by as date) as _due_by,
        cast(_due_by_estimated as boolean) as _due_by_estimated,
        cast(_is_late as boolean) as _is_late,
        cast(_warnings as string) as _warnings
{%- endmacro %}
