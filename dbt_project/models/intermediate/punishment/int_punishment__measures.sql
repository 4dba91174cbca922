-- 两张清单合一：失信惩戒措施清单与强化监管措施清单，带清单名称。

with

dishonesty as (

    select '失信惩戒措施清单' as measure_list, * from {{ ref('punishment_measures_dishonesty') }}

),

supervision as (

    select '强化监管措施清单' as measure_list, * from {{ ref('punishment_measures_supervision') }}

)

select * from dishonesty
{{ union_all_by_name() }}
select * from supervision
