"""Publicity, timeliness and accuracy rates per department and record type, over any period.

``mart_publication_rates`` holds numerators and denominators per department × record type × decision month;
a rate over a period is the sum of its numerators over the sum of its denominators (never an average of
monthly rates). This module aggregates the mart in DuckDB and writes the report a release's run prints:
``publication/rates/<as-of date>.csv`` (UTF-8, Chinese headers), atomically.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ground.database import read_only
from ground.files import atomic_write_text
from ground.settings import Workspace

MART = "mart_publication_rates"
HEADERS = {
    "record_type": "记录类型",
    "record_title": "记录类型名称",
    "department": "部门（决定机关）",
    "publishable": "应公示数",
    "published": "已公示数",
    "publicity_rate": "公示率",
    "due": "有时限的已公示数",
    "on_time": "时限内公示数",
    "timeliness_rate": "及时率",
    "received": "收到行数",
    "passed": "通过合同校验行数",
    "accuracy_rate": "准确率",
    "withheld": "扣留数",
}


@dataclass(frozen=True)
class Rate:
    record_type: str
    record_title: str
    department: str | None  # None: all departments
    publishable: int
    published: int
    due: int
    on_time: int
    received: int
    passed: int
    withheld: int

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    @property
    def publicity_rate(self) -> float | None:
        return self._ratio(self.published, self.publishable)

    @property
    def timeliness_rate(self) -> float | None:
        return self._ratio(self.on_time, self.due)

    @property
    def accuracy_rate(self) -> float | None:
        return self._ratio(self.passed, self.received)


def compute(
    ws: Workspace, start: date | None = None, end: date | None = None, *, by_department: bool = True
) -> list[Rate]:
    """Rates over decision months from ``start`` to ``end`` (inclusive; open-ended when None)."""
    if not ws.warehouse.exists():
        raise FileNotFoundError(f"找不到仓库文件 {ws.warehouse}：请先运行 `cwh build`")
    dept = "department" if by_department else "null::varchar"
    sql = f"""
        select record_type, any_value(record_title), {dept} as department,
            sum(publishable_count), sum(published_count), sum(due_count), sum(on_time_count),
            sum(rows_received), sum(rows_passed), sum(withheld_count)
        from {MART}
        where (?::date is null or period_month >= date_trunc('month', ?::date))
          and (?::date is null or period_month <= ?::date)
        group by all
        order by record_type, department nulls first
    """
    with read_only(ws.warehouse) as con:
        rows = con.execute(sql, [start, start, end, end]).fetchall()
    return [Rate(r[0], r[1], r[2], *(int(x or 0) for x in r[3:])) for r in rows]


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


def write_report(ws: Workspace, as_of: date, start: date | None = None, end: date | None = None) -> Path:
    """Per department and per record type (all departments) into ``publication/rates/<as_of>.csv``."""
    rows = compute(ws, start, end, by_department=False) + compute(ws, start, end)
    target = ws.publication / "rates" / f"{as_of.isoformat()}.csv"
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(HEADERS.values())
    out.writerows(
        [
            r.record_type,
            r.record_title,
            r.department or "（全部）",
            r.publishable,
            r.published,
            _pct(r.publicity_rate),
            r.due,
            r.on_time,
            _pct(r.timeliness_rate),
            r.received,
            r.passed,
            _pct(r.accuracy_rate),
            r.withheld,
        ]
        for r in rows
    )
    return atomic_write_text(target, buf.getvalue())
