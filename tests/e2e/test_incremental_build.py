"""Incremental builds equal a full refresh (issue 26): the warehouse built delivery by delivery, as the pipeline
builds it, holds exactly what one full refresh of the final state holds — table by table, every schema.

The deliveries are generated once, with their receipts declared (feedgen writes the markers), and reach the
workspace in waves by receipt time; after each wave the workspace is ingested and built the way the pipeline builds
it (no ``--full-refresh``). Then, as the days go on: two of "the next day's deliveries" (``cwh generate
--next-day``), and a copy of an early delivery under another name that declares an earlier receipt — it takes the
committed batch's place (same batch id, new provenance), so incremental staging must load that batch again. Last, a
copy of the landing zone is built with ``--full-refresh`` and every table of both warehouses is compared, rows order
free, values exact. The as-of date moves with the builds, as the pipeline's does (each build is for its business
date): a wave is built as of its last receipt date, each later build a day on; the full refresh is for the last build's
date. Left out: the snapshot (``snapshots`` schema: it records build times) and the work sets — tables
a model marks ``meta: {work_set: true}``, which hold what one build computed (on an incremental build, the current
month for every enterprise and earlier months for the change set only; docs/risk.md).
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from helpers import copy_workspace, dbt_ok, manifest

from creditwh import jobs
from ground.settings import Workspace
from ingestion.inbox import MARKER, parse_marker

pytestmark = pytest.mark.e2e

FINAL_AS_OF = date(2026, 11, 23)
DATA = dict(entities=150, seed=26, start=date(2025, 5, 1), end=date(2026, 10, 31), fault_rate=0.02)
WAVES = (date(2025, 12, 1), date(2026, 6, 1))  # receipts before the first date, before the second, the rest
AS_OF_WAVES = (*WAVES, FINAL_AS_OF - timedelta(days=3))  # each wave's build; then a day on for each later build
LEFT_OUT = ("snapshots",)  # dbt_valid_from / dbt_valid_to are build times


def _deliveries(src: Path) -> list[tuple[Path, date]]:
    """Each generated file (relative to the inbox) with the receipt date its marker declares, in receipt order."""
    from feedgen import generate

    generate(src, **DATA)
    files = [
        p.relative_to(src)
        for p in src.rglob("*")
        if p.is_file() and "_generator" not in p.parts and not p.name.endswith(MARKER)
    ]
    received = {rel: parse_marker((src / f"{rel}{MARKER}").read_bytes()) for rel in files}
    return sorted(((rel, at.date()) for rel, at in received.items() if at is not None), key=lambda x: (x[1], x[0]))


def _deliver(src: Path, ws: Workspace, rel: Path, as_name: Path | None = None, marker: bytes | None = None) -> None:
    target = ws.feeds / (as_name or rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{target}{MARKER}").write_bytes(marker if marker is not None else (src / f"{rel}{MARKER}").read_bytes())
    shutil.copyfile(src / rel, target)


def _build(ws: Workspace, as_of: date, *flags: str) -> None:
    dbt_ok("run", *flags, home=ws.home, vars={"as_of_date": as_of.isoformat()})


def _work_sets(ws: Workspace) -> set[str]:
    return {
        f"{node['schema']}.{node['alias'] or node['name']}"
        for node in manifest(ws.home)["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("meta", {}).get("work_set")
    }


def _tables(ws: Workspace) -> dict[str, tuple[list[tuple], list[tuple]]]:
    """Every table of the warehouse but the left-out schemas and the work sets: (columns and types, rows sorted)."""
    left_out = _work_sets(ws)
    assert "intermediate.int_risk__scores" in left_out
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{name}": (
                con.execute(f'describe "{schema}"."{name}"').fetchall(),
                sorted(con.execute(f'select * from "{schema}"."{name}"').fetchall(), key=repr),
            )
            for schema, name in names
            if schema not in LEFT_OUT and f"{schema}.{name}" not in left_out
        }


@pytest.fixture(scope="module")
def day_by_day(tmp_path_factory) -> tuple[Workspace, Workspace]:
    """(the workspace built delivery by delivery, its copy built once with --full-refresh)."""
    src = tmp_path_factory.mktemp("deliveries") / "feeds"
    deliveries = _deliveries(src)
    ws = Workspace(tmp_path_factory.mktemp("incremental") / "home").ensure()
    shutil.copytree(src / "_generator", ws.feeds / "_generator")  # what --next-day reads of the generated world
    dbt_ok("seed", home=ws.home, vars={"as_of_date": FINAL_AS_OF.isoformat()})
    bounds = [*WAVES, date.max]
    for i, (bound, as_of) in enumerate(zip(bounds, AS_OF_WAVES, strict=True)):
        low = bounds[i - 1] if i else date.min
        for rel, _ in (d for d in deliveries if low <= d[1] < bound):
            _deliver(src, ws, rel)
        jobs.ingest(ws)
        _build(ws, as_of)
    for days in (1, 2):
        assert jobs.generate_next_day(ws).files
        jobs.ingest(ws)
        _build(ws, AS_OF_WAVES[-1] + timedelta(days=days))
    # an early penalty delivery again, under another name, declaring a receipt a day before the first copy's
    rel, received = next(
        d for d in deliveries if d[0].parts[1] == "penalties" and len((src / d[0]).read_bytes().splitlines()) > 1
    )
    earlier = f"received_at: {(received - timedelta(days=1)).isoformat()}T09:00:00+08:00\n".encode()
    _deliver(src, ws, rel, as_name=rel.with_name(f"resent_{rel.name}"), marker=earlier)
    results = jobs.ingest(ws)
    [resent] = [r for r in results if r.source_file.endswith(f"resent_{rel.name}")]
    assert resent.status == "landed" and resent.rows_landed > 0
    _build(ws, FINAL_AS_OF)
    # more deliveries the same day: the as-of date was computed for every enterprise by the build before, so this
    # build recomputes it for the change set only (int_risk__score_dates), and must still equal the full refresh
    assert jobs.generate_next_day(ws).files
    jobs.ingest(ws)
    _build(ws, FINAL_AS_OF)
    full = copy_workspace(ws, tmp_path_factory.mktemp("full") / "home", skip=("feeds", "warehouse"))
    dbt_ok("seed", home=full.home, vars={"as_of_date": FINAL_AS_OF.isoformat()})
    _build(full, FINAL_AS_OF, "--full-refresh")
    return ws, full


def test_every_table_built_day_by_day_equals_a_full_refresh(day_by_day):
    incremental, full = (_tables(ws) for ws in day_by_day)
    assert sorted(incremental) == sorted(full)
    assert any(name.startswith("staging.") for name in full) and any(name.startswith("main.mart_") for name in full)
    differ = [name for name in full if incremental[name] != full[name]]
    assert not differ, {name: (len(incremental[name][1]), len(full[name][1])) for name in differ}


def test_the_last_build_recomputed_the_as_of_date_for_the_change_set_only(day_by_day):
    ws, _ = day_by_day
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        [(changed_only,)] = con.execute(
            "select changed_only from intermediate.int_risk__score_dates where is_current"
        ).fetchall()
        changed = con.execute("select count(*) from intermediate.int_risk__changed_enterprises").fetchone()[0]
        current = con.execute(
            "select count(distinct uscc) from intermediate.int_risk__scores where score_date = ?", [FINAL_AS_OF]
        ).fetchone()[0]
        everyone = con.execute("select count(*) from main.mart_credit_risk_scores").fetchone()[0]
    assert changed_only is True
    assert 0 < current <= changed < everyone


def test_the_replaced_batch_carries_its_new_provenance(day_by_day):
    ws, _ = day_by_day
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        files = con.execute(
            "select distinct _source_file from staging.stg_landing__penalties where _source_file like '%resent_%'"
        ).fetchall()
    assert len(files) == 1
