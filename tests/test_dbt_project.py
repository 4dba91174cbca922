"""The dbt project: its generated sources are current, it parses, its models follow the contracts, and (e2e) it
builds on a small landing zone written with the ingestion module's own schema and ledger functions.

The e2e build does not need the feed generator: it lands a handful of hand-made rows per feed, including a name
change, a corrected re-report, an unfinished batch (no ledger entry) and a rejected batch, then checks the marts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from contracts import FeedContract, load_contracts
from contracts.codegen import FROM_BATCH, LANDED_PROVENANCE, PROVENANCE, SOURCES_FILE, render_dbt_sources

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = PROJECT_ROOT / "dbt_project"
STAGING_DIR = DBT_DIR / "models" / "staging" / "landing"

# feed → staging model, and the few fields staging renames
STAGING_MODELS = {
    "registry": "stg_landing__registry_records",
    "licences": "stg_landing__licences",
    "penalties": "stg_landing__penalties",
    "inspections": "stg_landing__inspections",
    "abnormal_list": "stg_landing__abnormal_listings",
    "serious_list": "stg_landing__serious_listings",
    "court_judgments": "stg_landing__court_judgments",
    "credit_repairs": "stg_landing__credit_repairs",
    "objections": "stg_landing__objections",
    "credit_commitments": "stg_landing__credit_commitments",
    "punishment_feedback": "stg_landing__punishment_feedback_events",
    "risk_warnings": "stg_landing__risk_warnings",
    "disclosure_holds": "stg_landing__disclosure_holds",
}
RENAMED = {("registry", "status"): "registration_status"}
EVENT_FEEDS = (
    "licences",
    "penalties",
    "inspections",
    "abnormal_list",
    "serious_list",
    "credit_repairs",
    "credit_commitments",
    "court_judgments",
)
MARTS = ("dim_enterprise", "dim_enterprise_names", "fct_credit_events")


def dbt(*args: str, home: Path, scratch: Path) -> subprocess.CompletedProcess:
    """Run dbt in a child process (DuckDB has one writer; an in-process run keeps the file open)."""
    env = dict(os.environ, CWH_HOME=str(home), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env.pop("CWH_PERSON_KEY_SALT", None)
    exe = Path(sys.executable).with_name("dbt")
    cmd = [
        str(exe) if exe.exists() else "dbt",
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(scratch / "target"),
        "--log-path",
        str(scratch / "logs"),
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


# ---------------------------------------------------------------------------------------------- fast checks


def test_generated_sources_are_current():
    assert SOURCES_FILE.read_text(encoding="utf-8") == render_dbt_sources(), (
        f"{SOURCES_FILE.relative_to(PROJECT_ROOT)} is stale: run `python -m contracts.codegen` and commit it"
    )


def test_provenance_columns_match_ingestion():
    landing = pytest.importorskip("ingestion.landing")
    assert [name for name, _, _ in LANDED_PROVENANCE] == list(landing.PROVENANCE)
    assert {name for name, _, _ in PROVENANCE} == set(landing.PROVENANCE) | set(FROM_BATCH)


@pytest.mark.parametrize("feed", sorted(STAGING_MODELS))
def test_staging_model_selects_every_contract_field(feed):
    sql = (STAGING_DIR / f"{STAGING_MODELS[feed]}.sql").read_text(encoding="utf-8")
    macro = (DBT_DIR / "macros" / "provenance_columns.sql").read_text(encoding="utf-8")
    sql = sql.replace("{{ provenance_columns() }}", macro)  # the provenance casts every staging model shares
    selected = re.findall(r"cast\((\w+) as \w+\) as (\w+)", sql)
    expected = [(f.name, RENAMED.get((feed, f.name), f.name)) for f in load_contracts()[feed].fields]
    expected += [(FROM_BATCH.get(name, name), name) for name, _, _ in PROVENANCE]
    assert sorted(selected) == sorted(expected)
    assert f"source('landing', '{feed}')" in sql


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    scratch = tmp_path_factory.mktemp("dbt_parse")
    result = dbt("parse", "--no-partial-parse", home=scratch / "home", scratch=scratch)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Deprecat" not in result.stdout, result.stdout[-4000:]
    return json.loads((scratch / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_dbt_parse_finds_every_feed_as_a_source(manifest):
    tables = {s["name"] for s in manifest["sources"].values() if s["source_name"] == "landing"}
    assert tables == set(load_contracts()) | {"ledger", "rejects"}


def test_marts_have_enforced_contracts_and_documented_typed_columns(manifest):
    negative = {f.name for c in load_contracts().values() for f in c.negative_fields}
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert node["description"], name
        for column in node["columns"].values():
            assert column["description"] and column["data_type"], f"{name}.{column['name']}"
        assert not negative & set(node["columns"]), f"{name} exposes a negative-list field"


def test_staging_models_are_documented(manifest):
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for feed, name in STAGING_MODELS.items():
        documented = set(models[name]["columns"])
        expected = {RENAMED.get((feed, f.name), f.name) for f in load_contracts()[feed].fields}
        assert documented == expected | {n for n, _, _ in PROVENANCE}, name
        assert models[name]["description"]


def test_unit_tests_cover_the_registry_logic(manifest):
    tested = {u["model"] for u in manifest.get("unit_tests", {}).values()}
    assert {"dim_enterprise", "dim_enterprise_names", "int_registry_records_deduplicated"} <= tested


# ------------------------------------------------------------------------------------- e2e: a small build

U1, U2, U3 = "91350100M000100Y43", "914403001922038216", "91110108551385082Q"
ID1, ID2 = "110101199003070011", "440303198507120028"
T1, T2, T3 = datetime(2025, 1, 10, 1), datetime(2025, 2, 10, 1), datetime(2025, 3, 10, 1)


def _value(field, i: int):
    if field.enum:
        return field.enum[i % len(field.enum)]
    if field.name == "uscc" or field.name.endswith("_uscc"):
        return (U1, U2, U3)[i % 3]
    if field.name.endswith("id_number"):
        return ID1
    return {"string": f"{field.label}{i}", "date": date(2025, 1, 1 + i), "number": 1.5 * i, "integer": i}[
        field.logical_type
    ]


def _generic_rows(contract: FeedContract, n: int, offset: int) -> list[dict]:
    rows = [{f.name: _value(f, i + offset) for f in contract.fields} for i in range(n)]
    for r in rows:
        if "removal_date" in r:  # listings: only some are removed
            r["removal_date"] = None if r["list_date"].day % 2 else date(2025, 6, 1)
            r["removal_reason"] = None if r["removal_date"] is None else r.get("removal_reason")
    if contract.name == "penalties":
        rows[0].update(penalty_types="罚款;没收违法所得", party_category="自然人", uscc=None)
    return rows


def _registry_rows(batch: int) -> list[dict]:
    base = dict(
        entity_type="有限责任公司",
        region_code="110101",
        industry_code="0111",
        legal_rep_name="张三",
        legal_rep_id_type="身份证",
        legal_rep_id_number=ID1,
        registered_capital_wan=100.0,
        established_date=date(2020, 5, 1),
        status="存续",
        address="北京市东城区某路1号",
        contact_phone="13800000000",
        registration_authority="北京市东城区市场监督管理局",
    )
    if batch == 1:
        return [
            dict(base, uscc=U1, enterprise_name="北京甲科技有限公司", approval_date=date(2020, 5, 1)),
            dict(
                base,
                uscc=U2,
                enterprise_name="深圳乙贸易有限公司（误）",
                region_code="440303",
                industry_code="5191",
                legal_rep_name="李四",
                legal_rep_id_number=ID2,
                approval_date=date(2021, 3, 2),
                status="在业",
            ),
        ]
    if batch == 2:  # U1 renamed; U2's record re-reported with a corrected name; U3 with a region code not in the table
        return [
            dict(base, uscc=U1, enterprise_name="北京甲丙科技有限公司", approval_date=date(2024, 6, 1)),
            dict(
                base,
                uscc=U2,
                enterprise_name="深圳乙贸易有限公司",
                region_code="440303",
                industry_code="5191",
                legal_rep_name="李四",
                legal_rep_id_number=ID2,
                approval_date=date(2021, 3, 2),
                status="在业",
            ),
            dict(
                base,
                uscc=U3,
                enterprise_name="北京丁咨询有限公司",
                region_code="110199",
                industry_code="7241",
                approval_date=date(2024, 7, 1),
                established_date=date(2024, 7, 1),
            ),
        ]
    return [dict(base, uscc=U1, enterprise_name="未提交批次中的名称", approval_date=date(2025, 1, 1))]


def land_fixture(home: Path) -> dict[str, int]:
    """Write a small landing zone in the exact layout ingestion writes; return committed rows per feed."""
    import polars as pl

    from ground.settings import Workspace
    from ingestion import ledger
    from ingestion.landing import REJECT_SCHEMA, ensure_layout, landed_schema

    ws = Workspace(home)
    contracts = load_contracts()
    ensure_layout(ws, contracts)
    committed: dict[str, int] = {}
    for c in contracts.values():
        batches = [(1, T1, True), (2, T2, True), (3, T3, False)]  # batch 3 has no ledger entry: unfinished
        for n, received, done in batches:
            rows = _registry_rows(n) if c.name == "registry" else _generic_rows(c, (3, 2, 1)[n - 1], 3 * n)
            batch_id = f"{c.name}-{n:016d}"
            source_file = f"{c.producer.code}/{c.name}/{c.name}_{n}.csv"
            frame = pl.DataFrame(
                [
                    {
                        **r,
                        **{f"{f.name}__raw": None if r[f.name] is None else str(r[f.name]) for f in c.fields},
                        "_feed": c.name,
                        "_producer_code": c.producer.code,
                        "_producer_dept": c.producer.department,
                        "_producer_dept_uscc": c.producer.department_uscc,
                        "_providing_system": c.producer.providing_system,
                        "_source_file": source_file,
                        "_row_number": k + 2,
                        "_received_at": received,
                        "_ingested_at": received,
                        "_due_by": date(2025, 1, 20),
                        "_due_by_estimated": False,
                        "_is_late": False,
                        "_warnings": None,
                    }
                    for k, r in enumerate(rows)
                ],
                schema=landed_schema(c),
            )
            target = ws.landing / c.name / f"batch_id={batch_id}"
            target.mkdir(parents=True)
            frame.write_parquet(target / "part-00000.parquet")
            if done:
                ledger.write_entry(
                    ws.ledger,
                    ledger.LedgerEntry(
                        batch_id=batch_id,
                        feed=c.name,
                        producer_code=c.producer.code,
                        producer_dept=c.producer.department,
                        source_file=source_file,
                        file_sha256="0" * 64,
                        encoding="utf-8",
                        format="csv",
                        contract_version=c.version,
                        received_at=received.isoformat(),
                        ingested_at=received.isoformat(),
                        rows_read=len(rows),
                        rows_landed=len(rows),
                        rows_quarantined=0,
                        status="landed",
                        error=None,
                    ),
                )
                committed[c.name] = committed.get(c.name, 0) + len(rows)
        # a whole file rejected: a ledger entry and quarantine rows, no landing folder
        batch_id = f"{c.name}-{'f' * 16}"
        rejects = pl.DataFrame(
            {
                "_batch_id": [batch_id] * 2,
                "_feed": [c.name] * 2,
                "_source_file": ["x.csv"] * 2,
                "_row_number": [2, 3],
                "rule": ["schema_drift"] * 2,
                "field": [None, None],
                "value": [None, None],
                "message": ["出现合同未定义的列"] * 2,
                "raw_record": [json.dumps({"证件号码": ID1}, ensure_ascii=False)] * 2,
            },
            schema=REJECT_SCHEMA,
        )
        folder = ws.quarantine / c.name / f"batch_id={batch_id}"
        folder.mkdir(parents=True)
        rejects.write_parquet(folder / "rejects.parquet")
        ledger.write_entry(
            ws.ledger,
            ledger.LedgerEntry(
                batch_id=batch_id,
                feed=c.name,
                producer_code=c.producer.code,
                producer_dept=c.producer.department,
                source_file="x.csv",
                file_sha256="f" * 64,
                encoding="utf-8",
                format="csv",
                contract_version=c.version,
                received_at=T1.isoformat(),
                ingested_at=T1.isoformat(),
                rows_read=2,
                rows_landed=0,
                rows_quarantined=2,
                status="rejected",
                error="[schema_drift] 出现合同未定义的列",
            ),
        )
    return committed


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("ingestion.landing")
    scratch = tmp_path_factory.mktemp("dbt_build")
    home = scratch / "home"
    committed = land_fixture(home)
    result = dbt("build", home=home, scratch=scratch)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    run_results = json.loads((scratch / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    import duckdb

    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    yield con, committed, run_results
    con.close()


@pytest.mark.e2e
def test_build_passes_with_only_expected_warnings(built):
    _, _, results = built
    assert {r["status"] for r in results} <= {"success", "pass", "warn"}
    warned = {r["unique_id"].split(".")[2] for r in results if r["status"] == "warn"}
    # U3's region code is not in the code table (contract on_unknown: warn)
    assert warned == {"relationships_dim_enterprise_region_code__region_code__ref_ref_region_codes_"}


@pytest.mark.e2e
def test_only_committed_batches_reach_staging(built):
    con, committed, _ = built
    for feed, model in STAGING_MODELS.items():
        assert con.execute(f"select count(*) from staging.{model}").fetchone()[0] == committed[feed], feed
    assert con.execute("select count(*) from staging.stg_landing__batches").fetchone()[0] == 3 * len(STAGING_MODELS)
    assert con.execute("select count(*) from staging.stg_landing__rejects").fetchone()[0] == 2 * len(STAGING_MODELS)


@pytest.mark.e2e
def test_dim_enterprise_takes_the_latest_committed_registration(built):
    con, _, _ = built
    rows = dict(con.execute("select uscc, enterprise_name from dim_enterprise").fetchall())
    assert rows == {U1: "北京甲丙科技有限公司", U2: "深圳乙贸易有限公司", U3: "北京丁咨询有限公司"}
    key = con.execute("select legal_rep_person_key from dim_enterprise where uscc = ?", [U1]).fetchone()[0]
    assert key == hashlib.sha256(ID1.encode()).hexdigest()
    region = con.execute("select region_name, province_name from dim_enterprise where uscc = ?", [U1]).fetchone()
    assert region == ("东城区", "北京市")


@pytest.mark.e2e
def test_name_history_has_a_period_per_name(built):
    con, _, _ = built
    rows = con.execute(
        "select enterprise_name, valid_from, valid_to from dim_enterprise_names where uscc = ? order by name_seq", [U1]
    ).fetchall()
    assert rows == [
        ("北京甲科技有限公司", date(2020, 5, 1), date(2024, 6, 1)),
        ("北京甲丙科技有限公司", date(2024, 6, 1), None),
    ]
    assert con.execute("select count(*) from dim_enterprise_names where uscc = ?", [U2]).fetchone()[0] == 1


@pytest.mark.e2e
def test_every_committed_event_row_is_in_the_timeline_and_traceable(built):
    con, committed, _ = built
    by_feed = dict(con.execute("select feed, count(*) from fct_credit_events group by feed").fetchall())
    assert by_feed == {feed: committed[feed] for feed in EVENT_FEEDS}
    assert (
        con.execute("select count(*) from fct_credit_events where _batch_id like '%-0000000000000003'").fetchone()[0]
        == 0
    )


@pytest.mark.e2e
def test_no_id_number_in_any_mart(built):
    con, _, _ = built
    for mart in MARTS:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'main' and table_name = ? "
                "and data_type = 'VARCHAR'",
                [mart],
            ).fetchall()
        ]
        for column in columns:
            hits = con.execute(f'select count(*) from main."{mart}" where "{column}" in (?, ?)', [ID1, ID2]).fetchone()[
                0
            ]
            assert hits == 0, f"{mart}.{column}"


@pytest.mark.e2e
def test_a_really_ingested_file_reaches_staging_and_the_timeline(tmp_path):
    """The real ingestion path (CSV → ingest_all → landing + ledger) fits the generated sources."""
    pytest.importorskip("ingestion.landing")
    import hashlib

    import duckdb

    from ground.settings import Workspace
    from ingestion import ingest_all
    from tests.conftest import penalty_row, write_feed

    ws = Workspace(tmp_path / "home").ensure()
    path = write_feed(ws, "penalties", "p.csv", [penalty_row(1), penalty_row(2), penalty_row(3, decision_date="bad")])
    [result] = ingest_all(ws)
    assert (result.status, result.rows_landed, result.rows_quarantined) == ("landed", 2, 1)
    models = "+fct_credit_events stg_landing__rejects"
    assert dbt("seed", home=ws.home, scratch=tmp_path).returncode == 0  # the timeline's name linkage reads rule seeds
    run = dbt("run", "--select", models, home=ws.home, scratch=tmp_path)
    assert run.returncode == 0, run.stdout[-4000:]
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        # the batch id from the batch's folder, the file's SHA-256 from its ledger entry: neither is on the rows
        assert con.execute(
            "select _batch_id, _file_sha256, count(*) from staging.stg_landing__penalties group by all"
        ).fetchall() == [(result.batch_id, hashlib.sha256(path.read_bytes()).hexdigest(), 2)]
        assert con.execute("select failed_rule from staging.stg_landing__rejects").fetchall() == [("bad_date",)]
        events = con.execute("select event_type, _batch_id from fct_credit_events").fetchall()
    assert events == [("行政处罚", result.batch_id)] * 2
