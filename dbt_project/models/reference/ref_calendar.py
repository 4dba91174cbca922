"""工作日历表：由 ground.workdays（chinesecalendar + 覆盖表 + 估算：法定节日以外的周一至周五）逐日生成，SQL 中一切
“N 个工作日”期限都按 workday_index 关联本表计算——全项目只有这一个日历组件。"""

import pandas as pd

from ground.workdays import calendar_rows


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("calendar_overrides")  # rebuild when the override seed changes
    dbt.ref("rule_statutory_holidays")  # ... or the fixed-date statutory holidays of the estimate
    first_year, last_year = int(dbt.config.get("first_year")), int(dbt.config.get("last_year"))
    rows = calendar_rows(first_year, last_year)
    frame = pd.DataFrame(
        rows, columns=["calendar_date", "is_working_day", "is_estimated", "workday_index", "estimate_index"]
    )
    frame["calendar_date"] = pd.to_datetime(frame["calendar_date"]).dt.date
    return frame
