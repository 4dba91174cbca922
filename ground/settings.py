"""Where things live. One workspace folder (``CWH_HOME``, default ``./var``) holds every layer's files.

var/feeds/<producer>/<feed>/…        what producing departments deliver (the landing zone's inbox)
var/landing/<feed>/batch_id=…/       validated rows with provenance (Parquet), one folder per batch
var/landing/_ledger/<feed>/<id>.json the ingestion log: one committed entry per batch
var/quarantine/<feed>/batch_id=…/    rejected rows, one row per reason
var/warehouse/warehouse.duckdb       the embedded warehouse dbt builds
var/warehouse/tmp/                   where DuckDB spills beyond its memory limit (CWH_DUCKDB_TEMP_DIRECTORY)
var/warehouse/spark_catalog.duckdb   on the Spark target: the Spark tables as DuckDB views (warehouse/spark_catalog.py)
var/spark/                           on the Spark target: its catalogue (metastore_db), tables' files, scratch space
var/gate/                            great-expectations Data Docs of every gate run
var/publication/releases/<date>/     public extracts + manifest, written atomically
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ground.errors import ActionableError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

# The delivery protocol (docs/ingestion.md): a file in the inbox is complete when its producer's ``<file>.done``
# marker is beside it, or when nothing has written to it for this many seconds. The tests set it to 0.
INGEST_SETTLE_ENV = "CWH_INGEST_SETTLE_SECONDS"
INGEST_SETTLE_SECONDS = 60.0


def ingest_settle_seconds() -> float:
    """The settle time of the delivery protocol: ``$CWH_INGEST_SETTLE_SECONDS``, else ``INGEST_SETTLE_SECONDS``."""
    return _seconds_from_env(INGEST_SETTLE_ENV, INGEST_SETTLE_SECONDS)


# Deliveries drive the pipeline (docs/airflow.md): how often the triggerer looks at the inbox; how long nothing may
# have happened (no ingestion run queued or running, nothing being written, nothing arrived) before a build starts —
# at least the poll plus the scheduler's reaction, so that a delivery that just arrived has its ingestion run queued
# before the quiet period can end; and how long a build waits for that at most before it builds anyway.
INBOX_POLL_ENV = "CWH_INBOX_POLL_SECONDS"
INBOX_POLL_SECONDS = 15.0
BUILD_QUIET_ENV = "CWH_BUILD_QUIET_SECONDS"
BUILD_QUIET_SECONDS = 120.0
BUILD_MAX_WAIT_ENV = "CWH_BUILD_MAX_WAIT_SECONDS"
BUILD_MAX_WAIT_SECONDS = 3 * 3600.0


def _seconds_from_env(name: str, default: float, *, positive: bool = False, unit: str = "秒数") -> float:
    """A finite number of seconds (or of ``unit``) from the environment variable ``name``, else ``default``; a value
    that is not one (negative, or zero when ``positive``) is a clear error."""
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 if positive else value >= 0) or value == float("inf"):
        raise ActionableError(f"环境变量 {name} 应为{'大于' if positive else '不小于'} 0 的有限{unit}，收到 {text!r}")
    return value


def inbox_poll_seconds() -> float:
    """How often the inbox watcher and a waiting build look: ``$CWH_INBOX_POLL_SECONDS``, else ``INBOX_POLL_SECONDS``."""
    return _seconds_from_env(INBOX_POLL_ENV, INBOX_POLL_SECONDS, positive=True)


def build_quiet_seconds() -> float:
    """How long everything must have been quiet before a build: ``$CWH_BUILD_QUIET_SECONDS``, else
    ``BUILD_QUIET_SECONDS``."""
    return _seconds_from_env(BUILD_QUIET_ENV, BUILD_QUIET_SECONDS)


def build_max_wait_seconds() -> float:
    """How long a build waits for quiet at most: ``$CWH_BUILD_MAX_WAIT_SECONDS``, else ``BUILD_MAX_WAIT_SECONDS``."""
    return _seconds_from_env(BUILD_MAX_WAIT_ENV, BUILD_MAX_WAIT_SECONDS)


# DuckDB's resources, set explicitly (docs/stack.md "DuckDB's resources"): left alone, DuckDB takes 80 % of the RAM and
# every core. ``memory_limit`` bounds DuckDB's buffer manager, not the process: hash tables' overhead, the Python of
# dbt (~0.3 GiB) and Arrow buffers come on top, so the default is 40 % of the machine's memory (DuckDB computes the
# share: 9.4 GiB of 24 GiB) — a build's peak RSS stays under the 12 GiB of issue 26, and the rest is left for the
# scheduler, the gate and the other processes of the machine. Beyond the limit DuckDB spills to ``temp_directory``
# (default: a folder in the workspace) instead of dying. ``threads`` defaults to the CPUs this process may use.
DUCKDB_MEMORY_LIMIT_ENV = "CWH_DUCKDB_MEMORY_LIMIT"
DUCKDB_MEMORY_LIMIT = "40%"
DUCKDB_THREADS_ENV = "CWH_DUCKDB_THREADS"
DUCKDB_TEMP_DIRECTORY_ENV = "CWH_DUCKDB_TEMP_DIRECTORY"
_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(%|[KMGT]i?B|B|bytes)$", re.I)


def duckdb_memory_limit() -> str:
    """``$CWH_DUCKDB_MEMORY_LIMIT`` (DuckDB's form: ``12GB``, ``9.5GiB``, ``40%``), else ``DUCKDB_MEMORY_LIMIT``."""
    text = os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_MEMORY_LIMIT)
    if not _MEMORY_LIMIT.match(text.strip()):
        raise ActionableError(
            f"环境变量 {DUCKDB_MEMORY_LIMIT_ENV} 应为 DuckDB 的内存上限写法，如 12GB、9.5GiB 或 40%，收到 {text!r}"
        )
    return text.strip()


def duckdb_threads() -> int:
    """``$CWH_DUCKDB_THREADS``, else the number of CPUs this process may run on."""
    text = os.environ.get(DUCKDB_THREADS_ENV)
    if text is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if not text.strip().isdigit() or int(text) < 1:
        raise ActionableError(f"环境变量 {DUCKDB_THREADS_ENV} 应为不小于 1 的整数（线程数），收到 {text!r}")
    return int(text)


def duckdb_temp_directory(warehouse: Path) -> Path:
    """``$CWH_DUCKDB_TEMP_DIRECTORY``, else ``tmp`` beside the warehouse file (``$CWH_HOME/warehouse/tmp``)."""
    text = os.environ.get(DUCKDB_TEMP_DIRECTORY_ENV)
    return Path(text).resolve() if text else warehouse.parent / "tmp"


def duckdb_settings(warehouse: Path) -> dict[str, str]:
    """DuckDB's ``memory_limit``, ``threads`` and ``temp_directory`` for work on ``warehouse``; creates the spill
    folder (DuckDB would only create its last level)."""
    temp = duckdb_temp_directory(warehouse)
    temp.mkdir(parents=True, exist_ok=True)
    return {"memory_limit": duckdb_memory_limit(), "threads": str(duckdb_threads()), "temp_directory": str(temp)}


# The engine dbt builds the warehouse on (docs/spark.md): the embedded DuckDB, or Apache Spark through dbt's Spark
# adapter. One setting, ``$CWH_DBT_TARGET``; the command line's ``--target`` overrides it. Each engine is a target of
# dbt_project/profiles.yml. Spark's dbt runs from an environment of its own (pyspark must never be importable beside
# great-expectations): ``$CWH_SPARK_ENV``, else ``.venv-spark`` beside the project; it needs a Java 17 runtime.
DBT_TARGET_ENV = "CWH_DBT_TARGET"
# The date a build judges every as-of rule on, passed to dbt in the environment (dbt_project/macros/as_of_date.sql):
# a new ``--vars`` makes dbt parse the whole project again, so a daily build with a new date would pay a full parse.
AS_OF_DATE_ENV = "CWH_AS_OF_DATE"
DUCKDB_TARGET = "duckdb"
SPARK_TARGET = "spark"
DBT_PROFILE_TARGETS = {DUCKDB_TARGET: "dev", SPARK_TARGET: "spark"}  # engine → target name in profiles.yml
SPARK_ENV_ENV = "CWH_SPARK_ENV"
SPARK_ENV_DIR = PROJECT_ROOT / ".venv-spark"
# Where Spark keeps the tables' files (spark.sql.warehouse.dir): ``$CWH_SPARK_WAREHOUSE_DIR``, else
# ``$CWH_HOME/spark/warehouse`` (profiles.yml falls back to the same folder when dbt runs without the runner).
SPARK_WAREHOUSE_DIR_ENV = "CWH_SPARK_WAREHOUSE_DIR"


def dbt_target(text: str | None = None) -> str:
    """``text`` (the command line's ``--target``), else ``$CWH_DBT_TARGET``, else ``duckdb``; anything else is a clear
    error."""
    raw = text if text is not None else os.environ.get(DBT_TARGET_ENV, DUCKDB_TARGET)
    value = raw.strip().lower()
    if value not in DBT_PROFILE_TARGETS:
        source = "--target" if text is not None else f"环境变量 {DBT_TARGET_ENV}"
        raise ActionableError(f"{source} 应为 {' 或 '.join(DBT_PROFILE_TARGETS)}（构建仓库的引擎），收到 {raw!r}")
    return value


def spark_env_dir() -> Path:
    """The virtual environment with dbt-spark and pyspark: ``$CWH_SPARK_ENV``, else ``.venv-spark`` in the project."""
    text = os.environ.get(SPARK_ENV_ENV)
    return Path(text).resolve() if text else SPARK_ENV_DIR


@dataclass(frozen=True)
class Workspace:
    home: Path
    target: str = DUCKDB_TARGET  # the engine dbt builds on: DUCKDB_TARGET or SPARK_TARGET

    @classmethod
    def from_env(cls, home: str | os.PathLike[str] | None = None, target: str | None = None) -> Workspace:
        """The workspace ``home`` (else ``$CWH_HOME``, else ``./var``) on the engine ``target`` (else the setting)."""
        return cls(Path(home or os.environ.get("CWH_HOME", "var")).resolve(), dbt_target(target))

    @property
    def on_spark(self) -> bool:
        return self.target == SPARK_TARGET

    @property
    def feeds(self) -> Path:
        return self.home / "feeds"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def ledger(self) -> Path:
        return self.landing / "_ledger"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def staging_tmp(self) -> Path:
        """Scratch space on the same filesystem as landing, so a finished batch is renamed into place."""
        return self.home / ".tmp"

    @property
    def warehouse(self) -> Path:
        """The DuckDB file every reader opens: the warehouse itself, or on Spark the catalogue of views over the Spark
        tables' Parquet folders (``warehouse/spark_catalog.py``) — the gate, publication, the restriction index and
        the serving snapshot read either alike."""
        return self.home / "warehouse" / ("spark_catalog.duckdb" if self.on_spark else "warehouse.duckdb")

    @property
    def spark(self) -> Path:
        """Spark's folder in the workspace (profiles.yml, target spark): metastore_db, derby.log, tmp."""
        return self.home / "spark"

    @property
    def spark_warehouse(self) -> Path:
        """The tables' files on Spark, one folder per table: ``<dir>/<schema>.db/<table>/``."""
        text = os.environ.get(SPARK_WAREHOUSE_DIR_ENV)
        return Path(text).resolve() if text else self.spark / "warehouse"

    @property
    def gate(self) -> Path:
        return self.home / "gate"

    @property
    def publication(self) -> Path:
        return self.home / "publication"

    @property
    def duckdb_temp(self) -> Path:
        """Where DuckDB spills: ``$CWH_DUCKDB_TEMP_DIRECTORY``, else ``warehouse/tmp`` in the workspace."""
        return duckdb_temp_directory(self.warehouse)

    def duckdb_settings(self) -> dict[str, str]:
        """The DuckDB settings of every heavy connection to this workspace's warehouse (dbt's profile included)."""
        return duckdb_settings(self.warehouse)

    def duckdb_env(self) -> dict[str, str]:
        """The same settings as the environment variables ``dbt_project/profiles.yml`` reads."""
        s = self.duckdb_settings()
        return {
            DUCKDB_MEMORY_LIMIT_ENV: s["memory_limit"],
            DUCKDB_THREADS_ENV: s["threads"],
            DUCKDB_TEMP_DIRECTORY_ENV: s["temp_directory"],
        }

    def ensure(self) -> Workspace:
        for p in (
            self.feeds,
            self.landing,
            self.ledger,
            self.quarantine,
            self.staging_tmp,
            self.warehouse.parent,
            self.gate,
            self.publication,
        ):
            p.mkdir(parents=True, exist_ok=True)
        return self


# The supervisors' console (docs/console.md): the secret that signs its session cookies — ``$CWH_CONSOLE_SECRET``,
# else a random one generated once into ``$CWH_HOME/console/session.secret`` (mode 0600) — and how long a session
# lasts without activity before the user must sign in again.
CONSOLE_SECRET_ENV = "CWH_CONSOLE_SECRET"
CONSOLE_SESSION_MINUTES_ENV = "CWH_CONSOLE_SESSION_MINUTES"
CONSOLE_SESSION_MINUTES = 30.0


def console_session_minutes() -> float:
    """``$CWH_CONSOLE_SESSION_MINUTES``, else ``CONSOLE_SESSION_MINUTES``."""
    return _seconds_from_env(CONSOLE_SESSION_MINUTES_ENV, CONSOLE_SESSION_MINUTES, positive=True, unit="分钟数")


def console_secret_from_env() -> str | None:
    """``$CWH_CONSOLE_SECRET`` when set (at least 32 characters), else None."""
    text = os.environ.get(CONSOLE_SECRET_ENV)
    if text is None:
        return None
    if len(text.strip()) < 32:
        raise ActionableError(f"环境变量 {CONSOLE_SECRET_ENV} 应为至少 32 个字符的随机串")
    return text.strip()
