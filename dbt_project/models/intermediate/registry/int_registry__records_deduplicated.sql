-- 登记记录去重：业务主键 (uscc, approval_date) 每个版本只留一条。同一次登记在后续批次中重报（更正）时，
-- 以最后收到的为准（宏 latest_version：_received_at，再按 _batch_id、_row_number）。同时带出每个主体第一次和最后一次出现的批次，
-- 供 int_registry__enterprises 使用（去重会丢掉被更正的旧版本，所以须在去重前计算）。

with

registry_records as (

    select * from {{ ref('stg_landing__registry_records') }}

),

versioned as (

    select
        *,
        row_number() over (
            partition by uscc, approval_date
            order by {{ version_order() }}
        ) as version_rank,
        count(*) over (partition by uscc, approval_date) as version_count,
        first_value(_batch_id) over (
            partition by uscc
            order by {{ version_order(first=true) }}
            rows between unbounded preceding and unbounded following
        ) as first_seen_batch_id,
        min(_received_at) over (partition by uscc) as first_seen_at,
        first_value(_batch_id) over (
            partition by uscc
            order by {{ version_order() }}
            rows between unbounded preceding and unbounded following
        ) as last_seen_batch_id,
        max(_received_at) over (partition by uscc) as last_seen_at

    from registry_records

)

select * exclude (version_rank)
from versioned
where version_rank = 1
