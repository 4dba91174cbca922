{#- The sum of a column of doubles (amounts, score contributions) that does not depend on the order rows are added
    in: each value as a decimal (38 digits, 10 after the point), summed exactly. A double sum depends on that order
    (27.94 or 27.939999999999998), which a parallel aggregation does not fix, so two builds of the same data could
    differ. Gives a decimal: cast it where a double is wanted; `over (…)` may follow it.
    金额、分值等浮点数求和：逐项转为定点小数后精确求和，结果与行的相加顺序无关（两次构建必得相同结果）。 -#}
{% macro exact_sum(value) -%}
    sum(cast({{ value }} as decimal(38, 10)))
{%- endmacro %}
