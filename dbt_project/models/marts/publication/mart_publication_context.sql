-- 发布所依据的截至日期：公示模型按此日判断公示期、撤下与移出；发布作业据此命名发布批次并写入清单。

with

batches as (

    select * from {{ ref('stg_landing__batches') }}
    where status = 'landed' and cast(received_at as date) <= {{ as_of_date() }}

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        max(received_at) as data_received_until,
        count(*) as landed_batches
    from batches

)

select * from final
