-- 增量构建的变更集（docs/risk.md“增量构建”）：自月度快照上次计入以来新提交（或被更早收到的同内容副本替换）的批次
-- 所涉及的企业。以前各月的分类只为这些企业重算，其余企业保留已算出的结果；当月（as_of_date）每次为全部企业重算。
-- 一条记录的任一版本出现在新批次中时，该记录所有版本上报的企业都计入（更正可能把记录从一家企业改到另一家）；
-- 登记信息变更的企业，其任一版本的法定代表人名下的全部企业都计入（“法定代表人关联的被吊销企业数”随之变化）；
-- 异议的处理结果改变处罚是否有效，被异议处罚的企业计入。全量重建时为空（全部重算）。

{%- set processed = risk_counted_batches() %}
{%- set tracked = processed is not none and not flags.FULL_REFRESH %}

with

ledger as (

    select * from {{ ref('stg_landing__batches') }}

),

new_batches as (

    select ledger.batch_id
    from ledger
    {%- if tracked %}
        left join {{ processed }} as processed
            on
                ledger.batch_id = processed.batch_id
                and ledger.source_file = processed.source_file
                and ledger.received_at = processed.received_at
    {%- endif %}
    where
        ledger.status = 'landed'
        and {% if tracked %}processed.batch_id is null{% else %}false{% endif %}

),

penalties as (

    select uscc, decision_number, _batch_id from {{ ref('stg_landing__penalties') }}

),

objections as (

    select uscc, related_record_number, _batch_id from {{ ref('stg_landing__objections') }}

),

registry as (

    select uscc, legal_rep_id_number, _batch_id from {{ ref('stg_landing__registry_records') }}

),

enterprises as (

    select uscc, legal_rep_person_key from {{ ref('int_registry__enterprises') }}

),

-- 新批次中出现的记录（按业务主键）
new_penalty_numbers as (

    select decision_number from penalties
    where _batch_id in (select batch_id from new_batches)
    union
    select related_record_number from objections
    where _batch_id in (select batch_id from new_batches)

),

registry_touched as (

    select distinct uscc from registry
    where _batch_id in (select batch_id from new_batches)

),

-- 这些企业任一版本的法定代表人
registry_people as (

    select distinct {{ person_key('legal_rep_id_number') }} as person_key
    from registry
    where uscc in (select uscc from registry_touched) and legal_rep_id_number is not null

),

touched as (

    select uscc from penalties
    where decision_number in (select decision_number from new_penalty_numbers)
    union all
    select uscc from objections
    where _batch_id in (select batch_id from new_batches)
    union all
    {{ every_version_of_new_records(ref('stg_landing__licences'), 'licence_number') }}
    union all
    {{ every_version_of_new_records(ref('stg_landing__inspections'), 'task_id') }}
    union all
    {{ every_version_of_new_records(ref('stg_landing__abnormal_listings'), 'list_decision_number') }}
    union all
    {{ every_version_of_new_records(ref('stg_landing__serious_listings'), 'list_decision_number') }}
    union all
    {{ every_version_of_new_records(ref('stg_landing__credit_commitments'), 'commitment_id') }}
    union all
    {{ every_version_of_new_records(ref('stg_landing__court_judgments'), 'document_number') }}
    union all
    select uscc from registry_touched
    union all
    select uscc from enterprises
    where legal_rep_person_key in (select person_key from registry_people)

)

select distinct uscc
from touched
where uscc is not null
