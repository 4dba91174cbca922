"""DAG integrity over the whole DagBag, and the job functions behind the DAGs (no database, no dbt run)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from helpers import DAGS

from contracts import load_contracts
from creditwh import jobs
from ground.settings import Workspace

PRODUCERS = sorted({c.producer.code for c in load_contracts().values()})
# catchup is a decision per DAG, not a default: every DAG is listed here with the value it must have.
CATCHUP = {
    **{f"ingest_{p}": False for p in PRODUCERS},
    "warehouse_build": False,
    "publication": False,
    "daily_release": False,
    "monthly_feedback": False,
    "weekly_full_check": False,
}
# Tasks that open the DuckDB warehouse (to write, or to read while nothing writes): all take the one-slot pool.
WAREHOUSE_TASKS = {
    "warehouse_build": {"dbt_build"},
    "publication": {"gate", "publish", "delta", "rates"},
    "daily_release": {"dbt_build_daily_release", "gate", "publish", "delta", "rates"},
    "monthly_feedback": {"dbt_build_monthly_feedback", "export_feedback"},
    "weekly_full_check": {"dbt_build_full_check"},
}
HEAVY = ("duckdb", "polars", "pandas", "dbt", "great_expectations", "pandera")


@pytest.fixture(scope="module")
def orchestration(airflow_home):
    from creditwh import orchestration

    return orchestration


@pytest.fixture(scope="module")
def bag(orchestration):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS, known_pools={"default_pool", orchestration.POOL})


# --- integrity ----------------------------------------------------------------------------------------------


def test_no_import_errors_and_every_expected_dag(bag):
    assert bag.import_errors == {}
    assert set(bag.dags) == set(CATCHUP)


def test_every_file_parses_fast(bag):
    stats = {Path(s.file).name: s.duration for s in bag.dagbag_stats}
    assert set(stats) == {p.name for p in DAGS.glob("*.py")}
    assert all(d < timedelta(seconds=2) for d in stats.values()), stats


def test_parsing_imports_no_heavy_library(airflow_home):
    code = (
        "import runpy, sys, pathlib\n"
        f"for f in sorted(pathlib.Path({str(DAGS)!r}).glob('*.py')): runpy.run_path(str(f))\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout[-2000:]


def test_owner_tags_retries_timeouts_and_bilingual_docs(bag, orchestration):
    for dag in bag.dags.values():
        assert "credit-warehouse" in dag.tags and len(dag.tags) >= 2, dag.dag_id
        assert dag.catchup is CATCHUP[dag.dag_id], dag.dag_id
        assert re.search(r"[\u4e00-\u9fff]", dag.doc_md) and "**中文**" in dag.doc_md and "**English**" in dag.doc_md
        assert dag.description
        for t in dag.tasks:
            assert t.owner == orchestration.OWNER, t
            assert t.retries >= 2 and t.retry_delay >= timedelta(minutes=1), t
            assert t.execution_timeout is not None and t.execution_timeout <= timedelta(hours=3), t


def test_one_warehouse_task_at_a_time(bag, orchestration):
    for dag_id, task_ids in WAREHOUSE_TASKS.items():
        dag = bag.dags[dag_id]
        assert dag.max_active_runs == 1
        assert {t.task_id for t in dag.tasks if t.pool == orchestration.POOL} == task_ids


@pytest.mark.parametrize("target", ["spark", "oracle"])
def test_on_spark_no_task_takes_the_duckdb_pool(airflow_home, target):
    """The engine is the workspace's setting, read as the DAG files are parsed: on Spark the same DAGs and tasks, none
    in DuckDB's one-writer pool (only Airflow's default pool is known, so a task in any other is an import error);
    an unknown engine is an import error that says what the setting accepts."""
    code = (
        "import json\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r}, known_pools={{'default_pool'}})\n"
        "print(json.dumps({'errors': [str(e) for e in bag.import_errors.values()],"
        " 'tasks': {d.dag_id: {t.task_id: t.pool for t in d.tasks} for d in bag.dags.values()}}))"
    )
    env = {**os.environ, "CWH_DBT_TARGET": target}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    parsed = json.loads(out.stdout.strip().splitlines()[-1])
    if target == "oracle":
        assert parsed["errors"] and all("CWH_DBT_TARGET 应为 duckdb 或 spark" in e for e in parsed["errors"])
        return
    assert parsed["errors"] == [] and set(parsed["tasks"]) == set(CATCHUP)
    for dag_id, task_ids in WAREHOUSE_TASKS.items():
        assert task_ids <= set(parsed["tasks"][dag_id])
    assert {pool for tasks in parsed["tasks"].values() for pool in tasks.values()} == {"default_pool"}


def test_each_producer_dag_emits_one_asset_per_feed(bag, orchestration):
    for code in PRODUCERS:
        dag = bag.dags[f"ingest_{code}"]
        feeds = {c.name for c in load_contracts().values() if c.producer.code == code}
        assert {t.task_id: [a.name for a in t.outlets] for t in dag.tasks} == {
            f"ingest_{f}": [orchestration.feed_asset(f).name] for f in feeds
        }
        assert dag.max_active_runs == 1  # two polls never ingest the same file at once


def test_build_is_asset_driven_on_every_feed_and_publication_on_the_build(bag, orchestration):
    from airflow.sdk import AssetAny

    condition = bag.dags["warehouse_build"].timetable.asset_condition
    assert isinstance(condition, AssetAny)
    assert {a.name for a in condition.objects} == {orchestration.feed_asset(f).name for f in load_contracts()}
    assert [a.name for a in bag.dags["publication"].timetable.asset_condition.objects] == ["warehouse"]


def test_the_build_first_waits_for_quiet_then_builds(bag, orchestration):
    """Deliveries drive the pipeline: the build's first task waits deferred (no pool, no worker slot) and decides;
    only the build writes the warehouse and emits its Asset."""
    build = bag.dags["warehouse_build"]
    assert {t.task_id: t.outlets for t in build.tasks} == {"wait_for_quiet": [], "dbt_build": [orchestration.WAREHOUSE]}
    wait = build.task_dict["wait_for_quiet"]
    assert isinstance(wait, orchestration.WaitForQuiet) and wait.downstream_task_ids == {"dbt_build"}
    assert wait.pool != orchestration.POOL
    assert {a.name for a in wait.inlets} == {"warehouse"} | {orchestration.feed_asset(f).name for f in load_contracts()}
    assert sorted(wait.ingest_dags) == sorted(d for d in bag.dags if d.startswith("ingest_"))


def test_each_producer_dag_runs_on_its_inbox_watcher_or_the_hourly_safety_net(bag, orchestration):
    from airflow.sdk import AssetOrTimeSchedule
    from airflow.sdk._shared.module_loading import import_string
    from airflow.triggers.base import BaseEventTrigger

    for code in PRODUCERS:
        timetable = bag.dags[f"ingest_{code}"].timetable
        assert isinstance(timetable, AssetOrTimeSchedule)
        assert timetable.timetable.expression == orchestration.INGEST_SCHEDULE
        (inbox,) = timetable.asset_condition.objects
        assert inbox.name == f"inbox.{code}"
        (watcher,) = inbox.watchers
        # the triggerer rebuilds the watcher from its class path and kwargs: an importable BaseEventTrigger
        classpath, kwargs = watcher.trigger.serialize()
        trigger_class = import_string(classpath)
        assert issubclass(trigger_class, BaseEventTrigger) and trigger_class(**kwargs).serialize() == (
            classpath,
            kwargs,
        )
        assert kwargs["producer"] == code
        assert sorted(kwargs["feeds"]) == sorted(c.name for c in load_contracts().values() if c.producer.code == code)


def test_the_safety_net_can_be_switched_off(orchestration, monkeypatch):
    inbox = orchestration.inbox_asset("amr_enforcement", ["penalties"])
    monkeypatch.setattr(orchestration, "INGEST_SCHEDULE", "none")
    assert orchestration.ingestion_schedule(inbox) == [inbox]


def test_publication_steps_are_chained_in_order(bag, orchestration):
    steps = [task_id for task_id, _ in orchestration.PUBLICATION_STEPS]
    assert steps == ["gate", "publish", "delta", "rates"]
    for dag_id in ("publication", "daily_release"):
        dag = bag.dags[dag_id]
        for before, after in itertools.pairwise(steps):
            assert after in dag.task_dict[before].downstream_task_ids
        assert all(job.__module__ == jobs.__name__ for _, job in orchestration.PUBLICATION_STEPS)


def test_the_weekly_full_check_builds_with_every_batchs_tests(bag, orchestration, monkeypatch, tmp_path):
    """Builds after deliveries test new batches only; the weekly one sets the dbt var that tests them all."""
    dag = bag.dags["weekly_full_check"]
    assert dag.task_dict["dbt_build_full_check"].pool == orchestration.POOL
    assert orchestration.FULL_CHECK_SCHEDULE == "0 3 * * 0"
    calls = []
    monkeypatch.setattr(jobs, "_build", lambda ws, as_of, **kw: calls.append(kw) or {"as_of_date": as_of.isoformat()})
    monkeypatch.setattr(jobs, "publish_serving", lambda ws, as_of: {})
    jobs.build_full_check(Workspace(tmp_path), date(2026, 12, 6))
    assert calls == [{"test_every_batch": "true"}]


def test_adding_a_feed_is_adding_a_contract(orchestration, monkeypatch):
    import contracts

    real = load_contracts()
    extra = dataclasses.replace(
        real["penalties"],
        name="penalty_corrections",
        producer=dataclasses.replace(real["penalties"].producer, code="amr_new_office"),
    )
    monkeypatch.setattr(contracts, "load_contracts", lambda: {**real, extra.name: extra})
    dags = {d.dag_id: d for d in orchestration.ingestion_dags(None)}
    assert [t.task_id for t in dags["ingest_amr_new_office"].tasks] == ["ingest_penalty_corrections"]
    condition = orchestration.warehouse_build_dag(None).timetable.asset_condition
    assert "landing.penalty_corrections" in {a.name for a in condition.objects}


# --- helpers that run inside tasks --------------------------------------------------------------------------


def test_business_date_is_the_local_date_of_the_logical_or_queued_time(orchestration):
    late_utc = datetime(2026, 11, 30, 17, 30, tzinfo=ZoneInfo("UTC"))  # 2026-12-01 01:30 in Beijing
    assert orchestration.business_date({"logical_date": late_utc}) == date(2026, 12, 1)
    asset_run = {"logical_date": None, "dag_run": SimpleNamespace(run_after=late_utc)}
    assert orchestration.business_date(asset_run) == date(2026, 12, 1)


def test_errors_retrying_cannot_fix_fail_at_once_with_their_message(orchestration, tmp_path, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    monkeypatch.setenv("CWH_HOME", str(tmp_path / "home"))
    with pytest.raises(AirflowFailException, match="未知的数据项"):
        orchestration.run_job(jobs.ingest_feed, "no_such_feed")
    with pytest.raises(ZeroDivisionError):  # anything else is left to the retries
        orchestration.run_job(lambda ws: 1 / 0)


# --- job functions ------------------------------------------------------------------------------------------


def test_feedback_month_is_the_previous_month():
    assert jobs.feedback_month(date(2026, 1, 5)) == "2025-12"
    assert jobs.feedback_month(date(2026, 12, 1)) == "2026-11"


def test_working_day_of_month_follows_holidays_and_make_up_days():
    # National Day 2025: 1–8 October off, Saturday 11 October a make-up working day
    assert [jobs.working_day_of_month(date(2025, 10, d)) for d in (1, 8, 9, 10, 11, 12, 13)] == [
        None,
        None,
        1,
        2,
        3,
        None,
        4,
    ]


def test_feedback_window_comes_from_the_rule_seed():
    rule = jobs.schedule_rule(jobs.FEEDBACK_RULE, date(2026, 12, 1))
    assert rule.working_days == 5 and "第一周" in rule.source
    with pytest.raises(LookupError, match="应有且只有一条"):
        jobs.schedule_rule(jobs.FEEDBACK_RULE, date(2020, 12, 31))


def test_the_cron_days_cover_the_feedback_window_in_every_month(orchestration):
    days = orchestration.MONTHLY_FEEDBACK_SCHEDULE.split()[2]
    first, last = map(int, days.split("-"))
    for year in (2024, 2025, 2026, 2027):  # 2027: estimated calendar, must still work
        for month in range(1, 13):
            due = [
                d
                for d in range(1, 29)
                if (n := jobs.working_day_of_month(date(year, month, d)))
                and n <= jobs.feedback_window(date(year, month, d))
            ]
            assert len(due) == 5 and first <= due[0] and due[-1] <= last, (year, month, due)


def test_feedback_runs_once_per_month_and_reruns_its_own_day(tmp_path):
    ws = Workspace(tmp_path / "home")
    assert not jobs.feedback_due(ws, date(2025, 10, 8))  # holiday
    assert jobs.feedback_due(ws, date(2025, 10, 9))  # first working day, nothing written yet
    target = jobs.feedback_reports(ws) / "2025-09"
    jobs.export_reports(ws, [], target, {"feedback_month": "2025-09", "as_of_date": "2025-10-09"})
    assert jobs.feedback_due(ws, date(2025, 10, 9))  # a rerun of the day that wrote it
    assert not jobs.feedback_due(ws, date(2025, 10, 10))  # done for this month
    assert not jobs.feedback_due(Workspace(tmp_path / "other"), date(2025, 10, 16))  # past the window


def test_tagged_models_come_from_the_dbt_manifest(tmp_path):
    ws = Workspace(tmp_path / "home")
    target = ws.home / "dbt" / "target"
    target.mkdir(parents=True)
    node = {
        "resource_type": "model",
        "name": "mart_punishment_feedback",
        "schema": "main",
        "alias": None,
        "tags": ["monthly_feedback"],
        "description": "失信惩戒实施情况月报",
        "columns": {"uscc": {"description": "统一社会信用代码"}},
    }
    nodes = {"a": node, "b": {**node, "name": "dim_enterprise", "tags": []}, "c": {**node, "resource_type": "test"}}
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (model,) = jobs.tagged_models(ws, "monthly_feedback")
    assert model == jobs.ReportModel(
        "mart_punishment_feedback",
        '"main"."mart_punishment_feedback"',
        "失信惩戒实施情况月报",
        {"uscc": "统一社会信用代码"},
    )


def test_report_export_is_atomic_ordered_and_repeatable(tmp_path):
    import duckdb

    ws = Workspace(tmp_path / "home").ensure()
    with duckdb.connect(str(ws.warehouse)) as con:
        con.execute("create table feedback as select * from (values ('b', 2), ('a', 1)) t(uscc, measures)")
    model = jobs.ReportModel(
        "feedback", '"main"."feedback"', "反馈", {"uscc": "统一社会信用代码", "measures": "措施数"}
    )
    target = jobs.feedback_reports(ws) / "2026-11"
    header = {"feedback_month": "2026-11", "as_of_date": "2026-12-01"}
    first = jobs.export_reports(ws, [model], target, header)
    assert first["files"] == ["feedback.csv", "manifest.json"] and first["rows"] == {"feedback": 2}
    assert (target / "feedback.csv").read_text(encoding="utf-8").splitlines() == ["uscc,measures", "a,1", "b,2"]
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    jobs.export_reports(ws, [model], target, header)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in target.parent.iterdir()] == ["2026-11"]  # no scratch or old folder left behind
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"][0]["columns"]["uscc"] == "统一社会信用代码" and manifest["as_of_date"] == "2026-12-01"


def test_the_ingest_task_logs_every_file_it_did_not_ingest(orchestration, monkeypatch, caplog):
    """A delivery still being written, a refused link or a vanished file makes no batch: the task log says which
    and why (pending at INFO, the others at WARNING), and the task is skipped when nothing landed."""
    from airflow.sdk.exceptions import AirflowSkipException

    summary = {
        "feed": "penalties",
        "batches": [],
        "not_ingested": [
            {"source_file": "amr_enforcement/penalties/a.csv", "status": "pending", "reason": "仍在写入"},
            {"source_file": "amr_enforcement/penalties/b.csv", "status": "refused", "reason": "符号链接"},
        ],
        "landed": 0,
        "rejected": 0,
        "skipped": 0,
    }
    monkeypatch.setattr(orchestration, "run_job", lambda job, *args: summary)
    with caplog.at_level("INFO", logger=orchestration.__name__), pytest.raises(AirflowSkipException):
        orchestration.ingest.function("penalties", outlet_events={})
    logged = {(r.levelname, r.getMessage()) for r in caplog.records if r.name == orchestration.__name__}
    assert ("INFO", "未入库 amr_enforcement/penalties/a.csv（pending）：仍在写入") in logged
    assert ("WARNING", "未入库 amr_enforcement/penalties/b.csv（refused）：符号链接") in logged
