"""工作日历：每个日历日是否为工作日，取自 creditwh.workdays（chinesecalendar + 覆盖表 + 周一至周五估算）。

working_day_seq counts working days up to and including the day, so "N working days after d" is the
working day whose seq is seq(d) + N (the start day itself is not counted, DOMAIN.md §9). One component
(creditwh.workdays) decides working days for Python and SQL alike.
"""

from datetime import date, timedelta


def model(dbt, session):
    dbt.config(materialized="table")
    import pandas as pd

    from creditwh.workdays import working_day

    first = date.fromisoformat(str(dbt.config.get("calendar_from")))
    last = date.fromisoformat(str(dbt.config.get("calendar_to")))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    flags = [working_day(d) for d in days]
    frame = pd.DataFrame({
        "calendar_date": pd.to_datetime(days).date,
        "is_working_day": [w for w, _ in flags],
        "is_estimated": [e for _, e in flags],
    })
    frame["working_day_seq"] = frame["is_working_day"].astype("int64").cumsum()
    return frame
