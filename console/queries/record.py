"""企业信用档案: one enterprise, and everything recorded under its name as a timeline with provenance and publicity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from contracts.redaction import load_patterns

FEED_TITLES = {
    "registry": "登记",
    "licences": "行政许可",
    "penalties": "行政处罚",
    "inspections": "抽查检查",
    "abnormal_list": "经营异常名录",
    "serious_list": "严重违法失信名单",
    "credit_repairs": "信用修复",
    "credit_commitments": "信用承诺",
    "court_judgments": "法院及其他部门文书",
    "risk_warnings": "风险预警",
}


@dataclass
class Event:
    event_date: date | None
    category: str
    event_type: str
    summary: str | None
    record_key: str | None
    department: str | None
    batch_id: str | None
    source_file: str | None
    row_number: int | None
    publicity: str  # 公示中（至 …）/ 未公示 / 不属于公示范围
    is_public: bool
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Record:
    enterprise: dict[str, Any]
    names: list[dict[str, Any]]
    events: list[Event]
    risk: dict[str, Any] | None
    hidden_events: int  # events the role may not see (not public), counted, not shown
    key_sectors: list[str]  # key-sector domains the enterprise is tagged with (重点领域)


def _redact(text: str | None) -> str | None:
    """Free text through the content-level negative list: an ID number in a summary is never shown."""
    return load_patterns().redact(text)[0] if text else text


def _publicity(is_publishable: bool, is_public: bool, start: date | None, end: date | None, as_of: date) -> str:
    if not is_publishable:
        return "不属于公示范围"
    if not is_public:
        return "未公示"
    if end and end <= as_of:
        return f"公示期已满（{end}）"
    return f"公示中（自 {start}{f'，至 {end}' if end else ''}）"


def record(cur: duckdb.DuckDBPyConnection, uscc: str, as_of: date, *, with_internal: bool, with_risk: bool):
    row = cur.execute("select * from enterprise where uscc = ?", [uscc]).fetchone()
    if row is None:
        return None
    enterprise = dict(zip([d[0] for d in cur.description], row))
    names = [
        dict(zip([d[0] for d in cur.description], r))
        for r in cur.execute(
            "select * from enterprise_name_history where uscc = ? order by name_seq", [uscc]
        ).fetchall()
    ]
    departments = dict(
        cur.execute(
            """select b.batch_id, b.producer_dept from batch b
               where b.batch_id in (select _batch_id from credit_event where uscc = $1
                                    union all select _batch_id from enterprise_name_history where uscc = $1
                                    union all select _batch_id from risk_warning where uscc = $1)""",
            [uscc],
        ).fetchall()
    )
    events: list[Event] = []
    for n in names:
        events.append(
            Event(
                n["valid_from"],
                FEED_TITLES["registry"],
                "设立登记" if n["name_seq"] == 1 else "名称变更",
                f"名称：{n['enterprise_name']}",
                None,
                departments.get(n["_batch_id"]),
                n["_batch_id"],
                n["_source_file"],
                n["_row_number"],
                "公示中（企业登记基本信息）",
                True,
            )
        )
    key_sector = {
        number: (domain, since, until)
        for number, domain, since, until in cur.execute(
            """select licence_number, key_sector_domain, tagged_since, tagged_until from key_sector_licence
               where uscc = ?""",
            [uscc],
        ).fetchall()
    }
    hidden = 0
    for r in cur.execute(
        """select feed, event_type, event_date, summary, record_key, _batch_id, _source_file, _row_number, is_public,
                  is_publishable, publicity_start, publicity_end
           from credit_event where uscc = ? order by event_date, event_id""",
        [uscc],
    ).fetchall():
        feed, etype, day, summary, key, batch, source, line, is_public, publishable, start, end = r
        public_now = bool(is_public) and not (end and end <= as_of)
        if not with_internal and not public_now:
            hidden += 1
            continue
        tag = key_sector.get(key) if feed == "licences" else None
        events.append(
            Event(
                day,
                FEED_TITLES.get(feed, feed),
                etype,
                (_redact(summary) or "") + (f"【重点领域：{tag[0]}，{tag[1]} 至 {tag[2] or '—'}】" if tag else ""),
                key,
                departments.get(batch),
                batch,
                source,
                line,
                _publicity(publishable, is_public, start, end, as_of),
                public_now,
            )
        )
    if with_internal:  # risk warnings are internal: never published
        for w in cur.execute(
            """select warning_type, warning_level, warning_reason, start_date, end_date, issuing_department,
                      warning_status, warning_id, _batch_id, _source_file, _row_number
               from risk_warning where uscc = ? order by start_date, warning_id""",
            [uscc],
        ).fetchall():
            wtype, level, reason, start, end, dept, status, wid, batch, source, line = w
            events.append(
                Event(
                    start,
                    FEED_TITLES["risk_warnings"],
                    f"风险预警（{level or '—'}）",
                    _redact(f"{wtype or ''}：{reason or ''}；状态：{status or '—'}" + (f"；至 {end}" if end else "")),
                    wid,
                    dept or departments.get(batch),
                    batch,
                    source,
                    line,
                    "不属于公示范围",
                    False,
                )
            )
    events.sort(key=lambda e: (e.event_date or date.min, e.category))
    risk = None
    if with_risk:
        r = cur.execute(
            """select risk_class, risk_class_name, score, model_name, top_indicator_name, top_contribution, as_of_date
               from risk_class where uscc = ?""",
            [uscc],
        ).fetchone()
        if r:
            risk = dict(zip([d[0] for d in cur.description], r))
    return Record(enterprise, names, events, risk, hidden, sorted({d for d, _, _ in key_sector.values()}))
