"""The Spark tables as DuckDB views (warehouse/spark_catalog.py): the readers open ``Workspace.warehouse`` on either
engine. Spark's folders are imitated here with DuckDB's own Parquet writer (no Spark in this environment)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ground.database import read_only
from ground.settings import SPARK_TARGET, SPARK_WAREHOUSE_DIR_ENV, Workspace
from warehouse import mart_names, table_counts
from warehouse.spark_catalog import CatalogError, refresh, spark_tables


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def spark_table(ws: Workspace, schema: str, name: str, select: str, *, partition_by: str | None = None) -> Path:
    """A table as Spark leaves it: part files, _SUCCESS and .crc checksums, or <column>=<value>/ folders."""
    folder = ws.spark_warehouse / f"{schema}.db" / name
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        if partition_by:
            con.execute(f"copy ({select}) to {_lit(folder)} (format parquet, partition_by ({partition_by}))")
        else:
            for part in ("00000", "00001"):
                con.execute(
                    f"copy ({select}) to {_lit(folder / f'part-{part}-x-c000.snappy.parquet')} (format parquet)"
                )
    (folder / "_SUCCESS").touch()
    (folder / ".part-00000-x-c000.snappy.parquet.crc").write_bytes(b"\x00crc")
    return folder


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Workspace:
    monkeypatch.delenv(SPARK_WAREHOUSE_DIR_ENV, raising=False)
    return Workspace(tmp_path / "home", SPARK_TARGET).ensure()


def test_every_table_becomes_a_view_of_the_same_schema_and_name(ws):
    spark_table(ws, "main", "dim_enterprise", "select 'u1' as uscc, date '2026-01-02' as d union all select 'u2', null")
    spark_table(ws, "main", "pub_penalties", "select 1::bigint as n")
    spark_table(ws, "staging", "stg_landing__batches", "select 'b1' as batch_id")
    spark_table(ws, "intermediate", "int_risk__class_thresholds", "select 0.5::decimal(9, 4) as t")
    (ws.spark_warehouse / "main.db" / "_temporary").mkdir()  # Spark's scratch while a job writes: not a table
    tables = refresh(ws)
    assert [(t.schema, t.name) for t in tables] == [
        ("intermediate", "int_risk__class_thresholds"),
        ("main", "dim_enterprise"),
        ("main", "pub_penalties"),
        ("staging", "stg_landing__batches"),
    ]
    assert ws.warehouse == ws.home / "warehouse" / "spark_catalog.duckdb"
    with read_only(ws.warehouse) as con:
        # both part files, read once each; the types as written
        assert con.execute("select count(*), count(d) from dim_enterprise").fetchone() == (4, 2)
        assert con.execute("select typeof(d) from dim_enterprise limit 1").fetchone() == ("DATE",)
        assert con.execute("select t from intermediate.int_risk__class_thresholds limit 1").fetchone()[0] == 0.5
        assert con.execute("select * from staging.stg_landing__batches limit 1").fetchone() == ("b1",)
    # the runner's summary reads the marts as on DuckDB
    assert mart_names(ws) == ["dim_enterprise", "pub_penalties"]
    assert table_counts(ws, ["pub_penalties"]) == {"pub_penalties": 2}


def test_attached_like_the_index_and_the_snapshot_read_it(ws):
    from ground.database import connect

    spark_table(ws, "main", "fct_credit_events", "select 'u1' as uscc")
    refresh(ws)
    with connect(ws.warehouse, read_only=True, attach=True) as con:
        assert con.execute("select uscc from wh.main.fct_credit_events").fetchall() == [("u1",), ("u1",)]


def test_partitioned_table_reads_its_partition_column(ws):
    spark_table(
        ws,
        "main",
        "mart_by_month",
        "select * from (values ('2026-01', 1), ('2026-02', 2)) t(month, n)",
        partition_by="month",
    )
    (table,) = refresh(ws)
    assert table.partitioned
    with read_only(ws.warehouse) as con:
        assert con.execute("select month, n from mart_by_month order by 1").fetchall() == [
            ("2026-01", 1),
            ("2026-02", 2),
        ]


def test_views_follow_a_rewritten_table_and_a_refresh_drops_a_removed_one(ws):
    folder = spark_table(ws, "main", "dim_enterprise", "select 'u1' as uscc")
    spark_table(ws, "main", "pub_gone", "select 1 as x")
    refresh(ws)
    for f in folder.glob("*.parquet"):  # Spark's overwrite: new part files, the old ones gone
        f.unlink()
    with duckdb.connect() as con:
        con.execute(f"copy (select 'u9' as uscc) to '{folder}/part-00000-y-c000.snappy.parquet' (format parquet)")
    with read_only(ws.warehouse) as con:
        assert con.execute("select uscc from dim_enterprise").fetchall() == [("u9",)]
    for f in (ws.spark_warehouse / "main.db" / "pub_gone").iterdir():
        f.unlink()
    (ws.spark_warehouse / "main.db" / "pub_gone").rmdir()
    refresh(ws)
    assert mart_names(ws) == ["dim_enterprise"]
    assert not list(ws.warehouse.parent.glob(".*.tmp*"))  # the scratch file is renamed into place, nothing left


def test_a_table_folder_without_data_files_is_named_in_chinese(ws):
    (ws.spark_warehouse / "main.db" / "dim_enterprise").mkdir(parents=True)
    with pytest.raises(CatalogError, match="没有 Parquet 文件") as info:
        refresh(ws)
    assert "dim_enterprise" in str(info.value)
    assert not ws.warehouse.exists()


def test_nothing_is_written_before_spark_made_a_table(ws):
    assert spark_tables(ws.spark_warehouse) == []
    assert refresh(ws) == []
    assert not ws.warehouse.exists()  # readers then say: run `cwh build` first


def test_the_warehouse_folder_is_a_setting(ws, monkeypatch, tmp_path):
    monkeypatch.setenv(SPARK_WAREHOUSE_DIR_ENV, str(tmp_path / "shared" / "warehouse"))
    assert ws.spark_warehouse == tmp_path / "shared" / "warehouse"
    spark_table(ws, "main", "dim_enterprise", "select 1 as x")
    assert [t.path for t in refresh(ws)] == [tmp_path / "shared" / "warehouse" / "main.db" / "dim_enterprise"]


def test_a_quote_in_the_path_stays_inside_the_literal(tmp_path, monkeypatch):
    monkeypatch.setenv(SPARK_WAREHOUSE_DIR_ENV, str(tmp_path / "o'brien"))
    ws = Workspace(tmp_path / "home", SPARK_TARGET)
    spark_table(ws, "main", "dim_enterprise", "select 7 as x")
    refresh(ws)
    with read_only(ws.warehouse) as con:
        assert con.execute("select sum(x) from dim_enterprise").fetchone() == (14,)
