{#- The listed columns hold no null, checked in one scan of the model: one test node per model (or source table)
    instead of one per column, since dbt's own cost per node (~25 ms) times some 600 columns would be a fixed
    quarter-minute of every build. A failing test returns one row: `failing_columns` names the columns that hold
    nulls, `null_rows__<column>` counts them. An empty model passes.
    列非空检查：每个模型一个测试，一次扫描检查全部必填列；失败时 failing_columns 列出含空值的列。 -#}
{% test not_null_columns(model, column_names) %}

with null_counts as (
    select
    {%- for column in column_names %}
        sum(case when {{ column }} is null then 1 else 0 end) as null_rows__{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)

select
    concat_ws(
        ', '
    {%- for column in column_names %},
        case when null_rows__{{ column }} > 0 then '{{ column }}' end
    {%- endfor %}
    ) as failing_columns,
    {%- for column in column_names %}
    null_rows__{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
from null_counts
where
{%- for column in column_names %}
    {{ "or " if not loop.first }}null_rows__{{ column }} > 0
{%- endfor %}

{% endtest %}
