"""闭环与问责: overdue joint-punishment steps by responsible unit (mart_punishment_overdue), the producers' scorecard
(mart_producer_scorecard), the publication rates (mart_publication_rates) and the risk picture for the charts
(classes by region, migrations between months, classes month by month).

Every figure is summed in SQL; a rate over several months is the ratio of the summed numerators and denominators,
as the marts define it (never an average of monthly rates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from console import charts

DETAIL_PAGE = 50
# a unit's steps, most working days late first; the rest of the key makes the order total, so that pages (LIMIT/OFFSET)
# neither repeat nor skip steps that tie on days late and due date
DETAIL_ORDER = "late_working_days desc, due_date, uscc, basis_number, measure_id, stage_code, object_type"
CLASSES = ["A", "B", "C", "D"]
BASIS_TITLES = {
    "serious_list": "严重违法失信名单",
    "abnormal_list": "经营异常名录",
    "court_judgment": "外单位文书",
    "penalty": "行政处罚",
}


def _rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    rows = cur.execute(sql, params or []).fetchall()
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in rows]


@dataclass
class Overdue:
    units: list[dict[str, Any]]
    unit: str
    details: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def overdue(cur: duckdb.DuckDBPyConnection, unit: str = "", page: int = 1) -> Overdue:
    """Units with overdue steps (most working days late first) and, for the chosen unit, its steps, paged."""
    units = _rows(
        cur,
        """select responsible_unit, any_value(responsible_unit_type) as unit_type, count(*) as steps,
                  count(*) filter (where done_on is null) as open_steps,
                  count(*) filter (where done_on is not null) as done_late,
                  max(late_working_days) as max_late_days, sum(late_working_days) as late_days,
                  count(*) filter (where is_estimated) as estimated
           from punishment_overdue group by responsible_unit
           order by late_days desc, responsible_unit""",
    )
    details: list[dict[str, Any]] = []
    total, pages = 0, 1
    if unit:
        total = cur.execute("select count(*) from punishment_overdue where responsible_unit = ?", [unit]).fetchone()[0]
        pages = max(1, -(-total // DETAIL_PAGE))
        page = min(max(1, page), pages)
        details = _rows(
            cur,
            f"""select stage_label, object_type, uscc, basis_type, basis_number, measure_id, measure_name, due_date,
                      is_estimated, done_on, overdue_status, late_working_days
               from punishment_overdue where responsible_unit = ?
               order by {DETAIL_ORDER} limit ? offset ?""",
            [unit, DETAIL_PAGE, (page - 1) * DETAIL_PAGE],
        )
        for d in details:
            d["basis_title"] = BASIS_TITLES.get(d["basis_type"], d["basis_type"])
    return Overdue(units, unit, details, total, page, pages)


@dataclass
class Picture:
    scorecard: list[dict[str, Any]]
    rates: list[dict[str, Any]]
    chart_rejection: charts.Chart
    chart_publication_trend: charts.Chart
    chart_regions: charts.Chart | None
    chart_classes: charts.Chart | None
    migration_month: date | None
    migration_months: list[date]
    migration: dict[str, dict[str, dict[str, Any]]]
    migration_to: list[str]


def picture(cur: duckdb.DuckDBPyConnection, *, with_risk: bool, month: date | None = None) -> Picture:
    scorecard = _rows(
        cur,
        """select producer_code, any_value(producer_dept) as producer_dept, sum(batches) as batches,
                  sum(batches_rejected) as batches_rejected, sum(batches_late) as batches_late,
                  sum(rows_read) as rows_read, sum(rows_landed) as rows_landed,
                  sum(rows_quarantined) as rows_quarantined, sum(rows_late) as rows_late,
                  sum(rows_quarantined) / nullif(sum(rows_read), 0) as rejection_rate,
                  1 - sum(rows_late) / nullif(sum(rows_landed), 0) as on_time_rate,
                  min(delivery_month) as first_month, max(delivery_month) as last_month
           from producer_scorecard group by producer_code order by producer_code""",
    )
    rates = _rows(
        cur,
        """select record_type, any_value(record_title) as record_title, sum(publishable_count) as publishable,
                  sum(published_count) as published, sum(published_count) / nullif(sum(publishable_count), 0)
                      as publicity_rate,
                  sum(on_time_count) / nullif(sum(due_count), 0) as timeliness_rate,
                  sum(rows_passed) / nullif(sum(rows_received), 0) as accuracy_rate,
                  sum(withheld_count) as withheld, sum(excluded_count) as excluded,
                  sum(withdrawn_count) as withdrawn
           from publication_rates group by record_type order by record_type""",
    )
    chart_rejection = charts.bars(
        "各报送部门拒收率（隔离行 ÷ 读取行）",
        {f"{r['producer_dept'] or ''}（{r['producer_code']}）": float(r["rejection_rate"] or 0) for r in scorecard},
        percent=True,
    )
    trend = _rows(
        cur,
        """select period_month, record_title,
                  sum(published_count) / nullif(sum(publishable_count), 0) as rate
           from publication_rates where period_month is not null group by all order by period_month""",
    )
    months = sorted({r["period_month"] for r in trend})
    titles = sorted({r["record_title"] for r in trend})
    by = {(r["period_month"], r["record_title"]): r["rate"] for r in trend}
    chart_trend = charts.line_chart(
        "公示率逐月趋势（按决定月份）",
        [f"{m:%Y-%m}" for m in months],
        {t: [by.get((m, t)) for m in months] for t in titles},
        percent=True,
    )
    chart_regions = chart_classes = None
    migration: dict[str, dict[str, dict[str, Any]]] = {}
    migration_months: list[date] = []
    migration_to: list[str] = []
    if with_risk:
        regions: dict[str, dict[str, float]] = {}
        for r in _rows(cur, "select region_name, risk_class, enterprises from risk_class_by_region"):
            regions.setdefault(r["region_name"], {})[r["risk_class"]] = r["enterprises"]
        chart_regions = charts.stacked_bars("信用风险类别分布（按地区，占该地区参与分类企业的比例）", regions, CLASSES)
        per_month = _rows(cur, "select score_month, risk_class, enterprises from risk_class_by_month")
        cm = sorted({r["score_month"] for r in per_month})
        counts = {(r["score_month"], r["risk_class"]): r["enterprises"] for r in per_month}
        chart_classes = charts.line_chart(
            "各类别企业数逐月趋势",
            [f"{m:%Y-%m}" for m in cm],
            {c: [counts.get((m, c), 0) for m in cm] for c in CLASSES},
        )
        migration_months = [
            r[0] for r in cur.execute("select distinct score_month from risk_migration order by 1").fetchall()
        ]
        if migration_months:
            month = month if month in migration_months else migration_months[-1]
            cells = _rows(
                cur,
                """select from_class, to_class, enterprise_count, share_of_from_class, previous_month
                   from risk_migration where score_month = ?""",
                [month],
            )
            for c in cells:
                migration.setdefault(c["from_class"], {})[c["to_class"]] = c
            order = [*CLASSES, "NEW", "EXIT"]
            migration = {k: migration[k] for k in order if k in migration}
            migration_to = [k for k in order if any(k in row for row in migration.values())]
        else:
            month = None
    return Picture(
        scorecard,
        rates,
        chart_rejection,
        chart_trend,
        chart_regions,
        chart_classes,
        month,
        migration_months,
        migration,
        migration_to,
    )
