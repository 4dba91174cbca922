{#-
  The records of one publication record type whose judgement the batches in scope, or the as-of dates in `window`,
  change (incremental_by_case.sql): the keys of int_publication__<record_type> and of pub_<record_type>, each reading
  it with its own scope and window. A record's row depends on:
  - its own versions received by the as-of date (every version: a later one is the one that counts);
  - the credit repairs naming it (every row: the models read each version as it is);
  - the disclosure holds naming it (every version of a hold with a version in scope: a correction may name another
    record);
  - penalties only: the penalty model and the list periods (int_lists__penalties, int_lists__list_periods: the keys
    their own batches change, as in their keys_of) — the penalty itself, the penalties a listing rests on, and, since
    the repeat-violation and "listed on the repair day" conditions read the enterprise's other penalties and
    listings, every penalty of the enterprises those rows name (every version's uscc: the old one too);
  - the date, when it moved: versions received, records dated, repairs decided or received, holds received, approved
    or ended, penalties revoked on a date in the window, and the penalties whose publicity ends in it (read from
    `dates_from`: 'this', the model's own rows before the build, or the judged model, rebuilt already — the same
    date for every record no other rule selects).
  `record_type`: 'penalties', 'licences' or 'inspections' (keyed by task_id/uscc, see publication_key).
  公示记录按记录（文号、许可编号、检查任务编号/主体）增量：新批次与截至日期变动所涉记录；处罚按主体扩散。
-#}
{% macro publication_keys(scope, window, record_type, dates_from=none) -%}
    {%- set in_scope = in_literals('_batch_id', scope or []) -%}
    {%- set between = (' between ' ~ window[0] ~ ' and ' ~ window[1]) if window else none -%}
    {%- set received_between = (' or cast(_received_at as date)' ~ between) if between else '' -%}
    {%- set repairs = ref('stg_landing__credit_repairs') -%}
    {%- set holds = ref('stg_landing__disclosure_holds') -%}
    {%- set record = {
        'penalties': {'relation': 'stg_landing__penalties', 'number': 'decision_number', 'date': 'decision_date'},
        'licences': {'relation': 'stg_landing__licences', 'number': 'licence_number', 'date': 'decision_date'},
        'inspections': {'relation': 'stg_landing__inspections', 'number': 'task_id', 'date': 'inspection_date'},
    }[record_type] -%}
    {%- set records = ref(record.relation) -%}
    with

    named as (

        select {{ publication_key(record_type, record.number) }} as key_value from {{ records }}
        where {{ in_scope }}{{ received_between }}{{ (' or ' ~ record.date ~ between) if between }}
        {%- if record_type != 'licences' %}
        union all
        select {{ publication_key(record_type, 'related_record_number') }} from {{ repairs }}
        where {{ in_scope }}{{ received_between }}{{ (' or decision_date' ~ between) if between }}
        {%- endif %}
        union all
        select {{ publication_key(record_type, 'record_number') }} from {{ holds }}
        where hold_id in (
            select hold_id from {{ holds }}
            where {{ in_scope }}{{ received_between }}
                {{- (' or approved_date' ~ between ~ ' or hold_end' ~ between) if between }}
        )

    )

    {%- if record_type == 'penalties' %}
    {%- set penalties = ref('int_lists__penalties') -%}
    {%- set objections = ref('stg_landing__objections') -%}
    {%- set abnormal = ref('stg_landing__abnormal_listings') -%}
    {%- set serious = ref('stg_landing__serious_listings') %},

    -- the decision numbers int_lists__penalties recomputes for the batches in scope
    counted as (

        select decision_number as decision_number from {{ records }} where {{ in_scope }}
        union all
        select related_record_number from {{ objections }}
        where objection_id in (select objection_id from {{ objections }} where {{ in_scope }})

    ),

    -- the list decisions int_lists__list_periods recomputes for them
    list_decisions as (

        select list_decision_number from {{ abnormal }} where {{ in_scope }}
        union all
        select list_decision_number from {{ serious }} where {{ in_scope }}
        union all
        select related_record_number from {{ repairs }}
        where application_id in (select application_id from {{ repairs }} where {{ in_scope }})
        union all
        select list_decision_number from {{ serious }}
        where related_penalty_number in (select decision_number from counted)

    ),

    listings as (

        select uscc, cast(null as string) as related_penalty_number from {{ abnormal }}
        where list_decision_number in (select list_decision_number from list_decisions)
        union all
        select uscc, related_penalty_number from {{ serious }}
        where list_decision_number in (select list_decision_number from list_decisions)

    ),

    enterprises as (

        select uscc from {{ records }} where decision_number in (select decision_number from counted)
        union all
        select enterprise_uscc from {{ penalties }} where decision_number in (select decision_number from counted)
        union all
        select uscc from listings

    )

    select key_value from named
    union all
    select decision_number from counted
    union all
    select related_penalty_number from listings
    union all
    select decision_number from {{ records }} where uscc in (select uscc from enterprises)
    {%- if between %}
    union all
    select decision_number from {{ penalties }} where revoked_on{{ between }}
    union all
    select decision_number
    from {{ this if dates_from == 'this' else ref(dates_from) }}
    where publicity_end{{ between }}
    {%- endif %}
    {%- else %}

    select key_value from named
    {%- endif %}
{%- endmacro %}


{#- The key of a record of `record_type` named by `number` (an inspection result is the task and the enterprise:
    task_id/uscc; never null). -#}
{% macro publication_key(record_type, number) -%}
    {%- if record_type == 'inspections' -%}
        concat_ws('/', {{ number }}, uscc)
    {%- else -%}
        {{ number }}
    {%- endif -%}
{%- endmacro %}
