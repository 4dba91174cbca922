"""One warehouse whatever the path (issue 25): the same deliveries build the same marts and the same release.

The deliveries are generated once, each with its receipt declared (feedgen writes the markers). They then reach two
workspaces in different orders, as copies whose modification times say nothing:

- the service layer as ``cwh run`` calls it (``jobs.ingest`` → ``jobs.build_warehouse`` → ``jobs.publish``): file by
  file in a random order, sixteen at a time, each file's modification time set at random; one feed's receipts are
  declared by its folder's receipts manifest instead of markers;
- the DAGs (``dag.test()``, as in test_dags_e2e.py): producer by producer in reverse order, each file a plain copy
  (modified now), each producer's ingestion DAG after its files; then ``warehouse_build`` and ``publication``.

Built for one as-of date, every ``mart_*``, ``dim_*``, ``fct_*`` and ``pub_*`` table holds the same rows (order free)
and every file of the release — manifest included — is byte-identical; so is the ingestion log but for when each
batch was ingested. The two paths run side by side (the service layer in a thread: its dbt build is a child process).

Also a check of the dbt project: no aggregate that takes whichever of several tied rows comes first.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from helpers import files_of, fresh_airflow, task_states

from creditwh import jobs
from ground.settings import DBT_PROJECT_DIR, Workspace
from ingestion.inbox import MARKER, RECEIPTS, parse_marker
from ingestion.ledger import all_entries

pytestmark = pytest.mark.e2e

AS_OF = date(2026, 11, 23)
LOGICAL = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DATA = dict(entities=150, seed=25, start=date(2025, 5, 1), end=date(2026, 10, 31), fault_rate=0.02)
BY_MANIFEST = "inspections"  # the feed whose receipts the service-layer path declares in one manifest
WAVE = 16  # files delivered between two ingestion runs on the service-layer path
COMPARED = ("mart_", "dim_", "fct_", "pub_")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, list[Path]]:
    """The generated deliveries (with their markers) and their paths relative to the inbox."""
    from feedgen import generate

    src = tmp_path_factory.mktemp("deliveries") / "feeds"
    generate(src, **DATA)
    files = sorted(
        p.relative_to(src)
        for p in src.rglob("*")
        if p.is_file() and "_generator" not in p.parts and not p.name.endswith(MARKER)
    )
    return src, files


def _copy(src: Path, ws: Workspace, rel: Path, *, marker: bool = True, mtime: float | None = None) -> None:
    """A plain copy (modified now), its marker first (``mtime``: then the file's modification time set to it)."""
    target = ws.feeds / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if marker:
        shutil.copyfile(src / f"{rel}{MARKER}", ws.feeds / f"{rel}{MARKER}")
    shutil.copyfile(src / rel, target)
    if mtime is not None:
        os.utime(target, (mtime, mtime))


def _through_the_service_layer(src: Path, files: list[Path], home: Path) -> Workspace:
    ws = Workspace(home).ensure()
    rng = random.Random(DATA["seed"])
    declared = [
        (rel, parse_marker((src / f"{rel}{MARKER}").read_bytes())) for rel in files if rel.parts[1] == BY_MANIFEST
    ]
    [folder] = {rel.parent for rel, _ in declared}
    (ws.feeds / folder).mkdir(parents=True)
    (ws.feeds / folder / RECEIPTS).write_text(
        "file,received_at\n" + "".join(f"{rel.name},{at.isoformat()}Z\n" for rel, at in declared), encoding="utf-8"
    )
    order = files[:]
    rng.shuffle(order)
    for start in range(0, len(order), WAVE):
        for rel in order[start : start + WAVE]:
            _copy(src, ws, rel, marker=rel.parts[1] != BY_MANIFEST, mtime=rng.uniform(0, time.time()))
        jobs.ingest(ws)
    jobs.build_warehouse(ws, AS_OF)
    jobs.publish(ws, AS_OF)
    return ws


@pytest.fixture(scope="module")
def built(source, airflow_home, tmp_path_factory) -> tuple[Workspace, Workspace]:
    """(the service-layer workspace, the Airflow workspace), both built and published as of AS_OF."""
    src, files = source
    with ThreadPoolExecutor(max_workers=1) as other:
        service = other.submit(_through_the_service_layer, src, files, tmp_path_factory.mktemp("service") / "home")
        home = tmp_path_factory.mktemp("airflow-path") / "home"
        ws = Workspace(home).ensure()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CWH_HOME", str(home))
            bag = fresh_airflow()
            for producer in sorted({rel.parts[0] for rel in files}, reverse=True):
                for rel in files:
                    if rel.parts[0] == producer:
                        _copy(src, ws, rel)
                run = bag.dags[f"ingest_{producer}"].test(logical_date=LOGICAL)
                assert set(task_states(run).values()) <= {"success", "skipped"}, task_states(run)
            for dag_id in ("warehouse_build", "publication"):
                run = bag.dags[dag_id].test(logical_date=LOGICAL)
                assert run.state == "success" and set(task_states(run).values()) == {"success"}, task_states(run)
        return service.result(), ws


def _rows(ws: Workspace) -> dict[str, tuple[list[tuple[str, str]], list[tuple]]]:
    """Every compared table: its columns and types, and its rows sorted (floats compared exactly)."""
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        names = [
            (schema, name)
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables order by table_name"
            ).fetchall()
            # build_state: what each build took in, by batch id and ingestion time (internal, not a mart)
            if name.startswith(COMPARED) and schema != "build_state"
        ]
        return {
            name: (
                [(c[0], c[1]) for c in con.execute(f'describe "{schema}"."{name}"').fetchall()],
                sorted(con.execute(f'select * from "{schema}"."{name}"').fetchall(), key=repr),
            )
            for schema, name in names
        }


def test_every_mart_holds_the_same_rows_whatever_the_path(built):
    service, airflow = built
    ours, theirs = _rows(service), _rows(airflow)
    assert len(ours) > 30 and set(ours) == set(theirs)
    assert sum(len(rows) for _, rows in ours.values()) > 1000
    differing = {name: (len(ours[name][1]), len(theirs[name][1])) for name in ours if ours[name] != theirs[name]}
    assert not differing, differing


def test_the_release_is_byte_identical_whatever_the_path(built):
    service, airflow = built
    ours = files_of(service.publication / "releases" / AS_OF.isoformat())
    theirs = files_of(airflow.publication / "releases" / AS_OF.isoformat())
    assert Path("manifest.json") in ours and len(ours) > 10
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []


def test_the_ledger_is_the_same_but_for_when_each_batch_was_ingested(built, source):
    service, airflow = built
    _, files = source

    def content(ws: Workspace) -> list[dict]:
        keep = lambda e: {k: v for k, v in vars(e).items() if k not in ("ingested_at", "receipt_declared_by")}  # noqa: E731
        return sorted((keep(e) for e in all_entries(ws.ledger)), key=lambda e: e["batch_id"])

    assert content(service) == content(airflow)
    entries = all_entries(service.ledger)
    assert {e.receipt_source for e in entries} == {"declared"}
    [folder] = {rel.parent.as_posix() for rel in files if rel.parts[1] == BY_MANIFEST}
    assert {e.receipt_declared_by for e in entries if e.feed == BY_MANIFEST} == {f"{folder}/{RECEIPTS}"}
    assert len(entries) < len(files)  # some deliveries held the same bytes (header only): one batch each


def test_the_receipts_are_the_declared_ones_not_the_modification_times(built, source):
    service, _ = built
    src, files = source
    declared = {rel.as_posix(): parse_marker((src / f"{rel}{MARKER}").read_bytes()) for rel in files}
    for e in all_entries(service.ledger):
        assert datetime.fromisoformat(e.received_at) == declared[e.source_file], e.source_file
    manifest = json.loads((service.publication / "releases" / AS_OF.isoformat() / "manifest.json").read_text("utf-8"))
    assert manifest["generated_at"] == f"{AS_OF.isoformat()}T00:00:00+08:00"  # from the as-of date, not the clock
    assert datetime.fromisoformat(manifest["data_received_until"]) <= max(declared.values())


# ---- the dbt project: no aggregate that depends on the order rows arrive in ---------------------------------------

# arg_max / arg_min pick among tied rows in arrival order: record_versions.sql's arg_max_received / arg_min_received
# break ties by the version order, or first(… order by <a total order>) states one; string_agg and list need an order.
ORDER_DEPENDENT = {
    "arg_max / arg_min": re.compile(r"\b(?:arg_max|arg_min|max_by|min_by|any_value_by)\s*\(", re.IGNORECASE),
    "string_agg or array_agg without order by": re.compile(
        r"\b(?:string_agg|group_concat|array_agg)\s*\((?:[^()]|\([^()]*\))*\)", re.IGNORECASE
    ),
    "first or last without order by": re.compile(r"\b(?:first|last)\s*\((?:[^()]|\([^()]*\))*\)", re.IGNORECASE),
}


# Spark's form of first(… order by …) (macros/portable.sql, record_versions.sql): max_by / min_by over a struct of the
# sort keys, one of which is {{ by }} / the version order — the struct is the total order, as the order by list is.
# DuckDB's first_n_rows (macros/portable.sql): min_by over the row (key, value) — rows tied on the key are taken
# in the order of their value (a struct of the row's fields), so which of them come first cannot change the result.
BY_TOTAL_KEY = re.compile(
    r"(?:max_by|min_by)\s*\(\{\{ value \}\},\s*(?:struct\(|row\(\{\{ order_by \}\},\s*\{\{ value \}\}\))",
    re.IGNORECASE,
)


def _sql_without_comments(path: Path) -> str:
    text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return re.sub(r"--[^\n]*", "", text)


@pytest.mark.parametrize("kind", sorted(ORDER_DEPENDENT))
def test_no_model_takes_whichever_tied_row_comes_first(kind):
    found = []
    for path in sorted(DBT_PROJECT_DIR.glob("models/**/*.sql")) + sorted(DBT_PROJECT_DIR.glob("macros/*.sql")):
        for m in ORDER_DEPENDENT[kind].finditer(_sql_without_comments(path)):
            if kind != "arg_max / arg_min" and re.search(r"\border\s+by\b", m.group(0), re.IGNORECASE):
                continue
            if kind == "arg_max / arg_min" and BY_TOTAL_KEY.match(_sql_without_comments(path), m.start()):
                continue
            found.append(f"{path.relative_to(DBT_PROJECT_DIR)}: {' '.join(m.group(0).split())[:80]}")
    assert not found, f"{kind}: give a total order (macros/record_versions.sql) — {found}"
