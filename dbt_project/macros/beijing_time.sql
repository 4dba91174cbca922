{#-
  A UTC timestamp as Beijing time (UTC+8, no daylight saving): ingestion records receipt and ingestion times in UTC;
  the warehouse reads them in Beijing time, so that a receipt's date (cast(... as date): the receipt cut-off
  received_by, delivery months, lateness) is the day it was received in China, not UTC's previous day before 08:00.
  UTC 时间换算为北京时间（东八区，无夏令时）：接收日期按北京时间计。
-#}
{% macro beijing_time(utc_timestamp) -%}
    (cast({{ utc_timestamp }} as timestamp) + interval 8 hour)
{%- endmacro %}
