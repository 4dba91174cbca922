{#-
  SQL that differs between the engines the project runs on, one macro per construct (adapter.dispatch): `default__`
  is DuckDB's form (the embedded default; its SQL is exactly what the models wrote before), `spark__` is Apache Spark's
  (dbt-spark; docs/stack.md, "Apache Spark"). A model never carries a copy per engine: it calls these. dbt's own
  cross-database macros are used where they are exact on both; they are not for these: dbt.dateadd returns a timestamp
  on Spark, dbt.listagg drops the order on Spark.
  Spark's string literals are read without backslash escapes (spark.sql.parser.escapedStringLiterals, profiles.yml),
  as DuckDB reads them, so a regular expression is written once.
  引擎差异的 SQL（DuckDB 与 Spark）：每种写法一个分派宏，模型只调用宏，不按引擎复制模型。
-#}

{#- `union all by name` (DuckDB); Spark has no by-name union: there both sides must list the same columns in the
    same order. -#}
{% macro union_all_by_name() -%}
    {{ return(adapter.dispatch('union_all_by_name', 'creditwh')()) }}
{%- endmacro %}
{% macro default__union_all_by_name() -%}union all by name{%- endmacro %}
{% macro spark__union_all_by_name() -%}union all{%- endmacro %}


{#- SHA-256 of a text, as lower-case hex. -#}
{% macro sha256_hex(text) -%}
    {{ return(adapter.dispatch('sha256_hex', 'creditwh')(text)) }}
{%- endmacro %}
{% macro default__sha256_hex(text) -%}sha256({{ text }}){%- endmacro %}
{% macro spark__sha256_hex(text) -%}sha2({{ text }}, 256){%- endmacro %}


{#- Replace every match of a regular expression (DuckDB replaces the first only without the 'g' flag; Spark always
    replaces all, and its fourth argument is a position). A group in the replacement is written `\1` (DuckDB's form);
    Spark's is `$1`. -#}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'creditwh')(text, pattern, replacement)) }}
{%- endmacro %}
{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}
{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement | replace('\\', '$') }})
{%- endmacro %}


{#- An interval of `n` years, months or days, to add to or subtract from a date: `d + {{ months_interval(n) }}`.
    DuckDB: to_years / to_months / to_days; Spark: a calendar interval (make_interval), which keeps a date a date. -#}
{% macro years_interval(n) -%}
    {{ return(adapter.dispatch('years_interval', 'creditwh')(n)) }}
{%- endmacro %}
{% macro default__years_interval(n) -%}to_years({{ n }}){%- endmacro %}
{% macro spark__years_interval(n) -%}make_interval(cast({{ n }} as int), 0, 0, 0){%- endmacro %}

{% macro months_interval(n) -%}
    {{ return(adapter.dispatch('months_interval', 'creditwh')(n)) }}
{%- endmacro %}
{% macro default__months_interval(n) -%}to_months({{ n }}){%- endmacro %}
{% macro spark__months_interval(n) -%}make_interval(0, cast({{ n }} as int), 0, 0){%- endmacro %}

{% macro days_interval(n) -%}
    {{ return(adapter.dispatch('days_interval', 'creditwh')(n)) }}
{%- endmacro %}
{% macro default__days_interval(n) -%}to_days({{ n }}){%- endmacro %}
{% macro spark__days_interval(n) -%}make_interval(0, 0, 0, cast({{ n }} as int)){%- endmacro %}


{#- A date as text in a strftime pattern (%Y, %m, %d and literal characters); Spark formats with Java's patterns. -#}
{% macro format_date(value, pattern) -%}
    {{ return(adapter.dispatch('format_date', 'creditwh')(value, pattern)) }}
{%- endmacro %}
{% macro default__format_date(value, pattern) -%}strftime({{ value }}, '{{ pattern }}'){%- endmacro %}
{% macro spark__format_date(value, pattern) -%}
    date_format({{ value }}, '{{ pattern | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd') }}')
{%- endmacro %}


{#- string_agg(value, separator order by …) — the values of a group joined in a stated order; null for no value.
    `order_by`: a list of ascending sort expressions (default: the value itself); `distinct`: each value once (then
    the order is the value's); `where`: the aggregate's filter. Spark: the collected values (or (key…, value) structs)
    sorted and joined — its listagg(…) within group fails inside Spark 4.3 on some plans (a ClassCastException in
    ListAgg); keys with nulls sort first there, last on DuckDB. -#}
{% macro ordered_string_agg(value, separator, order_by=none, distinct=false, where=none) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'creditwh')(value, separator, order_by, distinct, where)) }}
{%- endmacro %}
{% macro default__ordered_string_agg(value, separator, order_by, distinct, where) -%}
    {%- set keys = [value] if order_by is none else ([order_by] if order_by is string else order_by) -%}
    string_agg({{ 'distinct ' if distinct }}{{ value }}, {{ separator }} order by {{ keys | join(', ') }})
    {%- if where %} filter (where {{ where }}){% endif -%}
{%- endmacro %}
{% macro spark__ordered_string_agg(value, separator, order_by, distinct, where) -%}
    {%- set keys = [] if order_by is none else ([order_by] if order_by is string else order_by) -%}
    {%- set condition = value ~ ' is not null' ~ ((' and (' ~ where ~ ')') if where else '') -%}
    {%- if distinct or not keys -%}
        {%- set collected = ('collect_set' if distinct else 'collect_list') ~ '(' ~ value ~ ') filter (where ' ~ condition ~ ')' -%}
        {%- set sorted = 'array_sort(' ~ collected ~ ')' -%}
    {%- else -%}
        {%- set fields = [] -%}
        {%- for key in keys %}{% do fields.append("'k" ~ loop.index ~ "', " ~ key) %}{% endfor -%}
        {%- set collected = 'collect_list(named_struct(' ~ fields | join(', ') ~ ", 'v', " ~ value ~ ')) filter (where ' ~ condition ~ ')' -%}
        {%- set sorted = 'transform(array_sort(' ~ collected ~ '), s -> s.v)' -%}
    {%- endif -%}
    case when size({{ sorted }}) > 0 then array_join({{ sorted }}, {{ separator }}) end
{%- endmacro %}


{#- first(value order by …): the value on the first row of the group in the stated order (null values included).
    `order_by`: a list of sort expressions, each optionally followed by ` desc` (Spark: min_by / max_by over the keys as
    one struct, compared field by field; where directions are mixed, the descending keys must be numbers). Keys must not be null: DuckDB
    sorts nulls last both ways, Spark's struct comparison puts them first. -#}
{% macro first_ordered(value, order_by) -%}
    {{ return(adapter.dispatch('first_ordered', 'creditwh')(value, order_by)) }}
{%- endmacro %}
{% macro default__first_ordered(value, order_by) -%}
    first({{ value }} order by {{ ([order_by] if order_by is string else order_by) | join(', ') }})
{%- endmacro %}
{% macro spark__first_ordered(value, order_by) -%}
    {#- a string lists the keys separated by commas (outside parentheses) -#}
    {%- set keys = modules.re.split(',\\s*(?![^()]*\\))', order_by) if order_by is string else order_by -%}
    {%- set flags = [] -%}
    {%- for key in keys %}{% do flags.append(modules.re.search('(?i)\\sdesc$', key.strip()) is not none) %}{% endfor -%}
    {%- set descending = flags | select | list | length -%}
    {%- set mixed = descending not in (0, keys | length) -%}
    {%- set bare = [] -%}
    {%- for key in keys -%}
        {%- set expression = modules.re.sub('(?is)\\s+(desc|asc)$', '', key.strip()) -%}
        {#- mixed directions: a descending key is negated (it must be a number), the rest ascend -#}
        {%- do bare.append(('-(' ~ expression ~ ')') if mixed and flags[loop.index0] else expression) -%}
    {%- endfor -%}
    {{ 'max_by' if descending and not mixed else 'min_by' }}({{ value }}, struct({{ bare | join(', ') }}))
{%- endmacro %}


{#- One row per value of a series, in a select list: `select {{ series_rows(start, stop, step) }} as x` — the
    integers start … stop (both included) or, with `step` an interval (`interval 1 month`), the dates. DuckDB:
    unnest(generate_series(…)); Spark: explode(sequence(…)). -#}
{% macro series_rows(start, stop, step=none) -%}
    {{ return(adapter.dispatch('series_rows', 'creditwh')(start, stop, step)) }}
{%- endmacro %}
{% macro default__series_rows(start, stop, step) -%}
    unnest(generate_series({{ start }}, {{ stop }}{{ (', ' ~ step) if step }}))
{%- endmacro %}
{% macro spark__series_rows(start, stop, step) -%}
    explode(sequence({{ start }}, {{ stop }}{{ (', ' ~ step) if step }}))
{%- endmacro %}


{#- count(distinct (a, b, …)): how many distinct combinations (a row of nulls counts, as one). -#}
{% macro count_distinct_tuples(columns) -%}
    {{ return(adapter.dispatch('count_distinct_tuples', 'creditwh')(columns)) }}
{%- endmacro %}
{% macro default__count_distinct_tuples(columns) -%}count(distinct row({{ columns | join(', ') }})){%- endmacro %}
{% macro spark__count_distinct_tuples(columns) -%}count(distinct struct({{ columns | join(', ') }})){%- endmacro %}


{#- The materialization of a model built incrementally by landed batch (macros/landed_batches.sql): DuckDB deletes and
    inserts by batch; dbt-spark has no delete+insert strategy (and Parquet tables no DELETE), so on Spark the model is
    rebuilt as a table on every run for now. -#}
{% macro by_batch_materialization() -%}
    {{ return(adapter.dispatch('by_batch_materialization', 'creditwh')()) }}
{%- endmacro %}
{% macro default__by_batch_materialization() -%}{{ return('incremental') }}{%- endmacro %}
{% macro spark__by_batch_materialization() -%}{{ return('table') }}{%- endmacro %}


{#- The keyword of a star that leaves columns out: `t.* {{ star_except() }} (a, b)` (DuckDB: exclude; Spark: except). -#}
{% macro star_except() -%}
    {{ return(adapter.dispatch('star_except', 'creditwh')()) }}
{%- endmacro %}
{% macro default__star_except() -%}exclude{%- endmacro %}
{% macro spark__star_except() -%}except{%- endmacro %}


{#- Lists (DuckDB) and arrays (Spark). `list_of(value)`: the group's values as a list (`distinct=true`: each once, in
    no stated order); `list_has(list, value)`; `string_list_type()`: the type of a list of text. -#}
{% macro list_of(value, distinct=false) -%}
    {{ return(adapter.dispatch('list_of', 'creditwh')(value, distinct)) }}
{%- endmacro %}
{% macro default__list_of(value, distinct) -%}list({{ 'distinct ' if distinct }}{{ value }}){%- endmacro %}
{% macro spark__list_of(value, distinct) -%}{{ 'collect_set' if distinct else 'collect_list' }}({{ value }}){%- endmacro %}

{% macro list_has(list, value) -%}
    {{ return(adapter.dispatch('list_has', 'creditwh')(list, value)) }}
{%- endmacro %}
{% macro default__list_has(list, value) -%}list_contains({{ list }}, {{ value }}){%- endmacro %}
{% macro spark__list_has(list, value) -%}array_contains({{ list }}, {{ value }}){%- endmacro %}

{% macro string_list_type() -%}
    {{ return(adapter.dispatch('string_list_type', 'creditwh')()) }}
{%- endmacro %}
{% macro default__string_list_type() -%}string[]{%- endmacro %}
{% macro spark__string_list_type() -%}array<string>{%- endmacro %}


{#- The group's first `n` rows in the order of `order_by` (one sort key, ascending, never null), among the rows where
    `where` holds, as a list of structs of `fields` (a dict: name → expression); null for none. Read a field's values
    with `list_field_joined`. DuckDB keeps the `n` smallest per group (`min_by(struct, row(key, struct), n)`: rows tied
    on the key are taken in the order of the struct, a total order) — one hash aggregate for all the fields, no sort
    of the rows (a window over the 6.7 M candidate rows of the 5 M inspection plan took 10.5 s, one such aggregate
    per field 4.2 s); Spark sorts each group's collected structs, the key their first field, and slices. `n` must be
    constant within the group. -#}
{% macro first_n_rows(fields, order_by, n, where=none) -%}
    {{ return(adapter.dispatch('first_n_rows', 'creditwh')(fields, order_by, n, where)) }}
{%- endmacro %}
{% macro default__first_n_rows(fields, order_by, n, where) -%}
    {%- set value = struct_of(fields) -%}
    min_by({{ value }}, row({{ order_by }}, {{ value }}), {{ n }})
    {{- ' filter (where ' ~ where ~ ')' if where }}
{%- endmacro %}
{% macro spark__first_n_rows(fields, order_by, n, where) -%}
    {%- set keyed = {'sort_key': order_by} -%}
    {%- do keyed.update(fields) -%}
    {%- set collected = 'collect_list(' ~ struct_of(keyed) ~ ')' ~ (' filter (where ' ~ where ~ ')' if where else '') -%}
    case when size({{ collected }}) > 0 then slice(array_sort({{ collected }}), 1, {{ n }}) end
{%- endmacro %}

{#- One field of a list of structs (`first_n_rows`), its values joined with `separator` in the list's order;
    `distinct_sorted=true`: once each, sorted. Null for a null list. -#}
{% macro list_field_joined(list, field, separator, distinct_sorted=false) -%}
    {%- set values = list_map(list, 'r', struct_field('r', field)) -%}
    {{ return(adapter.dispatch('list_field_joined', 'creditwh')(values, separator, distinct_sorted)) }}
{%- endmacro %}
{% macro default__list_field_joined(values, separator, distinct_sorted) -%}
    array_to_string({{ 'list_sort(list_distinct(' ~ values ~ '))' if distinct_sorted else values }}, {{ separator }})
{%- endmacro %}
{% macro spark__list_field_joined(values, separator, distinct_sorted) -%}
    array_join({{ 'array_sort(array_distinct(' ~ values ~ '))' if distinct_sorted else values }}, {{ separator }})
{%- endmacro %}


{#- A text split at a separator, one row per part, as a relation to join: `cross join {{ split_rows(…) }}`
    (`alias (column)`). Spark: a lateral explode; its split takes a regular expression, so the separator is quoted. -#}
{% macro split_rows(text, separator, alias, column) -%}
    {{ return(adapter.dispatch('split_rows', 'creditwh')(text, separator, alias, column)) }}
{%- endmacro %}
{% macro default__split_rows(text, separator, alias, column) -%}
    unnest(string_split({{ text }}, '{{ separator }}')) as {{ alias }} ({{ column }})
{%- endmacro %}
{% macro spark__split_rows(text, separator, alias, column) -%}
    lateral (select explode(split({{ text }}, '\Q{{ separator }}\E')) as {{ column }}) as {{ alias }}
{%- endmacro %}



{#- A CTE's evaluation hint, `name as {{ cte_hint(true) }} (…)`: DuckDB's `materialized` (computed once) or
    `not materialized` (inlined into every reader); Spark has no such hint (its optimiser decides). DuckDB materialises
    every CTE read more than once, an import CTE of a table too (a copy of it before the query starts): where that
    copy was measured to cost, the import CTE is written `cte_hint(false)` (docs/stack.md, "CTEs DuckDB would copy").
    -#}
{% macro cte_hint(materialized) -%}
    {{ return(adapter.dispatch('cte_hint', 'creditwh')(materialized)) }}
{%- endmacro %}
{% macro default__cte_hint(materialized) -%}{{ '' if materialized else 'not ' }}materialized{%- endmacro %}
{% macro spark__cte_hint(materialized) -%}{%- endmacro %}


{#- Regular expressions: `regexp_search` — does the pattern match anywhere in the text; `regexp_full_match` — does
    it match the whole text. (Patterns are RE2 on DuckDB, java.util.regex on Spark: keep to their common part.) -#}
{% macro regexp_search(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_search', 'creditwh')(text, pattern)) }}
{%- endmacro %}
{% macro default__regexp_search(text, pattern) -%}regexp_matches({{ text }}, {{ pattern }}){%- endmacro %}
{% macro spark__regexp_search(text, pattern) -%}regexp_like({{ text }}, {{ pattern }}){%- endmacro %}

{% macro regexp_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'creditwh')(text, pattern)) }}
{%- endmacro %}
{% macro default__regexp_full_match(text, pattern) -%}regexp_full_match({{ text }}, {{ pattern }}){%- endmacro %}
{% macro spark__regexp_full_match(text, pattern) -%}regexp_like({{ text }}, concat('^(?:', {{ pattern }}, ')$')){%- endmacro %}


{#- Every match of a pattern with groups, as a list of structs with one named field per group:
    `regexp_matches_as_structs(text, "'《([^《》]+)》([^《]*)'", ['law', 'tail'])`. -#}
{% macro regexp_matches_as_structs(text, pattern, names) -%}
    {{ return(adapter.dispatch('regexp_matches_as_structs', 'creditwh')(text, pattern, names)) }}
{%- endmacro %}
{% macro default__regexp_matches_as_structs(text, pattern, names) -%}
    regexp_extract_all({{ text }}, {{ pattern }}, [{% for name in names %}'{{ name }}'{{ ', ' if not loop.last }}{% endfor %}])
{%- endmacro %}
{% macro spark__regexp_matches_as_structs(text, pattern, names) -%}
    {%- if names | length != 2 -%}
        {{ exceptions.raise_compiler_error('regexp_matches_as_structs: two groups on Spark, not ' ~ names | length) }}
    {%- endif -%}
    zip_with(
        regexp_extract_all({{ text }}, {{ pattern }}, 1),
        regexp_extract_all({{ text }}, {{ pattern }}, 2),
        (first_group, second_group) -> named_struct('{{ names[0] }}', first_group, '{{ names[1] }}', second_group)
    )
{%- endmacro %}

{#- A struct of named fields, `fields` a mapping name → expression (in its order): one value carrying several
    columns, e.g. both halves of a row's identity out of one ordered aggregate instead of one aggregate each (each
    keeps its own sort key per group: int_registry__enterprises at 10 M, ~15 → ~11.5 s). Read with struct_field. -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of', 'creditwh')(fields)) }}
{%- endmacro %}
{% macro default__struct_of(fields) -%}
    struct_pack({% for name, expression in fields.items() %}{{ name }} := {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
{% macro spark__struct_of(fields) -%}
    named_struct({% for name, expression in fields.items() %}'{{ name }}', {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- A field of a struct. -#}
{% macro struct_field(struct, name) -%}
    {{ return(adapter.dispatch('struct_field', 'creditwh')(struct, name)) }}
{%- endmacro %}
{% macro default__struct_field(struct, name) -%}struct_extract({{ struct }}, '{{ name }}'){%- endmacro %}
{% macro spark__struct_field(struct, name) -%}{{ struct }}.{{ name }}{%- endmacro %}

{#- A list's items as rows with their 1-based position, in a select list: `select …, {{ unnest_with_position(l,
    'item', 'position') }} from …` gives the columns item and position. -#}
{% macro unnest_with_position(list, item, position) -%}
    {{ return(adapter.dispatch('unnest_with_position', 'creditwh')(list, item, position)) }}
{%- endmacro %}
{% macro default__unnest_with_position(list, item, position) -%}
    unnest({{ list }}) as {{ item }},
        generate_subscripts({{ list }}, 1) as {{ position }}
{%- endmacro %}
{% macro spark__unnest_with_position(list, item, position) -%}
    inline(transform({{ list }}, (x, i) -> named_struct('{{ item }}', x, '{{ position }}', i + 1)))
{%- endmacro %}

{#- Each item of a list mapped by an expression of `variable`: `list_map('l', 'x', 'x + 1')`. -#}
{% macro list_map(list, variable, expression) -%}
    {{ return(adapter.dispatch('list_map', 'creditwh')(list, variable, expression)) }}
{%- endmacro %}
{% macro default__list_map(list, variable, expression) -%}
    list_transform({{ list }}, lambda {{ variable }}: {{ expression }})
{%- endmacro %}
{% macro spark__list_map(list, variable, expression) -%}
    transform({{ list }}, {{ variable }} -> {{ expression }})
{%- endmacro %}

{#- Text functions named differently: the 1-based position of a text in another (0: absent); starts with. -#}
{% macro text_position(text, part) -%}
    {{ return(adapter.dispatch('text_position', 'creditwh')(text, part)) }}
{%- endmacro %}
{% macro default__text_position(text, part) -%}strpos({{ text }}, {{ part }}){%- endmacro %}
{% macro spark__text_position(text, part) -%}instr({{ text }}, {{ part }}){%- endmacro %}

{% macro text_starts_with(text, prefix) -%}
    {{ return(adapter.dispatch('text_starts_with', 'creditwh')(text, prefix)) }}
{%- endmacro %}
{% macro default__text_starts_with(text, prefix) -%}starts_with({{ text }}, {{ prefix }}){%- endmacro %}
{% macro spark__text_starts_with(text, prefix) -%}startswith({{ text }}, {{ prefix }}){%- endmacro %}


{#- A text as a date, trying strftime patterns (%Y, %m, %d and literal characters) in turn; null when none fits.
    Spark: to_date with the Java pattern (M and d: one or two digits), null on failure (dbt-spark turns ANSI off). -#}
{% macro parse_date_formats(text, patterns) -%}
    {{ return(adapter.dispatch('parse_date_formats', 'creditwh')(text, patterns)) }}
{%- endmacro %}
{% macro default__parse_date_formats(text, patterns) -%}
    cast(try_strptime({{ text }}, [{% for p in patterns %}'{{ p }}'{{ ', ' if not loop.last }}{% endfor %}]) as date)
{%- endmacro %}
{% macro spark__parse_date_formats(text, patterns) -%}
    coalesce({% for p in patterns %}to_date({{ text }}, '{{ p | replace('%Y', 'yyyy') | replace('%m', 'M') | replace('%d', 'd') }}'){{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The text of a JSON object's member (by a key expression), as text. -#}
{% macro json_member_text(json, key) -%}
    {{ return(adapter.dispatch('json_member_text', 'creditwh')(json, key)) }}
{%- endmacro %}
{% macro default__json_member_text(json, key) -%}json_extract_string({{ json }}, '$."' || {{ key }} || '"'){%- endmacro %}
{% macro spark__json_member_text(json, key) -%}get_json_object({{ json }}, concat('$[', chr(39), {{ key }}, chr(39), ']')){%- endmacro %}


{#- How many month boundaries lie between two dates (DuckDB's datediff('month', a, b): 2024-01-31 → 2024-02-01 is 1).
    Spark's datediff(MONTH, …) counts whole months instead: there the months are counted from year and month. -#}
{% macro month_boundaries_between(start, stop) -%}
    {{ return(adapter.dispatch('month_boundaries_between', 'creditwh')(start, stop)) }}
{%- endmacro %}
{% macro default__month_boundaries_between(start, stop) -%}datediff('month', {{ start }}, {{ stop }}){%- endmacro %}
{% macro spark__month_boundaries_between(start, stop) -%}
    ((year({{ stop }}) * 12 + month({{ stop }})) - (year({{ start }}) * 12 + month({{ start }})))
{%- endmacro %}


{#- Text from a template with `{}` placeholders and the values to put in them (DuckDB's format; Spark's format_string
    with %s). `template`: SQL text of the template (literals, possibly joined with ||); `values`: SQL expressions. -#}
{% macro format_text(template, values) -%}
    {{ return(adapter.dispatch('format_text', 'creditwh')(template, values)) }}
{%- endmacro %}
{% macro default__format_text(template, values) -%}format({{ template }}, {{ values | join(', ') }}){%- endmacro %}
{% macro spark__format_text(template, values) -%}
    format_string({{ template | replace('%', '%%') | replace('{}', '%s') }}, {{ values | join(', ') }})
{%- endmacro %}


{#- The days from one date to another (a bigint; `stop - start` on DuckDB, an interval on Spark). -#}
{% macro days_between(start, stop) -%}
    {{ return(adapter.dispatch('days_between', 'creditwh')(start, stop)) }}
{%- endmacro %}
{% macro default__days_between(start, stop) -%}{{ stop }} - {{ start }}{%- endmacro %}
{% macro spark__days_between(start, stop) -%}cast(datediff({{ stop }}, {{ start }}) as bigint){%- endmacro %}


{#- "The right-hand row in force at the left row's date": DuckDB's ASOF LEFT JOIN (fast at 10 M rows), written
    `from l {{ asof_left_join() }} r on l.key = r.key and l.date >= r.date … {{ asof_keep_latest(l_key, r.date) }}`.
    Spark has no ASOF join: there it is a range join (every right row at or before the date) of which the latest is
    kept per left row — `left_key`, the columns that identify a left row (unique there), and `right_date`, the right
    side's date (unique per join key, so that the row kept is the one DuckDB's ASOF join takes). Left rows without a
    match keep one row with nulls on both engines. -#}
{% macro asof_left_join() -%}
    {{ return(adapter.dispatch('asof_left_join', 'creditwh')()) }}
{%- endmacro %}
{% macro default__asof_left_join() -%}asof left join{%- endmacro %}
{% macro spark__asof_left_join() -%}left join{%- endmacro %}

{% macro asof_keep_latest(left_key, right_date) -%}
    {{ return(adapter.dispatch('asof_keep_latest', 'creditwh')(left_key, right_date)) }}
{%- endmacro %}
{% macro default__asof_keep_latest(left_key, right_date) -%}{%- endmacro %}
{% macro spark__asof_keep_latest(left_key, right_date) -%}
    qualify row_number() over (partition by {{ left_key | join(', ') }} order by {{ right_date }} desc) = 1
{%- endmacro %}


{#- Rows whose columns, together, are among a relation's: `where {{ columns_in(['a', 'b'], 'r') }}` (the relation has
    the same columns). DuckDB compares one row value with the subquery's row values; Spark's IN takes the subquery's
    columns as they are. -#}
{% macro columns_in(columns, relation) -%}
    {{ return(adapter.dispatch('columns_in', 'creditwh')(columns, relation)) }}
{%- endmacro %}
{% macro default__columns_in(columns, relation) -%}
    ({{ columns | join(', ') }}) in (select ({{ columns | join(', ') }}) from {{ relation }})
{%- endmacro %}
{% macro spark__columns_in(columns, relation) -%}
    ({{ columns | join(', ') }}) in (select {{ columns | join(', ') }} from {{ relation }})
{%- endmacro %}


{#- A date at a time of day given as text ('HH:MM:SS', also 'HH:MM' and fractions of a second), as a timestamp;
    midnight when the text is missing or not a time. DuckDB adds the text cast to TIME; Spark 4.3 has no TIME type
    (behind a flag), so there the date and the text are read together as a timestamp, after checking that the text is
    a time of day only (a cast to timestamp would also take a zone or a date). -#}
{% macro date_at_time_text(day, text) -%}
    {{ return(adapter.dispatch('date_at_time_text', 'creditwh')(day, text)) }}
{%- endmacro %}
{% macro default__date_at_time_text(day, text) -%}
    {{ day }} + coalesce(try_cast({{ text }} as time), time '00:00:00')
{%- endmacro %}
{% macro spark__date_at_time_text(day, text) -%}
    coalesce(
        case when {{ text }} rlike '^[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?$'
            then try_cast(concat(cast({{ day }} as string), ' ', {{ text }}) as timestamp) end,
        cast({{ day }} as timestamp)
    )
{%- endmacro %}


{#- Texts joined end to end, a null part left out (DuckDB's concat; Spark's concat is null when any part is):
    `{{ concat_text(["name", "'：'", "detail"]) }}` — each part an SQL expression. Spark: concat_ws with an empty
    separator over the parts as text (a number's text can differ between the engines in exponent form: keep to parts
    that are text, dates or plain amounts). -#}
{% macro concat_text(parts) -%}
    {{ return(adapter.dispatch('concat_text', 'creditwh')(parts)) }}
{%- endmacro %}
{% macro default__concat_text(parts) -%}concat({{ parts | join(', ') }}){%- endmacro %}
{% macro spark__concat_text(parts) -%}
    concat_ws('', {% for part in parts %}cast({{ part }} as string){{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
