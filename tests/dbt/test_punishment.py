"""Joint punishment as a closed loop, end to end on a small landing zone.

One Hangzhou enterprise (U1) and its legal representative (ID1) walk the whole loop: a penalty that revokes the food
licence and the business licence (2024-03-05; both reported as 吊销许可证件, the licences named in 暂扣或吊销证照名称及
编号, as real feeds carry them) → serious list (2024-03-20) → push, receive, forward, implement, feed back → an
objection that changes the penalty (the business-licence revocation is dropped, 2024-06-10), which narrows the legal
representative's measures → credit repair (2025-04-10), which lifts the serious-list measures but not the five-year
food bans whose statutory term has not run → natural expiry of those (2029-03-05). The lookup's answer is asserted at
each step; each release path, the working-day deadlines and the monthly feedback are checked in the marts.

Around it: a Shanghai enterprise (U3) whose penalty revokes its food licence only (the food bans, not the business-
licence bar; and no closed-loop deadlines, which are the Hangzhou guidance's), and a Shandong enterprise (U4) with
licence revocations on the last day of the Shandong opinion's term and the day after (seed 003: 2016-12-01 to
2018-11-30).
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from helpers import dbt_ok, land_batch

from contracts import load_contracts
from ground.identifiers import make_ric, make_uscc
from ground.settings import Workspace
from ingestion.landing import ensure_layout
from interception import Interceptor, build_index, index_path

pytestmark = pytest.mark.e2e
U1, ID1 = "91350100M000100Y43", "110101199003070011"
U2, ID2 = "914403001922038216", make_ric("440303", date(1985, 7, 12), "002")  # nothing against them
U3, ID3 = make_uscc("9", "1", "310110", "MA1FL2X3"), make_ric("310110", date(1979, 2, 3), "015")  # Shanghai
U4 = make_uscc("9", "1", "370102", "MA3C4D5E")  # Shandong (济南市历下区)
D1, S1 = "杭西市监处罚〔2024〕101号", "杭西市监严列〔2024〕1号"
D3 = "沪市监杨处〔2024〕102024000301号"
D4A, D4B = "济历市监处〔2018〕401号", "济历市监处〔2018〕402号"
BUREAU = "杭州市西湖区市场监督管理局"
AS_OF = "2029-06-01"
SERIOUS_LIST_MEASURES = {
    "SX-001",
    "SX-002",
    "SX-003",
    "SX-004",
    "SX-005",
    "SX-006",
    "SX-007",
    "SX-008",
    "SX-009",
    "SX-010",
    "SX-011",
    "SX-012",
    "SX-013",
    "SX-014",
    "SX-015",
    "QH-001",
    "QH-002",
    "QH-003",
    "QH-004",
    "QH-005",
    "QH-006",
    "SX-029",
}


def _rows() -> dict[str, list[tuple[datetime, dict]]]:
    """feed → [(received_at, canonical row)]; later receipts are later versions of a record."""
    t = lambda y, m, d: datetime(y, m, d, 2)  # noqa: E731
    reg = dict(
        entity_type="有限责任公司",
        region_code="330106",
        industry_code="1411",
        legal_rep_name="张三",
        legal_rep_id_type="身份证",
        registered_capital_wan=100.0,
        established_date=date(2020, 5, 1),
        status="存续",
        address="杭州市西湖区某路1号",
        contact_phone="13800000000",
        registration_authority=BUREAU,
    )
    penalty = dict(
        uscc=U1,
        decision_number=D1,
        party_name="杭州甲食品有限公司",
        party_category="法人及非法人组织",
        legal_rep_name="张三",
        legal_rep_id_type="身份证",
        legal_rep_id_number=ID1,
        violation_type="食品安全",
        violation_facts="生产经营致病性微生物超标的食品",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
        penalty_types="罚款;吊销许可证件",
        penalty_content="罚款50万元，吊销食品生产许可证、营业执照",
        fine_amount_wan=50.0,
        confiscation_amount_wan=None,
        revoked_licence=f"食品生产许可证（SC10633010600123）；营业执照（{U1}）",
        decision_date=date(2024, 3, 5),
        valid_until=date(2027, 3, 5),
        publicity_end=None,
        authority_name=BUREAU,
        authority_uscc="11310000MB2F29521E",
        domain_code="食品安全",
        heavier_discretion="是",
        procedure_type="普通程序",
        record_status="正常",
        source_unit=BUREAU,
        source_unit_uscc="11310000MB2F29521E",
        remarks=None,
    )
    serious = dict(
        uscc=U1,
        enterprise_name="杭州甲食品有限公司",
        list_decision_number=S1,
        list_reason="因从重处罚等较重行政处罚列入",
        related_penalty_number=D1,
        list_date=date(2024, 3, 20),
        list_authority=BUREAU,
        removal_date=None,
        removal_reason=None,
    )

    def loop(basis, role, measure, stage, day, unit, unit_type, n, **extra):
        return dict(
            event_id=f"BH{n:06d}",
            uscc=U1,
            object_role=role,
            basis_number=basis,
            measure_id=measure,
            stage=stage,
            unit_name=unit,
            unit_type=unit_type,
            event_date=day,
            event_time="10:00:00",
            consultation=extra.get("consultation"),
            note=extra.get("note"),
        )

    return {
        "registry": [
            (
                t(2024, 1, 10),
                dict(
                    reg,
                    uscc=U1,
                    enterprise_name="杭州甲食品有限公司",
                    legal_rep_id_number=ID1,
                    approval_date=date(2020, 5, 1),
                ),
            ),
            (
                t(2024, 1, 10),
                dict(
                    reg,
                    uscc=U2,
                    enterprise_name="杭州乙贸易有限公司",
                    legal_rep_id_number=ID2,
                    legal_rep_name="李四",
                    approval_date=date(2021, 3, 2),
                ),
            ),
            (
                t(2024, 1, 10),
                dict(
                    reg,
                    uscc=U3,
                    enterprise_name="上海丙餐饮管理有限公司",
                    region_code="310110",
                    legal_rep_id_number=ID3,
                    legal_rep_name="王五",
                    approval_date=date(2019, 6, 1),
                ),
            ),
            (
                t(2016, 1, 10),
                dict(
                    reg,
                    uscc=U4,
                    enterprise_name="济南丁机械制造有限公司",
                    region_code="370102",
                    legal_rep_id_number=make_ric("370102", date(1970, 1, 1), "031"),
                    legal_rep_name="赵六",
                    approval_date=date(2015, 3, 2),
                ),
            ),
        ],
        "penalties": [
            (t(2024, 3, 10), penalty),
            (
                t(2024, 6, 15),
                dict(
                    penalty,
                    revoked_licence="食品生产许可证（SC10633010600123）",
                    record_status="变更",
                    penalty_content="罚款50万元，吊销食品生产许可证",
                ),
            ),
            (
                t(2024, 5, 10),
                dict(
                    penalty,
                    uscc=U3,
                    decision_number=D3,
                    party_name="上海丙餐饮管理有限公司",
                    legal_rep_name="王五",
                    legal_rep_id_number=ID3,
                    penalty_content="罚款10万元，吊销食品经营许可证",
                    fine_amount_wan=10.0,
                    revoked_licence="食品经营许可证（JY13101100012345）",
                    decision_date=date(2024, 5, 6),
                    valid_until=date(2027, 5, 6),
                    authority_name="上海市杨浦区市场监督管理局",
                    source_unit="上海市杨浦区市场监督管理局",
                ),
            ),
        ]
        + [
            (
                t(2018, 12, 5),
                dict(
                    penalty,
                    uscc=U4,
                    decision_number=number,
                    party_name="济南丁机械制造有限公司",
                    legal_rep_name="赵六",
                    legal_rep_id_number=None,
                    violation_type="生产不符合保障人体健康和人身、财产安全的标准的产品",
                    violation_facts="生产的产品经抽查不合格",
                    legal_basis="《中华人民共和国产品质量法》第四十九条",
                    penalty_types="罚款;吊销许可证件",
                    penalty_content="罚款5万元，吊销全国工业产品生产许可证",
                    fine_amount_wan=5.0,
                    revoked_licence="全国工业产品生产许可证（XK13-014-00123）",
                    decision_date=day,
                    valid_until=date(2021, 11, 29),
                    domain_code="质量安全",
                    authority_name="济南市历下区市场监督管理局",
                    source_unit="济南市历下区市场监督管理局",
                ),
            )
            for number, day in ((D4A, date(2018, 11, 30)), (D4B, date(2018, 12, 1)))
        ],
        "serious_list": [
            (t(2024, 4, 5), serious),
            (t(2025, 5, 5), dict(serious, removal_date=date(2025, 4, 15), removal_reason="信用修复提前移出")),
        ],
        "objections": [
            (
                t(2024, 7, 1),
                dict(
                    objection_id="YY33010620240001",
                    uscc=U1,
                    related_record_number=D1,
                    objection_date=date(2024, 4, 1),
                    objection_reason="吊销营业执照的处罚过重",
                    outcome="变更",
                    outcome_date=date(2024, 6, 10),
                    handling_authority="杭州市西湖区人民政府",
                ),
            )
        ],
        "credit_repairs": [
            (
                t(2025, 5, 5),
                dict(
                    application_id=f"XF3301062025{k:06d}",
                    uscc=U1,
                    enterprise_name="杭州甲食品有限公司",
                    repair_object_type=kind,
                    related_record_number=number,
                    apply_date=date(2025, 3, 25),
                    decision_date=date(2025, 4, 10),
                    outcome="准予修复",
                    deciding_authority=BUREAU,
                ),
            )
            for k, (kind, number) in enumerate([("严重违法失信名单", S1), ("行政处罚", D1)])
        ],
        "punishment_feedback": [
            (t(2024, 4, 8), e)
            for e in [
                loop(
                    S1, "enterprise", "SX-013", "推送", date(2024, 3, 21), BUREAU, "执法办案机构", 1, consultation="否"
                ),
                loop(
                    S1, "enterprise", "SX-013", "接收", date(2024, 3, 22), BUREAU + "信用监督管理科", "业务主管机构", 2
                ),
                loop(
                    S1, "enterprise", "SX-013", "转发", date(2024, 3, 22), BUREAU + "信用监督管理科", "业务主管机构", 3
                ),
                loop(
                    S1, "enterprise", "SX-013", "实施", date(2024, 3, 28), "杭州市西湖区行政服务中心", "行政审批机构", 4
                ),
                loop(
                    S1,
                    "enterprise",
                    "SX-013",
                    "反馈",
                    date(2024, 4, 2),
                    "杭州市西湖区行政服务中心",
                    "行政审批机构",
                    5,
                    note="已在告知承诺审批中拦截1次",
                ),
                loop(
                    D1, "legal_rep", "SX-017", "推送", date(2024, 3, 12), BUREAU, "执法办案机构", 6, consultation="否"
                ),
                loop(
                    S1, "enterprise", "SX-001", "推送", date(2024, 3, 22), BUREAU, "执法办案机构", 7, consultation="否"
                ),
                loop(S1, "enterprise", "SX-001", "实施", date(2024, 3, 29), "杭州市财政局", "外部门", 8),
            ]
        ]
        + [
            (
                t(2024, 7, 1),
                loop(
                    D1, "legal_rep", "SX-018", "调整", date(2024, 6, 12), BUREAU + "信用监督管理科", "业务主管机构", 9
                ),
            )
        ],
    }


def land(ws: Workspace) -> None:
    """Write the scenario as ingestion would have landed it: one Parquet batch per receipt plus ledger entries."""
    contracts = load_contracts()
    ensure_layout(ws, contracts)  # every feed's landing folder, empty where the scenario has no rows
    for feed, receipts in _rows().items():
        for n, (received, row) in enumerate(receipts):
            land_batch(ws, contracts[feed], n, [row], received=received, due_by=received.date())


PUNISHMENT = (
    "+mart_punishment_lifecycle +mart_punishment_events +mart_punishment_overdue +mart_punishment_monthly_feedback"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("punishment") / "home").ensure()
    land(ws)
    # the scenario's own models and their tests; the tests of sources, staging and core marts run in test_dbt_project
    dbt_ok(
        "build",
        "--select",
        PUNISHMENT,
        "--exclude",
        "source:*,resource_type:test",
        "path:models/staging,resource_type:test",
        "path:models/marts/core,resource_type:test",
        "path:models/intermediate/linkage,resource_type:test",  # they reach models this selection does not build
        home=ws.home,
        vars={"as_of_date": AS_OF, "feedback_month": "2024-03"},
    )
    build_index(ws)
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    con.execute("set enable_progress_bar = false")
    with Interceptor(index_path(ws)) as interceptor:
        yield con, interceptor, ws
    con.close()


def measures(interceptor, identifier: str, day: str) -> set[str]:
    return {r.measure_id for r in interceptor.lookup(identifier, date.fromisoformat(day))}


def test_the_lookup_follows_the_whole_loop(built):
    _, icp, _ = built
    # before the penalty: nothing
    assert measures(icp, U1, "2024-03-04") == set() and measures(icp, ID1, "2024-03-04") == set()
    # penalty revoking the food licence and the business licence: five-year food bans, three-year legal-rep bar
    assert measures(icp, U1, "2024-03-06") == {"SX-016"}
    assert measures(icp, ID1, "2024-03-06") == {"SX-017", "SX-018"}
    # serious list, pushed and fed back: the enterprise measures, and the 穿透式 review of its legal representative
    assert measures(icp, U1, "2024-04-03") == {"SX-016"} | SERIOUS_LIST_MEASURES
    assert measures(icp, ID1, "2024-04-03") == {"SX-017", "SX-018", "QH-007"}
    # objection: the penalty is changed (the legal representative's side: test_a_change_that_drops_the_business_...)
    assert measures(icp, U1, "2024-06-10") == {"SX-016"} | SERIOUS_LIST_MEASURES
    # credit repair: serious-list measures lifted; the statutory five-year food bans stay
    assert measures(icp, U1, "2025-04-10") == {"SX-016"}
    assert {"SX-017", "QH-007"} & measures(icp, ID1, "2025-04-10") == {"SX-017"}
    # natural expiry five years after the decision
    assert measures(icp, U1, "2029-03-04") == {"SX-016"} and measures(icp, ID1, "2029-03-04") == {"SX-017"}
    assert measures(icp, U1, "2029-03-05") == set() and measures(icp, ID1, "2029-03-05") == set()
    # the other enterprise and its representative are never restricted
    assert measures(icp, U2, "2024-06-10") == set() and measures(icp, ID2, "2024-06-10") == set()


def test_the_warning_shows_agency_reason_basis_and_period(built):
    _, icp, _ = built
    [ban] = [r for r in icp.lookup(ID1, date(2025, 4, 10)) if r.measure_id == "SX-017"]
    assert (ban.source_agency, ban.basis_number, ban.start, ban.end) == (BUREAU, D1, date(2024, 3, 5), date(2029, 3, 5))
    assert "第一百三十五条" in ban.legal_basis and "吊销" in ban.reason and ban.object_role == "legal_rep"


def test_each_release_path_is_an_event_with_who_when_why(built):
    con, _, _ = built
    rows = con.execute(
        """
        select l.measure_id, l.object_role, l.release_path, l.release_date, e.actor, e.event_reason
        from mart_punishment_lifecycle l join mart_punishment_events e
          on e.object_measure_id = l.object_measure_id and e.stage_code = 'released'
        where l.measure_id in ('SX-013', 'SX-016', 'SX-017') and l.uscc = ? order by 1""",
        [U1],
    ).fetchall()
    assert rows[0][:4] == ("SX-013", "enterprise", "repair", date(2025, 4, 10)) and rows[0][4] == BUREAU
    assert rows[1][:4] == ("SX-016", "enterprise", "natural", date(2029, 3, 5)) and rows[1][4] == "系统自动（期限届满）"
    assert rows[2][:4] == ("SX-017", "legal_rep", "natural", date(2029, 3, 5))
    blocked = con.execute(
        "select measure_id, repair_blocked_date from mart_punishment_lifecycle "
        "where repair_blocked_date is not null and measure_id in ('SX-016', 'SX-017') and uscc = ? order by 1",
        [U1],
    ).fetchall()
    assert blocked == [("SX-016", date(2025, 4, 10)), ("SX-017", date(2025, 4, 10))]


def test_a_change_that_drops_the_business_licence_revocation_lifts_the_legal_rep_bar(built):
    con, icp, _ = built
    assert measures(icp, ID1, "2024-06-10") == {"SX-017", "QH-007"}
    assert measures(icp, ID1, "2025-04-10") == {"SX-017"}
    [(path, day, reason)] = con.execute(
        "select release_path, release_date, release_reason from mart_punishment_lifecycle "
        "where measure_id = 'SX-018' and uscc = ?",
        [U1],
    ).fetchall()
    assert (path, day) == ("objection", date(2024, 6, 10)) and "变更" in reason


def test_the_event_log_has_every_stage_in_order(built):
    con, _, _ = built
    stages = con.execute("""
        select e.stage_label, e.event_date, e.actor from mart_punishment_events e
        join mart_punishment_lifecycle l using (object_measure_id)
        where l.measure_id = 'SX-013' order by e.event_date, e.stage_order""").fetchall()
    assert [s[0] for s in stages] == ["认定", "推送", "接收", "转发", "实施", "反馈", "解除"]
    assert stages[0] == ("认定", date(2024, 3, 20), BUREAU)
    assert con.execute("select count(*) from mart_punishment_events where link_issue is not null").fetchone()[0] == 0


def test_no_id_number_reaches_the_marts_or_the_index(built):
    con, _, ws = built
    for mart in (
        "mart_punishment_lifecycle",
        "mart_punishment_events",
        "mart_punishment_overdue",
        "mart_punishment_monthly_feedback",
    ):
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = ? and data_type = 'VARCHAR'",
                [mart],
            ).fetchall()
        ]
        for col in cols:
            assert con.execute(f'select count(*) from {mart} where "{col}" like ?', [f"%{ID1}%"]).fetchone()[0] == 0
    assert ID1.encode() not in index_path(ws).read_bytes()


def test_overdue_alerts_count_working_days(built):
    con, _, _ = built
    late = {
        (m, s): (st, n, due)
        for m, s, st, n, due in con.execute("""
        select measure_id, stage_code, overdue_status, late_working_days, due_date from mart_punishment_overdue
        """).fetchall()
    }
    # the legal-rep food ban was pushed on 2024-03-12 against 3 WD after 2024-03-05 → due 03-08, 2 WD late
    assert late[("SX-017", "pushed")] == ("逾期办结", 2, date(2024, 3, 8))
    # SX-001 implemented on 2024-03-29 but never fed back: due 5 WD after 2024-03-31 → 2024-04-08 (Qingming 04-04/05)
    status, n, due = late[("SX-001", "fed_back")]
    assert (status, due) == ("超期未办", date(2024, 4, 8)) and n > 0
    # pushed and fed back on time: no alert; the adjustment (06-12) was within 3 WD of the objection (06-10)
    assert (
        ("SX-013", "pushed") not in late and ("SX-013", "fed_back") not in late and ("SX-018", "adjusted") not in late
    )


def test_monthly_feedback_for_any_month(built):
    con, _, _ = built
    rows = con.execute("""select feedback_month, implementing_unit, measure_id, implemented, feedback_expected,
                                 fed_back_on_time, feedback_missing, typical_case_notes
                          from mart_punishment_monthly_feedback where measure_id in ('SX-013', 'SX-001') order by 3""").fetchall()
    assert rows == [
        ("2024-03", "杭州市财政局", "SX-001", 1, 1, 0, 1, 0),
        ("2024-03", "杭州市西湖区行政服务中心", "SX-013", 1, 1, 1, 0, 1),
    ]


def test_only_a_business_licence_revocation_bars_the_legal_representative(built):
    """Administrative Penalty Law art. 9: the business licence is revoked as 吊销许可证件, the licence named in
    revoked_licence; 市场主体登记管理条例 art. 12 bars the legal representative (T-PN-03 → SX-018)."""
    con, icp, _ = built
    assert measures(icp, ID1, "2024-03-06") >= {"SX-018"}  # U1: food licence and business licence revoked
    assert measures(icp, U3, "2024-05-07") == {"SX-016"}  # U3: the food licence only — the food bans,
    assert measures(icp, ID3, "2024-05-07") == {"SX-017"}  # but no bar on its legal representative
    triggers = dict(
        con.execute(
            "select basis_number, list(trigger_id order by trigger_id) from intermediate.int_punishment__matched_triggers "
            "where basis_number in (?, ?) group by 1",
            [D1, D3],
        ).fetchall()
    )
    assert triggers == {D1: ["T-PN-01", "T-PN-02", "T-PN-03"], D3: ["T-PN-01", "T-PN-02"]}


def test_a_measure_out_of_force_is_not_applied_to_later_decisions(built):
    """Seed 003 (Shandong) is in force 2016-12-01 to 2018-11-30: a licence revoked on its last day is ordered to
    change or cancel its registration (QH-014), one revoked the day after is not."""
    con, _, _ = built
    rows = con.execute(
        "select basis_number, measure_id from mart_punishment_lifecycle where uscc = ? order by 1, 2", [U4]
    ).fetchall()
    assert rows == [(D4A, "QH-014")]


def test_closed_loop_deadlines_apply_in_the_region_of_the_guidance(built):
    """The deadlines of seed 002 are the Hangzhou closed-loop guidance's (region scope 3301): a Hangzhou enterprise's
    measures have them, a Shanghai or Shandong enterprise's have none — and so no overdue alert, although nobody
    pushed their measures."""
    con, _, _ = built
    due = {
        (uscc, m): (push, feedback)
        for uscc, m, push, feedback in con.execute(
            "select uscc, measure_id, push_due, feedback_due from mart_punishment_lifecycle"
        ).fetchall()
    }
    assert due[(U1, "SX-017")][0] == date(2024, 3, 8) and due[(U1, "SX-001")][1] == date(2024, 4, 8)
    assert due[(U3, "SX-016")] == (None, None) and due[(U3, "SX-017")] == (None, None)
    assert due[(U4, "QH-014")] == (None, None)
    overdue = {r[0] for r in con.execute("select distinct uscc from mart_punishment_overdue").fetchall()}
    assert overdue == {U1}
