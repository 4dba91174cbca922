"""Deliveries drive the pipeline: the inbox watcher, the quiet wait of the warehouse build, and the build's verdict
(``creditwh.triggers``, ``creditwh.orchestration``; docs/airflow.md, "Deliveries drive the pipeline").

The rules are tested on their own (fake run states, fake looks), the triggers by running them on a real inbox, and
the build DAG with ``dag.test()`` on SQLite metadata (dbt itself is marked successful, not run)."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from helpers import DAGS, penalty_row, write_feed

from creditwh import jobs
from ground.errors import ActionableError
from ground.settings import (
    BUILD_MAX_WAIT_ENV,
    BUILD_QUIET_ENV,
    INBOX_POLL_ENV,
    INGEST_SETTLE_ENV,
    build_max_wait_seconds,
    build_quiet_seconds,
    inbox_poll_seconds,
)


@pytest.fixture(scope="module")
def triggers(airflow_home):
    from creditwh import triggers

    return triggers


@pytest.fixture(scope="module")
def orchestration(airflow_home):
    from creditwh import orchestration

    return orchestration


def delivery(path: str, mtime: float, size: int = 10, feed: str = "penalties") -> jobs.Delivery:
    return jobs.Delivery(feed, f"amr_enforcement/{feed}/{path}", size, int(mtime * 1e9))


def age(path, seconds: float) -> None:
    """Make a file look written (and moved here) ``seconds`` ago: mtime only; ctime is the present."""
    t = time.time() - seconds
    os.utime(path, (t, t))


# --- settings ------------------------------------------------------------------------------------------------


def test_the_settings_come_from_one_place_and_refuse_nonsense(monkeypatch):
    assert (inbox_poll_seconds(), build_quiet_seconds(), build_max_wait_seconds()) == (15.0, 0.0, 3 * 3600.0)
    monkeypatch.setenv(BUILD_QUIET_ENV, "90")
    monkeypatch.setenv(BUILD_MAX_WAIT_ENV, "600")
    assert (build_quiet_seconds(), build_max_wait_seconds()) == (90.0, 600.0)
    for env, text in (
        (INBOX_POLL_ENV, "0"),
        (BUILD_QUIET_ENV, "-1"),
        (BUILD_MAX_WAIT_ENV, "inf"),
        (INBOX_POLL_ENV, "x"),
    ):
        monkeypatch.setenv(env, text)
        with pytest.raises(ActionableError, match=env):
            (inbox_poll_seconds(), build_quiet_seconds(), build_max_wait_seconds())
        monkeypatch.delenv(env)


# --- what counts as a new complete delivery ------------------------------------------------------------------


def test_unread_is_no_batch_of_that_file_since_its_last_write(triggers):
    a, b, c = delivery("a.csv", 1000.4), delivery("b.csv", 1000.4), delivery("c.csv", 1000.4)
    ingested = {
        ("penalties", a.path): 1000.0,  # ingested in the second it was last written: read
        ("penalties", b.path): 999.0,  # rewritten after its batch: unread again
        ("licences", c.path): 2000.0,  # another feed's file of that name says nothing about this one
    }
    assert triggers.unread([a, b, c], ingested) == [b, c]


def test_the_watcher_announces_each_unread_delivery_once(triggers):
    watch = triggers.InboxWatch()
    a, b = delivery("a.csv", 1000), delivery("b.csv", 1000)
    assert watch.new([a], {}) == [a]
    assert watch.new([a], {}) == []  # its ingestion run is queued or running: not again
    assert watch.new([a, b], {}) == [b]
    assert watch.new([a, b], {("penalties", a.path): 1000.0}) == []  # a read
    rewritten = delivery("a.csv", 1500, size=20)
    assert watch.new([rewritten, b], {("penalties", a.path): 1000.0}) == [rewritten]
    assert watch.new([], {}) == []  # everything gone: forgotten …
    assert watch.new([b], {}) == [b]  # … so a delivery that comes back is announced again


def test_the_inbox_look_reuses_the_delivery_protocol_and_the_ingestion_log(ws, triggers, monkeypatch):
    monkeypatch.setenv(INGEST_SETTLE_ENV, "60")
    settled = write_feed(ws, "penalties", "settled.csv", [penalty_row(1)])
    age(settled, 3600)
    marked = write_feed(ws, "penalties", "marked.csv", [penalty_row(2)])
    marked.with_name("marked.csv.done").touch()
    write_feed(ws, "penalties", "writing.csv", [penalty_row(3)])  # written just now, no marker: not complete
    look = jobs.look_at_inbox(ws, ["penalties"])
    assert sorted(d.path.rsplit("/", 1)[1] for d in look.deliveries) == ["marked.csv", "settled.csv"]
    assert look.pending == ["amr_enforcement/penalties/writing.csv"]
    assert time.time() - look.last_change < 60  # the copy of the hour-old file, its ctime

    assert triggers.unread(look.deliveries, jobs.ingested_files(ws, ["penalties"])) == look.deliveries
    jobs.ingest(ws, ["penalties"])
    read: dict = {}
    assert triggers.unread(look.deliveries, jobs.ingested_files(ws, ["penalties"], read)) == []
    assert len(read) == 2 and jobs.ingested_files(ws, ["licences"], read) == {}  # by feed, from what was read

    # the same content again under another name makes no batch: it stays unread (announced once by the watcher)
    again = settled.with_name("settled_again.csv")
    again.write_bytes(settled.read_bytes())
    age(again, 3600)
    jobs.ingest(ws, ["penalties"])
    look = jobs.look_at_inbox(ws, ["penalties"])
    assert [d.path for d in triggers.unread(look.deliveries, jobs.ingested_files(ws, ["penalties"], read))] == [
        "amr_enforcement/penalties/settled_again.csv"
    ]


def test_an_upload_under_a_temporary_name_is_a_change_not_a_delivery(ws):
    folder = ws.feeds / "amr_enforcement" / "penalties"
    folder.mkdir(parents=True)
    old = write_feed(ws, "penalties", "old.csv", [penalty_row(1)], mtime=time.time() - 86400)
    before = jobs.look_at_inbox(ws, ["penalties"]).last_change
    time.sleep(0.02)
    (folder / "new.csv.part").write_bytes(old.read_bytes()[:100])
    look = jobs.look_at_inbox(ws, ["penalties"])
    assert [d.path for d in look.deliveries] == ["amr_enforcement/penalties/old.csv"] and look.pending == []
    assert look.last_change > before
    assert jobs.look_at_inbox(ws, ["licences"]) == jobs.InboxLook([], [], None)  # no folder: nothing there


def _next(gen, timeout: float = 10):
    return asyncio.wait_for(anext(gen), timeout)


def test_the_inbox_trigger_fires_for_new_complete_deliveries_only(ws, triggers, monkeypatch):
    monkeypatch.setenv("CWH_HOME", str(ws.home))
    trigger = triggers.InboxTrigger(producer="amr_enforcement", feeds=["penalties"], poll_seconds=0.01)
    classpath, kwargs = trigger.serialize()
    assert classpath == "creditwh.triggers.InboxTrigger" and kwargs["feeds"] == ["penalties"]

    async def scenario():
        gen = trigger.run()
        write_feed(ws, "penalties", "a.csv", [penalty_row(1)])
        first = await _next(gen)
        jobs.ingest(ws, ["penalties"])  # what the ingestion run does
        write_feed(ws, "penalties", "b.csv", [penalty_row(2)])
        second = await _next(gen)
        with pytest.raises(TimeoutError):  # a read, b announced: nothing more to say
            await _next(gen, timeout=0.3)
        await gen.aclose()
        return first.payload, second.payload

    first, second = asyncio.run(scenario())
    assert first == {"producer": "amr_enforcement", "deliveries": 1, "files": ["amr_enforcement/penalties/a.csv"]}
    assert second["files"] == ["amr_enforcement/penalties/b.csv"]


def test_the_inbox_trigger_outlives_a_failed_look(ws, triggers, monkeypatch):
    monkeypatch.setenv("CWH_HOME", str(ws.home))
    looks = iter([OSError("permission denied"), jobs.InboxLook([delivery("a.csv", 1000)], [], 1000.0)])

    def look_at_inbox(*_args, **_kwargs):
        item = next(looks)
        if isinstance(item, Exception):
            raise item
        return item

    monkeypatch.setattr(jobs, "look_at_inbox", look_at_inbox)
    trigger = triggers.InboxTrigger(producer="amr_enforcement", feeds=["penalties"], poll_seconds=0.01)
    event = asyncio.run(_next(trigger.run()))
    assert event.payload["deliveries"] == 1


# --- the quiet wait ------------------------------------------------------------------------------------------


def test_the_quiet_clock_counts_from_the_last_activity(triggers):
    Activity = triggers.Activity
    clock = triggers.QuietClock(started_at=100.0, quiet_seconds=60)
    assert not clock.observe(Activity(0, 0, None), 130)  # the wait's start counts: 30 s only
    assert not clock.observe(Activity(1, 0, None), 150)  # an ingestion run queued or running
    assert not clock.observe(Activity(0, 0, 170.0), 200)  # something arrived at 170
    assert not clock.observe(Activity(0, 1, None), 240)  # a delivery still being written
    assert not clock.observe(Activity(0, 0, 170.0), 290)
    assert clock.observe(Activity(0, 0, 170.0), 300)  # 60 s since the last activity, at 240
    future = triggers.QuietClock(started_at=0.0, quiet_seconds=60)
    assert not future.observe(Activity(0, 0, 10_000.0), 100)  # a time in the future counts as now …
    assert future.observe(Activity(0, 0, 10_000.0), 160)  # … not as a wait until then


def _looks(triggers, monkeypatch, activities):
    seen = []

    def look(dag_ids, feeds):
        seen.append((list(dag_ids), list(feeds)))
        return activities[min(len(seen), len(activities)) - 1]

    monkeypatch.setattr(triggers, "look", look)
    return seen


def _quiet_trigger(triggers, **overrides):
    kwargs = {
        "ingest_dags": ["ingest_a", "ingest_b"],
        "feeds": ["penalties"],
        "quiet_seconds": 0.2,
        "poll_seconds": 0.02,
        "max_wait_seconds": 30.0,
        "started_at": time.time(),
    } | overrides
    return triggers.QuietTrigger(**kwargs)


def test_the_quiet_trigger_fires_once_ingestion_has_been_quiet(triggers, monkeypatch):
    busy, idle = triggers.Activity(1, 0, None), triggers.Activity(0, 0, None)
    seen = _looks(triggers, monkeypatch, [busy, busy, busy, idle])
    trigger = _quiet_trigger(triggers)
    started = time.monotonic()
    event = asyncio.run(_next(trigger.run()))
    assert event.payload["quiet"] is True and event.payload["ingest_runs"] == 0
    assert time.monotonic() - started >= 0.2 and len(seen) >= 5  # three busy looks, then idle ones for 0.2 s
    assert seen[0] == (["ingest_a", "ingest_b"], ["penalties"])
    classpath, kwargs = trigger.serialize()
    assert classpath == "creditwh.triggers.QuietTrigger" and triggers.QuietTrigger(**kwargs).serialize()[1] == kwargs


def test_the_quiet_trigger_gives_up_waiting_after_the_longest_wait(triggers, monkeypatch):
    _looks(triggers, monkeypatch, [triggers.Activity(1, 2, None)])
    event = asyncio.run(_next(_quiet_trigger(triggers, max_wait_seconds=0.1).run()))
    assert event.payload["quiet"] is False and event.payload["pending"] == 2
    assert event.payload["waited_seconds"] >= 0.1


def test_a_failed_look_counts_as_busy(triggers, monkeypatch):
    def look(dag_ids, feeds):
        raise RuntimeError("api-server unreachable")

    monkeypatch.setattr(triggers, "look", look)
    event = asyncio.run(_next(_quiet_trigger(triggers, quiet_seconds=0, max_wait_seconds=0.05).run()))
    assert event.payload["quiet"] is False


# --- the build's verdict -------------------------------------------------------------------------------------

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("run_type", "queued", "latest", "last_build", "builds"),
    [
        ("asset_triggered", 0, T0, None, True),  # the first build
        ("asset_triggered", 0, T0 + timedelta(seconds=1), {"landed_through": T0.isoformat()}, True),
        ("asset_triggered", 0, T0, {"landed_through": T0.isoformat()}, False),  # the burst's second run
        ("asset_triggered", 0, T0 - timedelta(hours=1), {"landed_through": T0.isoformat()}, False),
        ("asset_triggered", 0, T0, {"as_of_date": "2026-11-22"}, True),  # a build from before landed_through
        ("asset_triggered", 0, None, {"landed_through": None}, False),
        ("asset_triggered", 1, T0 + timedelta(hours=1), {"landed_through": T0.isoformat()}, False),  # one queued
        ("manual", 0, T0, {"landed_through": T0.isoformat()}, True),  # asked for by hand
        ("manual", 1, T0, None, False),
    ],
)
def test_the_build_verdict(orchestration, run_type, queued, latest, last_build, builds):
    verdict = orchestration.build_verdict(
        run_type=run_type, queued_builds=queued, latest_landing=latest, last_build=last_build
    )
    assert verdict.build is builds and verdict.reason


class FakeEvents:
    """``context["inlet_events"]``: the newest event of each asset (the operator asks for one, newest first)."""

    def __init__(self, newest: dict[str, SimpleNamespace]):
        self.newest, self.asked = newest, []

    def __getitem__(self, asset):
        outer = self

        class Accessor:
            def ascending(self, ascending):
                assert ascending is False
                return self

            def limit(self, n):
                assert n == 1
                outer.asked.append(asset.name)
                return [outer.newest[asset.name]] if asset.name in outer.newest else []

        return Accessor()


def _context(run_type: str, queued: int, newest: dict[str, SimpleNamespace]):
    ti = SimpleNamespace(dag_id="warehouse_build", get_dr_count=lambda dag_id, states: queued)
    return {"ti": ti, "inlet_events": FakeEvents(newest), "dag_run": SimpleNamespace(run_type=run_type)}


def test_the_first_task_skips_the_burst_s_second_run_and_builds_after_new_landings(orchestration, monkeypatch):
    from airflow.sdk.exceptions import AirflowSkipException

    monkeypatch.setattr(orchestration, "active_ingestion_runs", lambda dag_ids: 0)
    dag = orchestration.warehouse_build_dag(None)
    wait = dag.task_dict["wait_for_quiet"]
    quiet = {"quiet": True, "started_at": time.time(), "waited_seconds": 120.0, "ingest_runs": 0, "pending": 0}
    built = SimpleNamespace(extra={"landed_through": T0.isoformat()})
    newest = {"landing.penalties": SimpleNamespace(timestamp=T0), "warehouse": built}
    context = _context("asset_triggered", 0, newest)
    with pytest.raises(AirflowSkipException, match="已包含全部入库批次"):
        wait.resume(context, quiet)
    assert set(context["inlet_events"].asked) == {"warehouse"} | {a.name for a in wait.feed_assets}

    later = T0 + timedelta(minutes=5)
    newest["landing.registry"] = SimpleNamespace(timestamp=later)
    assert wait.resume(_context("asset_triggered", 0, newest), quiet)["landed_through"] == later.isoformat()
    with pytest.raises(AirflowSkipException, match="排队"):
        wait.resume(_context("asset_triggered", 1, newest), quiet)


def test_a_run_with_nothing_to_build_is_skipped_before_it_waits(orchestration, monkeypatch):
    from airflow.sdk.exceptions import AirflowSkipException, TaskDeferred

    monkeypatch.setenv(BUILD_QUIET_ENV, "90")
    wait = orchestration.warehouse_build_dag(None).task_dict["wait_for_quiet"]
    built = SimpleNamespace(extra={"landed_through": T0.isoformat()})
    newest = {"landing.penalties": SimpleNamespace(timestamp=T0), "warehouse": built}
    with pytest.raises(AirflowSkipException, match="已包含全部入库批次"):
        wait.execute(_context("asset_triggered", 0, newest))
    newest["landing.penalties"] = SimpleNamespace(timestamp=T0 + timedelta(seconds=1))
    with pytest.raises(TaskDeferred) as deferred:
        wait.execute(_context("asset_triggered", 0, newest))
    trigger = deferred.value.trigger
    assert (trigger.quiet_seconds, trigger.poll_seconds, trigger.max_wait_seconds) == (90, 15, 3 * 3600)
    assert time.time() - trigger.started_at < 60
    assert deferred.value.timeout >= timedelta(hours=3)  # a backstop only: the trigger ends the wait itself


def test_an_ingestion_run_queued_as_the_wait_ended_sends_it_back_to_waiting(orchestration, monkeypatch):
    from airflow.sdk.exceptions import TaskDeferred

    monkeypatch.setattr(orchestration, "active_ingestion_runs", lambda dag_ids: 1)
    wait = orchestration.warehouse_build_dag(None).task_dict["wait_for_quiet"]
    started = time.time() - 50
    event = {"quiet": True, "started_at": started, "waited_seconds": 50.0, "ingest_runs": 0, "pending": 0}
    with pytest.raises(TaskDeferred) as deferred:
        wait.resume(_context("asset_triggered", 0, {}), event)
    trigger = deferred.value.trigger
    assert type(trigger).__name__ == "QuietTrigger" and trigger.started_at == started  # the longest wait holds
    assert sorted(trigger.ingest_dags) == sorted(f"ingest_{p}" for p in jobs.producers())
    assert deferred.value.method_name == "resume"


# --- the build DAG under dag.test() --------------------------------------------------------------------------

LOGICAL = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def airflow_db(airflow_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("cwh") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CWH_HOME", str(home))
        from airflow.dag_processing.bundles.manager import DagBundlesManager
        from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
        from airflow.models.pool import Pool
        from airflow.utils.db import resetdb
        from airflow.utils.session import create_session

        from creditwh.orchestration import POOL, POOL_DESCRIPTION

        resetdb()
        Pool.create_or_update_pool(POOL, slots=1, description=POOL_DESCRIPTION, include_deferred=False)
        bag = DagBag(dag_folder=DAGS)
        assert not bag.import_errors
        with create_session() as session:  # the DAGs and their Assets in the metadata database, as dag.test() does
            DagBundlesManager().sync_bundles_to_db(session=session)
        sync_bag_to_db(bag, "dags-folder", None)
        yield bag


def _asset_event(name: str, extra: dict | None = None) -> datetime:
    from airflow.assets.manager import AssetManager
    from airflow.models.asset import AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        asset = session.scalars(select(AssetModel).where(AssetModel.name == name)).one()
        event = AssetManager.register_asset_change(asset=asset, extra=extra or {}, session=session)
        session.flush()
        return event.timestamp


def _build(bag, day: int, **kwargs):
    """A warehouse_build run (dbt itself marked successful): the task states and what the first task returned."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    run = bag.dags["warehouse_build"].test(logical_date=LOGICAL + timedelta(days=day), mark_success_pattern="dbt_build")
    with create_session() as session:
        states = {ti.task_id: ti.state for ti in run.get_task_instances(session=session)}
        value = session.scalars(
            select(XComModel.value).where(
                XComModel.dag_id == "warehouse_build",
                XComModel.run_id == run.run_id,
                XComModel.task_id == "wait_for_quiet",
            )
        ).first()
    return states, XComModel.deserialize_value(SimpleNamespace(value=value)) if value is not None else None


def test_the_build_dag_builds_once_per_burst(airflow_db, orchestration, monkeypatch):
    # dag.test() makes manual runs: here they stand for the scheduler's asset-triggered ones
    monkeypatch.setattr(orchestration, "ASSET_TRIGGERED", "manual")
    assert _build(airflow_db, 0)[0] == {"wait_for_quiet": "success", "dbt_build": "success"}  # no build yet

    landed = _asset_event("landing.penalties", {"batches": ["penalties-1"]})
    states, decision = _build(airflow_db, 1)
    assert states == {"wait_for_quiet": "success", "dbt_build": "success"}
    assert datetime.fromisoformat(decision["landed_through"]) == landed.replace(tzinfo=landed.tzinfo or UTC)
    _asset_event("warehouse", {"as_of_date": "2026-11-24", "landed_through": decision["landed_through"]})

    # the burst's second run (its landing events came while the first one waited): nothing new, no build
    assert _build(airflow_db, 2)[0] == {"wait_for_quiet": "skipped", "dbt_build": "skipped"}

    newer = _asset_event("landing.registry", {"batches": ["registry-1"]})
    states, decision = _build(airflow_db, 3)
    assert states["dbt_build"] == "success"
    assert datetime.fromisoformat(decision["landed_through"]) == newer.replace(tzinfo=newer.tzinfo or UTC)


def _add_run(dag_id: str, state: str, day: int) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunType

    when = LOGICAL + timedelta(days=day)
    with create_session() as session:
        session.add(
            DagRun(
                dag_id=dag_id,
                run_id=f"fake__{dag_id}__{day}",
                run_type=DagRunType.MANUAL,
                state=state,
                logical_date=when,
                run_after=when,
            )
        )


def test_the_build_dag_waits_for_ingestion_and_leaves_to_a_queued_build(airflow_db, monkeypatch):
    """Real run states, counted through the execution API from the trigger (run in line by dag.test())."""
    _add_run("ingest_amr_registration", "running", 10)
    monkeypatch.setenv(BUILD_MAX_WAIT_ENV, "1")
    monkeypatch.setenv(INBOX_POLL_ENV, "0.2")
    started = time.monotonic()
    assert _build(airflow_db, 11)[0] == {"wait_for_quiet": "success", "dbt_build": "success"}  # built, after
    assert time.monotonic() - started >= 1  # the longest wait

    _add_run("warehouse_build", "queued", 12)
    monkeypatch.setenv(BUILD_MAX_WAIT_ENV, "30")
    started = time.monotonic()
    assert _build(airflow_db, 13)[0] == {"wait_for_quiet": "skipped", "dbt_build": "skipped"}
    assert time.monotonic() - started < 15  # skipped before it waits (the ingestion run is still running)
