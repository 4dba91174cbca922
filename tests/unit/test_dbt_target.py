"""One setting chooses the engine dbt builds on (ground/settings.py, docs/spark.md): ``CWH_DBT_TARGET``, overridden by
``cwh … --target``; on Spark, dbt runs from Spark's own environment, or a clear Chinese message says what to
install. A stand-in ``dbt`` and ``java`` replace Spark here: what is checked is what the runner hands them."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
import yaml
from helpers import cwh

from ground.errors import ActionableError
from ground.settings import (
    DBT_PROJECT_DIR,
    DBT_TARGET_ENV,
    SPARK_ENV_ENV,
    SPARK_WAREHOUSE_DIR_ENV,
    Workspace,
    dbt_target,
)
from warehouse import runner

# A stand-in for Spark's dbt: records its arguments, working directory and the settings it was given, and leaves a
# Spark table behind as dbt-spark would (so the runner's catalogue step has a table to register).
FAKE_DBT = """#!{python}
import json, os, sys, pathlib
record = {{"argv": sys.argv[1:], "cwd": os.getcwd(),
          "env": {{k: os.environ.get(k) for k in ("CWH_HOME", "CWH_SPARK_WAREHOUSE_DIR", "VIRTUAL_ENV")}}}}
pathlib.Path(os.environ["FAKE_DBT_RECORD"]).write_text(json.dumps(record))
import duckdb
table = pathlib.Path(os.environ["CWH_SPARK_WAREHOUSE_DIR"]) / "main.db" / "dim_enterprise"
table.mkdir(parents=True, exist_ok=True)
duckdb.sql("copy (select 'u1' as uscc) to '" + str(table / "part-00000.parquet") + "' (format parquet)")
"""


def _executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def spark_env(tmp_path, monkeypatch) -> Path:
    """A Spark environment with the stand-in dbt, and a java on the PATH."""
    env = tmp_path / "venv-spark"
    _executable(env / "bin" / "dbt", FAKE_DBT.format(python=sys.executable))
    java = _executable(tmp_path / "jre" / "bin" / "java", "#!/bin/sh\nexit 0\n")
    monkeypatch.setenv(SPARK_ENV_ENV, str(env))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", f"{java.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv(SPARK_WAREHOUSE_DIR_ENV, raising=False)
    return env


def test_duckdb_by_default_the_setting_and_the_option_override(monkeypatch, tmp_path):
    monkeypatch.delenv(DBT_TARGET_ENV, raising=False)
    assert dbt_target() == "duckdb"
    ws = Workspace.from_env(tmp_path)
    assert (ws.target, ws.warehouse.name) == ("duckdb", "warehouse.duckdb")
    monkeypatch.setenv(DBT_TARGET_ENV, "Spark ")
    ws = Workspace.from_env(tmp_path)
    assert (ws.target, ws.on_spark, ws.warehouse.name) == ("spark", True, "spark_catalog.duckdb")
    assert Workspace.from_env(tmp_path, "duckdb").target == "duckdb"  # --target wins over the setting


@pytest.mark.parametrize(("setting", "option", "named"), [("oracle", None, DBT_TARGET_ENV), (None, "hive", "--target")])
def test_an_unknown_engine_is_refused_in_chinese(monkeypatch, tmp_path, setting, option, named):
    if setting:
        monkeypatch.setenv(DBT_TARGET_ENV, setting)
    with pytest.raises(ActionableError, match="应为 duckdb 或 spark") as info:
        Workspace.from_env(tmp_path, option)
    assert named in str(info.value)


def test_spark_without_its_environment_says_both_install_commands(monkeypatch, tmp_path):
    monkeypatch.setenv(SPARK_ENV_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(runner.SparkUnavailable) as info:
        runner.dbt(Workspace(tmp_path / "home", "spark"), "build")
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message
    assert "apt-get install -y openjdk-17-jre-headless" in message
    assert "UV_PROJECT_ENVIRONMENT=.venv-spark python3 -m uv sync --frozen --group spark" in message


def test_spark_without_java_says_so(spark_env, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(runner.SparkUnavailable, match="找不到 Java 运行时"):
        runner.dbt_executable(Workspace(tmp_path / "home", "spark"))
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jre"))  # JAVA_HOME is enough, as for pyspark
    assert runner.dbt_executable(Workspace(tmp_path / "home", "spark")) == str(spark_env / "bin" / "dbt")


def test_on_spark_dbt_runs_from_its_environment_with_the_spark_target(spark_env, monkeypatch, tmp_path):
    record = tmp_path / "record.json"
    monkeypatch.setenv("FAKE_DBT_RECORD", str(record))
    monkeypatch.setenv("VIRTUAL_ENV", str(Path(sys.executable).parents[1]))
    ws = Workspace(tmp_path / "home", "spark").ensure()
    assert runner.dbt(ws, "build", "--select", "x") == 0
    seen = json.loads(record.read_text())
    assert seen["argv"][:5] == ["build", "--select", "x", "--target", "spark"]
    assert seen["cwd"] == str(ws.spark)  # whatever Spark drops in its working directory stays in the workspace
    assert seen["env"] == {
        "CWH_HOME": str(ws.home),
        "CWH_SPARK_WAREHOUSE_DIR": str(ws.home / "spark" / "warehouse"),
        "VIRTUAL_ENV": None,
    }
    # after the run, the catalogue: the readers find Spark's table by its name
    assert runner.mart_names(ws) == ["dim_enterprise"]


def test_on_duckdb_the_dev_target_is_named(monkeypatch, tmp_path):
    """The DuckDB target is profiles.yml's ``dev``, named explicitly (a profile's default never decides)."""
    calls = []

    class Proc:
        stdout = ()

        def wait(self):
            return 0

    monkeypatch.setattr(runner.subprocess, "Popen", lambda cmd, **kw: calls.append(cmd) or Proc())
    runner.dbt(Workspace(tmp_path / "home"), "parse")
    assert calls[0][1:4] == ["parse", "--target", "dev"]


def test_profiles_have_a_target_per_engine_and_spark_reads_the_warehouse_setting():
    from ground.settings import DBT_PROFILE_TARGETS

    outputs = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))["creditwh"]["outputs"]
    assert {engine: outputs[name]["type"] for engine, name in DBT_PROFILE_TARGETS.items()} == {
        "duckdb": "duckdb",
        "spark": "spark",
    }
    warehouse_dir = outputs["spark"]["server_side_parameters"]["spark.sql.warehouse.dir"]
    assert SPARK_WAREHOUSE_DIR_ENV in warehouse_dir and "/spark/warehouse" in warehouse_dir


def test_cli_target_option_reaches_the_runner(monkeypatch, tmp_path):
    """``cwh build --target spark`` with no Spark environment: the install message, exit 2, no traceback."""
    monkeypatch.setenv(SPARK_ENV_ENV, str(tmp_path / "nowhere"))
    result = cwh("build", "--target", "spark", home=tmp_path / "home", check=False, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    flat = result.stderr.replace("\n", "")  # the console wraps long lines
    assert "openjdk-17-jre-headless" in flat and "Traceback" not in result.stderr + result.stdout
    result = cwh("check", "--target", "oracle", home=tmp_path / "home", check=False, timeout=120)
    assert result.returncode == 2 and "--target 应为 duckdb 或 spark" in result.stderr.replace("\n", "")
