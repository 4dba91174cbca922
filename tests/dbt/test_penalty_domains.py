"""A penalty's domain and weight are derived, not required (issue 23, item 3), through a copy of the demo warehouse.

Real 双公示 feeds carry neither 监管领域 nor 是否从重处罚 (DOMAIN.md §5, §10). Four penalties arrive without them:
a 吊销许可证件 under 特种设备安全法 (→ 质量安全 by law: a serious-list candidate); a 吊销许可证件 under 食品安全法
(→ 食品安全: the food-safety joint-punishment trigger fires, and the serious listing based on it is counted in the
campaign table under 食品安全); a fine under 消费者权益保护法 without a discretion flag (a candidate 待核实, not a silent
non-candidate); a fine under a regulation no rule covers (→ the review queue, counted in the run summary, never
"其他"). The derivation rules themselves are pinned by the dbt unit tests named in DERIVATION_UNIT_TESTS.
"""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest
from helpers import DEMO_AS_OF, dbt_ok, land_batch, manifest, query

from contracts import load_contracts
from ground.settings import SEEDS_DIR

pytestmark = pytest.mark.e2e

DERIVATION_UNIT_TESTS = {
    "penalty_domains_derived_from_legal_basis_and_violation_type",  # reported, law+article, law, violation type, undecided
    "list_candidates_derived_domain_and_review",  # derived domain and method; 待核实 for undecided domain or weight
}
BUREAU, BUREAU_USCC = "上海市市场监督管理局", "11310000MB2F29521E"
SPECIAL, FOOD, FINE, UNKNOWN = (f"沪市监处〔2026〕9900000{n}号" for n in (1, 2, 3, 4))
LISTING = "沪市监严列〔2026〕990001号"
# the new batches' staging (and the timeline, which a data test reconciles with it), then what reads the domains
REBUILD = (
    "stg_landing__batches stg_landing__penalties stg_landing__serious_listings fct_credit_events"
    " int_lists__list_periods+ int_lists__penalty_domains+"
)


def _penalty(uscc: str, number: str, legal_basis: str, violation: str, types: str, **extra) -> dict:
    """A penalty as a 2021-template feed delivers it: no 监管领域, no 是否从重处罚."""
    return dict(
        uscc=uscc,
        decision_number=number,
        party_name="演示企业",
        party_category="法人及非法人组织",
        violation_type=violation,
        violation_facts="经查，当事人存在上述违法行为。",
        legal_basis=legal_basis,
        penalty_types=types,
        penalty_content=types,
        decision_date=date(2026, 5, 15),
        valid_until=date(2029, 5, 14),
        authority_name=BUREAU,
        authority_uscc=BUREAU_USCC,
        domain_code=None,
        heavier_discretion=None,
        procedure_type="普通程序",
        record_status="正常",
        source_unit=BUREAU,
        source_unit_uscc=BUREAU_USCC,
        **extra,
    )


@pytest.fixture(scope="module")
def ws(demo, tmp_path_factory):
    """The demo warehouse with the four penalties and a serious listing based on FOOD landed, the lists rebuilt."""
    ws = demo.copy(tmp_path_factory.mktemp("domains"))
    a, b, c = (
        r[0]
        for r in query(ws, "select uscc from dim_enterprise where registration_status = '存续' order by uscc limit 3")
    )
    contracts = load_contracts()
    received = datetime(2026, 5, 20, 2)
    land_batch(
        ws,
        contracts["penalties"],
        990_001,
        [
            _penalty(
                a,
                SPECIAL,
                "依据《中华人民共和国特种设备安全法》第八十四条第（一）项",
                "使用未经定期检验的特种设备",
                "吊销许可证件",
                revoked_licence="特种设备使用登记证",
            ),
            _penalty(
                b,
                FOOD,
                "《中华人民共和国食品安全法》第一百二十四条第一款第（四）项",
                "生产经营不符合食品安全标准的食品",
                "吊销许可证件",
                revoked_licence="食品经营许可证",
            ),
            _penalty(
                c,
                FINE,
                "《中华人民共和国消费者权益保护法》第五十六条第一款第（八）项",
                "侵害消费者合法权益",
                "罚款",
                fine_amount_wan=2.0,
            ),
            _penalty(c, UNKNOWN, "《无证无照经营查处办法》第十三条", "无照经营", "罚款", fine_amount_wan=0.5),
        ],
        received=received,
        due_by=date(2026, 6, 12),
    )
    land_batch(
        ws,
        contracts["serious_list"],
        990_002,
        [
            dict(
                uscc=b,
                enterprise_name="演示企业",
                list_decision_number=LISTING,
                list_reason="因吊销许可证件等较重行政处罚列入",
                related_penalty_number=FOOD,
                list_date=date(2026, 6, 10),
                list_authority=BUREAU,
            )
        ],
        received=datetime(2026, 6, 11, 2),
        due_by=date(2026, 7, 9),
    )
    dbt_ok("build", "--select", REBUILD, home=ws.home, vars={"as_of_date": DEMO_AS_OF.isoformat()})
    return ws


def test_one_domain_list():
    """The domains are listed once (rule_serious_list_domains); the derivation rules, the campaign table's rows and
    the joint-punishment triggers only name them (a CSV check: dbt relationships tests across these seeds would be
    picked up by selective builds that do not build both)."""

    def column(path, name):
        with path.open(encoding="utf-8", newline="") as f:
            return {row[name] for row in csv.DictReader(f) if row[name]}

    domains = column(SEEDS_DIR / "lists" / "rule_serious_list_domains.csv", "domain_code")
    assert "拒绝阻碍干扰监督检查" in domains  # DOMAIN.md §5: obstructing inspection is a named domain
    for path, name in (
        (SEEDS_DIR / "lists" / "rule_penalty_domains.csv", "domain_code"),
        (SEEDS_DIR / "lists" / "ref_campaign_domains.csv", "domain_code"),
        (SEEDS_DIR / "punishment" / "punishment_triggers.csv", "basis_domain"),
    ):
        assert column(path, name) <= domains, path.name


def test_derivation_has_unit_tests(demo):
    names = {u["name"] for u in manifest(demo.ws.home).get("unit_tests", {}).values()}
    assert names >= DERIVATION_UNIT_TESTS, DERIVATION_UNIT_TESTS - names


def test_special_equipment_revocation_without_domain_is_a_candidate_with_derived_domain(ws):
    rows = query(
        ws,
        """select stage, domain_code, domain_method, domain_rule_id, trigger_detail, review_reason
           from mart_list_candidates where trigger_record_number = ?""",
        SPECIAL,
    )
    assert rows == [("应列入", "质量安全", "law", "law_special_equipment", "质量安全：吊销许可证件", None)]


def test_fine_without_discretion_flag_is_a_candidate_to_verify(ws):
    rows = query(
        ws,
        "select stage, domain_code, domain_method, review_reason from mart_list_candidates "
        "where trigger_record_number = ?",
        FINE,
    )
    assert rows == [("待核实", "侵害消费者权益", "law", "罚款未报送是否按从重处罚裁量，须核实")]


def test_undecided_domain_goes_to_the_review_queue_not_to_other(ws):
    rows = query(
        ws,
        "select decision_number, cited_laws, review_reason, _batch_id from mart_penalty_domain_review",
    )
    assert [r[:2] for r in rows if r[0] == UNKNOWN] == [(UNKNOWN, "无证无照经营查处办法")]
    assert all(r[2] and r[3] for r in rows)
    assert query(
        ws,
        "select domain_code, domain_method from intermediate.int_lists__penalties where decision_number = ?",
        UNKNOWN,
    ) == [(None, "undecided")]
    # a fine, no discretion flag, domain unknown: a candidate to verify for both reasons
    (reason,) = query(ws, "select review_reason from mart_list_candidates where trigger_record_number = ?", UNKNOWN)[0]
    assert "监管领域无法判定" in reason and "罚款未报送" in reason


def test_food_safety_trigger_fires_on_the_derived_domain(ws):
    triggers = {
        r[0]
        for r in query(
            ws,
            "select trigger_id from intermediate.int_punishment__matched_triggers where basis_type = 'penalty' "
            "and basis_number = ?",
            FOOD,
        )
    }
    assert {"T-PN-01", "T-PN-02"} <= triggers  # 《食品安全法》第一百三十五条: the food-safety licence bans
    assert not query(
        ws,
        "select 1 from intermediate.int_punishment__matched_triggers where basis_number = ? and trigger_id = 'T-PN-01'",
        SPECIAL,
    )


def test_campaign_table_counts_the_listing_under_the_derived_domain(demo, ws):
    sql = """select domain_code, serious_listed_count, serious_listed_undecided_count
             from mart_campaign_work_status where period_month = date '2026-06-01' order by display_order"""
    before = {r[0]: r[1:] for r in query(demo.ws, sql)}
    after = {r[0]: r[1:] for r in query(ws, sql)}
    assert after["食品安全"][0] == before["食品安全"][0] + 1  # not under 其他, where an unknown domain would go
    assert after["其他"] == before["其他"]
    assert after["合计"] == (before["合计"][0] + 1, before["合计"][1])


def test_review_queue_is_counted_in_the_run_summary(ws):
    from creditwh import cli

    (n,) = query(ws, "select count(*) from mart_penalty_domain_review")[0]
    assert n >= 1
    with cli.console.capture() as captured:
        cli.print_summary(ws)
    assert f"行政处罚监管领域待核实（mart_penalty_domain_review）：{n:,} 条" in captured.get()
