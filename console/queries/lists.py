"""名单查询: the key-sector list, the abnormal list, the serious list, repeat offenders and the list candidates
awaiting decision, as of a date, filtered by region, industry, domain and department — filtered, counted and paged
in SQL on the snapshot's ``list_entry`` (sorted by list), never loaded whole into Python.

Membership on a date follows the history marts: [valid_from, valid_to). Repeat offenders and candidates are kept as
of the build date only (the warehouse has no history of them); asked for another date, the page says so and shows
none rather than today's entries under a past date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from contracts.redaction import load_patterns
from ground.errors import ActionableError

PAGE_SIZE = 50
# newest membership first; the rest of the key makes the order total (a candidate can stand twice on one record, a
# repeat offender has no date or record number), so that pages (LIMIT/OFFSET) neither repeat nor skip entries that
# tie, and the export has the pages' order
LIST_ORDER = (
    "valid_from desc nulls last, uscc, record_number, detail, stage, rule_source, source_file, row_number, valid_to"
)
FACETS = {"region": "region_name", "industry": "industry", "domain": "domain", "department": "department"}
FACET_TITLES = {"region": "地区", "industry": "行业门类", "domain": "领域", "department": "部门"}


@dataclass(frozen=True)
class ListKind:
    title: str
    has_history: bool
    domain_title: str
    department_title: str
    # column → Chinese header, in the order the page and the exports show them
    columns: dict[str, str] = field(default_factory=dict)


_BASE = {"uscc": "统一社会信用代码", "enterprise_name": "企业名称", "region_name": "地区", "industry": "行业门类"}

# the abnormal list and the serious list: one listing decision per row
_LISTING_COLUMNS = {
    **_BASE,
    "record_number": "列入决定书文号",
    "detail": "列入原因",
    "department": "列入机关",
    "valid_from": "列入日期",
    "valid_to": "移出日期",
    "removal": "移出原因",
    "source_file": "来源文件",
    "row_number": "行号",
}

LISTS: dict[str, ListKind] = {
    "key_sector": ListKind(
        "重点领域企业清单",
        True,
        "重点领域",
        "许可报送部门",
        {
            **_BASE,
            "domain": "重点领域",
            "record_number": "许可证编号",
            "detail": "许可证",
            "valid_from": "列入日期",
            "valid_to": "移出日期",
            "removal": "移出原因",
            "department": "许可报送部门",
            "source_file": "来源文件",
            "row_number": "行号",
        },
    ),
    "abnormal": ListKind(
        "经营异常名录",
        True,
        "领域",
        "列入机关",
        _LISTING_COLUMNS,
    ),
    "serious": ListKind(
        "严重违法失信名单",
        True,
        "领域",
        "列入机关",
        _LISTING_COLUMNS,
    ),
    "repeat_offender": ListKind(
        "屡禁不止、屡罚不改经营主体",
        False,
        "主要监管领域",
        "部门",
        {**_BASE, "domain": "主要监管领域", "detail": "认定情况", "rule_source": "认定规则"},
    ),
    "candidate": ListKind(
        "待决定的列入候选",
        False,
        "监管领域",
        "应作出列入决定的机关",
        {
            **_BASE,
            "stage": "阶段",
            "detail": "触发内容",
            "trigger_record": "触发记录",
            "rule_source": "规则",
            "domain": "监管领域",
            "department": "应作出列入决定的机关",
            "source_file": "来源文件",
            "row_number": "行号",
        },
    ),
}


@dataclass(frozen=True)
class Filters:
    kind: str
    as_of: date
    region: str = ""
    industry: str = ""
    domain: str = ""
    department: str = ""

    def chosen(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in FACETS if getattr(self, f)}


@dataclass
class ListPage:
    spec: ListKind
    filters: Filters
    total: int
    page: int
    pages: int
    rows: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]]
    note: str | None  # why nothing is shown (a list kept only as of the build date, asked for another date)


def parse_filters(kind: str, as_of: str, snapshot_day: date, **chosen: str) -> Filters:
    if kind not in LISTS:
        raise ActionableError(f"未知的名单 {kind!r}；可选：{'、'.join(LISTS)}")
    day = snapshot_day
    if as_of.strip():
        try:
            day = date.fromisoformat(as_of.strip())
        except ValueError:
            raise ActionableError(f"截至日期应为 YYYY-MM-DD 格式，收到 {as_of.strip()!r}") from None
    if day > snapshot_day:
        raise ActionableError(f"截至日期 {day} 晚于本快照的数据截至日 {snapshot_day}，无法查询将来的名单")
    return Filters(kind, day, **{f: (chosen.get(f) or "").strip() for f in FACETS})


def _where(f: Filters, snapshot_day: date) -> tuple[str, list[Any]] | None:
    """The SQL condition for the filters (None: nothing can match — a list without history asked for a past date)."""
    spec = LISTS[f.kind]
    clauses, params = ["list_kind = ?"], [f.kind]
    if spec.has_history:
        clauses.append("valid_from <= ? and (valid_to is null or valid_to > ?)")
        params += [f.as_of, f.as_of]
    elif f.as_of != snapshot_day:
        return None
    for facet, value in f.chosen().items():
        clauses.append(f"{FACETS[facet]} = ?")
        params.append(value)
    return " and ".join(clauses), params


def list_page(cur: duckdb.DuckDBPyConnection, f: Filters, snapshot_day: date, page: int = 1) -> ListPage:
    spec = LISTS[f.kind]
    facets: dict[str, list[tuple[str, int]]] = {k: [] for k in FACETS}
    for facet, value, n in cur.execute(
        "select facet, value, entries from list_facet where list_kind = ? order by facet, value", [f.kind]
    ).fetchall():
        facets[facet].append((value, n))
    where = _where(f, snapshot_day)
    if where is None:
        note = f"{spec.title}只保存本快照截至日（{snapshot_day}）的结果，没有历史；请选择 {snapshot_day} 查询。"
        return ListPage(spec, f, 0, 1, 1, [], facets, note)
    sql, params = where
    total = cur.execute(f"select count(*) from list_entry where {sql}", params).fetchone()[0]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    cols = ", ".join(dict.fromkeys(["uscc", *spec.columns]))
    cur.execute(
        f"select {cols} from list_entry where {sql} order by {LIST_ORDER} limit ? offset ?",
        [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    )
    names = [d[0] for d in cur.description]
    patterns = load_patterns()  # free text through the content-level negative list: no ID number reaches the page
    rows = [{k: patterns.redact(v)[0] if isinstance(v, str) else v for k, v in zip(names, r)} for r in cur.fetchall()]
    return ListPage(spec, f, total, page, pages, rows, facets, None)


def export_rows(
    cur: duckdb.DuckDBPyConnection, f: Filters, snapshot_day: date, chunk: int = 5000
) -> tuple[list[str], int, Iterator[tuple]]:
    """Headers, row count and the rows (streamed in chunks) of the filtered list, in the page's order."""
    spec = LISTS[f.kind]
    headers = list(spec.columns.values())
    where = _where(f, snapshot_day)
    if where is None:
        return headers, 0, iter(())
    sql, params = where
    total = cur.execute(f"select count(*) from list_entry where {sql}", params).fetchone()[0]
    cur.execute(
        f"select {', '.join(spec.columns)} from list_entry where {sql} order by {LIST_ORDER}",
        params,
    )

    def rows() -> Iterator[tuple]:
        while batch := cur.fetchmany(chunk):
            yield from batch

    return headers, total, rows()
