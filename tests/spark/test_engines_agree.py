"""The same landing built on both engines gives the same marts (issue 28; docs/stack.md, "Apache Spark").

A generated landing is built by dbt on DuckDB (the embedded default) and on Apache Spark (target ``spark``: dbt-spark
in session mode, the optional dependency group ``spark`` in ``.venv-spark``, a Java runtime), as of the same date, in
one workspace (DuckDB's file under warehouse/, Spark's catalogue and tables under spark/). The snapshot is taken
three times: with the build, a year later (a licence has expired: its row is closed), and with a second whole build as
of the build's date (the row comes back as a new version; the second build also shows that every model builds again
on a workspace that holds it, Spark's Parquet tables taking no DELETE). Then every table of
the marts (dim_, fct_, mart_, pub_ in the target schema) and the snapshot is compared row for row, order-free: Spark's
tables are read as Parquet from its warehouse folder with DuckDB, and each row must occur as many times on one engine
as on the other (EXCEPT ALL both ways).

The data tests are not run here (the demo build runs them on Spark): the comparison is about the rows.

Skipped when Java or ``.venv-spark`` is missing, unless ``CWH_REQUIRE_SPARK=1`` (then that is a failure).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import date

import duckdb
import pytest
from helpers import dbt_ok

from creditwh import jobs
from ground.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Workspace

pytestmark = pytest.mark.spark

SPARK_DBT = PROJECT_ROOT / ".venv-spark" / "bin" / "dbt"
# Fewer entities than the demo: Spark's time goes mostly to the ~135 nodes (seconds each), little to the rows.
DATA = dict(entities=300, seed=28, start=date(2025, 1, 1), end=date(2026, 6, 30), fault_rate=0.02)
AS_OF = date(2026, 7, 1)
LATER = date(2027, 6, 30)
BUILD = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
# the snapshot again: the key-sector list as of another date, then the snapshot of it
SNAPSHOT_AGAIN = [["run", "--select", "mart_key_sector_enterprises"], ["snapshot"]]
# Last, the whole build again as of the first date, on the same workspace: the snapshot takes the list as of that date
# again, DuckDB's incremental models keep what they hold, and Spark rebuilds its tables (a model that deleted from its
# own Parquet table on a second build would fail here).
STEPS = ((AS_OF, [BUILD]), (LATER, SNAPSHOT_AGAIN), (AS_OF, [BUILD]))
SNAPSHOT = ("snapshots", "snp_key_sector_enterprises")

# Floating point: sums and ratios may be added up in another order on each engine. Doubles are compared rounded to
# this many decimals (the marts' ratios and scores are shown with at most 4).
FLOAT_DECIMALS = 9
# The snapshot's times are the times of its runs, which differ between any two builds: each is replaced by its rank
# among the run times of its table (1 = the first run), and dbt_scd_id (a hash of the key and that time) by whether
# it is set. Everything else is compared as stored.
SNAPSHOT_TIMES = ("dbt_valid_from", "dbt_valid_to", "dbt_updated_at")


def _spark_missing() -> str | None:
    if not SPARK_DBT.exists():
        return f"{SPARK_DBT.parent.parent.name} is missing (UV_PROJECT_ENVIRONMENT=.venv-spark uv sync --group spark)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (openjdk-17-jre-headless)"
    return None


def _spark_dbt(ws: Workspace, *args: str, as_of: date) -> None:
    env = dict(
        os.environ,
        CWH_HOME=str(ws.home),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET_PATH=str(ws.home / "dbt-spark" / "target"),
        DBT_LOG_PATH=str(ws.home / "dbt-spark" / "logs"),
    )
    env.pop("CWH_PERSON_KEY_SALT", None)  # as tests/helpers.dbt: both engines hash with the same (no) salt
    cmd = [str(SPARK_DBT), *args, "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--profiles-dir", str(DBT_PROJECT_DIR), "--vars", json.dumps({"as_of_date": as_of.isoformat()})]
    result = subprocess.run(cmd, env=env, cwd=ws.home, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Workspace:
    missing = _spark_missing()
    if missing:
        if os.environ.get("CWH_REQUIRE_SPARK") == "1":
            pytest.fail(f"CWH_REQUIRE_SPARK=1 but Spark cannot run: {missing}")
        pytest.skip(missing)
    ws = Workspace(tmp_path_factory.mktemp("engines") / "home").ensure()
    jobs.generate_feeds(ws, **DATA)
    jobs.ingest(ws)
    for as_of, steps in STEPS:
        for step in steps:
            dbt_ok(*step, home=ws.home, vars={"as_of_date": as_of.isoformat()})
    started = time.monotonic()
    for as_of, steps in STEPS:
        for step in steps:
            _spark_dbt(ws, *step, as_of=as_of)
    print(f"Spark build: {time.monotonic() - started:.0f} s")
    return ws


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' and ("
        "(table_schema = 'main' and regexp_matches(table_name, '^(dim|fct|mart|pub)_'))"
        " or (table_schema = ? and table_name = ?)) order by all",
        list(SNAPSHOT),
    ).fetchall()
    return [(s, t) for s, t in rows]


def _family(type_name: str) -> str:
    """The kind of value a column holds, whatever each engine calls its type (INTEGER/BIGINT, DECIMAL(p,s), …)."""
    t = type_name.upper()
    for family, prefixes in (
        ("integer", ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")),
        ("decimal", ("DECIMAL",)),
        ("float", ("FLOAT", "DOUBLE")),
        ("timestamp", ("TIMESTAMP",)),
    ):
        if t.startswith(prefixes):
            return family
    return t


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {name: type_ for name, type_, *_ in con.execute(f"describe select * from {relation}").fetchall()}


def _normalised(relation: str, columns: dict[str, str], *, snapshot: bool) -> str:
    """A select over ``relation`` with the columns in DuckDB's order and type, doubles rounded, the snapshot's run
    times as ranks."""
    items = []
    for name, type_ in columns.items():
        value = f'cast(src."{name}" as {type_})'
        if _family(type_) == "float":
            value = f"round({value}, {FLOAT_DECIMALS})"
        if snapshot and name in SNAPSHOT_TIMES:
            value = f'(select rank from run_times where run_times.t = src."{name}")'
        if snapshot and name == "dbt_scd_id":
            value = f'src."{name}" is not null'
        items.append(f'{value} as "{name}"')
    runs = ""
    if snapshot:
        runs = (
            "with run_times as (select t, row_number() over (order by t) as rank from (select distinct t from "
            f"(select dbt_valid_from as t from {relation} union select dbt_valid_to from {relation}) where t is not null))"
        )
    return f"({runs} select {', '.join(items)} from {relation} as src)"


def test_every_mart_and_the_snapshot_agree(built):
    ws = built
    spark_warehouse = ws.home / "spark" / "warehouse"
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        tables = _tables(con)
        assert len(tables) >= 30 and SNAPSHOT in tables, tables  # the marts were built (39 at the time of writing)
        problems: list[str] = []
        for schema, table in tables:
            folder = spark_warehouse / f"{schema}.db" / table
            if not folder.is_dir():
                problems.append(f"{schema}.{table}: not built on Spark")
                continue
            spark = f"read_parquet('{folder}/*.parquet')"
            duck_columns = _columns(con, f"{schema}.{table}")
            spark_columns = _columns(con, spark)
            if list(duck_columns) != list(spark_columns):
                problems.append(f"{schema}.{table}: columns {list(duck_columns)} ≠ {list(spark_columns)}")
                continue
            types = {
                n: (t, spark_columns[n]) for n, t in duck_columns.items() if _family(t) != _family(spark_columns[n])
            }
            if types:
                problems.append(f"{schema}.{table}: types differ (DuckDB, Spark) {types}")
                continue
            snapshot = (schema, table) == SNAPSHOT
            duck_rows = _normalised(f"{schema}.{table}", duck_columns, snapshot=snapshot)
            spark_rows = _normalised(spark, duck_columns, snapshot=snapshot)
            count = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            only_duck = con.execute(f"select * from ({duck_rows} except all {spark_rows}) limit 3").fetchall()
            only_spark = con.execute(f"select * from ({spark_rows} except all {duck_rows}) limit 3").fetchall()
            if only_duck or only_spark:
                problems.append(
                    f"{schema}.{table} ({count} rows): only on DuckDB {only_duck[:3]}; only on Spark {only_spark[:3]}"
                )
        # the later runs closed a row and added a version, so the snapshot's rebuild was compared too
        closed, versions = con.execute(
            "select count(dbt_valid_to), count(*) - count(distinct key_sector_enterprise_id)"
            " from snapshots.snp_key_sector_enterprises"
        ).fetchone()
    assert not problems, "\n".join(problems)
    assert closed > 0 and versions > 0, (closed, versions)
