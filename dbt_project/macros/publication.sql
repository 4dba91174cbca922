{#- Helpers shared by the publication models (models/intermediate/publication). -#}

{#- Each disclosure hold's latest version received by the as-of date (a release is the same hold id re-sent with its
    hold_end). The one reading of the holds feed: int_publication__holds (holds in force) and hold_releases_for
    (holds already released) both select from it. -#}
{% macro latest_holds() -%}
    select *
    from {{ ref('stg_landing__disclosure_holds') }}
    where {{ received_by() }}
    qualify {{ latest_version('hold_id') }}
{%- endmacro %}

{#- Disclosure holds in force for one record type: record_number (+ uscc) → hold_id. -#}
{% macro holds_for(record_type) -%}
    select holds.record_number, holds.uscc, min(holds.hold_id) as hold_id
    from {{ ref('int_publication__holds') }} as holds
    inner join {{ ref('ref_publication_record_types') }} as record_types
        on holds.record_label = record_types.record_label
    where record_types.record_type = '{{ record_type }}'
    group by holds.record_number, holds.uscc
{%- endmacro %}

{#- Disclosure holds of one record type released by the as-of date: record_number, uscc, approved_date, hold_end.
    A record held when it first reached the publication job is published from the release (see the models). -#}
{% macro hold_releases_for(record_type) -%}
    select holds.record_number, holds.uscc, holds.approved_date, holds.hold_end
    from ({{ latest_holds() }}) as holds
    inner join {{ ref('ref_publication_record_types') }} as record_types
        on holds.record_type = record_types.record_label
    where record_types.record_type = '{{ record_type }}'
        and holds.approved_date <= {{ as_of_date() }}
        and holds.hold_end <= {{ as_of_date() }}
{%- endmacro %}

{#- The day each record of `records` (a relation with first_received_date and `record_date`) was actually published:
    the day it first reached the publication job, never before its own date; a record held (不予公示标记) on that
    day and released later is published from the release (hold_end). Publicity periods and repair waiting periods
    count from this day. Holds approved after publication began withhold the record meanwhile (holds_for) but do not
    move its start. `key` names the record's key columns; the first is the hold's record_number, `uscc` (when in
    the key) must match too. -#}
{% macro publication_starts(records, key, record_date, record_type) -%}
    {%- set first_day = 'greatest(records.first_received_date, records.' ~ record_date ~ ')' -%}
    select
        {% for column in key %}records.{{ column }}, {% endfor %}
        greatest({{ first_day }}, max(releases.hold_end)) as publicity_start
    from {{ records }} as records
    left join ({{ hold_releases_for(record_type) }}) as releases
        on records.{{ key[0] }} = releases.record_number
        {% if 'uscc' in key %}and records.uscc = releases.uscc{% endif %}
        and releases.approved_date <= {{ first_day }}
        and {{ first_day }} < releases.hold_end
    group by {% for column in key %}records.{{ column }}, {% endfor %}records.first_received_date, records.{{ record_date }}
{%- endmacro %}

{#- The credit-repair tier of each (record_key, on_date) of `facts`, a relation with: record_key, on_date,
    is_short_period, penalty_types (list), domain_code, domain_rule_id, basis_list_types (list), inspection_result
    (null where a record type has no such fact). The rows of rule_credit_repair_tier_members in force on on_date
    that match, the heaviest tier (severity) in force wins; a short-period penalty (Order 45 art. 13) is matched as a
    whole, not type by type. Gives tier_code, tier_label, repairable, repair_wait_months, publicity_cap_months. -#}
{% macro repair_tiers_on(facts, record_type) -%}
    select
        facts.record_key,
        facts.on_date,
        tiers.tier_code,
        tiers.tier_label,
        tiers.repairable,
        tiers.repair_wait_months,
        tiers.publicity_cap_months
    from {{ facts }} as facts
    inner join {{ ref('rule_credit_repair_tier_members') }} as members
        on members.record_type = '{{ record_type }}'
        and {{ rule_in_force('facts.on_date', 'members') }}
        and case members.match_on
            when 'all' then true
            when 'short_period' then facts.is_short_period
            when 'penalty_type' then not facts.is_short_period and {{ list_has('facts.penalty_types', 'members.match_value') }}
            when 'domain_code' then facts.domain_code = members.match_value
            when 'domain_rule_id' then facts.domain_rule_id = members.match_value
            when 'list_basis' then {{ list_has('facts.basis_list_types', 'members.match_value') }}
            when 'inspection_result' then facts.inspection_result = members.match_value
            else false
        end
    inner join {{ ref('rule_credit_repair_tiers') }} as tiers
        on members.tier_code = tiers.tier_code
        and {{ rule_in_force('facts.on_date', 'tiers') }}
    qualify row_number() over (
            partition by facts.record_key, facts.on_date
            order by tiers.severity desc, tiers.tier_code
        ) = 1
{%- endmacro %}

{#- The first condition (rule_credit_repair_conditions, in force on the repair's decision date, in check_order) that
    an approved repair of `facts` fails; a repair absent from the result stops publicity. `facts`: application_id,
    repair_date, early_stop_barred, tier_repairable, waiting_over, repeat_violation, listed_types (list of list_type
    the subject was on at the repair date). Conditions only the deciding authority can check are not evaluated. -#}
{% macro repair_refusals(facts, record_type) -%}
    select
        facts.application_id,
        {{ first_ordered('conditions.rule_code', 'conditions.check_order, conditions.rule_code') }}
            filter (where conditions.rule_code is not null and conditions.check_order is not null) as refused_by,
        {{ first_ordered('conditions.display_reason', 'conditions.check_order, conditions.rule_code') }}
            filter (where conditions.display_reason is not null and conditions.check_order is not null) as refused_reason
    from {{ facts }} as facts
    inner join {{ ref('rule_credit_repair_conditions') }} as conditions
        on conditions.record_type = '{{ record_type }}'
        and conditions.checked_by = 'warehouse'
        and {{ rule_in_force('facts.repair_date', 'conditions') }}
        and case conditions.condition
            when 'barred_type' then coalesce(facts.early_stop_barred, false)
            when 'tier_not_repairable' then not coalesce(facts.tier_repairable, false)
            when 'waiting_period' then not coalesce(facts.waiting_over, false)
            when 'repeat_violation' then coalesce(facts.repeat_violation, false)
            when 'on_list' then coalesce({{ list_has('facts.listed_types', 'conditions.list_type') }}, false)
            else false
        end
    group by facts.application_id
{%- endmacro %}
