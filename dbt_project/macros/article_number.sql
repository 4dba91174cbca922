{#-
  The number of a cited article ("第一百三十三条" → 133, "第 95 条" → 95): `text` is what stands between 第 and 条,
  in Arabic digits or Chinese numerals up to 九百九十九 (零 / 〇 only hold a place). Anything else gives null.
  法条序号：“第一百三十三条”“第95条”中第与条之间的数字（阿拉伯数字或中文数字，至九百九十九），其他写法为空。
-#}
{% macro article_number(text) -%}
    (case
        when {{ regexp_full_match(text, "'[0-9]{1,4}'") }} then cast({{ text }} as integer)
        when {{ text }} <> ''
            and {{ regexp_full_match(text, "'([一二三四五六七八九]百)?[零〇]?([一二三四五六七八九]?十)?[一二三四五六七八九]?'") }}
            then
                100 * {{ _chinese_digit("regexp_extract(" ~ text ~ ", '([一二三四五六七八九])百', 1)") }}
                + 10 * (case
                    when not contains({{ text }}, '十') then 0
                    when contains({{ text }}, '百十') or {{ text_starts_with(text, "'十'") }} then 1
                    else {{ _chinese_digit("regexp_extract(" ~ text ~ ", '([一二三四五六七八九])十', 1)") }}
                end)
                + {{ _chinese_digit("regexp_extract(" ~ text ~ ", '([一二三四五六七八九])$', 1)") }}
    end)
{%- endmacro %}

{#- One Chinese digit 一…九 as 1…9; an empty string (no such digit) as 0. -#}
{% macro _chinese_digit(expression) -%}
    coalesce({{ text_position("'一二三四五六七八九'", "nullif(" ~ expression ~ ", '')") }}, 0)
{%- endmacro %}
