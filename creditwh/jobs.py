"""Scheduled jobs of the credit warehouse (定时作业), free of Airflow: the DAGs and the CLI call the same functions.

    ingest_feed            one feed's new batches → landing / quarantine (入库校验)
    build_warehouse        dbt build with the run's as-of date (仓库构建)
    gate, publish_release  the publication steps, each ``(ws, release_date) -> dict`` (质量闸门、公示发布)
    build_daily_release    dbt build --select tag:daily_release (每日到期释放：名单、措施、公示期届满)
    feedback_due           is this day inside the monthly feedback window (每月第一周，见规则种子表)
    build_monthly_feedback dbt build --select tag:monthly_feedback with the feedback month
    export_monthly_feedback the tagged models → reports/feedback/<YYYY-MM>/*.csv + manifest.json, atomically

Every job is keyed by its business date (Asia/Shanghai): re-running a day rewrites the same outputs, and
ingestion is idempotent by file content (ingestion log). Results are plain dicts (they travel as XCom).
Heavy libraries (polars, DuckDB, great-expectations) are imported inside the functions, so importing this
module costs nothing at DAG parse time.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from creditwh.settings import SEEDS_DIR, Workspace

DAILY_RELEASE_TAG = "daily_release"
MONTHLY_FEEDBACK_TAG = "monthly_feedback"
# The feedback window is the joint-punishment rule the warehouse's deadlines use too (one rule, one place).
FEEDBACK_RULES_CSV = SEEDS_DIR / "punishment" / "punishment_rules.csv"
FEEDBACK_RULE = "feedback_working_days_into_month"


def feedback_reports(ws: Workspace) -> Path:
    return ws.home / "reports" / "feedback"


# --- ingestion ----------------------------------------------------------------------------------------------

def ingest_feed(ws: Workspace, feed: str) -> dict:
    """Validate and land every new file of one feed (its producer's folder); already-ingested files are skipped."""
    from contracts import load_contracts
    from ingestion.errors import IngestionError
    from ingestion.landing import discover, ensure_layout, ingest_file

    contracts = load_contracts()
    if feed not in contracts:
        raise IngestionError(f"未知的数据项 {feed!r}；已有合同的数据项：{', '.join(contracts)}")
    contract = contracts[feed]
    ensure_layout(ws, {feed: contract})  # only this feed's folders: producers' tasks run side by side
    results = [ingest_file(ws, c, path) for c, path in discover(ws, contracts, [feed])]
    new = [r for r in results if r.status != "skipped"]
    return {
        "feed": feed, "producer": contract.producer.code, "department": contract.producer.department,
        "batches": [{"batch_id": r.batch_id, "source_file": r.source_file, "status": r.status,
                     "rows_read": r.rows_read, "rows_landed": r.rows_landed,
                     "rows_quarantined": r.rows_quarantined, "error": r.error} for r in new],
        "landed": sum(r.status == "landed" for r in new),
        "rejected": sum(r.status == "rejected" for r in new),
        "skipped": len(results) - len(new),
        "rows_read": sum(r.rows_read for r in new),
        "rows_landed": sum(r.rows_landed for r in new),
        "rows_quarantined": sum(r.rows_quarantined for r in new),
    }


# --- warehouse ----------------------------------------------------------------------------------------------

def _build(ws: Workspace, as_of: date, select: str | None = None, **extra_vars: str) -> dict:
    from creditwh.warehouse import build

    result = build(ws, select=select, dbt_vars={"as_of_date": as_of.isoformat(), **extra_vars})
    return {"as_of_date": as_of.isoformat(), "select": select, "vars": extra_vars, "models": result.models,
            "tests": result.tests, "seeds": result.seeds, "snapshots": result.snapshots}


def build_warehouse(ws: Workspace, as_of: date) -> dict:
    """The whole dbt build (seeds, snapshots, models, tests) judged as of ``as_of``."""
    return _build(ws, as_of)


def build_daily_release(ws: Workspace, as_of: date) -> dict:
    """Rebuild what changes with the calendar alone: natural expiry of listings and measures, end of publicity."""
    return _build(ws, as_of, f"tag:{DAILY_RELEASE_TAG}")


# --- publication steps: each (ws, release_date) -> dict ---------------------------------------------------

def gate(ws: Workspace, release_date: date) -> dict:
    """The publication gate alone (great-expectations); raises GateFailed with every failure in Chinese."""
    from publication.publish import check
    from quality_gate import GateFailed

    result = check(ws)
    if not result.success:
        raise GateFailed(result.failures, result.docs)
    return {"release_date": release_date.isoformat(), "expectations": result.expectations,
            "docs": str(result.docs) if result.docs else None}


def publish_release(ws: Workspace, release_date: date) -> dict:
    """Gate again on the data actually written, then the release and its manifest (atomic, byte-identical on rerun)."""
    from publication.publish import publish

    release = publish(ws, release_date, with_delta=False)  # the delta is its own task (release_delta)
    return {"release_date": release_date.isoformat(), "path": str(release.path), "rows": release.rows,
            "files": release.files, "expectations": release.expectations}


def release_delta(ws: Workspace, release_date: date) -> dict:
    """Added / modified / removed rows of the release against the previous one, recorded in its manifest."""
    from publication.delta import build_delta

    delta = build_delta(ws, release_date)
    return {"release_date": release_date.isoformat(), "counts": delta.get("counts", {})}


def publication_rates(ws: Workspace, release_date: date) -> dict:
    """Publicity, timeliness and accuracy rates (per department and record type) as of the release date."""
    from publication.rates import write_report

    return {"release_date": release_date.isoformat(), "report": str(write_report(ws, release_date))}


# --- monthly feedback (失信惩戒实施情况按月反馈) -------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleRule:
    rule_code: str
    working_days: int
    valid_from: date
    valid_to: date | None
    source: str


def schedule_rule(rule_code: str, day: date, path: Path = FEEDBACK_RULES_CSV) -> ScheduleRule:
    """The row (in working days) of the joint-punishment rule seed in force on ``day``."""
    with path.open(encoding="utf-8") as fh:
        rows = [ScheduleRule(r["rule_code"], int(r["rule_value"]), date.fromisoformat(r["valid_from"]),
                             date.fromisoformat(r["valid_to"]) if r["valid_to"] else None, r["source"])
                for r in csv.DictReader(fh) if r["rule_code"] == rule_code]
    in_force = [r for r in rows if r.valid_from <= day and (r.valid_to is None or day <= r.valid_to)]
    if len(in_force) != 1:
        raise LookupError(f"规则 {rule_code} 在 {day} 应有且只有一条有效记录（{path.name}），实有 {len(in_force)} 条")
    return in_force[0]


def feedback_month(as_of: date) -> str:
    """The month being reported on: the month before ``as_of`` (YYYY-MM)."""
    return (as_of.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def working_day_of_month(day: date) -> int | None:
    """1 for the month's first working day, 2 for the second …; None on a rest day."""
    from creditwh.workdays import is_working_day

    if not is_working_day(day):
        return None
    return sum(is_working_day(day.replace(day=d)) for d in range(1, day.day + 1))


def feedback_window(day: date) -> int:
    return schedule_rule(FEEDBACK_RULE, day).working_days


def feedback_due(ws: Workspace, day: date) -> bool:
    """Run the monthly feedback on ``day``? Yes on the first working day of the month's feedback window whose run
    finds no report yet — so a day missed (scheduler down, failed run) is made up the next working day of the
    window — and always for the day that wrote the existing report (a rerun of that day rewrites it)."""
    n = working_day_of_month(day)
    if n is None or n > feedback_window(day):
        return False
    manifest = feedback_reports(ws) / feedback_month(day) / "manifest.json"
    if not manifest.exists():
        return True
    return json.loads(manifest.read_text(encoding="utf-8"))["as_of_date"] == day.isoformat()


def build_monthly_feedback(ws: Workspace, as_of: date) -> dict:
    return _build(ws, as_of, f"tag:{MONTHLY_FEEDBACK_TAG}", feedback_month=feedback_month(as_of))


@dataclass(frozen=True)
class ReportModel:
    name: str
    relation: str  # "schema"."table" in the warehouse
    description: str
    columns: dict[str, str]  # column → Chinese description


def tagged_models(ws: Workspace, tag: str) -> list[ReportModel]:
    """Models carrying ``tag`` in the manifest of the last dbt build (empty when none has it yet)."""
    manifest = ws.home / "dbt" / "target" / "manifest.json"
    if not manifest.exists():
        raise FileNotFoundError(f"找不到 dbt 清单 {manifest}：请先运行 `cwh build`")
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return sorted((ReportModel(n["name"], f'"{n["schema"]}"."{n.get("alias") or n["name"]}"', n.get("description", ""),
                               {c: v.get("description", "") for c, v in n.get("columns", {}).items()})
                   for n in nodes if n["resource_type"] == "model" and tag in n.get("tags", [])),
                  key=lambda m: m.name)


def export_reports(ws: Workspace, models: list[ReportModel], target: Path, header: dict) -> dict:
    """Each model → ``<name>.csv`` (all rows, ordered, UTF-8) and a ``manifest.json``; assembled in scratch space and
    renamed into place, so a reader sees the previous report or the new one, never half of one."""
    import duckdb

    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f".tmp-{uuid.uuid4().hex[:8]}"
    scratch.mkdir()
    try:
        files = []
        if models:
            with duckdb.connect(str(ws.warehouse), read_only=True) as con:
                for m in models:
                    path = scratch / f"{m.name}.csv"
                    con.execute(f"copy (select * from {m.relation} order by all) to '{path}' (header, delimiter ',')")
                    rows = con.execute(f"select count(*) from {m.relation}").fetchone()[0]
                    files.append({"file": path.name, "model": m.name, "title": m.description, "rows": rows,
                                  "columns": m.columns, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
        manifest = {**header, "files": files}
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (scratch / "manifest.json").write_text(text, encoding="utf-8")
        _swap_into_place(scratch, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {**header, "path": str(target), "files": [f["file"] for f in files] + ["manifest.json"],
            "rows": {f["model"]: f["rows"] for f in files}}


def export_monthly_feedback(ws: Workspace, as_of: date) -> dict:
    month = feedback_month(as_of)
    header = {"feedback_month": month, "as_of_date": as_of.isoformat(), "tag": MONTHLY_FEEDBACK_TAG,
              "title": f"{month} 失信惩戒（强化监管）实施情况反馈"}
    return export_reports(ws, tagged_models(ws, MONTHLY_FEEDBACK_TAG), feedback_reports(ws) / month, header)


def monthly_feedback(ws: Workspace, as_of: date) -> dict:
    """Build and export in one call (the CLI's way; the DAG runs the two as separate, retryable tasks)."""
    return {"build": build_monthly_feedback(ws, as_of), "export": export_monthly_feedback(ws, as_of)}


def _swap_into_place(scratch: Path, target: Path) -> None:
    if target.exists():
        old = target.parent / f".old-{uuid.uuid4().hex[:8]}"
        target.rename(old)
        scratch.rename(target)
        shutil.rmtree(old)
    else:
        scratch.rename(target)
