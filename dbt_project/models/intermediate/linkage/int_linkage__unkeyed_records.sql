-- 需要关联主体的记录：报送时没有统一社会信用代码（代码有误的行已在入库时隔离）的行政处罚与外部文书。
-- 每个落地行一行（source_row_id 与 fct_credit_events.event_id 同一算法）；区划线索：外部文书取当事人所在区划，
-- 行政处罚取处罚机关统一社会信用代码第 3–8 位（登记管理机关行政区划码）。行政处罚另带报送的次要标识
-- （注册号、组织机构代码，按 normalise_code 去连字符与空白），只在关联中使用，不向集市传递。

with

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

),

court_judgments as (

    select * from {{ ref('stg_landing__court_judgments') }}

),

unkeyed as (

    select
        'penalties' as feed,
        decision_number as record_key,
        party_name as subject_name,
        party_category,
        {{ normalise_code('party_registration_number') }} as registration_number,
        {{ normalise_code('party_org_code') }} as org_code,
        substr(authority_uscc, 3, 6) as region_hint,
        decision_date as event_date,
        _batch_id,
        _row_number
    from penalties
    where nullif(trim(uscc), '') is null

    union all

    select
        'court_judgments' as feed,
        document_number as record_key,
        party_name as subject_name,
        cast(null as string) as party_category,
        cast(null as string) as registration_number,
        cast(null as string) as org_code,
        region_code as region_hint,
        effective_date as event_date,
        _batch_id,
        _row_number
    from court_judgments
    where nullif(trim(uscc), '') is null

)

select
    md5(concat_ws('|', feed, _batch_id, _row_number)) as source_row_id,
    *,
    {{ normalise_name('subject_name') }} as name_key
from unkeyed
