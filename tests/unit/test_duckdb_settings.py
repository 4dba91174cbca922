"""DuckDB's resources come from the workspace settings: dbt's profile and our own connections get the same
``memory_limit``, ``threads`` and ``temp_directory`` (ground/settings.py, docs/stack.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from ground import database
from ground.errors import ActionableError
from ground.settings import (
    DBT_PROJECT_DIR,
    DUCKDB_MEMORY_LIMIT,
    DUCKDB_MEMORY_LIMIT_ENV,
    DUCKDB_TEMP_DIRECTORY_ENV,
    DUCKDB_THREADS_ENV,
    Workspace,
)
from warehouse import dbt, dbt_env

SHOW = (
    "select current_setting('memory_limit') as mem, current_setting('threads') as thr, "
    "current_setting('temp_directory') as tmp"
)


@pytest.fixture
def limits(monkeypatch, tmp_path):
    monkeypatch.setenv(DUCKDB_MEMORY_LIMIT_ENV, "1GiB")
    monkeypatch.setenv(DUCKDB_THREADS_ENV, "1")
    monkeypatch.delenv(DUCKDB_TEMP_DIRECTORY_ENV, raising=False)
    return Workspace(tmp_path / "home").ensure()


def test_defaults(monkeypatch, tmp_path):
    for name in (DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_THREADS_ENV, DUCKDB_TEMP_DIRECTORY_ENV):
        monkeypatch.delenv(name, raising=False)
    ws = Workspace(tmp_path / "home")
    settings = ws.duckdb_settings()
    assert settings == {
        "memory_limit": DUCKDB_MEMORY_LIMIT,
        "threads": str(len(os.sched_getaffinity(0))),
        "temp_directory": str(ws.home / "warehouse" / "tmp"),
    }
    assert (ws.home / "warehouse" / "tmp").is_dir()  # created: DuckDB would make only its last level


@pytest.mark.parametrize(("name", "value"), [(DUCKDB_MEMORY_LIMIT_ENV, "lots"), (DUCKDB_THREADS_ENV, "0")])
def test_bad_values_are_refused_in_chinese(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ActionableError, match=name):
        Workspace(tmp_path).duckdb_settings()


def test_the_connect_helper_applies_them(limits, monkeypatch, tmp_path):
    path = limits.warehouse
    duckdb.connect(str(path)).close()
    with database.read_only(path) as con:
        assert con.execute(SHOW).fetchone() == ("1.0 GiB", 1, str(limits.home / "warehouse" / "tmp"))
    spill = tmp_path / "spill"
    monkeypatch.setenv(DUCKDB_TEMP_DIRECTORY_ENV, str(spill))
    with database.connect(path, read_only=True, attach=True) as con:  # in-memory, the warehouse attached as wh
        assert con.execute(SHOW).fetchone() == ("1.0 GiB", 1, str(spill))
        assert con.execute("select count(*) from duckdb_databases() where database_name = 'wh'").fetchone() == (1,)


def test_dbt_profile_renders_them(limits):
    env = dbt_env(limits)
    assert env[DUCKDB_MEMORY_LIMIT_ENV] == "1GiB" and env[DUCKDB_THREADS_ENV] == "1"
    lines: list[str] = []
    code = dbt(limits, "show", "--inline", SHOW, "--output", "json", on_line=lines.append)
    out = "\n".join(lines)
    assert code == 0, out[-3000:]
    assert '"mem": "1.0 GiB"' in out and '"thr": 1' in out, out[-3000:]
    assert f'"tmp": "{limits.home / "warehouse" / "tmp"}"' in out, out[-3000:]


def test_the_profile_opens_the_database_with_them():
    """Given when the database is opened (``config_options``), not SET on every cursor (``settings``): DuckDB refuses
    to switch ``temp_directory`` after it has spilled, which failed a 2 M build halfway."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    dev = profile["creditwh"]["outputs"]["dev"]
    assert "settings" not in dev
    assert set(dev["config_options"]) == {"memory_limit", "threads", "temp_directory"}


def test_dbt_without_the_settings_fails_at_once(limits, monkeypatch):
    monkeypatch.delenv(DUCKDB_MEMORY_LIMIT_ENV)
    env = {k: v for k, v in dbt_env(limits).items() if k != DUCKDB_MEMORY_LIMIT_ENV}
    exe = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(exe), "debug", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert DUCKDB_MEMORY_LIMIT_ENV in result.stdout + result.stderr
