"""Helpers the tests share (fixtures live in conftest.py): producer files, landed rows, dbt and the CLI in a child
process, copies of a workspace, read-only queries.

Importable as ``helpers`` (``pythonpath = ["tests"]`` in pyproject.toml).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from contracts import FeedContract, load_contracts
from ground.identifiers import make_ric, make_uscc
from ground.settings import AS_OF_DATE_ENV, DBT_PROJECT_DIR, PROJECT_ROOT, Workspace
from ingestion import ledger
from ingestion.landing import ensure_layout, landed_schema, scan_published

if TYPE_CHECKING:
    from publication.publish import Release

AUTHORITY_USCC = "11310000MB2F29521E"
DAGS = PROJECT_ROOT / "dags"


# --- producer files and landed rows ---------------------------------------------------------------------------


def penalty_row(n: int = 1, **overrides) -> dict[str, str]:
    """A valid penalty keyed by canonical field name; ``n`` makes the decision number unique."""
    row = dict(
        party_name="上海市杨浦区鑫达餐饮管理有限公司",
        party_category="法人及非法人组织",
        uscc=make_uscc("9", "1", "310110", "MA1FL2X3"),
        legal_rep_name="張偉",
        legal_rep_id_type="身份证",
        legal_rep_id_number=make_ric("310110", date(1980, 5, 6), "123"),
        decision_number=f"沪市监杨处[2025]1020250{n:05d}号",
        violation_type="食品安全",
        violation_facts="经营超过保质期的食品",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
        penalty_types="罚款;没收违法所得",
        penalty_content="罚款1.5万元",
        fine_amount_wan="1.5",
        confiscation_amount_wan="0.02",
        revoked_licence="",
        decision_date="2025-09-30",
        valid_until="2028-09-30",
        publicity_end="",
        authority_name="上海市杨浦区市场监督管理局",
        authority_uscc=AUTHORITY_USCC,
        domain_code="食品安全",
        heavier_discretion="否",
        procedure_type="普通程序",
        record_status="正常",
        source_unit="上海市杨浦区市场监督管理局",
        source_unit_uscc=AUTHORITY_USCC,
        remarks="",
    )
    row.update(overrides)
    return row


def write_feed(
    ws: Workspace,
    feed: str,
    name: str,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    header: str = "label",
    rename: dict[str, str] | None = None,
    tail: str = "",
    mtime: float | None = None,
) -> Path:
    """Write rows as a producer would: CSV (any encoding) or JSONL, headers by Chinese label or canonical name.
    ``mtime``: when it was delivered — its marker ``<name>.done`` declares that receipt time, and the file's
    modification time is set to it (ingestion never takes the receipt from the modification time)."""
    contract = load_contracts()[feed]
    folder = ws.feeds / contract.producer.code / feed
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    names = [f.name for f in contract.fields]
    heads = [f.label if header == "label" else f.name for f in contract.fields]
    heads = [(rename or {}).get(h, h) for h in heads]
    if name.endswith(".jsonl"):
        text = "".join(
            json.dumps({h: r.get(n, "") for h, n in zip(heads, names)}, ensure_ascii=False) + "\n" for r in rows
        )
    else:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(heads)
        w.writerows([[r.get(n, "") for n in names] for r in rows])
        text = buf.getvalue()
    text += tail
    path.write_bytes(text.encode(encoding))
    if mtime is not None:
        received = datetime.fromtimestamp(mtime, UTC).isoformat()
        path.with_name(f"{name}.done").write_text(f"received_at: {received}\n", encoding="utf-8")
        os.utime(path, (mtime, mtime))
    return path


def read_landed(ws: Workspace, feed: str) -> pl.DataFrame:
    """Every landed row of a feed, every column (a part leaves out its empty ``<f>__raw`` columns), and the
    ``batch_id`` its folder names."""
    return scan_published(ws.landing, load_contracts()[feed]).collect()


def generated_faults(ws: Workspace) -> list[dict]:
    """The faults feedgen planted in the workspace's feeds (one JSON object a line)."""
    text = (ws.feeds / "_generator" / "faults.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def write_ledger_entry(
    ws: Workspace,
    c: FeedContract,
    batch_id: str,
    source_file: str,
    received: datetime,
    *,
    rows: int,
    rejected: bool = False,
    sha256: str = "0" * 64,
) -> None:
    ledger.write_entry(
        ws.ledger,
        ledger.LedgerEntry(
            batch_id=batch_id,
            feed=c.name,
            producer_code=c.producer.code,
            producer_dept=c.producer.department,
            source_file=source_file,
            file_sha256=sha256,
            encoding="utf-8",
            format="csv",
            contract_version=c.version,
            received_at=received.isoformat(),
            ingested_at=received.isoformat(),
            rows_read=rows,
            rows_landed=0 if rejected else rows,
            rows_quarantined=rows if rejected else 0,
            status="rejected" if rejected else "landed",
            error="[schema_drift] 出现合同未定义的列" if rejected else None,
        ),
    )


def land_batch(
    ws: Workspace,
    c: FeedContract,
    n: int,
    rows: list[dict[str, Any]],
    *,
    received: datetime,
    due_by: date,
    committed: bool = True,
) -> str:
    """Rows (typed, canonical names) as ingestion would have landed them — one Parquet part in the batch's folder —
    and, when ``committed``, the batch's ledger entry (a batch without one is unfinished). Returns the batch id."""
    ensure_layout(ws, {c.name: c})
    batch_id = f"{c.name}-{n:016d}"
    source_file = f"{c.producer.code}/{c.name}/{c.name}_{n}.csv"
    frame = pl.DataFrame(
        [
            {
                **{f.name: r.get(f.name) for f in c.fields},
                **{f"{f.name}__raw": None if r.get(f.name) is None else str(r[f.name]) for f in c.fields},
                "_feed": c.name,
                "_producer_code": c.producer.code,
                "_producer_dept": c.producer.department,
                "_producer_dept_uscc": c.producer.department_uscc,
                "_providing_system": c.producer.providing_system,
                "_source_file": source_file,
                "_row_number": k + 2,
                "_received_at": received,
                "_ingested_at": received,
                "_due_by": due_by,
                "_due_by_estimated": False,
                "_is_late": False,
                "_warnings": None,
            }
            for k, r in enumerate(rows)
        ],
        schema=landed_schema(c),
    )
    target = ws.landing / c.name / f"batch_id={batch_id}"
    target.mkdir(parents=True)
    frame.write_parquet(target / "part-00000.parquet")
    if committed:
        write_ledger_entry(ws, c, batch_id, source_file, received, rows=len(rows))
    return batch_id


# --- Airflow (after the airflow_home fixture: Airflow reads its configuration when first imported) --------------


def fresh_airflow():
    """A fresh metadata database with the warehouse pool, and the DAGs of dags/ parsed (a DagBag)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.pool import Pool
    from airflow.utils.db import resetdb

    from creditwh.orchestration import POOL, POOL_DESCRIPTION

    resetdb()
    Pool.create_or_update_pool(POOL, slots=1, description=POOL_DESCRIPTION, include_deferred=False)
    bag = DagBag(dag_folder=DAGS)
    assert not bag.import_errors
    return bag


def task_states(dag_run) -> dict[str, str]:
    """Task id → state of a DAG run's task instances."""
    from airflow.utils.session import create_session

    with create_session() as session:
        return {ti.task_id: ti.state for ti in dag_run.get_task_instances(session=session)}


# --- dbt, the CLI, the warehouse ---------------------------------------------------------------------------------


def dbt(*args: str, home: Path, vars: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run dbt for the workspace at ``home`` in a child process, as warehouse.runner does: DuckDB has one writer and
    an in-process run keeps the file open. Target and logs are the workspace's own (``<home>/dbt``), so a copy of a
    workspace carries its manifest, and runs in one workspace with the same vars reuse dbt's partial parse. The
    as-of date goes in the environment as the runner passes it (``AS_OF_DATE_ENV``): another date keeps the parse."""
    vars = dict(vars or {})
    as_of = vars.pop("as_of_date", None)
    env = dict(
        os.environ,
        CWH_HOME=str(home),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET_PATH=str(home / "dbt" / "target"),
        DBT_LOG_PATH=str(home / "dbt" / "logs"),
        **Workspace(home).duckdb_env(),
    )
    env.pop("CWH_PERSON_KEY_SALT", None)  # person keys are the plain SHA-256 the tests compute
    env.pop(AS_OF_DATE_ENV, None)
    if as_of:
        env[AS_OF_DATE_ENV] = str(as_of)
    exe = Path(sys.executable).with_name("dbt")
    cmd = [str(exe) if exe.exists() else "dbt", *args, "--project-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    if vars:
        cmd += ["--vars", json.dumps(vars, sort_keys=True)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


def dbt_ok(*args: str, home: Path, vars: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = dbt(*args, home=home, vars=vars)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result


def run_results(home: Path) -> list[dict]:
    return json.loads((home / "dbt" / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]


def manifest(home: Path) -> dict:
    return json.loads((home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))


def cwh(*args: str, home: Path, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
    """The command line in a child process, as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "creditwh.cli", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def query(ws: Workspace, sql: str, *params) -> list[tuple]:
    """Rows of a read-only query on the workspace's warehouse."""
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def copy_workspace(ws: Workspace, dest: Path, *, skip: tuple[str, ...] = ("feeds",)) -> Workspace:
    """A copy of the workspace for a test that changes it (the shared one stays as built)."""
    new = Workspace(dest)
    shutil.copytree(ws.home, new.home, ignore=shutil.ignore_patterns(*skip))
    return new.ensure()


def files_of(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the dbt project ---------------------------------------------------------------------------------------------

# feed → staging model, and the few fields staging renames
STAGING_MODELS = {
    "registry": "stg_landing__registry_records",
    "licences": "stg_landing__licences",
    "penalties": "stg_landing__penalties",
    "inspections": "stg_landing__inspections",
    "abnormal_list": "stg_landing__abnormal_listings",
    "serious_list": "stg_landing__serious_listings",
    "court_judgments": "stg_landing__court_judgments",
    "credit_repairs": "stg_landing__credit_repairs",
    "objections": "stg_landing__objections",
    "credit_commitments": "stg_landing__credit_commitments",
    "punishment_feedback": "stg_landing__punishment_feedback_events",
    "risk_warnings": "stg_landing__risk_warnings",
    "disclosure_holds": "stg_landing__disclosure_holds",
}
RENAMED = {("registry", "status"): "registration_status"}
EVENT_FEEDS = (  # the feeds fct_credit_events holds
    "licences",
    "penalties",
    "inspections",
    "abnormal_list",
    "serious_list",
    "credit_repairs",
    "credit_commitments",
    "court_judgments",
)
CORE_MARTS = ("dim_enterprise", "dim_enterprise_names", "fct_credit_events")


# --- the shared demo workspace (built once per session by conftest.demo) -------------------------------------------

DEMO_AS_OF = date(2026, 7, 1)
DEMO_DATA = dict(entities=600, seed=11, start=date(2025, 1, 1), end=date(2026, 6, 30), fault_rate=0.02)


@dataclass(frozen=True)
class Demo:
    """Generated feeds (``DEMO_DATA``) ingested, three records flagged secret (disclosure holds), built and published
    as of ``DEMO_AS_OF``. Read it; copy it (``copy``) to change anything."""

    ws: Workspace
    holds: list[dict[str, str]]
    build: dict
    build_log: list[str]
    release: Release

    @property
    def as_of(self) -> date:
        return DEMO_AS_OF

    def copy(self, dest: Path, *, published: bool = True) -> Workspace:
        """The built workspace without its feeds (and without its release unless ``published``)."""
        return copy_workspace(
            self.ws, dest / "home", skip=("feeds",) if published else ("feeds", "publication", "gate")
        )


def disclosure_hold_rows(ws: Workspace) -> list[dict[str, str]]:
    """Two landed penalties and one licence flagged secret (不予公示), approved before the as-of date."""
    pen = (
        read_landed(ws, "penalties")
        .filter(
            (pl.col("procedure_type") == "普通程序")
            & (pl.col("penalty_types") != "警告")
            & (pl.col("party_category") != "自然人")
            & (pl.col("record_status") == "正常")
            & (pl.col("decision_date") >= date(2026, 1, 1))
        )
        .sort("decision_number")
        .head(2)
    )
    lic = read_landed(ws, "licences").filter(pl.col("party_category") != "自然人").sort("licence_number").head(1)
    rows = [
        dict(
            hold_id=f"BGSTEST{i:04d}",
            record_type="行政处罚",
            record_number=r["decision_number"],
            uscc=r["uscc"],
            hold_reason="涉及国家秘密",
            legal_basis="《中华人民共和国保守国家秘密法》",
            approving_unit="上海市市场监督管理局",
            approved_date="2026-06-01",
            hold_end="",
        )
        for i, r in enumerate(pen.iter_rows(named=True))
    ]
    rows += [
        dict(
            hold_id="BGSTEST9999",
            record_type="行政许可",
            record_number=lic["licence_number"][0],
            uscc=lic["uscc"][0],
            hold_reason="涉及商业秘密",
            legal_basis="《中华人民共和国政府信息公开条例》第十五条",
            approving_unit="上海市市场监督管理局",
            approved_date="2026-06-01",
            hold_end="",
        )
    ]
    return rows
