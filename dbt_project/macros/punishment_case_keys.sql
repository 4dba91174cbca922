{#-
  The cases (basis_number) of the joint-punishment chain whose rows the batches in scope, or the as-of dates in
  `window`, change (incremental_by_case.sql). A superset for every model of the chain, each reading it with its own
  scope. A case's rows depend on:
  - its own records, under its number: the penalty (decision_number), the listing (list_decision_number), the court
    judgment (document_number); the objections, credit repairs and feedback events naming it (related_record_number,
    basis_number: every version of a record with a version in scope, since a correction may name another case);
  - a listing's related penalty (revoked or re-reported: the listings naming it);
  - the enterprise's registry records (legal representative on the decision date, region): the cases of the
    enterprises the registry batches report;
  - the repeat-offender cases, which follow every new penalty, repair, objection and the date: all of them, the ones
    the model holds and the current ones;
  - the date, for a dated model: objections and repairs decided, feedback events dated, cases decided, measures
    ending or bases removed on a date in the window.
  `cases`: 'this' (int_punishment__bases itself) or 'bases'; `measures`: where natural_end and removal_date are read
  ('this', 'object_measures' or none); `old_cases`: how the model's own repeat-offender rows are found ('basis_type',
  or 'object_measure': rows whose object × measure is gone); `event_ids`: the model's key is an event id where no
  case is linked (mart_punishment_events), so the events naming a selected case are selected too.
  失信惩戒链按案件（事由文书号）增量：新批次与截至日期变动所涉案件。
-#}
{% macro punishment_case_keys(
    scope, window, cases='bases', measures=none, old_cases='basis_type', event_ids=false
) -%}
    {%- set in_scope = in_literals('_batch_id', scope or []) -%}
    {%- set penalties = ref('stg_landing__penalties') -%}
    {%- set objections = ref('stg_landing__objections') -%}
    {%- set repairs = ref('stg_landing__credit_repairs') -%}
    {%- set feedback = ref('stg_landing__punishment_feedback_events') -%}
    {%- set registry = ref('stg_landing__registry_records') -%}
    {%- set court = ref('stg_landing__court_judgments') -%}
    {%- set abnormal = ref('stg_landing__abnormal_listings') -%}
    {%- set serious = ref('stg_landing__serious_listings') -%}
    {%- set case_rows = this if cases == 'this' else ref('int_punishment__bases') -%}
    {%- set measure_rows = none if measures is none
        else (this if measures == 'this' else ref('int_punishment__object_measures')) -%}
    {%- set between = (' between ' ~ window[0] ~ ' and ' ~ window[1]) if window else none -%}
    with

    docs as (

        select decision_number as doc from {{ penalties }} where {{ in_scope }}
        union all
        select list_decision_number from {{ abnormal }} where {{ in_scope }}
        union all
        select list_decision_number from {{ serious }} where {{ in_scope }}
        union all
        select document_number from {{ court }} where {{ in_scope }}
        union all
        select related_record_number from {{ objections }}
        where objection_id in (
            select objection_id from {{ objections }}
            where {{ in_scope }}{{ (' or outcome_date' ~ between) if between }}
        )
        union all
        select related_record_number from {{ repairs }}
        where application_id in (
            select application_id from {{ repairs }}
            where {{ in_scope }}{{ (' or decision_date' ~ between) if between }}
        )
        union all
        select basis_number from {{ feedback }}
        where event_id in (
            select event_id from {{ feedback }}
            where {{ in_scope }}{{ (' or event_date' ~ between) if between }}
        )

    ),

    cases as (

        select doc as basis_number from docs
        union all
        select basis_number from {{ case_rows }}
        where related_penalty_number in (select doc from docs)
        union all
        select basis_number from {{ case_rows }}
        where uscc in (select uscc from {{ registry }} where {{ in_scope }})
        union all
        select basis_number from {{ case_rows }} where basis_type = 'repeat_offender'
        union all
        {%- if old_cases == 'basis_type' %}
        select basis_number from {{ this }} where basis_type = 'repeat_offender'
        {%- else %}
        select basis_number from {{ this }}
        where object_measure_id not in (
            select object_measure_id from {{ ref('int_punishment__object_measures') }}
        )
        {%- endif %}
        {%- if between %}
        union all
        select basis_number from {{ case_rows }} where decision_date{{ between }}
        {%- endif %}
        {%- if between and measure_rows is not none %}
        union all
        select basis_number from {{ measure_rows }}
        where natural_end{{ between }} or removal_date{{ between }}
        {%- endif %}

    )

    select basis_number as key_value from cases
    {%- if event_ids %}
    union all
    select event_id from {{ feedback }}
    where basis_number in (select basis_number from cases)
        or {{ in_scope }}{{ (' or event_date' ~ between) if between }}
    {%- endif %}
{%- endmacro %}
