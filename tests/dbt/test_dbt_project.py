"""The dbt project: its generated sources are current, and its models follow the contracts (checked in the manifest
of the shared demo build). The core marts on a small hand-made landing zone: test_core_marts.py."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from helpers import CORE_MARTS as MARTS
from helpers import DEMO_AS_OF, RENAMED, STAGING_MODELS, manifest, query, write_ledger_entry

from contracts import load_contracts
from contracts.codegen import FROM_BATCH, LANDED_PROVENANCE, PROVENANCE, SOURCES_FILE, render_dbt_sources
from ground.settings import AS_OF_DATE_ENV, DBT_PROJECT_DIR, PROJECT_ROOT
from ingestion.landing import PROVENANCE as LANDING_PROVENANCE
from warehouse import dbt

DBT_DIR = DBT_PROJECT_DIR
STAGING_DIR = DBT_DIR / "models" / "staging" / "landing"


# ---------------------------------------------------------------------------------------------- fast checks


def test_generated_sources_are_current():
    assert SOURCES_FILE.read_text(encoding="utf-8") == render_dbt_sources(), (
        f"{SOURCES_FILE.relative_to(PROJECT_ROOT)} is stale: run `python -m contracts.codegen` and commit it"
    )


def test_provenance_columns_match_ingestion():
    assert [name for name, _, _ in LANDED_PROVENANCE] == list(LANDING_PROVENANCE)
    assert {name for name, _, _ in PROVENANCE} == set(LANDING_PROVENANCE) | set(FROM_BATCH)


@pytest.mark.parametrize("feed", sorted(STAGING_MODELS))
def test_staging_model_selects_every_contract_field(feed):
    sql = (STAGING_DIR / f"{STAGING_MODELS[feed]}.sql").read_text(encoding="utf-8")
    macro = (DBT_DIR / "macros" / "provenance_columns.sql").read_text(encoding="utf-8")
    sql = sql.replace("{{ provenance_columns() }}", macro)  # the provenance casts every staging model shares
    selected = re.findall(r"cast\((\w+) as \w+\) as (\w+)", sql)
    selected += re.findall(r"\{\{ beijing_time\('(\w+)'\) \}\} as (\w+)", sql)  # UTC times read in Beijing time
    expected = [(f.name, RENAMED.get((feed, f.name), f.name)) for f in load_contracts()[feed].fields]
    expected += [(FROM_BATCH.get(name, name), name) for name, _, _ in PROVENANCE]
    assert sorted(selected) == sorted(expected)
    assert f"source('landing', '{feed}')" in sql


@pytest.fixture(scope="module")
def dbt_manifest(demo) -> dict:
    """The manifest of the shared demo build (``dbt build`` parses the whole project)."""
    return manifest(demo.ws.home)


def test_dbt_reports_no_deprecation(demo):
    assert not [line for line in demo.build_log if "Deprecat" in line], "\n".join(demo.build_log[-200:])


def test_dbt_parse_finds_every_feed_as_a_source(dbt_manifest):
    tables = {s["name"] for s in dbt_manifest["sources"].values() if s["source_name"] == "landing"}
    assert tables == set(load_contracts()) | {"ledger", "rejects"}


def test_marts_have_enforced_contracts_and_documented_typed_columns(dbt_manifest):
    negative = {f.name for c in load_contracts().values() for f in c.negative_fields}
    models = {n["name"]: n for n in dbt_manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert node["description"], name
        for column in node["columns"].values():
            assert column["description"] and column["data_type"], f"{name}.{column['name']}"
        assert not negative & set(node["columns"]), f"{name} exposes a negative-list field"


def test_staging_models_are_documented(dbt_manifest):
    models = {n["name"]: n for n in dbt_manifest["nodes"].values() if n["resource_type"] == "model"}
    for feed, name in STAGING_MODELS.items():
        documented = set(models[name]["columns"])
        expected = {RENAMED.get((feed, f.name), f.name) for f in load_contracts()[feed].fields}
        assert documented == expected | {n for n, _, _ in PROVENANCE}, name
        assert models[name]["description"]


def test_the_models_unit_tests_pass(demo, tmp_path):
    """A build leaves the unit tests out (they check SQL logic, not data): here they run, on the demo's relations."""
    ws = demo.copy(tmp_path, published=False)
    log: list[str] = []
    code = dbt(
        ws,
        "test",
        "--select",
        "test_type:unit",
        "--vars",
        json.dumps({"as_of_date": DEMO_AS_OF.isoformat()}),
        on_line=log.append,
    )
    results = json.loads((ws.home / "dbt" / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    results = [r for r in results if r["unique_id"].startswith("unit_test.")]  # not the on-run-start/-end hooks
    assert code == 0, "\n".join(log[-60:])
    assert len(results) == len(manifest(ws.home)["unit_tests"]) > 40
    assert {r["status"] for r in results} == {"pass"}
    assert not [line for line in demo.build_log if "unit_test" in line]


def test_unit_tests_cover_the_registry_logic(dbt_manifest):
    tested = {u["model"] for u in dbt_manifest.get("unit_tests", {}).values()}
    registry = {"int_registry__enterprises", "int_registry__enterprise_names", "int_registry__records_deduplicated"}
    assert registry <= tested


# ------------------------------------------------------------------ data tests on the batches no build has tested


def _ledger_ids(ws) -> set[str]:
    return {p.stem for p in ws.ledger.rglob("*.json")}


def _tested_ids(ws) -> set[str]:
    return {r[0] for r in query(ws, "select batch_id from build_state.tested_batches")}


def _build(ws, *select: str, every_batch: bool = False, as_of: date = DEMO_AS_OF, **extra_vars: str) -> tuple[int, str]:
    """``dbt build`` as the pipeline's build runs it (no unit tests), of ``select`` or everything; ``extra_vars``:
    more dbt vars."""
    log: list[str] = []
    dbt_vars = {"as_of_date": as_of.isoformat(), **({"test_every_batch": True} if every_batch else {}), **extra_vars}
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars)]
    code = dbt(ws, *args, *(["--select", *select] if select else []), on_line=log.append)
    return code, "\n".join(log)


def _penalties_build(ws, every_batch: bool = False) -> tuple[int, str]:
    """The landed penalties' own data tests (the source's), as a build runs them."""
    return _build(ws, "source:landing.penalties", every_batch=every_batch)


def _with_a_missing_decision_number(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("decision_number")).alias("decision_number")
    )


def test_builds_test_each_batch_until_a_build_passed_on_it(demo, tmp_path):
    """The landing's and staging's data tests test the batches no successful build has tested yet
    (macros/test_scope.sql): a bad batch fails every build until it is withdrawn; a batch once tested is not read
    again, unless the full check is asked for (``test_every_batch``)."""
    ws = demo.copy(tmp_path, published=False)
    assert _tested_ids(ws) == _ledger_ids(ws) != set()  # the demo's build passed: every batch is tested

    # a batch that bypassed ingestion's checks: a penalty without its decision number, committed in the ledger
    contract = load_contracts()["penalties"]
    old = sorted((ws.landing / "penalties").glob("batch_id=penalties-*"))[0]
    bad_id = "penalties-badbadbadbadbad0"
    bad = ws.landing / "penalties" / f"batch_id={bad_id}"
    bad.mkdir()
    frame = pl.read_parquet(next(old.glob("*.parquet")))
    _with_a_missing_decision_number(frame).write_parquet(bad / "part-00000.parquet")
    received = datetime(2026, 11, 20, 1, tzinfo=UTC)
    write_ledger_entry(ws, contract, bad_id, "amr_enforcement/penalties/bad.csv", received, rows=frame.height)

    code, log = _penalties_build(ws)
    assert code != 0 and "source_not_null_landing_penalties" in log
    # one test for all the required columns (tests/generic/not_null_columns.sql): its row names the column
    compiled = next((ws.home / "dbt" / "target" / "compiled").rglob("source_not_null_landing_penalties.sql"))
    (failure,) = query(ws, compiled.read_text(encoding="utf-8"))
    assert failure[0] == "decision_number" and 1 in failure[1:]
    code, log = _build(ws)
    assert code != 0 and "source_not_null_landing_penalties" in log
    assert bad_id not in _tested_ids(ws)  # the failed build recorded nothing as tested
    code, log = _penalties_build(ws)
    assert code != 0, "the bad batch must fail the next build too"

    # withdrawn from the ledger: tested no more
    for entry in ws.ledger.rglob(f"{bad_id}.json"):
        entry.unlink()
    code, log = _penalties_build(ws)
    assert code == 0, log[-3000:]

    # a batch tested earlier is not read again (landed batches are immutable) — the full check reads it
    _with_a_missing_decision_number(frame).write_parquet(old / "part-99999.parquet")
    code, log = _penalties_build(ws)
    assert code == 0, log[-3000:]
    code, log = _penalties_build(ws, every_batch=True)
    assert code != 0 and "source_not_null_landing_penalties" in log


def _monthly_tests(ws, every_batch: bool = False) -> tuple[int, str]:
    """The monthly risk snapshot's data tests, run by ``dbt build`` as the pipeline's build runs them."""
    log: list[str] = []
    dbt_vars = {"as_of_date": DEMO_AS_OF.isoformat(), **({"test_every_batch": True} if every_batch else {})}
    args = ["build", "--select", "mart_credit_risk_monthly", "--resource-type", "test", "--vars", json.dumps(dbt_vars)]
    code = dbt(ws, *args, on_line=log.append)
    return code, "\n".join(log)


def test_the_monthly_risk_snapshot_tests_test_the_rows_the_build_wrote(demo, tmp_path):
    """The monthly risk snapshot's data tests read the rows this build wrote (``__recomputed_risk_rows__``,
    macros/test_scope.sql): a duplicate in kept history is not read again by the pipeline's build, the full check
    finds it; a duplicate among the recomputed rows (the current month) fails the build."""
    import duckdb

    ws = demo.copy(tmp_path, published=False)
    # the pipeline's build the next day: incremental, the current month for everyone, the closed months for the change
    # set only (a build on the same day would recompute the current month for the change set only as well)
    code, log = _build(ws, as_of=DEMO_AS_OF + timedelta(days=1))
    assert code == 0, log[-3000:]
    unique = "unique_combination_of_columns_mart_credit_risk_monthly_score_month__uscc"
    closed = """
        select score_month, uscc from main.mart_credit_risk_monthly
        where score_month in (select score_month from intermediate.int_risk__score_dates where changed_only)
            and uscc not in (select uscc from intermediate.int_risk__changed_enterprises)
        order by all limit 1"""
    current = """
        select score_month, uscc from main.mart_credit_risk_monthly
        where score_month = (select max(score_month) from main.mart_credit_risk_monthly) order by all limit 1"""
    assert query(ws, closed) and query(ws, current)

    def duplicate(row_sql: str) -> None:
        with duckdb.connect(str(ws.warehouse)) as con:
            con.execute(
                "insert into main.mart_credit_risk_monthly select * from main.mart_credit_risk_monthly"
                f" where (score_month, uscc) in ({row_sql})"
            )

    duplicate(closed)
    code, log = _monthly_tests(ws)
    assert code == 0, log[-3000:]  # kept history: tested by the build that wrote it
    code, log = _monthly_tests(ws, every_batch=True)
    assert code != 0 and unique in log  # the full check reads every row
    duplicate(current)
    code, log = _monthly_tests(ws)
    assert code != 0 and unique in log


def test_tests_of_a_model_incremental_by_key_read_the_keys_of_the_batches_under_test(demo, tmp_path):
    """A model incremental by key is tested on the keys the batches under test change (``__changed_keys__``,
    macros/test_scope.sql): a duplicate of a key no such batch names is not read again by the pipeline's build, the
    full check finds it; a key of a batch not yet tested by a successful build is read; after the model was
    recomputed whole, every row is read until a build's tests have all passed."""
    import duckdb

    ws = demo.copy(tmp_path, published=False)
    unique = "unique_dim_enterprise_uscc"
    tested_batch, tested_key = query(
        ws,
        """select r._batch_id, r.uscc from staging.stg_landing__registry_records r
           join main.dim_enterprise d using (uscc) order by all limit 1""",
    )[0]
    other_key = query(
        ws,
        f"""select uscc from main.dim_enterprise where uscc not in (
                select uscc from staging.stg_landing__registry_records where _batch_id = '{tested_batch}')
            order by all limit 1""",
    )[0][0]

    def duplicate(uscc: str, times: int = 1) -> None:
        with duckdb.connect(str(ws.warehouse)) as con:
            for _ in range(times):
                con.execute(
                    "insert into main.dim_enterprise select * from main.dim_enterprise where uscc = ? limit 1", [uscc]
                )

    def remove_duplicates() -> None:
        with duckdb.connect(str(ws.warehouse)) as con:
            con.execute("create temp table kept as select distinct * from main.dim_enterprise")
            con.execute("delete from main.dim_enterprise")
            con.execute("insert into main.dim_enterprise select * from kept")

    duplicate(other_key)
    code, log = _build(ws, "dim_enterprise")
    assert code == 0, log[-3000:]  # no batch under test names it: tested by the build that wrote it
    code, log = _build(ws, "dim_enterprise", every_batch=True)
    assert code != 0 and unique in log  # the full check reads every row

    # a batch whose build did not pass its tests stays under test: its keys are read
    with duckdb.connect(str(ws.warehouse)) as con:
        con.execute("delete from build_state.tested_batches where batch_id = ?", [tested_batch])
    code, log = _build(ws, "dim_enterprise")
    assert code == 0, log[-3000:]
    duplicate(tested_key)
    code, log = _build(ws, "dim_enterprise")
    assert code != 0 and unique in log
    remove_duplicates()

    # recomputed whole (another input changed): every row is read, until a build's tests have all passed
    with duckdb.connect(str(ws.warehouse)) as con:
        con.execute("update build_state.dim_enterprise__batches set inputs_fingerprint = 'another'")
    vars_ = ["--vars", json.dumps({"as_of_date": DEMO_AS_OF.isoformat()})]
    log_lines: list[str] = []
    assert dbt(ws, "run", "--select", "dim_enterprise", *vars_, on_line=log_lines.append) == 0, log_lines[-40:]
    assert query(ws, "select model_name from build_state.models_recomputed_whole") == [("dim_enterprise",)]
    duplicate(other_key)
    code, log = _build(ws, "dim_enterprise")
    assert code != 0 and unique in log
    remove_duplicates()
    code, log = _build(ws)
    assert code == 0, log[-3000:]
    assert query(ws, "select count(*) from build_state.models_recomputed_whole") == [(0,)]
    assert tested_batch in _tested_ids(ws)
    duplicate(other_key)
    code, log = _build(ws, "dim_enterprise")
    assert code == 0, log[-3000:]
    run = ws.home / "dbt" / "target" / "run"
    by_key = next(run.rglob("unique_dim_enterprise_uscc.sql")).read_text(encoding="utf-8")
    assert "where model_name = 'dim_enterprise') or uscc in (select uscc from" in by_key
    # a model incremental by case selects its keys otherwise (and by the as-of date): its tests read every row
    by_case = next(run.rglob("unique_int_publication__penalties_decision_number.sql")).read_text(encoding="utf-8")
    assert '"int_publication__penalties" where true)' in by_case


def test_a_build_on_the_same_day_recomputes_that_day_for_the_change_set_unless_the_rules_changed(demo, tmp_path):
    """The as-of date is computed for every enterprise once a day; a later build on the same date recomputes it for
    the change set only (int_risk__score_dates), unless the risk models or seeds changed since the record of counted
    batches was written (its inputs fingerprint): then for every enterprise again, and the record is renewed."""
    import duckdb

    ws = demo.copy(tmp_path, published=False)
    current = "select changed_only from intermediate.int_risk__score_dates where is_current"
    recomputed = "select count(*) from intermediate.int_risk__scores where score_date = ? and scenario_id = 'baseline'"
    everyone = query(ws, "select count(*) from main.mart_credit_risk_scores")[0][0]
    assert everyone > 100
    code, log = _build(ws, "tag:daily_release")  # the demo's date again, nothing delivered since
    assert code == 0, log[-3000:]
    assert query(ws, current) == [(True,)]
    assert query(ws, recomputed, DEMO_AS_OF) == [(0,)]  # an empty change set: nothing recomputed
    assert query(ws, "select count(*) from main.mart_credit_risk_scores")[0][0] == everyone  # and nothing lost
    # the what-if mart likewise; asked for another scenario on the same day, it rewrites every row
    whatif = (
        "select count(*), count(distinct scenario_id), count(*) filter (where is_class_changed)"
        " from main.mart_credit_risk_whatif"
    )
    [(compared, scenarios, _)] = query(ws, whatif)
    assert compared == everyone and scenarios == 1
    code, log = _build(ws, "tag:daily_release", risk_scenario="baseline")
    assert code == 0, log[-3000:]
    assert query(ws, current) == [(True,)]
    assert query(ws, whatif) == [(everyone, 1, 0)]  # baseline against itself: no class changes, every row anew
    assert query(ws, "select distinct scenario_id from main.mart_credit_risk_whatif") == [("baseline",)]

    # the date's results are tested on the rows this build wrote (__recomputed_current_risk_rows__): none here
    unique = "unique_mart_credit_risk_scores_uscc"

    def duplicate_a_score() -> None:
        with duckdb.connect(str(ws.warehouse)) as con:
            con.execute(
                "insert into main.mart_credit_risk_scores"
                " select * from main.mart_credit_risk_scores order by uscc limit 1"
            )

    def scores_tests(every_batch: bool = False) -> tuple[int, str]:
        log: list[str] = []
        dbt_vars = {"as_of_date": DEMO_AS_OF.isoformat(), **({"test_every_batch": True} if every_batch else {})}
        args = [
            "build",
            "--select",
            "mart_credit_risk_scores",
            "--resource-type",
            "test",
            "--vars",
            json.dumps(dbt_vars),
        ]
        return dbt(ws, *args, on_line=log.append), "\n".join(log)

    duplicate_a_score()
    code, log = scores_tests()
    assert code == 0, log[-3000:]  # a row this build did not write: tested by the build that wrote it
    code, log = scores_tests(every_batch=True)
    assert code != 0 and unique in log

    with duckdb.connect(str(ws.warehouse)) as con:  # as if the rules had changed since the record was written
        con.execute("update main.mart_credit_risk_batches set inputs_fingerprint = 'rules of another day'")
    code, log = _build(ws, "tag:daily_release")
    assert code == 0, log[-3000:]
    assert query(ws, current) == [(False,)]
    assert query(ws, recomputed, DEMO_AS_OF) == [(everyone,)]
    assert query(ws, "select count(*) from main.mart_credit_risk_scores")[0][0] == everyone  # the duplicate left
    assert query(
        ws, "select count(*) from main.mart_credit_risk_batches where inputs_fingerprint = 'rules of another day'"
    ) == [(0,)]
    duplicate_a_score()
    code, log = scores_tests()
    assert code != 0 and unique in log  # the date recomputed for everyone: every row is tested


def test_a_build_on_another_day_keeps_dbts_partial_parse(demo, tmp_path):
    """The pipeline builds every day with a new as-of date. It goes to dbt in the environment (CWH_AS_OF_DATE,
    macros/as_of_date.sql), not as a var: a new ``--vars`` makes dbt parse the whole project again. The var, when
    given, still wins."""
    from datetime import timedelta

    from warehouse import build

    ws = demo.copy(tmp_path, published=False)
    compiled = ws.home / "dbt" / "target" / "compiled" / "creditwh" / "models" / "intermediate" / "risk"
    select = "int_risk__score_dates"
    build(ws, select=select, as_of=DEMO_AS_OF)
    for day in (DEMO_AS_OF + timedelta(days=1), DEMO_AS_OF + timedelta(days=2)):
        log: list[str] = []
        build(ws, select=select, as_of=day, on_line=log.append)
        assert not [line for line in log if "Unable to do partial parsing" in line or "Full parse" in line], log
        sql = (compiled / "int_risk__score_dates.sql").read_text(encoding="utf-8")
        assert f"cast('{day.isoformat()}' as date)" in sql and DEMO_AS_OF.isoformat() not in sql
    build(ws, select=select, as_of=DEMO_AS_OF, dbt_vars={"as_of_date": "2026-01-31"})
    sql = (compiled / "int_risk__score_dates.sql").read_text(encoding="utf-8")
    assert "cast('2026-01-31' as date)" in sql
    # the date is pasted into SQL: anything but YYYY-MM-DD is refused before any SQL runs
    log: list[str] = []
    code = dbt(
        ws, "compile", "--select", select, env={AS_OF_DATE_ENV: "2026-11-23'); drop table x; --"}, on_line=log.append
    )
    assert code != 0 and any("YYYY-MM-DD" in line for line in log), log


# ------------------------------------------------------------------ incremental by key: what forces a full recompute


def test_a_model_incremental_by_key_recomputes_every_key_when_another_input_changes(demo, tmp_path, monkeypatch):
    """int_registry__enterprises and dim_enterprise recompute only the enterprises new batches report
    (macros/incremental_by_key.sql) — unless an input other than the staged rows changed, here the person-key salt:
    then every legal representative's key must change, not only the new batches' ones."""
    ws = demo.copy(tmp_path, published=False)
    vars_ = ["--vars", json.dumps({"as_of_date": DEMO_AS_OF.isoformat()})]
    select = ["--select", "int_registry__enterprises", "dim_enterprise"]
    log: list[str] = []
    assert dbt(ws, "run", *select, *vars_, on_line=log.append) == 0, "\n".join(log[-40:])
    recorded = "select count(*) from build_state.int_registry__enterprises__batches"  # the batches it reflects
    assert query(ws, recorded)[0][0] > 0
    monkeypatch.setenv("CWH_PERSON_KEY_SALT", "another-salt")
    assert dbt(ws, "run", *select, *vars_, on_line=log.append) == 0, "\n".join(log[-40:])
    keys = """
        select count(*), count(*) filter (where d.legal_rep_person_key is distinct from
            case when nullif(trim(r.legal_rep_id_number), '') is not null
                 then sha256('another-salt' || upper(trim(r.legal_rep_id_number))) end)
        from {table} d
        join intermediate.int_registry__records_deduplicated r
            on r.uscc = d.uscc and r._batch_id = d._batch_id and r._row_number = d._row_number"""
    for table in ("intermediate.int_registry__enterprises", "main.dim_enterprise"):
        total, stale = query(ws, keys.format(table=table))[0]
        assert total == query(ws, f"select count(*) from {table}")[0][0] > 100 and stale == 0, table


BY_KEY = (
    "intermediate.int_registry__records_deduplicated",
    "intermediate.int_registry__enterprises",
    "intermediate.int_registry__secondary_identifiers",
    "intermediate.int_linkage__person_enterprises",
    "main.dim_enterprise",
    "main.dim_enterprise_names",
    "main.pub_enterprises",
)


def _rows(ws, table: str) -> list[tuple]:
    return sorted(query(ws, f"select * from {table}"), key=repr)


def test_models_incremental_by_key_equal_a_full_refresh_after_a_batch_is_withdrawn(demo, tmp_path):
    """A registry batch withdrawn from the ledger: its enterprises' rows must change everywhere (the models recompute
    every key then), exactly as a full refresh computes them."""
    ws = demo.copy(tmp_path, published=False)
    staged = [
        "stg_landing__batches",
        "stg_landing__registry_records",
        "stg_landing__penalties",
        "stg_landing__licences",
    ]
    select = ["--select", *staged, *(t.split(".")[1] for t in BY_KEY)]
    vars_ = ["--vars", json.dumps({"as_of_date": DEMO_AS_OF.isoformat()})]
    withdrawn = sorted(ws.ledger.rglob("registry-*.json"))[0]
    kept = "select count(*) from intermediate.int_registry__records_deduplicated where _batch_id = ?"
    assert query(ws, kept, withdrawn.stem)[0][0] > 0
    withdrawn.unlink()
    log: list[str] = []
    assert dbt(ws, "run", *select, *vars_, on_line=log.append) == 0, "\n".join(log[-40:])
    incremental = {t: _rows(ws, t) for t in BY_KEY}
    assert query(ws, kept, withdrawn.stem) == [(0,)]
    assert dbt(ws, "run", "--full-refresh", *select, *vars_, on_line=log.append) == 0, "\n".join(log[-40:])
    for table in BY_KEY:
        assert incremental[table] == _rows(ws, table), table


def test_dim_person_follows_a_listing_corrected_to_another_enterprise(demo, tmp_path):
    """A correction of an abnormal-operations listing (the same list decision number, another enterprise) on a build
    of the same date: dim_person, incremental by person (macros/person_keys.sql), recomputes the persons of both
    enterprises — the one the listing leaves and the one it moves to — exactly as a full refresh computes them."""
    ws = demo.copy(tmp_path, published=False)
    select = ["--select", "+dim_person"]
    vars_ = ["--vars", json.dumps({"as_of_date": DEMO_AS_OF.isoformat()})]
    counts = """
        select e.uscc, p.person_key, p.abnormal_listed_enterprise_count
        from main.dim_enterprise e join main.dim_person p on p.person_key = e.legal_rep_person_key
        where e.uscc = ?"""
    # an enterprise on the list today, alone on it among its representative's enterprises, and one never listed
    (leaving, decision, batch) = query(
        ws,
        f"""
        select l.uscc, l.list_decision_number, l._batch_id
        from staging.stg_landing__abnormal_listings l
        join main.dim_enterprise e on e.uscc = l.uscc
        join main.dim_person p on p.person_key = e.legal_rep_person_key
        where l.list_date <= date '{DEMO_AS_OF}' and l.removal_date is null
            and p.abnormal_listed_enterprise_count = 1
            and (select count(*) from staging.stg_landing__abnormal_listings o
                 where o.list_decision_number = l.list_decision_number) = 1
        order by l.list_decision_number limit 1""",
    )[0]
    (arriving,) = query(
        ws,
        """
        select e.uscc from main.dim_enterprise e join main.dim_person p on p.person_key = e.legal_rep_person_key
        where p.abnormal_listed_enterprise_count = 0 and p.enterprise_count = 1
        order by e.uscc limit 1""",
    )[0]
    before = {uscc: count for uscc, _, count in query(ws, counts, leaving) + query(ws, counts, arriving)}
    assert before == {leaving: 1, arriving: 0}

    # the correction: the listing's row again, naming the other enterprise, received after everything landed so far
    contract = load_contracts()["abnormal_list"]
    frame = pl.read_parquet(next((ws.landing / "abnormal_list").glob(f"batch_id={batch}/*.parquet")))
    latest = query(ws, "select max(_received_at) from staging.stg_landing__abnormal_listings")[0][0]
    received = latest + timedelta(hours=1)
    corrected = frame.filter(pl.col("list_decision_number") == decision).with_columns(
        pl.lit(arriving).alias("uscc"),
        pl.lit(received).cast(pl.Datetime("us")).alias("_received_at"),
        pl.lit(received).cast(pl.Datetime("us")).alias("_ingested_at"),
        pl.lit(1, dtype=pl.Int64).alias("_row_number"),
    )
    assert corrected.height == 1
    correction_id = "abnormal_list-c0ffee0000000001"
    (ws.landing / "abnormal_list" / f"batch_id={correction_id}").mkdir()
    corrected.write_parquet(ws.landing / "abnormal_list" / f"batch_id={correction_id}" / "part-00000.parquet")
    write_ledger_entry(ws, contract, correction_id, "amr_registration/abnormal/correction.csv", received, rows=1)

    log: list[str] = []
    assert dbt(ws, "run", *select, *vars_, on_line=log.append) == 0, "\n".join(log[-40:])
    after = {uscc: count for uscc, _, count in query(ws, counts, leaving) + query(ws, counts, arriving)}
    assert after == {leaving: 0, arriving: 1}, "both enterprises' persons are recomputed"
    incremental = _rows(ws, "main.dim_person")
    assert dbt(ws, "run", "--full-refresh", "--select", "dim_person", *vars_, on_line=log.append) == 0
    assert incremental == _rows(ws, "main.dim_person")
