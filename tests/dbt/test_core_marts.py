"""The core marts (dim_enterprise, dim_enterprise_names, fct_credit_events) and staging, built on a small landing
zone written with the ingestion module's own schema and ledger functions.

The build does not need the feed generator: it lands a handful of hand-made rows per feed, including a name
change, a corrected re-report, an unfinished batch (no ledger entry) and a rejected batch — and one file that went
through the real ingestion (CSV → ingest_all → landing + ledger) — then builds staging and the core marts with
their data and unit tests (the other marts are built and tested on the demo warehouse).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import duckdb
import polars as pl
import pytest
from helpers import CORE_MARTS as MARTS
from helpers import (
    EVENT_FEEDS,
    STAGING_MODELS,
    dbt_ok,
    land_batch,
    penalty_row,
    run_results,
    write_feed,
    write_ledger_entry,
)

from contracts import FeedContract, load_contracts
from ground.settings import Workspace
from ingestion import ingest_all
from ingestion.landing import REJECT_SCHEMA

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


def land_fixture(ws: Workspace) -> dict[str, int]:
    """Write a small landing zone in the exact layout ingestion writes; return committed rows per feed."""
    committed: dict[str, int] = {}
    for c in load_contracts().values():
        for n, received, done in [(1, T1, True), (2, T2, True), (3, T3, False)]:  # batch 3 unfinished: no ledger entry
            rows = _registry_rows(n) if c.name == "registry" else _generic_rows(c, (3, 2, 1)[n - 1], 3 * n)
            land_batch(ws, c, n, rows, received=received, due_by=date(2025, 1, 20), committed=done)
            if done:
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
        write_ledger_entry(ws, c, batch_id, "x.csv", T1, rows=2, rejected=True, sha256="f" * 64)
    return committed


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The landing zone above plus one really ingested penalty file, then ``dbt build`` of staging and the core marts
    (with their data and unit tests); the other marts are built and tested on the demo warehouse."""
    ws = Workspace(tmp_path_factory.mktemp("dbt_build") / "home").ensure()
    committed = land_fixture(ws)
    rows = [penalty_row(1, uscc=U2), penalty_row(2, uscc=U2), penalty_row(3, uscc=U2, decision_date="bad")]
    path = write_feed(ws, "penalties", "p.csv", rows)
    [ingested] = ingest_all(ws)
    assert (ingested.status, ingested.rows_landed, ingested.rows_quarantined) == ("landed", 2, 1)
    committed["penalties"] += ingested.rows_landed
    select = f"path:models/staging {' '.join('+' + m for m in MARTS)}"
    dbt_ok("build", "--select", select, "--indirect-selection", "cautious", home=ws.home)
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    yield con, committed, run_results(ws.home), (ingested, path)
    con.close()


@pytest.mark.e2e
def test_build_passes_with_only_expected_warnings(built):
    _, _, results, _ = built
    assert {r["status"] for r in results} <= {"success", "pass", "warn"}
    warned = {r["unique_id"].split(".")[2] for r in results if r["status"] == "warn"}
    # U3's region code is not in the code table (contract on_unknown: warn)
    assert warned == {"relationships_dim_enterprise_region_code__region_code__ref_ref_region_codes_"}


@pytest.mark.e2e
def test_only_committed_batches_reach_staging(built):
    con, committed, _, _ = built
    for feed, model in STAGING_MODELS.items():
        assert con.execute(f"select count(*) from staging.{model}").fetchone()[0] == committed[feed], feed
    # per feed two committed batches and a rejected one, plus the really ingested penalty batch (one row rejected)
    assert con.execute("select count(*) from staging.stg_landing__batches").fetchone()[0] == 3 * len(STAGING_MODELS) + 1
    assert con.execute("select count(*) from staging.stg_landing__rejects").fetchone()[0] == 2 * len(STAGING_MODELS) + 1


@pytest.mark.e2e
def test_dim_enterprise_takes_the_latest_committed_registration(built):
    con, _, _, _ = built
    rows = dict(con.execute("select uscc, enterprise_name from dim_enterprise").fetchall())
    assert rows == {U1: "北京甲丙科技有限公司", U2: "深圳乙贸易有限公司", U3: "北京丁咨询有限公司"}
    key = con.execute("select legal_rep_person_key from dim_enterprise where uscc = ?", [U1]).fetchone()[0]
    assert key == hashlib.sha256(ID1.encode()).hexdigest()
    region = con.execute("select region_name, province_name from dim_enterprise where uscc = ?", [U1]).fetchone()
    assert region == ("东城区", "北京市")


@pytest.mark.e2e
def test_name_history_has_a_period_per_name(built):
    con, _, _, _ = built
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
    con, committed, _, _ = built
    by_feed = dict(con.execute("select feed, count(*) from fct_credit_events group by feed").fetchall())
    assert by_feed == {feed: committed[feed] for feed in EVENT_FEEDS}
    assert (
        con.execute("select count(*) from fct_credit_events where _batch_id like '%-0000000000000003'").fetchone()[0]
        == 0
    )


@pytest.mark.e2e
def test_no_id_number_in_any_mart(built):
    con, _, _, _ = built
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
def test_a_really_ingested_file_reaches_staging_and_the_timeline(built):
    """The real ingestion path (CSV → ingest_all → landing + ledger) fits the generated sources."""
    con, _, _, (result, path) = built
    # the batch id from the batch's folder, the file's SHA-256 from its ledger entry: neither is on the rows
    assert con.execute(
        "select _batch_id, _file_sha256, count(*) from staging.stg_landing__penalties where _batch_id = ? group by all",
        [result.batch_id],
    ).fetchall() == [(result.batch_id, hashlib.sha256(path.read_bytes()).hexdigest(), 2)]
    assert con.execute(
        "select failed_rule from staging.stg_landing__rejects where _batch_id = ?", [result.batch_id]
    ).fetchall() == [("bad_date",)]
    events = con.execute(
        "select event_type, _batch_id from fct_credit_events where _batch_id = ?", [result.batch_id]
    ).fetchall()
    assert events == [("行政处罚", result.batch_id)] * 2
