"""Records delivered without a USCC are linked by their secondary identifiers (DOMAIN.md §10): the organisation code
(USCC characters 9–17) and the old registration number (注册号) found anywhere in the enterprise's registry history —
with the method and confidence of rule_linkage_methods, as name linkage is. A record that links by no method stays on
the timeline, unlinked, with its reason; the identifiers themselves never leave the linkage models.

A small landing zone (registry history + penalties), built with dbt: timeline, unlinked records, every other mart.
The rules' corner cases (priority over names, ambiguity, placeholders, dates) are pinned by the dbt unit tests in
models/intermediate/linkage/_linkage__models.yml and models/intermediate/registry/_registry__models.yml.
"""

from __future__ import annotations

import csv
from datetime import date, datetime

import duckdb
import pytest
from helpers import dbt_ok, land_batch, run_results
from stdnum.iso7064 import mod_11_10

from contracts import load_contracts
from ground.identifiers import make_uscc
from ground.settings import DBT_PROJECT_DIR, Workspace
from ingestion.landing import ensure_layout

AS_OF = {"as_of_date": "2026-11-23"}
AUTHORITY = make_uscc("1", "1", "310110", "MB2F2952")  # a district bureau: region hint 310110
USCC_A = make_uscc("9", "1", "310110", "MA1FL2X3")
USCC_B = make_uscc("9", "1", "310110", "MA1FL2Y7")
ORG_A, ORG_B = USCC_A[8:17], USCC_B[8:17]


def registration_number(body14: str) -> str:
    """A 15-digit 注册号 (GS15-2006) with its ISO 7064 MOD 11,10 check digit."""
    return body14 + mod_11_10.calc_check_digit(body14)


REG_A = registration_number("31011000012345")  # A's number before it was issued a USCC
REG_B = registration_number("31011000054321")
REG_UNKNOWN = registration_number("31011000099999")


def registry_row(uscc: str, name: str, approval: date, **overrides) -> dict:
    row = dict(
        uscc=uscc,
        enterprise_name=name,
        entity_type="有限责任公司",
        region_code="310110",
        industry_code="0111",
        legal_rep_name="张伟",
        legal_rep_id_type="身份证",
        legal_rep_id_number="110101199003070011",
        registered_capital_wan=100.0,
        established_date=date(2010, 5, 1),
        approval_date=approval,
        status="存续",
        address="上海市杨浦区某路1号",
        contact_phone="13800000000",
        registration_authority="上海市杨浦区市场监督管理局",
    )
    row.update(overrides)
    return row


def penalty(n: int, **overrides) -> dict:
    row = dict(
        party_name="上海某某有限公司",
        party_category="法人及非法人组织",
        uscc=None,
        decision_number=f"沪市监杨处〔2025〕1020250{n:05d}号",
        violation_type="食品安全",
        violation_facts="经营超过保质期的食品",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
        penalty_types="罚款",
        penalty_content="罚款1.5万元",
        fine_amount_wan=1.5,
        decision_date=date(2025, 9, 30),
        valid_until=date(2028, 9, 30),
        authority_name="上海市杨浦区市场监督管理局",
        authority_uscc=AUTHORITY,
        record_status="正常",
        source_unit="上海市杨浦区市场监督管理局",
        source_unit_uscc=AUTHORITY,
    )
    row.update(overrides)
    return row


PENALTIES = {
    # key: (row, expected (uscc, link_method, unlinked_reason))
    "org_code": (
        penalty(1, party_name="甲餐饮（旧称）", party_org_code=f"{ORG_A[:8]}-{ORG_A[8]}"),
        (USCC_A, "org_code", None),
    ),
    "org_code_lower_case": (
        penalty(2, party_name="乙（旧称）", party_org_code=ORG_B.lower()),
        (USCC_B, "org_code", None),
    ),
    "old_registration_number": (
        penalty(3, party_name="甲餐饮（旧称）", party_registration_number=REG_A),
        (USCC_A, "registration_number", None),
    ),
    "no_match": (
        penalty(4, party_name="不存在有限公司", party_registration_number=REG_UNKNOWN),
        (None, None, "无注册号、名称匹配的主体"),
    ),
    "natural_person": (
        penalty(5, party_name="王五", party_category="自然人", party_org_code=ORG_A),
        (None, None, "行政相对人为自然人，不记于企业名下"),
    ),
    "reported_uscc": (penalty(6, uscc=USCC_B, party_org_code=ORG_A), (USCC_B, "reported_uscc", None)),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    """A's registry history: registered in 2012 under its 注册号, re-registered in 2016 with a USCC and a new name (no
    注册号 any more); B registered once. Six penalties (five without a USCC). Seeds, then every model with its tests."""
    ws = Workspace(tmp_path_factory.mktemp("secondary_ids") / "home").ensure()
    contracts = load_contracts()
    ensure_layout(ws, contracts)  # every feed's (empty) landing folder: the whole project builds
    registry = [
        registry_row(USCC_A, "上海甲餐饮有限公司", date(2012, 3, 1), registration_number=REG_A),
        registry_row(USCC_A, "上海甲丙餐饮管理有限公司", date(2016, 8, 1)),
        registry_row(USCC_B, "上海乙贸易有限公司", date(2013, 6, 1), registration_number=REG_B),
    ]
    received = datetime(2025, 10, 10, 1)
    land_batch(ws, contracts["registry"], 1, registry, received=received, due_by=date(2025, 10, 31))
    rows = [row for row, _ in PENALTIES.values()]
    land_batch(ws, contracts["penalties"], 1, rows, received=received, due_by=date(2025, 10, 31))
    dbt_ok("build", home=ws.home, vars=AS_OF)
    return ws


@pytest.fixture(scope="module")
def built(workspace):
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    yield con
    con.close()


def confidences() -> dict[str, float]:
    with (DBT_PROJECT_DIR / "seeds" / "lists" / "rule_linkage_methods.csv").open(encoding="utf-8") as f:
        return {r["link_method"]: float(r["confidence"]) for r in csv.DictReader(f)} | {"reported_uscc": 1.0}


def timeline(con) -> dict[str, tuple]:
    rows = con.execute(
        "select record_key, uscc, link_method, link_confidence, is_linked, unlinked_reason "
        "from fct_credit_events where feed = 'penalties'"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def expected(case: str) -> tuple:
    row, (uscc, method, reason) = PENALTIES[case]
    return row["decision_number"], (uscc, method, confidences().get(method), uscc is not None, reason)


@pytest.mark.e2e
def test_the_rules_unit_tests_ran_in_the_build(workspace):
    passed = {r["unique_id"].split(".")[-1] for r in run_results(workspace.home) if r["status"] == "pass"}
    assert passed >= {
        "record_links_by_secondary_identifiers",
        "record_links_by_name_and_region",
        "unkeyed_records_carry_normalised_secondary_identifiers",
        "int_registry__secondary_identifiers_from_registry_history",
    }


@pytest.mark.e2e
def test_records_without_a_uscc_link_by_their_organisation_code(built):
    """Written with a hyphen or in lower case alike; a reported USCC still wins over the organisation code."""
    events = timeline(built)
    for case in ("org_code", "org_code_lower_case", "reported_uscc"):
        key, want = expected(case)
        assert events[key] == want, case


@pytest.mark.e2e
def test_records_link_by_a_registration_number_from_the_registry_history(built):
    """A's 注册号 is only on its 2012 registration; the latest (2016) no longer carries it."""
    key, want = expected("old_registration_number")
    assert timeline(built)[key] == want


@pytest.mark.e2e
def test_nothing_is_dropped_and_the_unlinked_keep_their_reason(built):
    """Every penalty is on the timeline; each unlinked one is in mart_unlinked_records with its reason, which names
    the keys compared (a 注册号 that matches no enterprise, and a name that matches none)."""
    events = timeline(built)
    assert len(events) == len(PENALTIES)
    unlinked = dict(
        built.execute(
            "select record_key, unlinked_reason from mart_unlinked_records where feed = 'penalties'"
        ).fetchall()
    )
    assert unlinked == {key: event[4] for key, event in events.items() if not event[3]}
    for case in ("no_match", "natural_person"):
        key, want = expected(case)
        assert events[key] == want, case


@pytest.mark.e2e
def test_secondary_identifiers_are_used_internally_and_stay_there(built):
    """The linkage models hold the reported codes (normalised); no table of the marts schema (dim_, fct_, mart_,
    pub_) holds a 注册号 or an organisation code, as reported or normalised."""
    reported = built.execute(
        "select org_code from intermediate.int_linkage__unkeyed_records where org_code is not null"
    ).fetchall()
    assert sorted(reported) == sorted([(ORG_A,), (ORG_B,), (ORG_A,)])  # no hyphen, upper case (A twice: the person)
    values = [REG_A, REG_B, REG_UNKNOWN, ORG_A, ORG_B, f"{ORG_A[:8]}-{ORG_A[8]}", ORG_B.lower()]
    columns = built.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'main' and data_type = 'VARCHAR'"
    ).fetchall()
    assert {t for t, _ in columns} >= {"fct_credit_events", "mart_unlinked_records", "pub_penalties"}
    marks = ", ".join("?" * len(values))
    for table, column in columns:
        hits = built.execute(f'select count(*) from main."{table}" where "{column}" in ({marks})', values).fetchone()
        assert hits[0] == 0, f"{table}.{column} holds a secondary identifier"
