"""The DAGs under the real Airflow 3.3 components, as deployed (docker-compose.yml, docs/airflow.md "Running with the
real components"): PostgreSQL metadata, ``api-server``, ``scheduler`` (LocalExecutor), ``dag-processor`` and
``triggerer``, each its own process, driven through the REST API v2 only.

One burst of deliveries from every producer (the generator's output as it comes, markers included) → every
``ingest_<producer>`` triggered → ``warehouse_build`` (on the feed Assets) → ``publication`` (on the ``warehouse``
Asset). The release the scheduler wrote must equal, byte for byte, what ``cwh run`` writes from a copy of the same
deliveries for the same date; the gate's task logs carry no progress bar and name the offline gate report.

Everything runs in temporary folders (tests/airflow_stack.py) and is stopped by process group; PostgreSQL with
``pg_ctl stop``. Without PostgreSQL's binaries the test is skipped (``.ci/run`` installs them).
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from airflow_stack import COMPONENTS, LOCAL, Airflow, Api, compose, compose_environment, pg_bin_dir, postgres, wait_for
from helpers import DAGS

from creditwh import jobs
from ground.settings import INGEST_SETTLE_ENV, Workspace

pytestmark = pytest.mark.e2e

# a day's deliveries of a few hundred entities
DELIVERIES = dict(entities=300, seed=23, start=date(2025, 1, 1), end=date(2026, 10, 31), fault_rate=0.02)
STARTUP_TIMEOUT = 240  # migrate, pool, the four components healthy, every DAG parsed
PIPELINE_TIMEOUT = 900  # ingestion → build → publication settled
POLL = 3.0
CHAIN = ("warehouse_build", "publication")
PROGRESS_BAR = "Calculating Metrics"


def _ingest_dags() -> list[str]:
    return [f"ingest_{code}" for code in jobs.producers()]


def _pool() -> tuple[str, str]:
    """The pool's name and description, from the DAG factories' module — read, not imported (importing it would
    configure Airflow in this process, see tests/conftest.py)."""
    source = (DAGS.parent / "creditwh" / "orchestration.py").read_text(encoding="utf-8")
    found = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("POOL", "POOL_DESCRIPTION")
    }
    return found["POOL"], found["POOL_DESCRIPTION"]


@dataclass
class SchedulerRun:
    home: Workspace  # CWH_HOME of the deployment
    logs: Path  # the task logs (AIRFLOW_HOME/logs)
    runs: dict[str, list[dict]]  # dag id → its runs (REST API), oldest first
    tasks: dict[str, dict[str, str]]  # run id (of the build and publication runs) → task id → state
    warehouse_events: list[dict]  # the `warehouse` Asset's events, oldest first
    seconds: dict[str, float]  # wall time of each phase


def _runs(api: Api, dag_id: str) -> list[dict]:
    return api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=run_after")["dag_runs"]


def _failed_detail(api: Api, airflow: Airflow, dag_id: str, run_id: str) -> str:
    """The states of a failed run's tasks and the last lines of each failed task's log."""
    tis = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
    out = [f"\n{dag_id} {run_id}: " + ", ".join(f"{t['task_id']}={t['state']}" for t in tis)]
    for t in tis:
        if t["state"] in ("failed", "up_for_retry", "upstream_failed"):
            for log in sorted(airflow.task_logs.glob(f"dag_id={dag_id}/run_id={run_id}/task_id={t['task_id']}/*.log")):
                out.append(f"----- {log.relative_to(airflow.task_logs)} -----")
                out += [_event(line) for line in log.read_text(errors="replace").splitlines()[-30:]]
    return "\n".join(out)


def _event(line: str) -> str:
    """One task-log line (JSON) as ``level event``; other lines as they are."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    return f"{record.get('level', '')} {record.get('event', '')}" + (
        f" {record['error_detail']}" if record.get("error_detail") else ""
    )


def _progress(api: Api, dag_ids: list[str]) -> str:
    """Each DAG's runs (type, state) and the Asset events queued for it, for a timeout's message."""
    lines = ["\n----- DAG 运行 -----"]
    for dag_id in dag_ids:
        runs = ", ".join(f"{r['run_type']}:{r['state']}" for r in _runs(api, dag_id))
        queued = api.get(f"/api/v2/dags/{dag_id}/assets/queuedEvents")["total_entries"]
        lines.append(f"{dag_id}: {runs or '—'}; queued Asset events {queued}")
    return "\n".join(lines)


def _settled(api: Api, airflow: Airflow, dag_ids: list[str], triggered: set[str]) -> dict[str, list[dict]] | None:
    """Every run of these DAGs finished and no Asset event queued for any of them — the runs, else None. A failed
    run, or a task waiting for its retry (minutes away), fails the test at once, with the tasks' logs."""
    airflow.check_alive()
    runs = {dag_id: _runs(api, dag_id) for dag_id in dag_ids}
    failed = [(d, r["dag_run_id"]) for d, rs in runs.items() for r in rs if r["state"] == "failed"]
    for dag_id, run in ((d, r) for d, rs in runs.items() for r in rs if r["state"] == "running"):
        tis = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
        if any(ti["state"] in ("failed", "up_for_retry", "upstream_failed") for ti in tis):
            failed.append((dag_id, run["dag_run_id"]))
    if failed:
        raise AssertionError(
            "运行失败：" + "".join(_failed_detail(api, airflow, d, r) for d, r in failed) + airflow.tails()
        )
    if not triggered <= {r["dag_run_id"] for rs in runs.values() for r in rs}:
        return None
    if any(r["state"] != "success" for rs in runs.values() for r in rs) or not runs["publication"]:
        return None
    # a finished run has queued what its Asset events trigger before it counts as success
    if any(api.get(f"/api/v2/dags/{dag_id}/assets/queuedEvents")["total_entries"] for dag_id in dag_ids):
        return None
    return runs


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> Path:
    """One burst of deliveries from every producer, generated once (the generator's inbox, markers included)."""
    ws = Workspace(tmp_path_factory.mktemp("generated") / "home").ensure()
    jobs.generate_feeds(ws, **DELIVERIES)
    return ws.feeds


@pytest.fixture(scope="module")
def scheduler_run(deliveries) -> SchedulerRun:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL 未安装（initdb/pg_ctl）：apt-get install -y postgresql（.ci/run 会自动安装）")
    root = Path(tempfile.mkdtemp(prefix="cwh-airflow-"))
    ws = Workspace(root / "cwh").ensure()
    shutil.copytree(deliveries, ws.feeds, dirs_exist_ok=True)
    ingest = _ingest_dags()
    seconds: dict[str, float] = {}
    started = time.monotonic()
    try:
        with postgres(bin_dir) as pg:
            # this process's environment goes along, with the tests' settings (tests/conftest.py: no settle time,
            # no quiet wait before a build)
            airflow = Airflow.configure(
                root, pg.url(), DAGS, {"CWH_HOME": str(ws.home), INGEST_SETTLE_ENV: "0", "PYTHONUNBUFFERED": "1"}
            )
            try:
                airflow.cli("db", "migrate")
                pool, description = _pool()
                airflow.cli("pools", "set", pool, "1", description)
                for component in COMPONENTS:
                    airflow.start(component)
                api = Api(f"http://127.0.0.1:{airflow.port}")

                def healthy() -> dict | None:
                    airflow.check_alive()
                    health = api.get("/api/v2/monitor/health")
                    parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
                    return health if all(health.get(p, {}).get("status") == "healthy" for p in parts) else None

                wait_for("四个组件就绪（/api/v2/monitor/health）", healthy, STARTUP_TIMEOUT, on_timeout=airflow.tails)
                api.login(airflow.user, airflow.password())
                expected = {*ingest, *CHAIN, "daily_release", "monthly_feedback", "weekly_full_check"}

                def parsed() -> set[str] | None:
                    airflow.check_alive()
                    errors = api.get("/api/v2/importErrors")
                    assert not errors["total_entries"], errors
                    dags = {d["dag_id"] for d in api.get("/api/v2/dags?limit=100")["dags"]}
                    return dags if dags >= expected else None

                wait_for("DAG 解析完成", parsed, STARTUP_TIMEOUT, on_timeout=airflow.tails)
                seconds["start-up"] = time.monotonic() - started

                # consumers first, so that no Asset event finds them paused; then the producers, then one trigger each
                for dag_id in (*CHAIN, *ingest):
                    assert api.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})["is_paused"] is False
                triggered = {
                    api.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})["dag_run_id"]
                    for dag_id in ingest
                }
                burst = time.monotonic()
                runs = wait_for(
                    "入库 → 仓库构建 → 公示发布全部完成",
                    lambda: _settled(api, airflow, [*ingest, *CHAIN], triggered),
                    PIPELINE_TIMEOUT,
                    every=POLL,
                    on_timeout=lambda: _progress(api, [*ingest, *CHAIN]) + airflow.tails(),
                )
                seconds["pipeline"] = time.monotonic() - burst
                (asset,) = [a for a in api.get("/api/v2/assets?limit=100")["assets"] if a["name"] == "warehouse"]
                events = api.get(f"/api/v2/assets/events?asset_id={asset['id']}&order_by=timestamp&limit=100")
                tasks = {
                    r["dag_run_id"]: {
                        ti["task_id"]: ti["state"]
                        for ti in api.get(f"/api/v2/dags/{dag_id}/dagRuns/{r['dag_run_id']}/taskInstances")[
                            "task_instances"
                        ]
                    }
                    for dag_id in CHAIN
                    for r in runs[dag_id]
                }
            finally:
                leftovers = airflow.stop()
        assert not leftovers, f"停止后仍在运行的进程：{leftovers}"
        seconds["total"] = time.monotonic() - started
        yield SchedulerRun(ws, airflow.task_logs, runs, tasks, events["asset_events"], seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_one_burst_runs_ingestion_then_build_then_publication(scheduler_run, record_property):
    runs, tasks = scheduler_run.runs, scheduler_run.tasks
    for dag_id in _ingest_dags():
        assert any(r["run_type"] == "manual" for r in runs[dag_id]), dag_id
    build_runs, publications = runs["warehouse_build"], runs["publication"]
    assert build_runs and {r["run_type"] for r in build_runs} == {"asset_triggered"}
    assert publications and {r["run_type"] for r in publications} == {"asset_triggered"}
    # a build is a dbt_build that ran — it writes the `warehouse` event; a run may decide there is nothing to build
    built = [r["dag_run_id"] for r in build_runs if tasks[r["dag_run_id"]]["dbt_build"] == "success"]
    assert len(scheduler_run.warehouse_events) == len(built) >= 1
    assert all(set(tasks[r["dag_run_id"]].values()) == {"success"} for r in publications)
    record_property("warehouse_build_runs", len(build_runs))
    record_property("builds", len(built))
    record_property("seconds", scheduler_run.seconds)
    print(
        f"\n一次报送（全部生产部门）：warehouse_build 运行 {len(build_runs)} 次，其中构建（dbt_build）{len(built)} 次；"
        f"publication 运行 {len(publications)} 次；耗时 "
        + "，".join(f"{k} {v:.0f} 秒" for k, v in scheduler_run.seconds.items())
    )
    # Enforced once the build DAG coalesces a burst (a step of its own before dbt_build); before that, recorded only.
    if any(set(tasks[r["dag_run_id"]]) - {"dbt_build"} for r in build_runs):
        assert len(built) == 1, "一次报送应只构建一次仓库"


def _release_date(scheduler_run: SchedulerRun) -> str:
    return scheduler_run.warehouse_events[-1]["extra"]["as_of_date"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_the_release_equals_cwh_run_on_the_same_deliveries(scheduler_run, deliveries, tmp_path):
    day = _release_date(scheduler_run)
    releases = scheduler_run.home.publication / "releases"
    assert sorted(p.name for p in releases.iterdir()) == [day]
    reference = Workspace(tmp_path / "home").ensure()
    shutil.copytree(deliveries, reference.feeds, dirs_exist_ok=True)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cwh")), "run", "--home", str(reference.home), "--skip-generate",
         "--release-date", day],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ours, theirs = _files(releases / day), _files(reference.publication / "releases" / day)
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []


def _task_logs(scheduler_run: SchedulerRun, dag_id: str, task_id: str) -> list[Path]:
    return sorted(scheduler_run.logs.glob(f"dag_id={dag_id}/run_id=*/task_id={task_id}/*.log"))


@pytest.mark.slow
def test_gate_task_logs_have_no_progress_bars_and_name_the_offline_report(scheduler_run):
    gate_logs = [
        log for task in ("gate", "publish") for log in _task_logs(scheduler_run, "publication", task)
    ]  # publish runs the gate again on what it writes
    assert gate_logs
    report = scheduler_run.home.gate / "gate-report.html"
    assert report.is_file()
    for log in gate_logs:
        lines = log.read_text(encoding="utf-8").splitlines()
        assert not [line for line in lines if PROGRESS_BAR in line], log
        assert not [line for line in lines if json.loads(line).get("level") == "error"], log
        events = [json.loads(line).get("event", "") for line in lines]
        assert [e for e in events if "离线报告" in e and str(report) in e], log


def test_the_test_deploys_what_docker_compose_deploys(tmp_path):
    """Same processes, same environment (but for :data:`airflow_stack.LOCAL`), same executor, same pool."""
    services = compose()["services"]
    commands = {s["command"] for name, s in services.items() if name.startswith("airflow-") and name != "airflow-init"}
    assert commands == set(COMPONENTS)
    deployed = compose_environment()
    assert deployed["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert deployed["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    ours = Airflow.configure(tmp_path, "postgresql+psycopg2://airflow@/airflow", DAGS, {}).env
    assert {k: v for k, v in deployed.items() if k not in LOCAL} == {k: ours[k] for k in deployed if k not in LOCAL}
    assert set(deployed) >= LOCAL
    pool, description = _pool()
    assert f'airflow pools set {pool} 1 "{description}"' in services["airflow-init"]["command"][-1]


GATE_IN_A_TASK_PROCESS = """
import sys
from pathlib import Path

import tqdm  # a task process may have imported it long before the gate runs (tqdm reads TQDM_* only then)
import pandas as pd

from contracts.publication import record_types
from quality_gate import run_gate
from quality_gate.gate import load_suite

record = next(r for r in record_types() if r.name == "licences")
columns = load_suite(record)["expectations"][0]["kwargs"]["column_set"]
result = run_gate({record.name: pd.DataFrame([dict.fromkeys(columns, "x")])}, [record], Path(sys.argv[1]))
print(result.expectations, result.report)
"""


def test_the_gate_draws_no_progress_bar_on_stderr(tmp_path):
    """What a scheduler logs as errors (stderr), in seconds: the gate in a process that imported tqdm first."""
    done = subprocess.run(
        [sys.executable, "-c", GATE_IN_A_TASK_PROCESS, str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert PROGRESS_BAR not in done.stderr
    expectations, report = done.stdout.split()
    assert int(expectations) > 0 and Path(report) == tmp_path / "gate-report.html"
