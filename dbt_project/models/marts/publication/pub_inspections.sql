-- 公示用抽查检查结果信息：每个（检查任务编号，统一社会信用代码）一行；执法人员执法证号等内部字段不在其中；
-- 被扣留的与负面结果准予信用修复而停止公示的（总局令第107号起）不在其中。

with

judged as (

    select * from {{ ref('int_publication__inspections') }}
    where publication_state = 'published'

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
