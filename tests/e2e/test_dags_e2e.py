"""The DAGs end to end with ``dag.test()`` (SQLite metadata, no servers) on a small generated data set:
every producer's ingestion DAG → warehouse build → publication, then the asset events and the release are checked."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from helpers import DAGS, fresh_airflow, task_states

from ground.settings import Workspace

pytestmark = pytest.mark.e2e

AS_OF = date(2026, 11, 23)
LOGICAL = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def airflow(airflow_home, tmp_path_factory):
    """Generated feeds in a fresh workspace, a fresh metadata database with the warehouse pool, the parsed DAGs."""
    from feedgen import generate

    home = tmp_path_factory.mktemp("cwh") / "home"
    ws = Workspace(home).ensure()
    generate(ws.feeds, entities=200, seed=11, start=date(2025, 1, 1), end=date(2026, 10, 31), fault_rate=0.02)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CWH_HOME", str(home))
        yield ws, fresh_airflow()


_states = task_states


def _asset_events() -> dict[str, list[dict]]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetEvent.extra).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
        ).all()
    events: dict[str, list[dict]] = {}
    for name, extra in rows:
        events.setdefault(name, []).append(extra)
    return events


@pytest.fixture(scope="module")
def ingested(airflow):
    ws, bag = airflow
    runs = {
        dag_id: bag.dags[dag_id].test(logical_date=LOGICAL)
        for dag_id in sorted(bag.dags)
        if dag_id.startswith("ingest_")
    }
    return ws, bag, runs


def test_every_producer_dag_lands_its_feeds_and_emits_their_assets(ingested):
    from contracts import load_contracts
    from ingestion.ledger import all_entries

    ws, _, runs = ingested
    contracts = load_contracts()
    assert set(runs) == {f"ingest_{c.producer.code}" for c in contracts.values()}
    for dag_id, run in runs.items():
        assert run.state == "success", dag_id
        assert set(_states(run).values()) <= {"success", "skipped"}, _states(run)
    landed = {e.feed for e in all_entries(ws.ledger) if e.status == "landed"}
    events = _asset_events()
    assert {name.removeprefix("landing.") for name in events if name.startswith("landing.")} == landed
    for feed in landed:
        (extra,) = events[f"landing.{feed}"]  # one event per run, however many batches landed
        assert extra["batches"] and extra["rows_landed"] >= 0
    assert sum(events[f"landing.{feed}"][0]["rows_landed"] for feed in landed) > 0


def test_a_rerun_lands_nothing_and_emits_no_asset(ingested):
    _, bag, _ = ingested
    before = _asset_events()
    run = bag.dags["ingest_amr_enforcement"].test(logical_date=datetime(2026, 11, 23, 2, 7, tzinfo=ZoneInfo("UTC")))
    assert run.state == "success"
    assert set(_states(run).values()) == {"skipped"}
    assert _asset_events() == before


@pytest.fixture(scope="module")
def published(ingested):
    ws, bag, _ = ingested
    build = bag.dags["warehouse_build"].test(logical_date=LOGICAL)
    publication = bag.dags["publication"].test(logical_date=LOGICAL)
    return ws, build, publication


def test_build_emits_the_warehouse_asset_with_its_as_of_date(published):
    ws, build, _ = published
    assert build.state == "success", _states(build)
    assert ws.warehouse.exists()
    (extra,) = _asset_events()["warehouse"]
    assert extra["as_of_date"] == AS_OF.isoformat() and extra["models"] > 0 and extra["tests"] > 0


def test_publication_writes_the_release_of_the_logical_date(published):
    import duckdb

    ws, _, publication = published
    assert publication.state == "success", _states(publication)
    assert _states(publication) == {
        "release_date": "success",
        "gate": "success",
        "publish": "success",
        "delta": "success",
        "rates": "success",
    }
    release = ws.publication / "releases" / AS_OF.isoformat()
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_date"] == AS_OF.isoformat() and manifest["gate"]["success"]
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        for name, record in manifest["record_types"].items():
            assert record["rows"] == con.execute(f"select count(*) from pub_{name}").fetchone()[0] > 0
    for f in manifest["files"]:
        assert (release / f["file"]).stat().st_size == f["bytes"]
    # the first release: every row is added, nothing against a previous release
    assert manifest["delta"]["against"] is None
    assert {n: c["added"] for n, c in manifest["delta"]["counts"].items()} == {
        n: r["rows"] for n, r in manifest["record_types"].items()
    }
    assert (ws.publication / "rates" / f"{AS_OF.isoformat()}.csv").read_text(encoding="utf-8").startswith("记录类型")
    assert "publication.release" in _asset_events()


def test_daily_release_reruns_the_day_without_changing_a_byte(published):
    ws, _, _ = published
    release = ws.publication / "releases" / AS_OF.isoformat()
    before = {p.relative_to(release): p.read_bytes() for p in release.rglob("*") if p.is_file()}
    from airflow.dag_processing.dagbag import DagBag

    run = DagBag(dag_folder=DAGS).dags["daily_release"].test(logical_date=LOGICAL)
    assert _states(run) == {
        "as_of_date": "success",
        "dbt_build_daily_release": "success",
        "gate": "success",
        "publish": "success",
        "delta": "success",
        "rates": "success",
    }
    assert {p.relative_to(release): p.read_bytes() for p in release.rglob("*") if p.is_file()} == before


def test_monthly_feedback_runs_on_the_first_working_day_only(published):
    ws, _, _ = published
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=DAGS).dags["monthly_feedback"]
    first = dag.test(logical_date=datetime(2026, 12, 1, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert set(_states(first).values()) == {"success"}
    # the models tagged monthly_feedback are exported, each CSV listed with its row count and hash
    report = ws.home / "reports" / "feedback" / "2026-11"
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["feedback_month"] == "2026-11" and manifest["as_of_date"] == "2026-12-01"
    assert "mart_punishment_monthly_feedback" in {f["model"] for f in manifest["files"]}
    for f in manifest["files"]:
        assert (report / f["file"]).is_file()
    second = dag.test(logical_date=datetime(2026, 12, 2, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    states = _states(second)
    assert states["feedback_due"] == "success"
    assert states["dbt_build_monthly_feedback"] == states["export_feedback"] == "skipped"
