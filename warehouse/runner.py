"""Running dbt against the workspace's engine (the embedded DuckDB, or Apache Spark), and reading its status.

dbt runs in a child process: DuckDB allows one writer, and a DuckDB file opened by an in-process dbt
run stays open with a configuration that later read-only connections in the same process cannot share. On Spark the
child is the dbt of Spark's own environment (``ground.settings.spark_env_dir``: pyspark is never imported here), and
after every run the Spark tables are opened again as DuckDB views (``warehouse.spark_catalog``) for the readers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ground.database import read_only
from ground.errors import ActionableError
from ground.settings import (
    AS_OF_DATE_ENV,
    DBT_PROFILE_TARGETS,
    DBT_PROJECT_DIR,
    SPARK_ENV_ENV,
    SPARK_WAREHOUSE_DIR_ENV,
    Workspace,
    spark_env_dir,
)
from warehouse import spark_catalog


class BuildFailed(ActionableError):
    """dbt failed: the message lists every failing node. A scheduler may retry (a held lock, memory)."""

    retryable = True


@dataclass(frozen=True)
class BuildResult:
    models: int
    tests: int
    seeds: int
    snapshots: int
    failures: list[str]
    marts: list[str]


class SparkUnavailable(ActionableError):
    """The Spark target was chosen, but its environment or Java is missing: the message says what to install."""


SPARK_INSTALL = (
    "安装方法（在项目目录下）：先安装 Java 17 运行时 `sudo apt-get install -y openjdk-17-jre-headless`，"
    "再创建 Spark 的独立环境 `UV_PROJECT_ENVIRONMENT=.venv-spark python3 -m uv sync --frozen --group spark`"
    "（或 `./dev spark-env`，两步都做）；环境在别处时用环境变量 "
    f"{SPARK_ENV_ENV} 指明其目录。不用 Spark 时去掉 --target spark（默认 duckdb）"
)


def java_runtime() -> str | None:
    """The ``java`` pyspark will start: ``$JAVA_HOME/bin/java``, else the one on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def dbt_executable(ws: Workspace) -> str:
    """The dbt to run for the workspace's engine: this environment's on DuckDB, Spark's environment's on Spark."""
    if not ws.on_spark:
        exe = Path(sys.executable).with_name("dbt")
        return str(exe) if exe.exists() else "dbt"
    exe = spark_env_dir() / "bin" / "dbt"
    if not exe.is_file():
        raise SparkUnavailable(f"目标引擎为 Spark，但找不到 Spark 环境中的 dbt（{exe}）。{SPARK_INSTALL}")
    if java_runtime() is None:
        raise SparkUnavailable(
            f"目标引擎为 Spark，但找不到 Java 运行时（JAVA_HOME 或 PATH 中的 java）。{SPARK_INSTALL}"
        )
    return str(exe)


def dbt_env(ws: Workspace) -> dict[str, str]:
    env = dict(os.environ)
    env["CWH_HOME"] = str(ws.home)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_TARGET_PATH"] = str(ws.home / "dbt" / "target")
    env["DBT_LOG_PATH"] = str(ws.home / "dbt" / "logs")
    env.update(ws.duckdb_env())  # DuckDB's memory limit, threads and spill folder, read by profiles.yml
    env.pop(AS_OF_DATE_ENV, None)  # the as-of date only as a run passes it (build's ``as_of``), never inherited
    if ws.on_spark:
        env[SPARK_WAREHOUSE_DIR_ENV] = str(ws.spark_warehouse)  # spark.sql.warehouse.dir, read by profiles.yml
        env.pop("VIRTUAL_ENV", None)  # Spark's dbt is its own environment's
    return env


def dbt(
    ws: Workspace,
    *args: str,
    on_line: Callable[[str], None] | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """Run one dbt command for this workspace on its engine; stream its log lines to ``on_line``; ``env`` adds to
    the environment of the workspace (``dbt_env``)."""
    cmd = [
        dbt_executable(ws),
        *args,
        "--target",
        DBT_PROFILE_TARGETS[ws.target],
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    ws.warehouse.parent.mkdir(parents=True, exist_ok=True)
    if ws.on_spark:
        ws.spark.mkdir(parents=True, exist_ok=True)  # also the working directory: whatever Spark drops lands there
    proc = subprocess.Popen(
        cmd,
        env={**dbt_env(ws), **(env or {})},
        cwd=ws.spark if ws.on_spark else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if on_line:
            on_line(line.rstrip())
    code = proc.wait()
    if ws.on_spark:
        try:
            spark_catalog.refresh(ws)  # what the run made or replaced, readable by the gate and publication as before
        except spark_catalog.CatalogError:
            if code == 0:
                raise
            # a failed run may leave a table half written: its own failure is the message, not the catalogue's
    return code


def build(
    ws: Workspace,
    *,
    select: str | None = None,
    on_line: Callable[[str], None] | None = None,
    dbt_vars: dict[str, str] | None = None,
    as_of: date | None = None,
    unit_tests: bool = False,
) -> BuildResult:
    """Run ``dbt build``; ``as_of`` sets the date every as-of rule is judged on, in the environment
    (``AS_OF_DATE_ENV``), not as a dbt var: a new var would make dbt parse the whole project again every day.

    The models' unit tests check SQL logic on fixed inputs, not the data: the test suite runs them
    (``tests/dbt/test_dbt_project.py``), a build of the warehouse leaves them out unless ``unit_tests``."""
    args = ["build"] + (["--select", select] if select else [])
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    results_file = ws.home / "dbt" / "target" / "run_results.json"
    results_file.unlink(missing_ok=True)  # never read a previous run's results
    code = dbt(ws, *args, on_line=on_line, env={AS_OF_DATE_ENV: as_of.isoformat()} if as_of is not None else None)
    if not results_file.exists():
        raise BuildFailed(f"dbt 未能运行（退出码 {code}），请查看 {ws.home / 'dbt' / 'logs' / 'dbt.log'}")
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    kinds = {"model": 0, "test": 0, "seed": 0, "snapshot": 0, "unit_test": 0}
    failures = []
    for r in results:
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        if r["status"] in ("error", "fail", "runtime error"):
            failures.append(f"{r['unique_id']}: {(r.get('message') or '').strip()[:300]}")
    marts = mart_names(ws) if ws.warehouse.exists() else []
    result = BuildResult(
        kinds["model"], kinds["test"] + kinds.get("unit_test", 0), kinds["seed"], kinds["snapshot"], failures, marts
    )
    if code != 0 or failures:
        raise BuildFailed("dbt build 失败：\n  - " + "\n  - ".join(failures or [f"退出码 {code}"]))
    return result


def mart_names(ws: Workspace) -> list[str]:
    with read_only(ws.warehouse) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' and ("
            "table_name like 'dim\\_%' escape '\\' or table_name like 'fct\\_%' escape '\\'"
            " or table_name like 'pub\\_%' escape '\\') order by 1"
        ).fetchall()
    return [r[0] for r in rows]


def table_counts(ws: Workspace, names: list[str]) -> dict[str, int]:
    with read_only(ws.warehouse) as con:
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
