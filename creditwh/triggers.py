"""What the Airflow triggerer runs: deliveries drive the pipeline (``docs/airflow.md``, "Deliveries drive the pipeline").

    InboxTrigger   the AssetWatcher of a producer's Asset ``inbox.<producer>``, on which its ingestion DAG is
                   scheduled: fires when a complete delivery appears that no batch was made of yet
    QuietTrigger   what the warehouse build's first task defers to: fires once, for the quiet period, no ingestion
                   run was queued or running, nothing was being written and nothing arrived (or the longest wait is up)

Both run in the triggerer's event loop, not in a worker slot; every look at the disk or at the scheduler runs in a
thread, off that loop. Completeness is the delivery protocol of ``ingestion.inbox`` and "no batch yet" is the ingestion
log, both read through the service layer (``creditwh.jobs``); what counts as new and as quiet is decided by the pure
functions and classes below, tested without a triggerer.

The triggerer imports this module by the class path a trigger serialises to. At DAG-parse time it costs the Airflow
trigger base and the service layer only; ``ingestion`` (and with it polars) loads at a trigger's first look, once per
triggerer process.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow.triggers.base import BaseEventTrigger, BaseTrigger, TriggerEvent

from creditwh import jobs
from ground.settings import Workspace

ACTIVE_RUN_STATES = ["queued", "running"]
ANNOUNCED_FILES = 20  # files named in one watcher event (the count is always complete)


# --- what counts ---------------------------------------------------------------------------------------------


def unread(deliveries: Iterable[jobs.Delivery], ingested: Mapping[tuple[str, str], float]) -> list[jobs.Delivery]:
    """The complete deliveries no batch was made of yet: the ingestion log has no batch of the feed from a file of
    that name ingested at or after the file's last write (to the second, as the log keeps it).

    A file rewritten under its name is unread again. A file whose content came before under another name stays
    unread (ingestion skips it and writes no batch): the watcher announces it once, not at every look."""
    return [d for d in deliveries if ingested.get((d.feed, d.path), -math.inf) < d.mtime_ns // 1_000_000_000]


class InboxWatch:
    """What one watcher has announced: each unread delivery once (name, size and modification time), so that a
    delivery whose ingestion run is queued or running is not announced again; forgotten once it is read or gone."""

    def __init__(self) -> None:
        self.announced: set[jobs.Delivery] = set()

    def new(
        self, deliveries: Iterable[jobs.Delivery], ingested: Mapping[tuple[str, str], float]
    ) -> list[jobs.Delivery]:
        waiting = unread(deliveries, ingested)
        fresh = [d for d in waiting if d not in self.announced]
        self.announced = set(waiting)
        return fresh


@dataclass(frozen=True)
class Activity:
    """One look at the scheduler and the inbox."""

    ingest_runs: int  # ingestion DAG runs queued or running
    pending: int  # deliveries not complete yet
    last_change: (
        float | None
    )  # the latest change in the feeds' folders (epoch seconds), uploads under a temporary name included

    @property
    def busy(self) -> bool:
        return bool(self.ingest_runs or self.pending)


class QuietClock:
    """Since when nothing has happened. The wait's start counts as activity (the build was asked for because a
    batch just landed, so other producers may be ingesting or delivering); so do a look that finds an ingestion run
    queued or running or a delivery not complete, and the latest change in the inbox (a time in the future — a
    clock that is ahead, a copy that keeps a far-off time — counts as the moment it was first seen). Quiet once no
    look is busy and the last activity is the quiet period ago."""

    def __init__(self, started_at: float, quiet_seconds: float) -> None:
        self.last_activity = started_at
        self.quiet_seconds = quiet_seconds
        self.last_change: float | None = None

    def observe(self, activity: Activity, now: float) -> bool:
        moments = [self.last_activity]
        if activity.busy:
            moments.append(now)
        if activity.last_change is not None and activity.last_change != self.last_change:
            moments.append(min(activity.last_change, now))
            self.last_change = activity.last_change
        self.last_activity = max(moments)
        return not activity.busy and now - self.last_activity >= self.quiet_seconds


# --- looks (blocking: run in a thread) -----------------------------------------------------------------------


def active_ingestion_runs(dag_ids: Iterable[str]) -> int:
    """Ingestion DAG runs queued or running, asked of the scheduler's database through the execution API (from a
    task, or from the triggerer)."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    return sum(RuntimeTaskInstance.get_dr_count(dag_id=d, states=ACTIVE_RUN_STATES) for d in dag_ids)


def look(dag_ids: Iterable[str], feeds: list[str]) -> Activity:
    inbox = jobs.look_at_inbox(Workspace.from_env(), feeds)
    return Activity(active_ingestion_runs(dag_ids), len(inbox.pending), inbox.last_change)


# --- the triggers --------------------------------------------------------------------------------------------


class InboxTrigger(BaseEventTrigger):
    """Watches one producer's feed folders; an event when complete deliveries appear that no batch was made of yet
    (payload: the producer, how many, the first file names). Never stops: a failed look is logged and retried."""

    def __init__(self, *, producer: str, feeds: list[str], poll_seconds: float) -> None:
        super().__init__()
        self.producer = producer
        self.feeds = list(feeds)
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{__name__}.{type(self).__name__}",
            {"producer": self.producer, "feeds": self.feeds, "poll_seconds": self.poll_seconds},
        )

    def _new(self, watch: InboxWatch, read: dict[str, tuple[str, str, float]]) -> list[jobs.Delivery]:
        ws = Workspace.from_env()
        inbox = jobs.look_at_inbox(ws, self.feeds)
        return watch.new(inbox.deliveries, jobs.ingested_files(ws, self.feeds, read))

    async def run(self) -> AsyncIterator[TriggerEvent]:
        watch, read = InboxWatch(), {}  # type: ignore[var-annotated]
        while True:
            try:
                fresh = await asyncio.to_thread(self._new, watch, read)
            except Exception:  # the watcher must outlive a bad look (the hourly poll is the safety net meanwhile)
                self.log.exception("查看 %s 的接收目录失败，%g 秒后再看", self.producer, self.poll_seconds)
                fresh = []
            if fresh:
                self.log.info("%s：%d 个新的完整报送文件，触发入库", self.producer, len(fresh))
                yield TriggerEvent(
                    {
                        "producer": self.producer,
                        "deliveries": len(fresh),
                        "files": [d.path for d in fresh[:ANNOUNCED_FILES]],
                    }
                )
            await asyncio.sleep(self.poll_seconds)


class QuietTrigger(BaseTrigger):
    """Fires once: ``{"quiet": True, …}`` when the inbox and the ingestion DAGs have been quiet for ``quiet_seconds``
    (:class:`QuietClock`), or ``{"quiet": False, …}`` when ``max_wait_seconds`` have passed since ``started_at``
    (epoch seconds; kept across triggerer restarts, as a kwarg). A look that fails counts as busy."""

    def __init__(
        self,
        *,
        ingest_dags: list[str],
        feeds: list[str],
        quiet_seconds: float,
        poll_seconds: float,
        max_wait_seconds: float,
        started_at: float,
    ) -> None:
        super().__init__()
        self.ingest_dags = list(ingest_dags)
        self.feeds = list(feeds)
        self.quiet_seconds = quiet_seconds
        self.poll_seconds = poll_seconds
        self.max_wait_seconds = max_wait_seconds
        self.started_at = started_at

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{__name__}.{type(self).__name__}",
            {
                "ingest_dags": self.ingest_dags,
                "feeds": self.feeds,
                "quiet_seconds": self.quiet_seconds,
                "poll_seconds": self.poll_seconds,
                "max_wait_seconds": self.max_wait_seconds,
                "started_at": self.started_at,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        clock = QuietClock(self.started_at, self.quiet_seconds)
        while True:
            try:
                activity = await asyncio.to_thread(look, self.ingest_dags, self.feeds)
            except Exception:
                self.log.exception("查看入库运行与接收目录失败，按“有活动”计，%g 秒后再看", self.poll_seconds)
                activity = Activity(0, 1, None)
            now = time.time()
            quiet = clock.observe(activity, now)
            if quiet or now - self.started_at >= self.max_wait_seconds:
                yield TriggerEvent(
                    {
                        "quiet": quiet,
                        "started_at": self.started_at,
                        "waited_seconds": round(now - self.started_at, 1),
                        "ingest_runs": activity.ingest_runs,
                        "pending": activity.pending,
                    }
                )
                return
            await asyncio.sleep(self.poll_seconds)
