"""Fixtures: a throw-away workspace, a throw-away Airflow, and the one demo warehouse the read-only tests share.

Helpers (producer files, dbt in a child process, copies, queries) are in helpers.py.

With ``-n`` (pytest-xdist, ``--dist loadscope``), the modules using the demo warehouse go to one worker, so it is
built once; every other module stays on one worker, so a module-scoped fixture is built once too.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import pytest
from helpers import DAGS, DEMO_AS_OF, DEMO_DATA, Demo, disclosure_hold_rows, write_feed

from creditwh import jobs
from ground.settings import BUILD_QUIET_ENV, INGEST_SETTLE_ENV, Workspace

# Tests write a delivery and ingest it at once: no settle time (the delivery protocol's own tests set theirs), and a
# build does not wait for a quiet inbox (the tests of that wait set theirs). Set in the environment, so that the CLI
# and Airflow in child processes see it too.
os.environ[INGEST_SETTLE_ENV] = "0"
os.environ[BUILD_QUIET_ENV] = "0"

# The modules whose tests use the demo warehouse: with -n, one worker runs them all (after building it once), the
# other worker everything else, a module at a time. A test elsewhere may not use it (pytest_collection_modifyitems).
DEMO_MODULES = {
    "tests/dbt/test_dbt_layers.py",
    "tests/dbt/test_dbt_project.py",
    "tests/dbt/test_marts_lists.py",
    "tests/dbt/test_marts_risk.py",
    "tests/dbt/test_penalty_domains.py",
    "tests/dbt/test_publication.py",
    "tests/unit/test_console.py",
    "tests/e2e/test_console_browser.py",
    "tests/e2e/test_spark_catalog_readers.py",
}


def pytest_collection_modifyitems(config, items):
    strays = [
        item.nodeid for item in items if "demo" in item.fixturenames and item.nodeid.split("::")[0] not in DEMO_MODULES
    ]
    if strays:
        raise pytest.UsageError(f"tests/conftest.py: add the modules of {strays} to DEMO_MODULES")


# The scopes that take longest, started first (the rest follow, most tests first), so that neither worker is left
# with a long one at the end.
SLOW_FIRST = (
    "tests/spark/test_engines_agree.py",
    "tests/e2e/test_airflow_scheduler.py",
    "demo",
    "tests/e2e/test_receipt_determinism.py",
    "tests/e2e/test_dags_e2e.py",
    "tests/e2e/test_cli_e2e.py",
    "tests/dbt/test_timeline_incremental.py",
    "tests/dbt/test_core_marts.py",
    "tests/dbt/test_punishment.py",
)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with the demo modules as one scope, the slow scopes first (xdist 3.8's ``loadgroup``
    does not group on pytest 9: it renames ``item._nodeid``, which pytest 9 no longer reads)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class DemoScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "demo" if module in DEMO_MODULES else module

        def _assign_work_unit(self, node) -> None:
            for scope in reversed(SLOW_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return DemoScopes(config, log)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "home").ensure()


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """The shared warehouse: generated feeds → ingested → three records flagged secret (a disclosure-holds delivery
    written from landed rows, delivered 2026-06-02) → built and published as of DEMO_AS_OF, all through the service
    layer. Tests read it; a test that changes anything works on ``demo.copy(tmp_path)``."""
    ws = Workspace(tmp_path_factory.mktemp("demo") / "home").ensure()
    jobs.generate_feeds(ws, **DEMO_DATA)
    jobs.ingest(ws)
    holds = disclosure_hold_rows(ws)
    write_feed(ws, "disclosure_holds", "disclosure_holds_test.csv", holds, mtime=datetime(2026, 6, 2, 2).timestamp())
    assert [r.status for r in jobs.ingest(ws) if r.status != "skipped"] == ["landed"]
    log: list[str] = []
    build = jobs.build_warehouse(ws, DEMO_AS_OF, on_line=log.append)
    release = jobs.publish(ws, DEMO_AS_OF)
    return Demo(ws, holds, build, log, release)


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory):
    """A throw-away Airflow: SQLite metadata in a temporary AIRFLOW_HOME, this repository's dags/, no examples.

    Airflow reads its configuration when first imported, so tests import it only after requesting this fixture."""
    assert "airflow.configuration" not in sys.modules, "airflow was imported before the airflow_home fixture"
    home = tmp_path_factory.mktemp("airflow")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        yield home
