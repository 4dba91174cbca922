"""Enterprise record, lists and repeat offenders: documented contracts, rule coverage, and the incremental timeline.

The rules themselves are pinned by dbt unit tests next to the models (the 10th penalty, the day the 3 years end,
a repair approved the day before, a licence expiring on a holiday, …); these tests check that they exist, that
every list mart is documented in Chinese with an enforced contract, and that the incremental event timeline equals
a full refresh — including records that arrive before their enterprise's registration and are linked later.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ground.identifiers import make_ric, make_uscc
from ground.settings import Workspace
from tests.conftest import penalty_row, write_feed

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
LIST_MARTS = (
    "dim_enterprise",
    "dim_enterprise_names",
    "dim_person",
    "fct_credit_events",
    "mart_repeat_offenders",
    "mart_abnormal_list",
    "mart_abnormal_list_history",
    "mart_serious_list",
    "mart_serious_list_history",
    "mart_list_candidates",
    "mart_key_sector_enterprises",
    "mart_key_sector_enterprise_history",
    "mart_unlinked_records",
    "mart_campaign_work_status",
)
BOUNDARY_UNIT_TESTS = {
    "repeat_offenders_rule_boundaries",  # the 10th penalty, the day the 3 years end, repair the day before
    "repeat_offenders_rule_in_force_on_as_of_date",  # a rule change replays history
    "list_periods_removal_boundaries",  # 3-year expiry, early removal at exactly 1 year
    "list_candidates_rule_boundaries",  # heavier penalty, 60-day warning, 3 years on the abnormal list
    "key_sector_licence_terms_expiry_and_revocation",
    "key_sector_list_on_holiday_expiry_day",  # a licence expiring on National Day
    "key_sector_list_day_after_holiday_expiry",
    "record_links_by_name_and_region",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
USCC = make_uscc("9", "1", "310110", "MA1FL2X3")
NAME = "上海市杨浦区鑫达餐饮管理有限公司"
DISTRICT_AUTHORITY = make_uscc("1", "1", "310110", "MB2F2952")


def dbt(*args: str, home: Path, scratch: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, CWH_HOME=str(home), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
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
        "--vars",
        '{"as_of_date": "2026-11-23"}',
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    scratch = tmp_path_factory.mktemp("dbt_parse_lists")
    dbt("parse", "--no-partial-parse", home=scratch / "home", scratch=scratch)
    return json.loads((scratch / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_list_marts_have_enforced_contracts_and_chinese_column_descriptions(manifest):
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in LIST_MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert CJK.search(node["description"]), name
        assert node["columns"], name
        for column in node["columns"].values():
            assert column["data_type"], f"{name}.{column['name']}"
            assert CJK.search(column["description"] or ""), f"{name}.{column['name']} needs a Chinese description"


def test_every_list_rule_has_a_boundary_unit_test(manifest):
    names = {u["name"] for u in manifest.get("unit_tests", {}).values()}
    assert names >= BOUNDARY_UNIT_TESTS, BOUNDARY_UNIT_TESTS - names


def test_as_of_models_are_rebuilt_daily_and_use_the_macro(manifest):
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["original_file_path"].startswith(
            ("models/marts/lists", "models/intermediate/lists", "models/intermediate/linkage")
        ):
            continue
        sql = node["raw_code"]
        assert "current_date" not in sql, node["name"]
        if "as_of_date()" in sql and node["name"].startswith("mart_"):
            assert "daily_release" in node["config"]["tags"], node["name"]


def test_rule_seeds_carry_validity_and_source():
    for path in (DBT_DIR / "seeds" / "lists").glob("rule_*.csv"):
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert {"valid_from", "valid_to", "source"} <= set(header), path.name


# ------------------------------------------------------------------ e2e: incremental timeline equals full refresh


def registry_row(**overrides) -> dict[str, str]:
    row = dict(
        uscc=USCC,
        enterprise_name=NAME,
        entity_type="有限责任公司",
        region_code="310110",
        industry_code="0111",
        legal_rep_name="张伟",
        legal_rep_id_type="身份证",
        legal_rep_id_number=make_ric("310110", date(1980, 5, 6), "123"),
        registered_capital_wan="100",
        established_date="2020-05-01",
        approval_date="2020-05-01",
        status="存续",
        address="上海市杨浦区某路1号",
        contact_phone="13800000000",
        registration_authority="上海市杨浦区市场监督管理局",
    )
    row.update(overrides)
    return row


def timeline(home: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select * exclude (_received_at) from fct_credit_events order by event_id").fetchall()


def unlinked(home: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select record_key, unlinked_reason from mart_unlinked_records order by 1").fetchall()


@pytest.mark.e2e
def test_incremental_timeline_links_late_registrations_and_equals_a_full_refresh(tmp_path):
    pytest.importorskip("ingestion.landing")
    from ingestion import ingest_all

    ws = Workspace(tmp_path / "home").ensure()
    select = ["--select", "+fct_credit_events", "mart_unlinked_records"]
    # 1. penalties arrive first: one with a USCC, two without (the enterprise's registration has not arrived yet),
    #    one on a natural person
    write_feed(
        ws,
        "penalties",
        "p1.csv",
        [
            penalty_row(1, authority_uscc=DISTRICT_AUTHORITY),
            penalty_row(2, uscc="", authority_uscc=DISTRICT_AUTHORITY),
            penalty_row(
                3, uscc="", party_name="上海市杨浦区　鑫达餐饮管理有限公司 ", authority_uscc=DISTRICT_AUTHORITY
            ),
            penalty_row(4, uscc="", party_name="王五", party_category="自然人", authority_uscc=DISTRICT_AUTHORITY),
        ],
    )
    assert [r.status for r in ingest_all(ws)] == ["landed"]
    dbt("seed", home=ws.home, scratch=tmp_path)
    dbt("run", *select, home=ws.home, scratch=tmp_path)
    first = timeline(ws.home)
    assert len(first) == 4 and sum(1 for r in first if r[8]) == 1  # is_linked: only the reported USCC
    assert {reason for _, reason in unlinked(ws.home)} == {"无名称匹配的主体", "行政相对人为自然人，不记于企业名下"}

    # 2. the registration and a second penalty batch arrive; the incremental run adds the batch and relinks
    write_feed(ws, "registry", "r1.csv", [registry_row()])
    write_feed(ws, "penalties", "p2.csv", [penalty_row(5, authority_uscc=DISTRICT_AUTHORITY)])
    assert [r.status for r in ingest_all(ws)].count("landed") == 2  # p1.csv is skipped (already ingested)
    dbt("run", *select, home=ws.home, scratch=tmp_path)
    incremental = timeline(ws.home)
    linked = {r[6]: (r[4], r[5]) for r in incremental if r[8]}  # link_method → (uscc, reported_uscc)
    assert linked["name_on_date_same_region"] == (USCC, None)
    assert [reason for _, reason in unlinked(ws.home)] == ["行政相对人为自然人，不记于企业名下"]

    # 3. a full refresh gives the same timeline
    dbt("run", "--full-refresh", *select, home=ws.home, scratch=tmp_path)
    assert timeline(ws.home) == incremental
    assert len(incremental) == 5
