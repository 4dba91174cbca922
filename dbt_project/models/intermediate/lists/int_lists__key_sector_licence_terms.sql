-- 重点领域许可的每个有效期（许可证编号 + 有效期起始日一行；换证延续使用同一编号时为新的一期）。
-- 状态变更（注销、撤销、吊销）在后续批次以同一编号、同一有效期报送：取最后收到的版本。
-- 在清单区间 [tag_from, tag_to)：tag_from = 有效期起始日（不早于该许可类型列入清单之日）；
-- tag_to = 有效期截止日次日与失效状态日期中较早者（有效期截止日遇节假日不顺延，许可有效期按自然日计）。
-- 许可类型是否属于重点领域取自 ref_licence_types（国市监信发〔2021〕28号附件1），状态含义取自 ref_licence_statuses。
-- 每行只取决于同一许可证编号的许可记录：增量构建只重算新批次所报许可证编号（宏 incremental_by_key）。

{%- set scope = incremental_by_key('stg_landing__licences', 'licence_number') %}

with

licences as (

    select * from {{ ref('stg_landing__licences') }}
    {%- if scope is not none %}
    where {{ changed_keys_filter(scope) }}
    {%- endif %}

),

licence_types as (

    select * from {{ ref('ref_licence_types') }}
    where is_key_sector

),

licence_statuses as (

    select * from {{ ref('ref_licence_statuses') }}

),

latest_terms as (

    select
        *,
        count(*) over (partition by licence_number, valid_from) as version_count
    from licences
    qualify {{ latest_version(['licence_number', 'valid_from']) }}

),

final as (

    select
        md5(concat_ws('|', terms.licence_number, terms.valid_from)) as licence_term_id,
        terms.uscc,
        terms.party_name,
        licence_types.key_sector_domain,
        terms.certificate_name,
        terms.licence_number,
        terms.licence_status,
        terms.authority_name,
        terms.valid_from,
        terms.valid_to,
        terms.status_date,
        greatest(terms.valid_from, licence_types.valid_from) as tag_from,
        least(
            terms.valid_to + 1,
            case when licence_statuses.ends_licence then coalesce(terms.status_date, terms.valid_from) end,
            licence_types.valid_to + 1
        ) as tag_to,
        case
            when licence_statuses.ends_licence
                and coalesce(terms.status_date, terms.valid_from) <= coalesce(terms.valid_to + 1, date '9999-12-31')
                then '许可' || terms.licence_status
            when terms.valid_to is not null then '许可到期'
        end as untag_reason,
        terms.version_count,
        terms._batch_id,
        terms._producer_code,
        terms._source_file,
        terms._row_number
    from latest_terms as terms
    inner join licence_types
        on terms.certificate_name = licence_types.certificate_name
    left join licence_statuses
        on terms.licence_status = licence_statuses.licence_status

)

select * from final
