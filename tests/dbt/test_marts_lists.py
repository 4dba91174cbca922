"""Enterprise record, lists and repeat offenders: documented contracts and rule coverage (in the manifest of the
shared demo build).

The rules themselves are pinned by dbt unit tests next to the models (the 10th penalty, the day the 3 years end,
a repair approved the day before, a licence expiring on a holiday, …); these tests check that they exist and that
every list mart is documented in Chinese with an enforced contract. The incremental event timeline:
test_timeline_incremental.py. The list models incremental by key (macros/incremental_by_key.sql, `keys_of`): a
correction that moves an objection from one penalty to another recomputes both penalties and the listing resting on
each, exactly as a full refresh computes them.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from helpers import DEMO_AS_OF, land_batch, manifest, query

from contracts import load_contracts
from ground.settings import SEEDS_DIR
from warehouse import dbt

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


@pytest.fixture(scope="module")
def models(demo) -> dict:
    """Models of the manifest of the shared demo build."""
    return {n["name"]: n for n in manifest(demo.ws.home)["nodes"].values() if n["resource_type"] == "model"}


def test_list_marts_have_enforced_contracts_and_chinese_column_descriptions(models):
    for name in LIST_MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert CJK.search(node["description"]), name
        assert node["columns"], name
        for column in node["columns"].values():
            assert column["data_type"], f"{name}.{column['name']}"
            assert CJK.search(column["description"] or ""), f"{name}.{column['name']} needs a Chinese description"


def test_every_list_rule_has_a_boundary_unit_test(demo):
    names = {u["name"] for u in manifest(demo.ws.home).get("unit_tests", {}).values()}
    assert names >= BOUNDARY_UNIT_TESTS, BOUNDARY_UNIT_TESTS - names


def test_as_of_models_are_rebuilt_daily_and_use_the_macro(models):
    for node in models.values():
        if not node["original_file_path"].startswith(
            ("models/marts/lists", "models/intermediate/lists", "models/intermediate/linkage")
        ):
            continue
        sql = node["raw_code"]
        assert "current_date" not in sql, node["name"]
        if "as_of_date()" in sql and node["name"].startswith("mart_"):
            assert "daily_release" in node["config"]["tags"], node["name"]


def test_rule_seeds_carry_validity_and_source():
    for path in (SEEDS_DIR / "lists").glob("rule_*.csv"):
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert {"valid_from", "valid_to", "source"} <= set(header), path.name


# ------------------------------------------------------------------ the list models incremental by key

LISTS_BY_KEY = (
    "intermediate.int_lists__penalty_domains",
    "intermediate.int_lists__penalties",
    "intermediate.int_lists__list_periods",
    "main.mart_abnormal_list_history",
    "main.mart_serious_list_history",
)
LISTS_STAGED = ("stg_landing__batches", "stg_landing__objections")


def _run_lists_by_key(ws, *flags: str) -> None:
    log: list[str] = []
    args = ["run", *flags, "--select", *LISTS_STAGED, *(t.split(".")[1] for t in LISTS_BY_KEY)]
    code = dbt(ws, *args, "--vars", json.dumps({"as_of_date": DEMO_AS_OF.isoformat()}), on_line=log.append)
    assert code == 0, "\n".join(log[-40:])


def _table_rows(ws, table: str) -> list[tuple]:
    return sorted(query(ws, f"select * from {table}"), key=repr)


def _revocation_of(ws, decision_number: str) -> tuple:
    sql = "select revoked_via, revocation_objection_id from intermediate.int_lists__penalties where decision_number = ?"
    return query(ws, sql, decision_number)[0]


def test_an_objection_moved_to_another_penalty_recomputes_both_as_a_full_refresh_does(demo, tmp_path):
    ws = demo.copy(tmp_path, published=False)
    # a penalty a serious listing rests on, and another penalty: both in force, no objection yet
    rests_on = """
        select p.decision_number, p.enterprise_uscc, l.list_decision_number
        from intermediate.int_lists__penalties p
        join intermediate.int_lists__list_periods l on l.related_penalty_number = p.decision_number
        where p.is_in_force and l.removal_path is distinct from 'basis_revoked'
        order by 1 limit 1"""
    [(listed_penalty, listed_uscc, listing)] = query(ws, rests_on)
    other = """
        select decision_number, enterprise_uscc from intermediate.int_lists__penalties
        where is_in_force and enterprise_uscc is not null and decision_number <> ?
            and decision_number not in (select related_record_number from staging.stg_landing__objections)
        order by 1 limit 1"""
    [(other_penalty, other_uscc)] = query(ws, other, listed_penalty)
    objections = load_contracts()["objections"]

    def objection(related: str, uscc: str) -> dict:
        return dict(
            objection_id="YY31011020269901",
            uscc=uscc,
            related_record_number=related,
            objection_date=date(2026, 5, 4),
            objection_reason="处罚认定事实不清",
            outcome="撤销",
            outcome_date=date(2026, 6, 10),
            handling_authority="上海市人民政府",
        )

    # day 1: the objection revokes the other penalty
    received = datetime(2026, 6, 12, 2, tzinfo=UTC)
    land_batch(ws, objections, 9901, [objection(other_penalty, other_uscc)], received=received, due_by=received.date())
    _run_lists_by_key(ws)
    assert _revocation_of(ws, other_penalty) == ("objection", "YY31011020269901")

    # day 2: corrected — it was about the penalty the listing rests on
    received = datetime(2026, 6, 15, 2, tzinfo=UTC)
    land_batch(
        ws, objections, 9902, [objection(listed_penalty, listed_uscc)], received=received, due_by=received.date()
    )
    _run_lists_by_key(ws)
    assert _revocation_of(ws, other_penalty) == (None, None)  # the earlier version's penalty counts again
    assert _revocation_of(ws, listed_penalty) == ("objection", "YY31011020269901")
    removal = "select removal_path from intermediate.int_lists__list_periods where list_decision_number = ?"
    assert query(ws, removal, listing) == [("basis_revoked",)]

    incremental = {t: _table_rows(ws, t) for t in LISTS_BY_KEY}
    _run_lists_by_key(ws, "--full-refresh")
    for table in LISTS_BY_KEY:
        assert incremental[table] == _table_rows(ws, table), table
