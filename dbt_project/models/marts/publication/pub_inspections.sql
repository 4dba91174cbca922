-- 公示用抽查检查结果信息：每个（检查任务编号，统一社会信用代码）一行；执法人员执法证号等内部字段不在其中；
-- 被扣留的与负面结果准予信用修复而停止公示的（总局令第107号起）不在其中。

-- 增量构建按（检查任务编号，统一社会信用代码）只重算新批次与截至日期变动所涉记录，与 int_publication__inspections
-- 同一选取（宏 incremental_by_case、publication_keys）。

{%- set key = publication_key('inspections', 'task_id') %}
{%- set scope = incremental_by_case(
    ['stg_landing__inspections', 'stg_landing__credit_repairs', 'stg_landing__disclosure_holds'],
    key, 'publication_keys', {'record_type': 'inspections'}, dated='window', on_schema_change='fail',
) %}

with

judged as (

    select * from {{ ref('int_publication__inspections') }}
    where publication_state = 'published'
    {%- if scope is not none %}
        and {{ selected_keys_filter() }}
    {%- endif %}

),

final as (

    select
        task_id,
        uscc,
        task_name,
        inspection_type,
        party_name,
        inspection_date,
        result,
        inspecting_unit,
        inspecting_unit_uscc,
        publicity_start,
        source_batch_id
    from judged

)

select * from final
