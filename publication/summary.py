"""The publication part of the `cwh run` / `cwh publish` summary: per record type rows, withheld, delta, rates."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from creditwh.settings import Workspace
from publication.rates import compute
from publication.spec import record_types


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def print_release_summary(console: Console, ws: Workspace, release) -> None:
    titles = {r.name: r.title for r in record_types()}
    t = Table(title=f"公示记录（截至 {release.release_date}；变更相对上一次发布）", title_justify="left")
    for col in ("记录类型", "公示行数", "扣留（不予公示）", "新增", "变更", "撤下"):
        t.add_column(col, justify="left" if col == "记录类型" else "right")
    for name, rows in release.rows.items():
        d = release.delta.get(name, {})
        t.add_row(f"{titles.get(name, name)} {name}", f"{rows:,}", f"{release.withheld.get(name, 0):,}",
                  *(f"{d[k]:,}" if k in d else "—" for k in ("added", "modified", "removed")))
    console.print(t)
    rt = Table(title="公示率 · 及时率 · 准确率（全部部门，全部期间；按部门、按月见 mart_publication_rates）",
               title_justify="left")
    for col in ("记录类型", "应公示", "已公示", "公示率", "及时率", "准确率"):
        rt.add_column(col, justify="left" if col == "记录类型" else "right")
    for r in compute(ws, by_department=False):
        rt.add_row(f"{r.record_title} {r.record_type}", f"{r.publishable:,}", f"{r.published:,}",
                   _pct(r.publicity_rate), _pct(r.timeliness_rate), _pct(r.accuracy_rate))
    console.print(rt)
