"""List removal is one rule everywhere: the serious list, its publication and joint punishment agree on whether an
entity is listed on a date and when and why it was removed (int_lists__list_periods decides; the others read it).

Four enterprises are put on the serious list, each on a heavier penalty, and built as of 2025-12-01:

- U1 listed 2025-03-03; a credit repair approved after six months (2025-09-05), and the listing authority reports the
  early removal (2025-09-10): under a year listed, so neither removes it (SAMR Order 44; Order 107 from 2025-12-25) —
  still on mart_serious_list, published without a removal, its measures in force;
- U2 listed 2025-03-03; its basis penalty revoked on reconsideration (objection 撤销, 2025-06-10): the listing is
  revoked and removed that day (Order 44), published as 列入依据被撤销, its measures released that day;
- U3 listed 2025-03-03; its basis penalty re-sent with record status 撤销 (received 2025-07-01, no objection, and
  re-sent once more as 撤销 on 2025-08-01): the same, revoked on the first receipt;
- the penalties of U2 and U3 are withdrawn from publicity on the day they stop counting, by the withdrawal rule of
  their revocation path (int_publication__penalties reads int_lists__penalties.revoked_on, SAMR Order 45 art. 11);
- U4 listed 2024-01-10; a repair approved after a year and a month (2025-02-10): removed early, published as
  信用修复提前移出, its measures released by repair.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from helpers import dbt_ok, land_batch

from contracts import load_contracts
from ground.identifiers import make_ric
from ground.settings import Workspace
from ingestion.landing import ensure_layout

pytestmark = pytest.mark.e2e
AS_OF = "2025-12-01"
BUREAU = "上海市杨浦区市场监督管理局"
GOVERNMENT = "上海市杨浦区人民政府"
ENTERPRISES = {
    "U1": ("91350100M000100Y43", "上海甲食品有限公司", make_ric("310110", date(1980, 1, 2), "011")),
    "U2": ("914403001922038216", "上海乙食品有限公司", make_ric("310110", date(1981, 2, 3), "021")),
    "U3": ("91110108551385082Q", "上海丙食品有限公司", make_ric("310110", date(1982, 3, 4), "031")),
    "U4": ("91370000728611939A", "上海丁食品有限公司", make_ric("310110", date(1983, 4, 5), "041")),
}
LISTED = {"U1": date(2025, 3, 3), "U2": date(2025, 3, 3), "U3": date(2025, 3, 3), "U4": date(2024, 1, 10)}


def penalty_number(key: str) -> str:
    return f"沪市监杨处〔2025〕1020250000{key[1]}号"


def listing_number(key: str) -> str:
    return f"沪市监杨严列〔2025〕00000{key[1]}号"


def _rows() -> dict[str, list[tuple[datetime, dict]]]:
    """feed → [(received_at, canonical row)]; later receipts are later versions of a record."""
    t = lambda d, h=2: datetime(d.year, d.month, d.day, h)  # noqa: E731
    registry, penalties, serious = [], [], []
    for key, (uscc, name, rep_id) in ENTERPRISES.items():
        registry.append(
            (
                datetime(2023, 1, 10, 2),
                dict(
                    uscc=uscc,
                    enterprise_name=name,
                    entity_type="有限责任公司",
                    region_code="310110",
                    industry_code="1411",
                    legal_rep_name="张三",
                    legal_rep_id_type="身份证",
                    legal_rep_id_number=rep_id,
                    registered_capital_wan=100.0,
                    established_date=date(2020, 5, 1),
                    approval_date=date(2020, 5, 1),
                    status="存续",
                    address="上海市杨浦区某路1号",
                    contact_phone="13800000000",
                    registration_authority=BUREAU,
                ),
            )
        )
        decided = date(LISTED[key].year, LISTED[key].month, 1) if key != "U4" else date(2023, 12, 20)
        penalty = dict(
            uscc=uscc,
            decision_number=penalty_number(key),
            party_name=name,
            party_category="法人及非法人组织",
            legal_rep_name="张三",
            legal_rep_id_type="身份证",
            legal_rep_id_number=rep_id,
            violation_type="食品安全",
            violation_facts="生产经营致病性微生物超标的食品",
            legal_basis="《中华人民共和国食品安全法》第一百二十四条",
            penalty_types="罚款",
            penalty_content="罚款50万元",
            fine_amount_wan=50.0,
            confiscation_amount_wan=None,
            revoked_licence=None,
            decision_date=decided,
            valid_until=None,
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
        penalties.append((t(decided), penalty))
        listing = dict(
            uscc=uscc,
            enterprise_name=name,
            list_decision_number=listing_number(key),
            list_reason="因从重处罚等较重行政处罚列入",
            related_penalty_number=penalty_number(key),
            list_date=LISTED[key],
            list_authority=BUREAU,
            removal_date=None,
            removal_reason=None,
        )
        serious.append((t(LISTED[key]), listing))
        if key == "U1":  # the authority reports the six-month repair as an early removal
            serious.append(
                (t(date(2025, 9, 11)), dict(listing, removal_date=date(2025, 9, 10), removal_reason="信用修复提前移出"))
            )
        if key == "U3":  # the basis penalty re-sent as revoked, no objection
            penalties.append((t(date(2025, 7, 1)), dict(penalty, record_status="撤销")))
            penalties.append((t(date(2025, 8, 1)), dict(penalty, record_status="撤销")))  # the revocation re-sent

    def repair(key: str, decided: date, n: int) -> tuple[datetime, dict]:
        uscc, name, _ = ENTERPRISES[key]
        return (
            t(decided, 5),
            dict(
                application_id=f"XF310110202500000{n}",
                uscc=uscc,
                enterprise_name=name,
                repair_object_type="严重违法失信名单",
                related_record_number=listing_number(key),
                apply_date=date(decided.year, decided.month, 1),
                decision_date=decided,
                outcome="准予修复",
                deciding_authority=BUREAU,
            ),
        )

    return {
        "registry": registry,
        "penalties": penalties,
        "serious_list": serious,
        "credit_repairs": [repair("U1", date(2025, 9, 5), 1), repair("U4", date(2025, 2, 10), 4)],
        "objections": [
            (
                t(date(2025, 6, 20)),
                dict(
                    objection_id="YY31011020250001",
                    uscc=ENTERPRISES["U2"][0],
                    related_record_number=penalty_number("U2"),
                    objection_date=date(2025, 4, 1),
                    objection_reason="处罚认定事实不清",
                    outcome="撤销",
                    outcome_date=date(2025, 6, 10),
                    handling_authority=GOVERNMENT,
                ),
            )
        ],
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("list_removal") / "home").ensure()
    contracts = load_contracts()
    ensure_layout(ws, contracts)  # every feed's landing folder, empty where the scenario has no rows
    n = 0
    for feed, receipts in _rows().items():
        for received, row in receipts:
            n += 1
            land_batch(ws, contracts[feed], n, [row], received=received, due_by=received.date())
    dbt_ok(
        "build",
        "--select",
        "+mart_serious_list +pub_serious_list +mart_punishment_lifecycle +int_publication__penalties",
        "--indirect-selection",
        "cautious",  # the data tests of the selected models only, not those that also need unselected ones
        "--exclude",
        "source:*,resource_type:test",
        "path:models/staging,resource_type:test",
        "path:models/marts/core,resource_type:test",
        home=ws.home,
        vars={"as_of_date": AS_OF},
    )
    with duckdb.connect(str(ws.warehouse), read_only=True) as connection:
        yield connection


def listed(con) -> set[str]:
    return {r[0] for r in con.execute("select list_decision_number from mart_serious_list").fetchall()}


def published(con) -> dict[str, tuple]:
    rows = con.execute("select list_decision_number, removal_date, removal_reason from pub_serious_list").fetchall()
    return {r[0]: r[1:] for r in rows}


def measures(con, key: str) -> set[tuple]:
    """(is_active, release_path, release_date) of the measures the listing of ``key`` triggered."""
    rows = con.execute(
        "select is_active, release_path, release_date from mart_punishment_lifecycle "
        "where basis_type = 'serious_list' and basis_number = ?",
        [listing_number(key)],
    ).fetchall()
    assert rows, f"no measure triggered by the listing of {key}"
    return set(rows)


def test_a_repair_before_one_year_removes_the_entity_nowhere(con):
    assert listing_number("U1") in listed(con)
    assert published(con)[listing_number("U1")] == (None, None)
    assert measures(con, "U1") == {(True, None, None)}
    refused = con.execute(
        "select early_removal_refused_on, early_removal_from from mart_serious_list where list_decision_number = ?",
        [listing_number("U1")],
    ).fetchone()
    assert refused == (date(2025, 9, 5), date(2026, 3, 3))


def test_a_repair_after_one_year_removes_the_entity_everywhere(con):
    assert listing_number("U4") not in listed(con)
    assert published(con)[listing_number("U4")] == (date(2025, 2, 10), "信用修复提前移出")
    assert measures(con, "U4") == {(False, "repair", date(2025, 2, 10))}


@pytest.mark.parametrize(("key", "revoked_on"), [("U2", date(2025, 6, 10)), ("U3", date(2025, 7, 1))])
def test_a_revoked_basis_penalty_removes_the_listing_everywhere(con, key, revoked_on):
    assert listing_number(key) not in listed(con)
    assert published(con)[listing_number(key)] == (revoked_on, "列入依据被撤销")
    assert measures(con, key) == {(False, "objection", revoked_on)}
    history = con.execute(
        "select valid_to, removal_path, removal_reason from mart_serious_list_history where list_decision_number = ?",
        [listing_number(key)],
    ).fetchone()
    assert history == (revoked_on, "basis_revoked", "列入依据被撤销")
    in_force = con.execute(
        "select is_in_force, revoked_on from intermediate.int_lists__penalties where decision_number = ?",
        [penalty_number(key)],
    ).fetchone()
    assert in_force == (False, revoked_on)


@pytest.mark.parametrize(
    ("key", "revoked_on", "rule"),
    [("U2", date(2025, 6, 10), "objection_revoked_withdrawn"), ("U3", date(2025, 7, 1), "revoked_decision_withdrawn")],
)
def test_a_revoked_penalty_is_withdrawn_from_publicity_the_day_it_stops_counting(con, key, revoked_on, rule):
    withdrawn = con.execute(
        "select publication_state, withdrawn_on, withdrawn_by from intermediate.int_publication__penalties "
        "where decision_number = ?",
        [penalty_number(key)],
    ).fetchone()
    assert withdrawn == ("withdrawn", revoked_on, rule)
