{#-
  "N 个工作日" in SQL, from the one calendar table (ref_calendar, generated from ground/workdays.py).
  The start day is not counted (also when it is a holiday): the due date is the working day whose workday_index is
  the start's index + N. A deadline is estimated when an estimated day lies in (start, due].
-#}
{% macro working_days_after(start, n) -%}
    (select due_day.calendar_date
     from {{ ref('ref_calendar') }} as due_day
     where due_day.is_working_day
       and due_day.workday_index = (select start_day.workday_index from {{ ref('ref_calendar') }} as start_day
                                    where start_day.calendar_date = cast({{ start }} as date)) + ({{ n }}))
{%- endmacro %}

{% macro working_days_after_is_estimated(start, n) -%}
    ((select due_day.estimate_index
      from {{ ref('ref_calendar') }} as due_day
      where due_day.is_working_day
        and due_day.workday_index = (select start_day.workday_index from {{ ref('ref_calendar') }} as start_day
                                     where start_day.calendar_date = cast({{ start }} as date)) + ({{ n }}))
     > (select start_day.estimate_index from {{ ref('ref_calendar') }} as start_day
        where start_day.calendar_date = cast({{ start }} as date)))
{%- endmacro %}

{#- Working days in (from, to]: how many working days `to` is past `from` (negative when before). -#}
{% macro working_days_between(from_date, to_date) -%}
    ((select to_day.workday_index from {{ ref('ref_calendar') }} as to_day
      where to_day.calendar_date = cast({{ to_date }} as date))
     - (select from_day.workday_index from {{ ref('ref_calendar') }} as from_day
        where from_day.calendar_date = cast({{ from_date }} as date)))
{%- endmacro %}

{#- The value of a punishment rule parameter (seed punishment_rules) in force on a date for a region: the most
    specific row whose region_scope covers the region (macros/region_scope.sql); null where no row applies. -#}
{% macro punishment_rule(rule_code, on_date, region_code='cast(null as varchar)') -%}
    (select first(cast(rule.rule_value as integer) order by {{ region_scope_rank('rule') }} desc, rule.valid_from desc)
        filter (where rule.rule_value is not null)
     from {{ ref('punishment_rules') }} as rule
     where rule.rule_code = '{{ rule_code }}'
       and {{ rule_in_force('cast(' ~ on_date ~ ' as date)', 'rule') }}
       and {{ in_region_scope(region_code, 'rule') }})
{%- endmacro %}
