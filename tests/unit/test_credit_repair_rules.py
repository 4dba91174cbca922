"""The credit-repair rules as seeds (DOMAIN.md §3, §6): Order 45 art. 14, the 2021 rules and SAMR Order 107, read by
int_publication__penalties / __inspections. What the dbt unit tests in models/intermediate/publication cannot see: that
every penalty type the contract admits has an Order 107 tier, that the art. 14 bar lists exactly the types the article
names, that its four conditions are all rows (checked or stated as an assumption), and that every record type a repair
may stop is a value the credit_repairs contract accepts."""

from __future__ import annotations

from datetime import date

from contracts import load_contracts
from ground.rules import in_force, read_rule_table
from ground.settings import SEEDS_DIR

PUBLICATION = SEEDS_DIR / "publication"
ORDER_107 = date(2025, 12, 25)
# Order 45 art. 14: 责令停产停业、限制开展生产经营活动、限制从业、降低资质等级、吊销许可证件、吊销营业执照 (the contract's
# 吊销许可证件 covers the business licence); 责令关闭 is not in the list.
ART_14_BARRED = {"责令停产停业", "限制开展生产经营活动", "限制从业", "降低资质等级", "吊销许可证件"}
NATIONAL_SERIOUS = {"吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业"}


def _rows(name: str) -> list[dict[str, str]]:
    return read_rule_table(PUBLICATION / f"{name}.csv")


def _penalty_types() -> list[str]:
    field = load_contracts()["penalties"].field("penalty_types")
    return list(field.enum)


def test_every_penalty_type_has_one_order_107_tier_and_the_national_serious_types_are_serious():
    tiers = {r["tier_code"]: r for r in _rows("rule_credit_repair_tiers")}
    members = [
        r for r in in_force(_rows("rule_credit_repair_tier_members"), ORDER_107) if r["match_on"] == "penalty_type"
    ]
    by_type: dict[str, list[str]] = {}
    for r in members:
        by_type.setdefault(r["match_value"], []).append(tiers[r["tier_code"]]["tier_label"])
    assert {t: len(v) for t, v in by_type.items() if len(v) != 1} == {}
    assert set(_penalty_types()) - set(by_type) == set(), "a penalty type the contract admits has no Order 107 tier"
    assert {t for t, (label,) in by_type.items() if label == "严重失信信息"} >= NATIONAL_SERIOUS
    # the national rule's list is [C2]; every assignment is tagged, a choice of ours [U]
    for r in members:
        assert "[C2]" in r["source"] or "[U]" in r["source"], r
        assert r["match_value"] not in NATIONAL_SERIOUS or "[C2]" in r["source"], r


def test_order_107_caps_and_waits_and_the_2021_waits():
    def tier(code: str) -> dict[str, str]:
        return next(r for r in _rows("rule_credit_repair_tiers") if r["tier_code"] == code)

    assert (tier("order107_minor")["repairable"], tier("order107_minor")["publicity_cap_months"]) == ("false", "3")
    assert (tier("order107_general")["repair_wait_months"], tier("order107_general")["publicity_cap_months"]) == (
        "3",
        "12",
    )
    assert (tier("order107_serious")["repair_wait_months"], tier("order107_serious")["publicity_cap_months"]) == (
        "12",
        "36",
    )
    assert tier("repair2021_penalty_general")["repair_wait_months"] == "6"
    assert tier("repair2021_penalty_key_domain")["repair_wait_months"] == "12"
    for code in ("repair2021_penalty_general", "repair2021_penalty_key_domain"):
        assert tier(code)["valid_to"] == "2025-12-24"
    deadlines = [r for r in _rows("rule_publication_periods") if r["parameter"] == "repair_decision_deadline"]
    assert [(r["quantity"], r["valid_from"], r["valid_to"]) for r in deadlines] == [
        ("15", "2021-09-01", "2025-12-24"),
        ("7", "2025-12-25", ""),
    ]


def test_the_art_14_bar_is_the_article_s_list_and_closure_is_not_in_it():
    rows = in_force(_rows("rule_penalty_type_publicity"), ORDER_107)
    barred = {r["penalty_type"] for r in rows if r["early_stop_barred"] == "true"}
    assert barred == ART_14_BARRED
    closure = next(r for r in rows if r["penalty_type"] == "责令关闭")
    assert "第14条" in closure["source"] and "不含责令关闭" in closure["source"]


def test_the_four_art_14_conditions_are_rows_checked_or_stated_as_assumptions():
    conditions = [
        r for r in in_force(_rows("rule_credit_repair_conditions"), ORDER_107) if r["record_type"] == "penalties"
    ]
    kinds = {(r["condition"], r["list_type"]) for r in conditions}
    assert {
        ("obligations_met", ""),
        ("harm_removed", ""),
        ("repeat_violation", ""),
        ("on_list", "abnormal"),
        ("on_list", "serious"),
        ("barred_type", ""),
        ("waiting_period", ""),
    } <= kinds
    for r in conditions:
        if r["checked_by"] == "deciding_authority":  # not in the landed data: the assumption is written down
            assert "[U]" in r["source"] and "假设" not in r["display_reason"], r
        else:
            assert r["display_reason"], r


def test_every_record_type_a_repair_stops_is_a_repair_object_type_the_contract_accepts():
    labels = {
        r["record_type"]: r["record_label"] for r in read_rule_table(PUBLICATION / "ref_publication_record_types.csv")
    }
    stopped = {r["record_type"] for r in _rows("rule_publication_actions") if r["source_feed"] == "credit_repairs"}
    accepted = set(load_contracts()["credit_repairs"].field("repair_object_type").enum)
    assert {labels[t] for t in stopped} <= accepted
