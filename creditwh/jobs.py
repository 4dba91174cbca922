"""The service layer (作业): every operation of the warehouse, called by the CLI and by the Airflow tasks alike.

Nothing above this module (``creditwh.cli``, ``creditwh.orchestration``) imports a component; nothing below
imports it (``.importlinter``). Components are imported inside the functions, so importing this module costs
nothing at DAG parse time.

    generate_feeds          synthetic producer feeds (演示数据)
    ingest, ingest_feed     new batches → landing / quarantine (入库校验)
    build_warehouse         dbt build with the run's as-of date (仓库构建)
    gate, publish, …        the publication steps; the DAG's steps take ``(ws, release_date)`` (质量闸门、公示发布)
    build_daily_release     dbt build --select tag:daily_release (每日到期释放：名单、措施、公示期届满)
    feedback_due            is this day inside the monthly feedback window (每月第一周，见规则种子表)
    build_monthly_feedback  dbt build --select tag:monthly_feedback with the feedback month
    export_monthly_feedback the tagged models → reports/feedback/<YYYY-MM>/*.csv + manifest.json, atomically
    publish_serving         after a build: the restriction index and the console's serving snapshot (服务快照)
    console_app, serve_console, prepare_console, console_add_user, console_add_token   the supervisors' console
    ingestion_totals, inbox_report, mart_counts, publication_rates_overview, lookup   what summaries show
    look_at_inbox, ingested_files   what the scheduler's triggers watch (creditwh.triggers): complete and pending
                            deliveries, the folders' last change, when each file's latest batch was ingested

Every job is keyed by its business date (Asia/Shanghai): re-running a day rewrites the same outputs, and
ingestion is idempotent by file content (ingestion log). The DAG steps return plain dicts (they travel as XCom).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ground.files import atomic_write_json, scratch_folder, sha256_file, swap_into_place
from ground.rules import read_rule_table, the_one_in_force
from ground.settings import SEEDS_DIR, Workspace

if TYPE_CHECKING:
    from contracts import FeedContract
    from feedgen import GenerationReport, NextDayReport
    from ingestion import BatchResult
    from interception import Restriction
    from publication.publish import Release
    from publication.rates import Rate

DAILY_RELEASE_TAG = "daily_release"
MONTHLY_FEEDBACK_TAG = "monthly_feedback"
# The feedback window is the joint-punishment rule the warehouse's deadlines use too (one rule, one place).
FEEDBACK_RULES_CSV = SEEDS_DIR / "punishment" / "punishment_rules.csv"
FEEDBACK_RULE = "feedback_working_days_into_month"


def feedback_reports(ws: Workspace) -> Path:
    return ws.home / "reports" / "feedback"


# --- contracts ----------------------------------------------------------------------------------------------


def producers() -> dict[str, list[FeedContract]]:
    """Feeds grouped by producing department (producer code), from the contracts."""
    from contracts import load_contracts

    grouped: dict[str, list[FeedContract]] = {}
    for contract in load_contracts().values():
        grouped.setdefault(contract.producer.code, []).append(contract)
    return dict(sorted(grouped.items()))


# --- demo feeds ---------------------------------------------------------------------------------------------


def generate_feeds(
    ws: Workspace,
    *,
    entities: int,
    seed: int,
    start: date,
    end: date,
    fault_rate: float,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Synthetic deliveries of every producer into the workspace's inbox, deterministic for a seed."""
    from feedgen import generate

    ws.ensure()
    return generate(
        ws.feeds, entities=entities, seed=seed, start=start, end=end, fault_rate=fault_rate, progress=progress
    )


def generate_next_day(ws: Workspace) -> NextDayReport:
    """One more day of deliveries after the last receipt in the workspace's inbox (``feedgen.next_day``)."""
    from feedgen import next_day

    return next_day(ws.feeds)


# --- ingestion ----------------------------------------------------------------------------------------------


def batches_waiting(ws: Workspace, feeds: list[str] | None = None) -> int:
    """How many delivered files the next ingestion will look at."""
    from ingestion import discover_count

    return discover_count(ws, feeds)


def ingest(
    ws: Workspace, feeds: list[str] | None = None, progress: Callable[[BatchResult], None] | None = None
) -> list[BatchResult]:
    """Validate and land every new file of these feeds (all when None); already-ingested files are skipped."""
    from ingestion import ingest_all

    return ingest_all(ws, feeds, progress=progress)


def ingest_feed(ws: Workspace, feed: str) -> dict:
    """One feed's new files (its producer's folder), summarised for the scheduler."""
    from contracts import load_contracts
    from ingestion.errors import IngestionError
    from ingestion.landing import ensure_layout, ingest_inbox

    contracts = load_contracts()
    if feed not in contracts:
        raise IngestionError(f"未知的数据项 {feed!r}；已有合同的数据项：{', '.join(contracts)}")
    contract = contracts[feed]
    ensure_layout(ws, {feed: contract})  # only this feed's folders: producers' tasks run side by side
    results = ingest_inbox(ws, contracts, [feed])
    new = [r for r in results if r.status in ("landed", "rejected")]
    return {
        "feed": feed,
        "producer": contract.producer.code,
        "department": contract.producer.department,
        "batches": [
            {
                "batch_id": r.batch_id,
                "source_file": r.source_file,
                "status": r.status,
                "rows_read": r.rows_read,
                "rows_landed": r.rows_landed,
                "rows_quarantined": r.rows_quarantined,
                "error": r.error,
            }
            for r in new
        ],
        # files not read this time (pending, refused, vanished, failed), each with its reason: no batch, nothing written
        "not_ingested": [
            {"source_file": r.source_file, "status": r.status, "reason": r.error}
            for r in results
            if r.status not in ("landed", "rejected", "skipped")
        ],
        "landed": sum(r.status == "landed" for r in new),
        "rejected": sum(r.status == "rejected" for r in new),
        "skipped": sum(r.status == "skipped" for r in results),
        "rows_read": sum(r.rows_read for r in new),
        "rows_landed": sum(r.rows_landed for r in new),
        "rows_quarantined": sum(r.rows_quarantined for r in new),
    }


INGESTION_COUNTS = ("batches", "read", "landed", "quarantined", "rejected_batches")


def inbox_report(ws: Workspace) -> dict[str, list[dict[str, str]]]:
    """What the inbox holds that is not read, and why (unknown folders, links, incomplete deliveries), and the latest
    deliveries that did not become a batch (deleted, changed while read, internal error), newest first."""
    from contracts import load_contracts
    from ingestion.inbox import inbox_log, survey
    from ingestion.ledger import recent_events

    notes = survey(ws, load_contracts()).notes if ws.feeds.is_dir() else []
    return {
        "notes": [{"path": n.path, "kind": n.kind, "reason": n.reason} for n in notes],
        "events": [
            {"at": e.at, "source_file": e.source_file, "kind": e.kind, "reason": e.reason}
            for e in recent_events(inbox_log(ws))
        ],
    }


@dataclass(frozen=True)
class Delivery:
    """A complete delivery as it is now: the same name with another size or modification time is another one."""

    feed: str
    path: str  # relative to the inbox, "/"-separated
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class InboxLook:
    """One look at the feeds' folders, for the scheduler (``creditwh.triggers``); no file is opened."""

    deliveries: list[Delivery]  # complete (the delivery protocol, ``ingestion.inbox``), in delivery order
    pending: list[str]  # not complete yet: still being written, or waiting for the settle time
    last_change: float | None  # the latest write, copy, move or rename of anything in these folders (epoch seconds),
    # uploads under a temporary name and markers included


def look_at_inbox(ws: Workspace, feeds: list[str] | None = None, *, now: float | None = None) -> InboxLook:
    """The complete and the pending deliveries of these feeds (all when None), and when their folders last changed."""
    from contracts import load_contracts
    from ingestion.inbox import survey

    contracts = load_contracts()
    wanted = list(feeds) if feeds else list(contracts)
    if not ws.feeds.is_dir():
        return InboxLook([], [], None)
    found = survey(ws, contracts, wanted, now=now)
    deliveries = []
    for contract, path in found.deliveries:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        deliveries.append(Delivery(contract.name, path.relative_to(ws.feeds).as_posix(), st.st_size, st.st_mtime_ns))
    changes = []
    for name in wanted:
        try:
            entries = list(os.scandir(ws.feeds / contracts[name].producer.code / name))
        except OSError:  # no folder (yet), or one that cannot be listed (survey notes it)
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            changes.append(max(st.st_mtime, st.st_ctime))  # ctime: a copy that keeps an old time, a rename
    return InboxLook(deliveries, [n.path for n in found.notes if n.kind == "pending"], max(changes, default=None))


def ingested_files(
    ws: Workspace, feeds: list[str], read: dict[str, tuple[str, str, float]] | None = None
) -> dict[tuple[str, str], float]:
    """(feed, file relative to the inbox) → when its latest batch was ingested (epoch seconds), from the ingestion log.

    ``read`` keeps the ledger entries read by earlier calls (an entry, once committed, never changes), so that a
    caller looking every few seconds reads each entry once."""
    from datetime import UTC, datetime

    from ingestion.ledger import read_entry

    read = {} if read is None else read
    for feed in feeds:
        folder = ws.ledger / feed
        names = sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []
        for name in names:
            key = f"{feed}/{name}"
            if key in read:
                continue
            entry = read_entry(ws.ledger, feed, name.removesuffix(".json"))
            if entry is not None:
                at = datetime.fromisoformat(entry.ingested_at)  # UTC, to the second
                read[key] = (feed, entry.source_file, (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp())
    latest: dict[tuple[str, str], float] = {}
    for feed, source, at in read.values():
        if feed in feeds:
            latest[(feed, source)] = max(at, latest.get((feed, source), at))
    return latest


def ingestion_totals(ws: Workspace) -> list[dict[str, Any]]:
    """Per feed (every contract, in contract order): batches and rows from the ingestion log, all time."""
    from contracts import load_contracts
    from ingestion.ledger import all_entries

    per_feed: dict[str, dict[str, int]] = {}
    for e in all_entries(ws.ledger):
        row = per_feed.setdefault(e.feed, dict.fromkeys(INGESTION_COUNTS, 0))
        row["batches"] += 1
        row["read"] += e.rows_read
        row["landed"] += e.rows_landed
        row["quarantined"] += e.rows_quarantined
        row["rejected_batches"] += e.status == "rejected"
    return [
        {
            "feed": name,
            "title": c.title,
            "department": c.producer.department,
            **per_feed.get(name, dict.fromkeys(INGESTION_COUNTS, 0)),
        }
        for name, c in load_contracts().items()
    ]


# --- warehouse ----------------------------------------------------------------------------------------------


def _build(
    ws: Workspace,
    as_of: date,
    select: str | None = None,
    on_line: Callable[[str], None] | None = None,
    **extra_vars: str,
) -> dict:
    from warehouse import build

    result = build(ws, select=select, on_line=on_line, dbt_vars=extra_vars, as_of=as_of)
    return {
        "as_of_date": as_of.isoformat(),
        "select": select,
        "vars": extra_vars,
        "models": result.models,
        "tests": result.tests,
        "seeds": result.seeds,
        "snapshots": result.snapshots,
    }


def build_warehouse(ws: Workspace, as_of: date, on_line: Callable[[str], None] | None = None) -> dict:
    """The whole dbt build (seeds, snapshots, models, tests) judged as of ``as_of``, then what readers outside the
    warehouse read from it: the restriction index and the console's serving snapshot."""
    result = _build(ws, as_of, on_line=on_line)
    return {**result, "serving": publish_serving(ws, as_of)}


def build_full_check(ws: Workspace, as_of: date) -> dict:
    """The whole dbt build with every landed batch's data tests, not only the batches no build has tested yet
    (dbt var ``test_every_batch``; docs/stack.md, "Data tests on new batches"), then the restriction index and the
    serving snapshot like every build."""
    result = _build(ws, as_of, test_every_batch="true")
    return {**result, "serving": publish_serving(ws, as_of)}


def build_daily_release(ws: Workspace, as_of: date) -> dict:
    """Rebuild what changes with the calendar alone: natural expiry of listings and measures, end of publicity."""
    result = _build(ws, as_of, f"tag:{DAILY_RELEASE_TAG}")
    return {**result, "serving": publish_serving(ws, as_of)}


def publish_serving(ws: Workspace, as_of: date) -> dict:
    """After a build: the restriction index rebuilt, and a new serving snapshot published for the console (atomic;
    the console and the registration look-ups never open the warehouse)."""
    from console import publish_snapshot
    from interception import build_index

    restrictions = build_index(ws)
    info = publish_snapshot(ws, as_of)
    return {"snapshot": info.snapshot_id, "path": str(info.path), "rows": info.rows, "restrictions": restrictions}


def mart_counts(ws: Workspace) -> dict[str, int]:
    """Rows per mart (dim_, fct_, pub_ tables); empty before the first build."""
    from warehouse import mart_names, table_counts

    return table_counts(ws, mart_names(ws)) if ws.warehouse.exists() else {}


# --- publication steps: each DAG step is (ws, release_date) -> dict ---------------------------------------


def _gate_on(ws: Workspace) -> Callable[[Any], Any]:
    """The gate as publication calls it on an extract: passes or raises GateFailed."""
    from quality_gate import check_extract, enforce

    def gate(extract: Any) -> Any:
        return enforce(
            check_extract(
                ws.gate,
                extract.as_of,
                extract.records,
                extract.frames,
                extract.previous_rows,
                extract.committed_batches,
            )
        )

    return gate


def gate(ws: Workspace, release_date: date | None = None) -> dict:
    """The publication gate alone (great-expectations), nothing written; raises GateFailed with every failure."""
    from publication.publish import extract

    with extract(ws) as ex:
        result = _gate_on(ws)(ex)
    return {
        "release_date": ex.as_of.isoformat(),
        "expectations": result.expectations,
        "docs": str(result.docs) if result.docs else None,
        "report": str(result.report) if result.report else None,  # the offline report (gate-report.html)
    }


def publish(ws: Workspace, release_date: date | None = None, with_delta: bool = True) -> Release:
    """Gate, then the release for the warehouse's as-of date and its manifest (atomic, byte-identical on rerun)."""
    from publication.publish import publish as write_release

    return write_release(ws, _gate_on(ws), release_date, with_delta=with_delta)


def publish_release(ws: Workspace, release_date: date) -> dict:
    """The DAG's publish step: gate again on the data actually written, then the release (its delta is a step of
    its own)."""
    release = publish(ws, release_date, with_delta=False)
    return {
        "release_date": release_date.isoformat(),
        "path": str(release.path),
        "rows": release.rows,
        "files": release.files,
        "expectations": release.expectations,
    }


def release_delta(ws: Workspace, release_date: date) -> dict:
    """Added / modified / removed rows of the release against the previous one, recorded in its manifest."""
    from publication.delta import build_delta

    delta = build_delta(ws, release_date)
    return {"release_date": release_date.isoformat(), "counts": delta.get("counts", {})}


def publication_rates(ws: Workspace, release_date: date) -> dict:
    """Publicity, timeliness and accuracy rates (per department and record type) as of the release date."""
    from publication.rates import write_report

    return {"release_date": release_date.isoformat(), "report": str(write_report(ws, release_date))}


def publication_rates_overview(ws: Workspace) -> list[Rate]:
    """The rates per record type over all departments and periods (the summary's table)."""
    from publication.rates import compute

    return compute(ws, by_department=False)


def record_titles() -> dict[str, str]:
    """Published record types → their Chinese titles."""
    from contracts.publication import record_types

    return {r.name: r.title for r in record_types()}


def latest_release(ws: Workspace) -> Path | None:
    releases = sorted((ws.publication / "releases").glob("*/manifest.json"))
    return releases[-1].parent if releases else None


# --- interception ---------------------------------------------------------------------------------------------


def lookup(ws: Workspace, identifier: str, day: date) -> list[Restriction]:
    """Restrictions in force on ``day`` on a person (resident ID) or an enterprise (USCC); InvalidIdentifier else."""
    from interception import lookup as find

    return find(ws, identifier, day)


# --- the supervisors' console (监管控制台, docs/console.md) ---------------------------------------------------------


class _IndexLookup:
    """The restriction index loaded once per process (``interception.Interceptor``), loaded again only when a build
    replaced the file; each look-up is a search in memory."""

    def __init__(self, ws: Workspace):
        import threading

        self.ws = ws
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._interceptor: Any = None

    def _current(self) -> Any:
        from interception import Interceptor, index_path

        st = os.stat(index_path(self.ws))
        stamp = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if self._interceptor is None or stamp != self._stamp:
                self._interceptor, self._stamp = Interceptor(index_path(self.ws)), stamp
            return self._interceptor

    def __call__(self, identifier: str, day: date) -> list[Restriction]:
        from ground.errors import ActionableError
        from interception import LookupFailed, subject_key

        key, _ = subject_key(identifier)  # InvalidIdentifier: the request is wrong
        try:
            return self._current().lookup_key(key, day)
        except Exception as exc:
            raise LookupFailed(
                "登记拦截查询未能完成，无法确认该主体是否受限：请暂缓办理并稍后重试；仍失败请联系数据管理员"
                f"（原因：{exc if isinstance(exc, (ActionableError, OSError)) else type(exc).__name__}）"
            ) from exc


def console_app(ws: Workspace, **options: Any) -> Any:
    """The console's ASGI application on this workspace (its serving snapshot, users, tokens and audit log)."""
    from console import create_app
    from publication.publish import FORMULA_START
    from quality_gate.report import REPORT_NAME

    # the list exports apply publication's injection rule; the gate's offline report is served read-only
    return create_app(ws, _IndexLookup(ws), formula_start=FORMULA_START, gate_report=ws.gate / REPORT_NAME, **options)


def prepare_console(ws: Workspace, *, demo: bool) -> dict[str, str]:
    """Before serving: a snapshot when the warehouse has none yet (built before the console existed), and users —
    ``demo`` makes one account per role with a random password (returned, to be shown once); otherwise at least one
    user must exist (no default password)."""
    from console import UserStore, current_snapshot, demo_users
    from console.access import AccessError
    from interception import index_path

    if current_snapshot(ws) is None and ws.warehouse.exists():
        publish_serving(ws, _warehouse_as_of(ws))
    elif not index_path(ws).exists() and ws.warehouse.exists():
        from interception import build_index

        build_index(ws)
    if demo:
        return demo_users(ws)
    if not UserStore(ws).names():
        raise AccessError(
            f"控制台尚无用户：先用 `cwh console-user add 用户名 --role supervisor --home {ws.home}` 添加"
            "（生产模式不设默认密码；演示可加 --demo）"
        )
    return {}


def _warehouse_as_of(ws: Workspace) -> date:
    from ground.database import read_only

    with read_only(ws.warehouse) as con:
        return con.execute("select max(as_of_date) from mart_publication_context").fetchone()[0]


def serve_console(ws: Workspace, host: str, port: int) -> None:
    """Serve the console with uvicorn until interrupted."""
    import uvicorn

    # no access log: a request line may carry what a user typed (the audit log records look-ups, masked)
    uvicorn.run(
        console_app(ws),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )


def console_add_user(ws: Workspace, name: str, role: str, password: str, *, replace: bool = False) -> str:
    """A console user with an Argon2id-hashed password; returns the role's title."""
    from console import UserStore

    store = UserStore(ws)
    store.add(name, role, password, replace=replace)
    return store.roles.role(role).title


def console_roles() -> dict[str, str]:
    from console import load_roles

    return {name: role.title for name, role in load_roles().roles.items()}


def console_add_token(ws: Workspace, system: str, *, replace: bool = False) -> str:
    """A new API token for a calling system (returned once; only its hash is stored)."""
    from console import TokenStore

    return TokenStore(ws).add(system, replace=replace)


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
    rows = [r for r in read_rule_table(path) if r["rule_code"] == rule_code]
    r = the_one_in_force(rows, day, f"{rule_code}（{path.name}）")
    return ScheduleRule(
        r["rule_code"],
        int(r["rule_value"]),
        date.fromisoformat(r["valid_from"]),
        date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
        r["source"],
    )


def feedback_month(as_of: date) -> str:
    """The month being reported on: the month before ``as_of`` (YYYY-MM)."""
    return (as_of.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def working_day_of_month(day: date) -> int | None:
    """1 for the month's first working day, 2 for the second …; None on a rest day."""
    from ground.workdays import is_working_day  # the calendar loads on first use

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
    return sorted(
        (
            ReportModel(
                n["name"],
                f'"{n["schema"]}"."{n.get("alias") or n["name"]}"',
                n.get("description", ""),
                {c: v.get("description", "") for c, v in n.get("columns", {}).items()},
            )
            for n in nodes
            if n["resource_type"] == "model" and tag in n.get("tags", [])
        ),
        key=lambda m: m.name,
    )


def export_reports(ws: Workspace, models: list[ReportModel], target: Path, header: dict) -> dict:
    """Each model → ``<name>.csv`` (all rows, ordered, UTF-8) and a ``manifest.json``; assembled in scratch space and
    renamed into place, so a reader sees the previous report or the new one, never half of one."""
    from ground.database import read_only  # DuckDB loads when a job runs, not when a DAG file is parsed

    with scratch_folder(target.parent) as scratch:
        files = []
        if models:
            with read_only(ws.warehouse) as con:
                for m in models:
                    path = scratch / f"{m.name}.csv"
                    con.execute(f"copy (select * from {m.relation} order by all) to '{path}' (header, delimiter ',')")
                    rows = con.execute(f"select count(*) from {m.relation}").fetchone()[0]
                    files.append(
                        {
                            "file": path.name,
                            "model": m.name,
                            "title": m.description,
                            "rows": rows,
                            "columns": m.columns,
                            "sha256": sha256_file(path),
                        }
                    )
        atomic_write_json(scratch / "manifest.json", {**header, "files": files})
        swap_into_place(scratch, target)
    return {
        **header,
        "path": str(target),
        "files": [f["file"] for f in files] + ["manifest.json"],
        "rows": {f["model"]: f["rows"] for f in files},
    }


def export_monthly_feedback(ws: Workspace, as_of: date) -> dict:
    month = feedback_month(as_of)
    header = {
        "feedback_month": month,
        "as_of_date": as_of.isoformat(),
        "tag": MONTHLY_FEEDBACK_TAG,
        "title": f"{month} 失信惩戒（强化监管）实施情况反馈",
    }
    return export_reports(ws, tagged_models(ws, MONTHLY_FEEDBACK_TAG), feedback_reports(ws) / month, header)


def monthly_feedback(ws: Workspace, as_of: date) -> dict:
    """Build and export in one call (the CLI's way; the DAG runs the two as separate, retryable tasks)."""
    return {"build": build_monthly_feedback(ws, as_of), "export": export_monthly_feedback(ws, as_of)}
