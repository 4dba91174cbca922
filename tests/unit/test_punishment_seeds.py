"""The joint-punishment rule seeds agree with each other and with the feeds they are matched against.

- Every measure of the two lists (失信惩戒措施清单、强化监管措施清单) either has a trigger in ``punishment_triggers``
  or says, in ``not_automatable_reason``, why no 事由 can trigger it — never neither, never both.
- A trigger can fire: its validity overlaps its measure's, and the penalty type it looks for is one the penalties
  contract admits (Administrative Penalty Law art. 9: a business licence is revoked as 吊销许可证件, the licence named in
  ``revoked_licence`` — a trigger looking for 吊销营业执照 in the penalty types never fired).

A CSV check, like the domain-list check in tests/dbt/test_penalty_domains.py: a dbt test across these seeds would
be picked up by selective builds that do not build all of them.
"""

from __future__ import annotations

from datetime import date

import pytest

from contracts import load_contracts
from ground.rules import read_rule_table
from ground.settings import SEEDS_DIR

SEED_DIR = SEEDS_DIR / "punishment"
MEASURE_SEEDS = ("punishment_measures_dishonesty.csv", "punishment_measures_supervision.csv")


def _measures() -> list[dict[str, str]]:
    return [r for name in MEASURE_SEEDS for r in read_rule_table(SEED_DIR / name)]


def _triggers() -> list[dict[str, str]]:
    return read_rule_table(SEED_DIR / "punishment_triggers.csv")


def measures_without_a_decision(measures: list[dict[str, str]], triggers: list[dict[str, str]]) -> dict[str, str]:
    """measure_id → what is wrong: no trigger and no reason, or a trigger and a reason."""
    triggered = {t["measure_id"] for t in triggers}
    out = {}
    for m in measures:
        reason = m.get("not_automatable_reason", "").strip()
        if m["measure_id"] not in triggered and not reason:
            out[m["measure_id"]] = "既无触发规则，也未说明不能自动触发的原因"
        elif m["measure_id"] in triggered and reason:
            out[m["measure_id"]] = "有触发规则，却又标为不能自动触发"
    return out


def _interval(row: dict[str, str]) -> tuple[date, date]:
    return date.fromisoformat(row["valid_from"]), date.fromisoformat(row["valid_to"] or "9999-12-31")


def test_every_measure_has_a_trigger_or_a_reason():
    assert measures_without_a_decision(_measures(), _triggers()) == {}


def test_the_check_names_a_measure_with_neither_and_one_with_both():
    measures = [
        {"measure_id": "SX-901", "not_automatable_reason": ""},
        {"measure_id": "SX-902", "not_automatable_reason": "须经检查发现"},
        {"measure_id": "SX-903", "not_automatable_reason": ""},
        {"measure_id": "SX-904", "not_automatable_reason": "须经检查发现"},
    ]
    triggers = [{"measure_id": "SX-903"}, {"measure_id": "SX-904"}]
    assert measures_without_a_decision(measures, triggers).keys() == {"SX-901", "SX-904"}


def test_each_trigger_names_a_measure_and_can_be_in_force_with_it():
    measures = {m["measure_id"]: m for m in _measures()}
    for t in _triggers():
        assert t["measure_id"] in measures, t["trigger_id"]
        (t_from, t_to), (m_from, m_to) = _interval(t), _interval(measures[t["measure_id"]])
        assert max(t_from, m_from) <= min(t_to, m_to), f"{t['trigger_id']} 与措施 {t['measure_id']} 的有效期不重叠"


def test_penalty_triggers_look_for_penalty_types_the_feed_carries():
    vocabulary = set(load_contracts()["penalties"].field("penalty_types").enum)
    assert "吊销许可证件" in vocabulary and "吊销营业执照" not in vocabulary
    for t in _triggers():
        if t["basis_type"] == "penalty":
            assert t["basis_contains"] in vocabulary, t["trigger_id"]


@pytest.mark.parametrize("trigger_id", ["T-PN-03", "T-PN-05"])
def test_business_licence_revocation_is_read_from_the_revoked_licence(trigger_id):
    [t] = [t for t in _triggers() if t["trigger_id"] == trigger_id]
    assert (t["basis_contains"], t["licence_contains"]) == ("吊销许可证件", "营业执照")


def test_the_shandong_measures_end_with_the_opinion():
    """Seed 003: 本实施意见自2016年12月1日起施行，有效期至2018年11月30日; it binds Shandong's bureaus only."""
    shandong = [m for m in _measures() if "山东" in m["legal_basis"]]
    assert {m["measure_id"] for m in shandong} == {"QH-013", "QH-014"}
    for m in shandong:
        assert (m["valid_from"], m["valid_to"], m["region_scope"]) == ("2016-12-01", "2018-11-30", "37")
