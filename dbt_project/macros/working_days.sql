{#-
  "N 个工作日" in SQL, from the one calendar table (ref_calendar, generated from ground/workdays.py).
  The start day is not counted (also when it is a holiday): the due date is the working day whose workday_index is
  the start's index + N. A deadline is estimated when an estimated day lies in (start, due].
  working_days_after: two joins (an equi-join on the index, never a lookup per row) that give `<alias>.calendar_date`,
  the due date (null where start or N is null or outside the calendar); working_days_after_is_estimated(alias) reads
  the same joins.
-#}
{% macro working_days_after(start, n, alias) -%}
    left join {{ ref('ref_calendar') }} as {{ alias }}_start
        on {{ alias }}_start.calendar_date = cast({{ start }} as date)
    left join {{ ref('ref_calendar') }} as {{ alias }}
        on {{ alias }}.is_working_day
        and {{ alias }}.workday_index = {{ alias }}_start.workday_index + ({{ n }})
{%- endmacro %}

{% macro working_days_after_is_estimated(alias) -%}
    ({{ alias }}.estimate_index > {{ alias }}_start.estimate_index)
{%- endmacro %}

{#- Working days in (from, to]: how many working days `to` is past `from` (negative when before). -#}
{% macro working_days_between(from_date, to_date) -%}
    ((select to_day.workday_index from {{ ref('ref_calendar') }} as to_day
      where to_day.calendar_date = cast({{ to_date }} as date))
     - (select from_day.workday_index from {{ ref('ref_calendar') }} as from_day
        where from_day.calendar_date = cast({{ from_date }} as date)))
{%- endmacro %}

{#- The value of each punishment rule parameter (seed punishment_rules) in force on a date for a region: the most
    specific row whose region_scope covers the region (macros/region_scope.sql); null where no row applies.
    `keys`: a relation with rule_code, on_date (a date) and region_code; one row per distinct key, with rule_value.
    Join it back on the three keys (region_code with `is not distinct from`: an unknown region takes the national rows). -#}
{% macro punishment_rule(keys) -%}
    select
        keys.rule_code,
        keys.on_date,
        keys.region_code,
        {{ first_ordered('cast(rule.rule_value as integer)', region_scope_rank('rule') ~ ' desc, rule.valid_from desc') }}
            filter (where rule.rule_value is not null) as rule_value
    from (select distinct rule_code, on_date, region_code from {{ keys }}) as keys
    left join {{ ref('punishment_rules') }} as rule
        on rule.rule_code = keys.rule_code
        and {{ rule_in_force('keys.on_date', 'rule') }}
        and {{ in_region_scope('keys.region_code', 'rule') }}
    group by keys.rule_code, keys.on_date, keys.region_code
{%- endmacro %}
