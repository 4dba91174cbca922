"""Where things live. One workspace folder (``CWH_HOME``, default ``./var``) holds every layer's files.

var/feeds/<producer>/<feed>/…        what producing departments deliver (the landing zone's inbox)
var/landing/<feed>/batch_id=…/       validated rows with provenance (Parquet), one folder per batch
var/landing/_ledger/<feed>/<id>.json the ingestion log: one committed entry per batch
var/quarantine/<feed>/batch_id=…/    rejected rows, one row per reason
var/warehouse/warehouse.duckdb       the embedded warehouse dbt builds
var/gate/                            great-expectations Data Docs of every gate run
var/publication/releases/<date>/     public extracts + manifest, written atomically
"""

from __future__ import annotations

import os
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
    text = os.environ.get(INGEST_SETTLE_ENV)
    if text is None:
        return INGEST_SETTLE_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ActionableError(f"环境变量 {INGEST_SETTLE_ENV} 应为不小于 0 的秒数，收到 {text!r}")
    return value


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


def _seconds_from_env(name: str, default: float, *, positive: bool = False) -> float:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 if positive else value >= 0) or value == float("inf"):
        raise ActionableError(f"环境变量 {name} 应为{'大于' if positive else '不小于'} 0 的有限秒数，收到 {text!r}")
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


@dataclass(frozen=True)
class Workspace:
    home: Path

    @classmethod
    def from_env(cls, home: str | os.PathLike[str] | None = None) -> Workspace:
        return cls(Path(home or os.environ.get("CWH_HOME", "var")).resolve())

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
        return self.home / "warehouse" / "warehouse.duckdb"

    @property
    def gate(self) -> Path:
        return self.home / "gate"

    @property
    def publication(self) -> Path:
        return self.home / "publication"

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
