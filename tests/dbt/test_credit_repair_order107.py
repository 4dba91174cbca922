"""Credit repair and publicity under SAMR Order 107 and Order 45 art. 14, end to end on a small landing zone: producer
files → ingestion (the contracts) → dbt build of the publication models → the public extract.

One inspection task (T1) finds U1's product 不合格 and nothing at U2; from 2025-12-25 a negative spot-check result is
repairable (repair object type 抽查检查, which the credit_repairs contract now accepts): U1's approved repair stops its
publicity, U2's (a result that is not negative) does not, with its reason. U1's penalty revokes a licence (吊销许可证件):
Order 45 art. 14 bars early stop, so its approved repair leaves it published, with the reason. A 个体工商户 reported with
category 自然人 but carrying its 92 USCC is a market entity and is published. The rules' boundaries (waiting periods,
caps, tiers, the four conditions, thresholds, holds) are pinned by the dbt unit tests named in UNIT_TESTS.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from helpers import AUTHORITY_USCC, dbt_ok, penalty_row, run_results, write_feed

from contracts import load_contracts
from creditwh import jobs
from ground.identifiers import make_uscc
from ground.settings import Workspace
from ingestion.landing import ensure_layout

pytestmark = pytest.mark.e2e

AS_OF = {"as_of_date": "2026-06-01"}
U1 = make_uscc("9", "1", "310110", "MA1FL2X3")
U2 = make_uscc("9", "1", "310110", "MA1FL2Y7")
SOLE_TRADER = make_uscc("9", "2", "310110", "MA1FL3A2")
BUREAU = "上海市杨浦区市场监督管理局"
REVOKED, SOLE = "沪市监杨处〔2026〕102026000001号", "沪市监杨处〔2026〕102026000002号"
UNIT_TESTS = {
    "penalty_repair_order107_tiers_waits_and_caps",
    "penalty_repair_order45_art14_conditions",
    "penalty_lower_amount_thresholds_by_province",
    "penalty_held_then_released_is_published_from_the_release",
    "natural_persons_who_are_not_market_entities_are_not_published",
    "natural_person_licences_not_market_entities_are_not_published",
    "inspection_negative_results_repairable_from_order107",
}


def _inspection(uscc: str, name: str, result: str) -> dict[str, str]:
    return dict(
        task_id="SJ3101102026000001",
        task_name="2026年产品质量监督抽查",
        inspection_type="监督抽检",
        uscc=uscc,
        party_name=name,
        inspection_date="2026-01-10",
        result=result,
        inspecting_unit=BUREAU,
        inspecting_unit_uscc=AUTHORITY_USCC,
    )


def _repair(n: int, uscc: str, name: str, kind: str, number: str) -> dict[str, str]:
    return dict(
        application_id=f"XF3101102026{n:06d}",
        uscc=uscc,
        enterprise_name=name,
        repair_object_type=kind,
        related_record_number=number,
        apply_date="2026-03-02",
        decision_date="2026-03-05",
        outcome="准予修复",
        deciding_authority=BUREAU,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("repair107") / "home").ensure()
    ensure_layout(ws, load_contracts())  # every feed's (empty) landing folder: the project builds
    at = lambda y, m, d: datetime(y, m, d, 2).timestamp()  # noqa: E731
    penalties = [
        penalty_row(
            1,
            decision_number=REVOKED,
            uscc=U1,
            party_name="上海甲食品有限公司",
            penalty_types="罚款;吊销许可证件",
            penalty_content="罚款6万元，吊销食品生产许可证",
            fine_amount_wan="6",
            confiscation_amount_wan="",
            revoked_licence="SC10631011000123",
            decision_date="2026-01-05",
            valid_until="2029-01-04",
            heavier_discretion="是",
        ),
        penalty_row(
            2,
            decision_number=SOLE,
            uscc=SOLE_TRADER,
            party_name="上海市杨浦区张三小吃店",
            party_category="自然人",
            legal_rep_name="张三",
            penalty_types="罚款",
            penalty_content="罚款6万元",
            fine_amount_wan="6",
            confiscation_amount_wan="",
            decision_date="2026-01-05",
            valid_until="2029-01-04",
        ),
    ]
    write_feed(ws, "penalties", "penalties_20260106.csv", penalties, mtime=at(2026, 1, 6))
    inspections = [_inspection(U1, "上海甲食品有限公司", "不合格"), _inspection(U2, "上海乙贸易有限公司", "未发现问题")]
    write_feed(ws, "inspections", "inspections_20260115.csv", inspections, mtime=at(2026, 1, 15))
    repairs = [
        _repair(1, U1, "上海甲食品有限公司", "抽查检查", "SJ3101102026000001"),
        _repair(2, U2, "上海乙贸易有限公司", "抽查检查", "SJ3101102026000001"),
        _repair(3, U1, "上海甲食品有限公司", "行政处罚", REVOKED),
    ]
    write_feed(ws, "credit_repairs", "credit_repairs_20260306.csv", repairs, encoding="gbk", mtime=at(2026, 3, 6))
    results = [r for r in jobs.ingest(ws) if r.status != "skipped"]
    assert [(r.status, r.rows_quarantined) for r in results] == [("landed", 0)] * 3, results
    # the publication models and what they read (the timeline's reconciliation with every staging table is not ours)
    dbt_ok(
        "build",
        "--select",
        "+pub_inspections +pub_penalties +pub_licences",
        "--exclude",
        "assert_timeline_reconciles_with_staging",
        home=ws.home,
        vars=AS_OF,
    )
    return ws


@pytest.fixture(scope="module")
def con(workspace):
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    yield con
    con.close()


def test_the_rules_unit_tests_ran_in_the_build(workspace):
    passed = {r["unique_id"].split(".")[-1] for r in run_results(workspace.home) if r["status"] == "pass"}
    assert passed >= UNIT_TESTS


def test_a_repaired_negative_spot_check_result_leaves_the_extract_a_clean_one_does_not(con):
    judged = dict(
        con.execute(
            "select uscc, (publication_state, repair_refused_reason) from intermediate.int_publication__inspections"
        ).fetchall()
    )
    assert judged == {U1: ("stopped", None), U2: ("published", "该检查结果不适用信用修复")}
    assert [r[0] for r in con.execute("select uscc from pub_inspections").fetchall()] == [U2]


def test_a_repair_of_a_licence_revocation_does_not_stop_its_publicity(con):
    state, reason, end = con.execute(
        "select publication_state, repair_refused_reason, publicity_end from intermediate.int_publication__penalties "
        "where decision_number = ?",
        [REVOKED],
    ).fetchone()
    assert (state, reason) == ("published", "该处罚类别不得提前停止公示")
    assert end > date(2028, 12, 31)  # 严重失信信息: three years from its publication, not the repair
    assert con.execute("select count(*) from pub_penalties where decision_number = ?", [REVOKED]).fetchone()[0] == 1


def test_a_sole_trader_reported_as_a_natural_person_is_published(con):
    row = con.execute(
        "select party_category, uscc, publicity_end from pub_penalties where decision_number = ?", [SOLE]
    ).fetchone()
    assert row is not None and row[1] == SOLE_TRADER
    assert row[2] < date(2027, 2, 1)  # 一般失信信息 decided after 2025-12-25: one year at most
