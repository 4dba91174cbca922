"""Airflow 3 DAG factories (Task SDK). The files in ``dags/`` only call these; every task calls :mod:`creditwh.jobs`.

    ingest_<producer>   one DAG per producing department, generated from the contracts; scheduled on the
                        producer's Asset inbox.<producer> (an AssetWatcher in the triggerer sees a new complete
                        delivery) or hourly (the safety net); a task per feed that emits the feed's Asset only when
                        a batch actually landed
    warehouse_build     scheduled on any feed Asset; waits in the triggerer until ingestion and the inbox are quiet,
                        then builds — or ends skipped when nothing landed since the last build (one build a burst);
                        dbt build with as_of_date; emits the warehouse Asset
    publication         scheduled on the warehouse Asset; gate → publish → delta → rates (PUBLICATION_STEPS)
    daily_release       cron, daily: dbt build tag:daily_release, then the publication steps
    monthly_feedback    cron, days 1–15: in the first working week only (rule seed), dbt build
                        tag:monthly_feedback, then the CSV export under reports/feedback/<YYYY-MM>/

DuckDB has one writer, and a writing process locks readers of other processes out: on the DuckDB target every task
that opens the warehouse takes the single slot of the ``duckdb_writer`` pool, and those DAGs run one at a time. The
engine is the workspace's setting (``CWH_DBT_TARGET``, read when the DAG files are parsed); on Spark those tasks take
no pool (docs/spark.md).

Parse time stays cheap: this module imports Airflow's SDK, pendulum and the service layer, whose components (polars,
DuckDB, dbt, great-expectations) load inside the job functions when a task runs.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pendulum
from airflow.sdk import (
    DAG,
    Asset,
    AssetAny,
    AssetOrTimeSchedule,
    AssetWatcher,
    BaseOperator,
    CronTriggerTimetable,
    chain,
    task,
)
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from creditwh import jobs
from creditwh.triggers import InboxTrigger, QuietTrigger, active_ingestion_runs
from ground.clock import LOCAL_TZ
from ground.errors import ActionableError
from ground.runtime import configure_allocator
from ground.settings import (
    DUCKDB_TARGET,
    Workspace,
    build_max_wait_seconds,
    build_quiet_seconds,
    dbt_target,
    inbox_poll_seconds,
)

log = logging.getLogger(__name__)

OWNER = "credit-warehouse"
POOL = "duckdb_writer"
POOL_DESCRIPTION = "DuckDB 仓库文件单写入锁：写入进程独占文件，一次只允许一个任务打开仓库"


def warehouse_pool() -> str | None:
    """The pool of the tasks that open the warehouse: DuckDB's one-writer pool on the DuckDB target; none on Spark,
    whose tables are files a reader opens without a lock (None: Airflow's default pool)."""
    return POOL if dbt_target() == DUCKDB_TARGET else None


TZ = pendulum.timezone(LOCAL_TZ.key)
START_DATE = pendulum.datetime(2026, 1, 1, tz=TZ)
TAGS = ["credit-warehouse"]
# The safety net under the inbox watcher: each producer's folder is also ingested on this cron (a delivery the
# watcher could not see: the triggerer was down, a file failed and is tried again). Operational, not a business
# rule (override per deployment; "none" leaves the watcher alone).
INGEST_SCHEDULE = os.environ.get("CWH_INGEST_SCHEDULE", "7 * * * *")
DAILY_RELEASE_SCHEDULE = os.environ.get("CWH_DAILY_RELEASE_SCHEDULE", "30 0 * * *")
# Days 1–15 cover the feedback window (the seed's first N working days) even after the National Day and Spring
# Festival holidays; the first task decides from the working-day calendar whether this day runs.
MONTHLY_FEEDBACK_SCHEDULE = os.environ.get("CWH_MONTHLY_FEEDBACK_SCHEDULE", "0 6 1-15 * *")
# The builds after deliveries test only the batches no build has tested yet; once a week the build tests them all.
FULL_CHECK_SCHEDULE = os.environ.get("CWH_FULL_CHECK_SCHEDULE", "0 3 * * 0")

DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=1),
}
BUILD_TIMEOUT = timedelta(hours=3)  # 10 M enterprises on 2 cores


# --- assets -------------------------------------------------------------------------------------------------


def feed_asset(feed: str) -> Asset:
    """New rows of one feed landed (入库): the contract name is the asset."""
    return Asset(name=f"landing.{feed}", uri=f"x-cwh://landing/{feed}", group="landing")


def inbox_asset(producer: str, feeds: list[str]) -> Asset:
    """A producer's inbox (接收目录): the triggerer watches its feed folders (``creditwh.triggers.InboxTrigger``) and
    updates this Asset when a complete delivery appears that no batch was made of yet."""
    trigger = InboxTrigger(producer=producer, feeds=feeds, poll_seconds=inbox_poll_seconds())
    return Asset(
        name=f"inbox.{producer}",
        uri=f"x-cwh://feeds/{producer}",
        group="inbox",
        watchers=[AssetWatcher(name=f"inbox_{producer}", trigger=trigger)],
    )


WAREHOUSE = Asset(name="warehouse", uri="x-cwh://warehouse/warehouse.duckdb", group="warehouse")
RELEASE = Asset(name="publication.release", uri="x-cwh://publication/releases", group="publication")


# --- helpers run inside tasks -------------------------------------------------------------------------------


def workspace() -> Workspace:
    return Workspace.from_env()


def business_date(context) -> date:
    """The run's date in Asia/Shanghai: the logical date, or (asset-triggered runs have none) when it was queued."""
    when = context.get("logical_date") or context["dag_run"].run_after
    return pendulum.instance(when).in_timezone(TZ).date()


def run_job(job: Callable, *args):
    """Call a job on the workspace; errors retrying cannot fix fail the task at once, with their message."""
    configure_allocator()  # before the job loads polars
    try:
        return job(workspace(), *args)
    except ActionableError as exc:
        if exc.retryable:
            raise
        raise AirflowFailException(str(exc)) from exc


def _doc(doc: str | None, header: str = "") -> str:
    return (header + "\n\n" if header else "") + (doc or "").strip()


def _dag(
    dag_id: str, doc: str | None, *, schedule, catchup: bool, tags: list[str], description: str, header: str = ""
) -> DAG:
    """One run at a time: polls must not ingest a file twice; builds and exports share one writer."""
    return DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=START_DATE,
        catchup=catchup,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=TAGS + tags,
        doc_md=_doc(doc, header),
        description=description,
    )


# --- 1. ingestion, one DAG per producer ---------------------------------------------------------------------


@task
def ingest(feed: str, **context) -> dict:
    """Land the feed's new batches; skipped (no Asset event) when nothing landed."""
    summary = run_job(jobs.ingest_feed, feed)
    for b in summary["batches"]:
        if b["status"] == "rejected":
            log.warning(
                "整批拒收 %s：%s（已隔离，见 quarantine/%s/batch_id=%s）",
                b["source_file"],
                b["error"],
                feed,
                b["batch_id"],
            )
    for n in summary["not_ingested"]:  # no batch, nothing written: the next run reads the file again (or refuses it)
        level = logging.INFO if n["status"] == "pending" else logging.WARNING
        log.log(level, "未入库 %s（%s）：%s", n["source_file"], n["status"], n["reason"])
    if not summary["landed"]:
        raise AirflowSkipException(
            f"{feed}：没有新入库的批次（已入库过 {summary['skipped']} 个，整批拒收 {summary['rejected']} 个）"
        )
    context["outlet_events"][feed_asset(feed)].extra = {
        "batches": [b["batch_id"] for b in summary["batches"] if b["status"] == "landed"],
        "rows_landed": summary["rows_landed"],
        "rows_quarantined": summary["rows_quarantined"],
    }
    return summary


def ingestion_schedule(inbox: Asset):
    """The inbox Asset, or else the cron safety net (``INGEST_SCHEDULE``), whichever comes first."""
    if INGEST_SCHEDULE.strip().lower() in ("", "none"):
        return [inbox]
    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(INGEST_SCHEDULE, timezone=TZ), assets=[inbox])


def ingestion_dags(doc: str | None) -> list[DAG]:
    dags = []
    for code, contracts in jobs.producers().items():
        dept = contracts[0].producer.department
        header = f"### {dept}（{code}）\n\n接收目录 Asset `inbox.{code}`（有新的完整报送文件时触发）\n\n" + "\n".join(
            f"- `{c.name}` {c.title} → Asset `{feed_asset(c.name).name}`" for c in contracts
        )
        with _dag(
            f"ingest_{code}",
            doc,
            schedule=ingestion_schedule(inbox_asset(code, [c.name for c in contracts])),
            catchup=False,
            tags=["ingestion", code],
            description=f"{dept}报送数据入库校验 · ingest {code}",
            header=header,
        ) as dag:
            for c in contracts:
                ingest.override(
                    task_id=f"ingest_{c.name}", outlets=[feed_asset(c.name)], execution_timeout=timedelta(minutes=30)
                )(c.name)
        dags.append(dag)
    return dags


# --- 2. warehouse build on the feed assets: one build a burst --------------------------------------------------

ASSET_TRIGGERED = "asset_triggered"


@dataclass(frozen=True)
class BuildVerdict:
    build: bool
    reason: str  # for the task log, in Chinese


def build_verdict(
    *,
    run_type: str,
    queued_builds: int,
    latest_landing: datetime | None,
    last_build: dict | None,
) -> BuildVerdict:
    """Whether this warehouse_build run builds: asked as it starts (nothing to build: skipped without waiting) and
    again once ingestion and the inbox are quiet.

    ``queued_builds``: other runs of the DAG queued behind this one; ``latest_landing``: the newest ``landing.<feed>``
    event of any feed; ``last_build``: the extra of the newest ``warehouse`` event (the last successful build), whose
    ``landed_through`` is the newest landing event there was when that build decided to run — every batch landed
    up to then is in it. A run asked for by hand always builds (unless one is queued behind it)."""
    if queued_builds:
        return BuildVerdict(False, f"另有 {queued_builds} 个构建运行在排队，由它构建，本次跳过")
    if run_type != ASSET_TRIGGERED:
        return BuildVerdict(True, f"非入库事件触发（{run_type}）：照常构建")
    if last_build is None:
        return BuildVerdict(True, "尚无成功的构建：构建")
    if latest_landing is None:
        return BuildVerdict(False, "没有任何入库事件：不构建")
    through = last_build.get("landed_through")
    if through is None or latest_landing > datetime.fromisoformat(through):
        return BuildVerdict(
            True,
            f"上次成功构建（含 {through or '无'} 之前的入库）之后有新的批次入库（{latest_landing.isoformat()}）：构建",
        )
    return BuildVerdict(
        False, f"上次成功构建已包含全部入库批次（最新入库 {latest_landing.isoformat()}）：本次跳过，不构建"
    )


def _latest(events) -> list:
    return list(events.ascending(False).limit(1))


class WaitForQuiet(BaseOperator):
    """The build's first step. :func:`build_verdict` first: a run with nothing to build (a newer build run queued,
    nothing landed since the last successful build) is skipped at once, and the build with it. Otherwise defer to
    :class:`~creditwh.triggers.QuietTrigger` (no worker slot while it waits) until no ingestion run is queued or
    running, nothing is being written and nothing arrived in the inbox for ``build_quiet_seconds()`` — at most
    ``build_max_wait_seconds()``, then it builds anyway; on resuming, count the ingestion runs once more (one queued
    meanwhile sends it back to waiting) and give the verdict again, on what landed meanwhile too. Returns what the
    build records in its ``warehouse`` event (``landed_through``)."""

    def __init__(self, *, ingest_dags: list[str], feed_assets: list[Asset], **kwargs) -> None:
        super().__init__(inlets=[WAREHOUSE, *feed_assets], **kwargs)
        self.ingest_dags = ingest_dags
        self.feed_assets = feed_assets

    def execute(self, context) -> dict:
        self._verdict(context)  # skips the run when there is nothing to build
        self._wait(time.time())
        raise AssertionError("unreachable: defer raises")  # pragma: no cover

    def _verdict(self, context) -> dict:
        ti, inlet_events = context["ti"], context["inlet_events"]
        landings = [e.timestamp for a in self.feed_assets for e in _latest(inlet_events[a])]
        builds = _latest(inlet_events[WAREHOUSE])
        latest_landing = max(landings, default=None)
        verdict = build_verdict(
            run_type=str(getattr(context["dag_run"].run_type, "value", context["dag_run"].run_type)),
            queued_builds=ti.get_dr_count(dag_id=ti.dag_id, states=["queued"]),
            latest_landing=latest_landing,
            last_build=(builds[0].extra or {}) if builds else None,
        )
        log.info("%s", verdict.reason)
        if not verdict.build:
            raise AirflowSkipException(verdict.reason)
        return {"landed_through": latest_landing.isoformat() if latest_landing else None, "reason": verdict.reason}

    def _wait(self, started_at: float) -> None:
        try:
            quiet, poll, longest = build_quiet_seconds(), inbox_poll_seconds(), build_max_wait_seconds()
        except ActionableError as exc:
            raise AirflowFailException(str(exc)) from exc
        trigger = QuietTrigger(
            ingest_dags=self.ingest_dags,
            feeds=[a.name.removeprefix("landing.") for a in self.feed_assets],
            quiet_seconds=quiet,
            poll_seconds=poll,
            max_wait_seconds=longest,
            started_at=started_at,
        )
        log.info("等待入库与接收目录平静 %g 秒（最长 %g 秒）", quiet, longest)
        # the trigger ends the wait itself; the deferral timeout only guards against a trigger that never does
        backstop = timedelta(seconds=max(longest - (time.time() - started_at), 0) + 10 * poll + 600)
        self.defer(trigger=trigger, method_name="resume", timeout=backstop)

    def resume(self, context, event: dict) -> dict:
        if not event["quiet"]:
            log.warning(
                "等待 %s 秒仍未平静（入库运行 %s 个，未报送完成 %s 个）：照常构建",
                event["waited_seconds"],
                event["ingest_runs"],
                event["pending"],
            )
        elif runs := active_ingestion_runs(self.ingest_dags):
            log.info("刚有 %d 个入库运行排队或运行：继续等待", runs)
            self._wait(event["started_at"])
        else:
            log.info("入库与接收目录已平静（等待 %s 秒）", event["waited_seconds"])
        return self._verdict(context)


@task(outlets=[WAREHOUSE], execution_timeout=BUILD_TIMEOUT)
def dbt_build(decision: dict | None = None, **context) -> dict:
    as_of = business_date(context)
    result = run_job(jobs.build_warehouse, as_of)
    context["outlet_events"][WAREHOUSE].extra = {
        "as_of_date": as_of.isoformat(),
        "models": result["models"],
        "tests": result["tests"],
        "landed_through": (decision or {}).get("landed_through"),
    }
    return result


def warehouse_build_dag(doc: str | None) -> DAG:
    producers = jobs.producers()
    feeds = [feed_asset(c.name) for contracts in producers.values() for c in contracts]
    with _dag(
        "warehouse_build",
        doc,
        schedule=AssetAny(*feeds),
        catchup=False,
        tags=["warehouse", "dbt"],
        description="仓库构建（dbt build）· warehouse build",
    ) as dag:
        wait = WaitForQuiet(
            task_id="wait_for_quiet", ingest_dags=[f"ingest_{code}" for code in producers], feed_assets=feeds
        )
        dbt_build.override(pool=warehouse_pool())(wait.output)
    return dag


# --- 3. publication: gate → publish (→ delta → rates) -------------------------------------------------------

# (task id, job taking (ws, release_date)). A new step is one job function and one line here.
PUBLICATION_STEPS: tuple[tuple[str, Callable[..., dict]], ...] = (
    ("gate", jobs.gate),  # 质量闸门
    ("publish", jobs.publish_release),  # 公示发布
    ("delta", jobs.release_delta),  # 与上一次发布相比的增量
    ("rates", jobs.publication_rates),  # 公示率、及时率、准确率
)


def dated_step(task_id: str, job: Callable[..., dict], **task_args):
    """A task that runs ``job(ws, day)`` for the ISO date it is given (each job its own task function, so the
    task names the job it calls)."""

    @task(task_id=task_id, pool=warehouse_pool(), **task_args)
    def step(day: str) -> dict:
        return run_job(job, date.fromisoformat(day))

    step.__doc__ = job.__doc__
    return step


@task
def release_date(**context) -> str:
    """The as-of date of the build that triggered this run, else the run's own date."""
    events = context["triggering_asset_events"].get(WAREHOUSE, []) if context.get("triggering_asset_events") else []
    dates = [e.extra["as_of_date"] for e in events if (e.extra or {}).get("as_of_date")]
    return max(dates) if dates else business_date(context).isoformat()


def add_publication_steps(day) -> list:
    steps = [
        dated_step(task_id, job, outlets=[RELEASE] if task_id == "publish" else [])(day)
        for task_id, job in PUBLICATION_STEPS
    ]
    chain(*steps)
    return steps


def publication_dag(doc: str | None) -> DAG:
    with _dag(
        "publication",
        doc,
        schedule=[WAREHOUSE],
        catchup=False,
        tags=["publication"],
        description="质量闸门与公示发布 · gate and publish",
    ) as dag:
        add_publication_steps(release_date())
    return dag


# --- 4. daily release and monthly feedback ------------------------------------------------------------------


@task
def as_of_date(**context) -> str:
    return business_date(context).isoformat()


def daily_release_dag(doc: str | None) -> DAG:
    with _dag(
        "daily_release",
        doc,
        schedule=DAILY_RELEASE_SCHEDULE,
        catchup=False,
        tags=["daily_release", "dbt"],
        description="每日到期释放与发布 · daily release",
    ) as dag:
        day = as_of_date()
        build = dated_step("dbt_build_daily_release", jobs.build_daily_release, execution_timeout=BUILD_TIMEOUT)(day)
        build >> add_publication_steps(day)[0]
    return dag


def weekly_full_check_dag(doc: str | None) -> DAG:
    with _dag(
        "weekly_full_check",
        doc,
        schedule=FULL_CHECK_SCHEDULE,
        catchup=False,
        tags=["weekly_full_check", "dbt"],
        description="每周全量数据测试 · weekly full check",
    ) as dag:
        day = as_of_date()
        dated_step("dbt_build_full_check", jobs.build_full_check, execution_timeout=BUILD_TIMEOUT)(day)
    return dag


@task.short_circuit
def feedback_due(**context) -> bool:
    day = business_date(context)
    due = run_job(jobs.feedback_due, day)
    log.info("%s：%s本月反馈时间窗内（反馈月份 %s）", day, "在" if due else "不在", jobs.feedback_month(day))
    return due


def monthly_feedback_dag(doc: str | None) -> DAG:
    with _dag(
        "monthly_feedback",
        doc,
        schedule=MONTHLY_FEEDBACK_SCHEDULE,
        catchup=False,
        tags=["monthly_feedback", "dbt"],
        description="每月失信惩戒实施情况反馈 · monthly feedback",
    ) as dag:
        day = as_of_date()
        build = dated_step("dbt_build_monthly_feedback", jobs.build_monthly_feedback, execution_timeout=BUILD_TIMEOUT)(
            day
        )
        day >> feedback_due() >> build >> dated_step("export_feedback", jobs.export_monthly_feedback)(day)
    return dag
