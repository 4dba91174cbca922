-- 对账：每个数据项已提交的落地行数 = 时间线中该数据项的行数（无代码、关联不上的也在时间线上，is_linked = false）；
-- 时间线中未关联的行数 = 未关联集市的行数。返回不平的数据项（应为空）。

with

staged as (

    select 'licences' as feed, count(*) as rows from {{ ref('stg_landing__licences') }}
    union all
    select 'penalties', count(*) from {{ ref('stg_landing__penalties') }}
    union all
    select 'inspections', count(*) from {{ ref('stg_landing__inspections') }}
    union all
    select 'abnormal_list', count(*) from {{ ref('stg_landing__abnormal_listings') }}
    union all
    select 'serious_list', count(*) from {{ ref('stg_landing__serious_listings') }}
    union all
    select 'credit_repairs', count(*) from {{ ref('stg_landing__credit_repairs') }}
    union all
    select 'credit_commitments', count(*) from {{ ref('stg_landing__credit_commitments') }}
    union all
    select 'court_judgments', count(*) from {{ ref('stg_landing__court_judgments') }}

),

timeline as (

    select feed, count(*) as rows, count(*) filter (where not is_linked) as unlinked_rows
    from {{ ref('fct_credit_events') }}
    group by feed

),

unlinked as (

    select feed, count(*) as rows
    from {{ ref('mart_unlinked_records') }}
    group by feed

)

select
    staged.feed,
    staged.rows as staged_rows,
    coalesce(timeline.rows, 0) as timeline_rows,
    coalesce(timeline.unlinked_rows, 0) as timeline_unlinked_rows,
    coalesce(unlinked.rows, 0) as unlinked_mart_rows
from staged
left join timeline on staged.feed = timeline.feed
left join unlinked on staged.feed = unlinked.feed
where staged.rows <> coalesce(timeline.rows, 0)
    or coalesce(timeline.unlinked_rows, 0) <> coalesce(unlinked.rows, 0)
