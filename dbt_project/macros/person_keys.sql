{#- The staged relations whose rows int_linkage__person_enterprises links persons from, by uscc (its
    incremental_by_key, and the persons dim_person_keys selects). 人员关联的来源。 -#}
{% macro person_link_inputs() -%}
    {{ return(['stg_landing__registry_records', 'stg_landing__penalties', 'stg_landing__licences']) }}
{%- endmacro %}

{#-
  The persons (person_key) whose dim_person row the batches in scope change (incremental_by_case.sql; the model is
  dated 'whole': when the as-of date moved every person is recomputed, so `window` is not read). A person's row
  depends on:
  - the links of int_linkage__person_enterprises, which recomputes every link of an enterprise whose registry,
    penalty or licence rows the batches report;
  - the list periods of the linked enterprises (int_lists__list_periods: the list decisions its own `keys_of`
    derive from the batches, list_period_inputs), through the enterprise every staged version of the listing names.
  The persons of those enterprises, before and after the build: after, their links now; before, every person a
  staged record of theirs names (a staged row leaves only with a withdrawn batch, which recomputes everything, so
  every link the enterprise had is among them).
  人员维表按人员键增量：新批次所涉主体（登记、处罚、许可，及名单的列入决定）的人员，构建前后的都算。
-#}
{% macro dim_person_keys(scope, window) -%}
    {%- set link_inputs = person_link_inputs() -%}
    {%- set lists = list_period_inputs() -%}
    with

    list_decisions as (
        {%- for name in lists.staged %}
        {{ 'union all' if not loop.first }}
        {{ _changed_keys_of(name, lists.keys_of.get(name, {}), 'list_decision_number', scope or []) }}
        {%- endfor %}
    ),

    enterprises as (
        {%- for name in link_inputs %}
        {{ _changed_keys_of(name, {}, 'uscc', scope or []) }}
        union all
        {%- endfor %}
        select uscc from {{ ref('stg_landing__abnormal_listings') }}
        where list_decision_number in (select * from list_decisions)
        union all
        select uscc from {{ ref('stg_landing__serious_listings') }}
        where list_decision_number in (select * from list_decisions)
    )

    select person_key as key_value from {{ ref('int_linkage__person_enterprises') }}
    where uscc in (select uscc from enterprises)
    {%- for name in link_inputs %}
    union all
    select {{ person_key('legal_rep_id_number') }} from {{ ref(name) }}
    where uscc in (select uscc from enterprises)
    {%- endfor %}
{%- endmacro %}
