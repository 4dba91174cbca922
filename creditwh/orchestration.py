"""Airflow 3 DAG factories (Task SDK). The files in ``dags/`` only call these; every task calls :mod:`creditwh.jobs`.

    ingest_<producer>   one DAG per producing department, generated from the contracts; a task per feed that
                        emits the feed's Asset only when a batch actually landed
    warehouse_build     scheduled on any feed Asset; dbt build with as_of_date; emits the warehouse Asset
    publication         scheduled on the warehouse Asset; gate → publish → delta → rates (PUBLICATION_STEPS)
    daily_release       cron, daily: dbt build tag:daily_release, then the publication steps
    monthly_feedback    cron, days 1–15: in the first working week only (rule seed), dbt build
                        tag:monthly_feedback, then the CSV export under reports/feedback/<YYYY-MM>/

DuckDB has one writer, and a writing process locks readers of other processes out: every task that opens the
warehouse takes the single slot of the ``duckdb_writer`` pool, and those DAGs run one at a time.

Parse time stays cheap: this module imports Airflow's SDK, pendulum and the service layer, whose components (polars,
DuckDB, dbt, great-expectations) load inside the job functions when a task runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date, timedelta

import pendulum
from airflow.sdk import DAG, Asset, AssetAny, chain, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from creditwh import jobs
from ground.clock import LOCAL_TZ
from ground.errors import ActionableError
from ground.runtime import configure_allocator
from ground.settings import Workspace

log = logging.getLogger(__name__)

OWNER = "credit-warehouse"
POOL = "duckdb_writer"
POOL_DESCRIPTION = "DuckDB 仓库文件单写入锁：写入进程独占文件，一次只允许一个任务打开仓库"
TZ = pendulum.timezone(LOCAL_TZ.key)
START_DATE = pendulum.datetime(2026, 1, 1, tz=TZ)
TAGS = ["credit-warehouse"]
# How often each producer's landing folder is looked at; operational, not a business rule (override per deployment).
INGEST_SCHEDULE = os.environ.get("CWH_INGEST_SCHEDULE", "7 * * * *")
DAILY_RELEASE_SCHEDULE = os.environ.get("CWH_DAILY_RELEASE_SCHEDULE", "30 0 * * *")
# Days 1–15 cover the feedback window (the seed's first N working days) even after the National Day and Spring
# Festival holidays; the first task decides from the working-day calendar whether this day runs.
MONTHLY_FEEDBACK_SCHEDULE = os.environ.get("CWH_MONTHLY_FEEDBACK_SCHEDULE", "0 6 1-15 * *")

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


def ingestion_dags(doc: str | None) -> list[DAG]:
    dags = []
    for code, contracts in jobs.producers().items():
        dept = contracts[0].producer.department
        header = f"### {dept}（{code}）\n\n" + "\n".join(
            f"- `{c.name}` {c.title} → Asset `{feed_asset(c.name).name}`" for c in contracts
        )
        with _dag(
            f"ingest_{code}",
            doc,
            schedule=INGEST_SCHEDULE,
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


# --- 2. warehouse build on the feed assets ------------------------------------------------------------------


@task(pool=POOL, outlets=[WAREHOUSE], execution_timeout=BUILD_TIMEOUT)
def dbt_build(**context) -> dict:
    as_of = business_date(context)
    result = run_job(jobs.build_warehouse, as_of)
    context["outlet_events"][WAREHOUSE].extra = {
        "as_of_date": as_of.isoformat(),
        "models": result["models"],
        "tests": result["tests"],
    }
    return result


def warehouse_build_dag(doc: str | None) -> DAG:
    feeds = [c.name for contracts in jobs.producers().values() for c in contracts]
    with _dag(
        "warehouse_build",
        doc,
        schedule=AssetAny(*map(feed_asset, feeds)),
        catchup=False,
        tags=["warehouse", "dbt"],
        description="仓库构建（dbt build）· warehouse build",
    ) as dag:
        dbt_build()
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

    @task(task_id=task_id, pool=POOL, **task_args)
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
