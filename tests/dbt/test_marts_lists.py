"""Enterprise record, lists and repeat offenders: documented contracts and rule coverage (in the manifest of the
shared demo build).

The rules themselves are pinned by dbt unit tests next to the models (the 10th penalty, the day the 3 years end,
a repair approved the day before, a licence expiring on a holiday, …); these tests check that they exist and that
every list mart is documented in Chinese with an enforced contract. The incremental event timeline:
test_timeline_incremental.py.
"""

from __future__ import annotations

import re

import pytest
from helpers import manifest

from ground.settings import SEEDS_DIR

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
