{#- The combination of the given columns is unique (dbt_utils has the same test; this project installs no packages).
    A failing row: one combination that occurs more than once, with its count. Nulls are equal to each other, as in
    `group by`. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ adapter.dispatch('unique_combination_of_columns_failures', 'creditwh')(model, combination_of_columns) }}
{% endtest %}
