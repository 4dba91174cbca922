{#-
  The 行政相对人类别 of a landed penalty or licence row that does not state it (the 2016 双公示 templates have no such
  column; contracts/feeds/*.odcs.yaml name this macro as the field's default, the generated staging model applies it):
  a USCC issued by market supervision to a 个体工商户 (positions 1–2 = 92) → 个体工商户; any other USCC, or only an old
  注册号 / 组织机构代码 / 税务登记号 → 法人及非法人组织; only a personal ID number → 自然人; no identifier at all → null.
  未报送行政相对人类别时按所报代码推定：92 开头的统一社会信用代码为个体工商户，其他代码为法人及非法人组织，只有身份证号为自然人。
-#}
{% macro party_category_from_identifiers() -%}
    (case
        when nullif(trim(uscc), '') is not null
            then case when upper(substr(trim(uscc), 1, 2)) = '92' then '个体工商户' else '法人及非法人组织' end
        when coalesce(
                nullif(trim(party_registration_number), ''),
                nullif(trim(party_org_code), ''),
                nullif(trim(party_tax_registration_number), '')
            ) is not null
            then '法人及非法人组织'
        when nullif(trim(party_id_number), '') is not null then '自然人'
    end)
{%- endmacro %}
