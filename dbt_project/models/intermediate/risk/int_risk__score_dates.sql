-- 分类日：as_of_date（当月），以及此前 score_history_months 个月的月末（按各月末有效的规则、当日之前的记录计算）。
-- 全量重建时每个分类日为全部企业计算：--full-refresh，月度快照或其已计入批次表尚不存在，as_of_date 早于快照中已算到
-- 的日期，已计入的批次有的不再是已提交批次（台账撤回：其记录涉及哪些企业已无从得知），或月度快照尚无上月类别一列
-- （较早的版式）。
-- 增量构建（docs/risk.md“增量构建”）时：as_of_date 与尚未按月末算过的月份为全部企业计算（跨月后补上月末），其余
-- 月末只为变更集（int_risk__changed_enterprises）中的企业重算（changed_only）。10 M 企业的日常构建只算一遍当日。
-- 同一分类日的再次构建（当日的每日释放或此前的构建已为全部企业算出 as_of_date，且规则表与模型未改：已计入批次表记有
-- 分类日与输入指纹）as_of_date 也只为变更集重算。
-- depends_on: {{ ref('stg_landing__batches') }}

{%- set monthly = adapter.get_relation(database=target.database, schema=target.schema,
                                        identifier='mart_credit_risk_monthly') if execute else none %}
{%- set processed = risk_counted_batches() %}
{%- set replay = flags.FULL_REFRESH or monthly is none or processed is none %}
{#- a snapshot written before it carried the previous month's class is replayed whole, which fills the column -#}
{%- if execute and not replay %}
    {%- set replay = 'previous_risk_class' not in adapter.get_columns_in_relation(monthly) | map(attribute='name') | list %}
{%- endif %}
{%- if execute and not replay %}
    {%- set latest = run_query('select max(score_date) from ' ~ monthly).columns[0].values()[0] %}
    {%- set as_of = run_query('select ' ~ as_of_date()).columns[0].values()[0] %}
    {%- set withdrawn = run_query(
        'select count(*) from ' ~ processed ~ ' as processed where processed.batch_id not in (select batch_id from '
        ~ ref('stg_landing__batches') ~ " where status = 'landed')"
    ).columns[0].values()[0] %}
    {%- set replay = latest is none or as_of < latest or withdrawn > 0 %}
{%- endif %}
{#- the as-of date already computed for every enterprise by a build whose results were all written (the record of
    counted batches is written last), with the same rules and models: only the change set is recomputed for it -#}
{%- set same_day = false %}
{%- if execute and not replay %}
    {%- set recorded = adapter.get_columns_in_relation(processed) | map(attribute='name') | list %}
    {%- if 'as_of_date' in recorded and 'inputs_fingerprint' in recorded %}
        {%- set same = run_query(
            'select count(*) > 0 and count(*) = count(*) filter (where as_of_date = ' ~ as_of_date()
            ~ " and inputs_fingerprint = '" ~ risk_inputs_fingerprint() ~ "') from " ~ processed
        ).columns[0].values()[0] %}
        {%- set same_day = same is true %}
    {%- endif %}
{%- endif %}

with

offsets as (

    select {{ series_rows('0', 'cast(' ~ risk_parameter('score_history_months') ~ ' as integer)') }} as months_back

),

dates as (

    select
        case when months_back = 0 then {{ as_of_date() }}
            else cast(last_day({{ as_of_date() }} - {{ months_interval('cast(months_back as integer)') }}) as date)
        end as score_date,
        months_back = 0 as is_current
    from offsets

),

{%- if not replay %}

-- 快照中已按月末算过的月份：这些月份的结果只在变更集上变化
closed_months as (

    select distinct score_month from {{ monthly }}
    where score_date = last_day(score_month)

),
{%- endif %}

final as (

    select
        score_date,
        cast(date_trunc('month', score_date) as date) as score_month,
        is_current
    from dates

)

select
    final.score_date,
    final.score_month,
    final.is_current,
    {%- if replay %}
        false as changed_only
    {%- else %}
        {%- if same_day %}
        final.is_current or final.score_month in (select score_month from closed_months) as changed_only
        {%- else %}
        not final.is_current and final.score_month in (select score_month from closed_months) as changed_only
        {%- endif %}
    {%- endif %}
from final
