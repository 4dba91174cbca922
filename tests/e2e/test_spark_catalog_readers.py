"""Everything after dbt works unchanged on the Spark target: the shared demo warehouse's tables laid out as Spark
leaves them (one Parquet folder per table, ``<schema>.db/<table>/``), opened through the catalogue of views
(warehouse/spark_catalog.py), give the same release byte for byte, the same publication rates, the same restriction
index and the same serving snapshot as the DuckDB warehouse itself. Spark's own answers are compared with DuckDB's
in tests/spark/; here the engine is DuckDB on both sides, so any difference is the catalogue's."""

from __future__ import annotations

import filecmp
from pathlib import Path

import duckdb
import pytest
from helpers import Demo

from creditwh import jobs
from ground.database import read_only
from ground.settings import SPARK_TARGET, SPARK_WAREHOUSE_DIR_ENV, Workspace
from warehouse.spark_catalog import refresh


def _as_spark_tables(duck: Workspace, spark: Workspace) -> int:
    """Every table and view of the DuckDB warehouse written as a Spark table's folder (a view too: on Spark every
    model is a table)."""
    with read_only(duck.warehouse) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
        ).fetchall()
        for schema, name in relations:
            folder = spark.spark_warehouse / f"{schema}.db" / name
            folder.mkdir(parents=True)
            part = str(folder / "part-00000-0-c000.snappy.parquet").replace("'", "''")
            con.execute(f'copy (select * from "{schema}"."{name}") to \'{part}\' (format parquet)')
            (folder / "_SUCCESS").touch()
    return len(relations)


def _rows(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        return {n: sorted(con.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}


@pytest.fixture(scope="module")
def spark_ws(demo: Demo, tmp_path_factory) -> Workspace:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(SPARK_WAREHOUSE_DIR_ENV, raising=False)
        home = demo.copy(tmp_path_factory.mktemp("spark"), published=False).home
        (home / "warehouse" / "warehouse.duckdb").unlink()  # nothing reads the DuckDB warehouse on this side
        ws = Workspace(home, SPARK_TARGET)
        count = _as_spark_tables(demo.ws, ws)
        assert len(refresh(ws)) == count
        with read_only(ws.warehouse) as con:  # views only: every row is read from the Parquet folders
            assert con.execute("select distinct table_type from information_schema.tables").fetchall() == [("VIEW",)]
        jobs.publish(ws, demo.as_of)
        jobs.publication_rates(ws, demo.as_of)
        jobs.publish_serving(ws, demo.as_of)
        yield ws


def test_the_same_release_byte_for_byte(demo, spark_ws):
    ours, theirs = demo.release.path, spark_ws.publication / "releases" / demo.as_of.isoformat()
    names = sorted(p.relative_to(ours).as_posix() for p in ours.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(theirs).as_posix() for p in theirs.rglob("*") if p.is_file())
    assert filecmp.cmpfiles(ours, theirs, names, shallow=False) == (names, [], [])  # same, differing, unreadable


def test_the_same_rates_index_and_serving_snapshot(demo, spark_ws):
    from console import current_snapshot
    from interception import index_path

    duck_ws = demo.copy(Path(str(spark_ws.home) + "-duck"), published=False)
    jobs.publication_rates(duck_ws, demo.as_of)
    jobs.publish_serving(duck_ws, demo.as_of)
    rates = f"rates/{demo.as_of.isoformat()}.csv"
    assert (duck_ws.publication / rates).read_bytes() == (spark_ws.publication / rates).read_bytes()
    assert _rows(index_path(duck_ws)) == _rows(index_path(spark_ws))
    ours, theirs = _rows(current_snapshot(duck_ws).path), _rows(current_snapshot(spark_ws).path)
    ours.pop("snapshot_meta"), theirs.pop("snapshot_meta")  # its id and publication time
    assert ours.keys() == theirs.keys() and ours == theirs
