"""The warehouse runner's view of the built marts."""

from __future__ import annotations

import duckdb

from ground.settings import Workspace
from warehouse import mart_names, table_counts


def test_the_marts_are_the_main_schemas_dim_fct_and_pub_tables(tmp_path):
    """Tables of the same prefixes elsewhere — the incremental models' records in build_state, intermediate
    models — are not marts (a build's summary counts the marts by unqualified name)."""
    ws = Workspace(tmp_path / "home").ensure()
    ws.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(ws.warehouse)) as con:
        for schema in ("build_state", "intermediate"):
            con.execute(f"create schema {schema}")
        con.execute("create table main.dim_enterprise as select 1 as uscc")
        con.execute("create table main.pub_penalties as select 1 as x union all select 2")
        con.execute("create table main.mart_lists as select 1 as x")
        con.execute("create table build_state.dim_enterprise__batches as select 'b' as batch_id")
        con.execute("create table intermediate.fct_helper as select 1 as x")
    assert mart_names(ws) == ["dim_enterprise", "pub_penalties"]
    assert table_counts(ws, mart_names(ws)) == {"dim_enterprise": 1, "pub_penalties": 2}


def test_the_as_of_date_reaches_dbt_only_as_a_build_passes_it(tmp_path, monkeypatch):
    """An inherited CWH_AS_OF_DATE (a shell, a worker's environment) must not judge a run that did not ask for it."""
    from ground.settings import AS_OF_DATE_ENV, Workspace
    from warehouse.runner import dbt_env

    monkeypatch.setenv(AS_OF_DATE_ENV, "2020-01-01")
    assert AS_OF_DATE_ENV not in dbt_env(Workspace(tmp_path))
