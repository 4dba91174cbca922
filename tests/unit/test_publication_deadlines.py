"""One deadline, one value: a feed contract whose delivery SLA is the record's publication deadline restates the rule
seed (``rule_publication_periods.publish_deadline``: dated, cited, read by the publication models) and never disagrees
with it. The seed row is the rule; the contract's latency (which ingestion turns into each row's ``_due_by``) must be
the value of the row in force now. DOMAIN.md §4: abnormal list ~10 working days [C2] — the contract said 20."""

from __future__ import annotations

from datetime import date

import pytest

from contracts import load_contracts
from ground.rules import read_rule_table, the_one_in_force
from ground.settings import SEEDS_DIR

PERIODS = SEEDS_DIR / "publication" / "rule_publication_periods.csv"
# feed contract → record type of rule_publication_periods whose publish_deadline its latency restates
PUBLICATION_DEADLINE_FEEDS = {
    "abnormal_list": "abnormal_list",
    "serious_list": "serious_list",
    "inspections": "inspections",
    "licences": "licences",
}


def _deadline_in_force(record_type: str, day: date) -> dict[str, str]:
    rows = [
        r for r in read_rule_table(PERIODS) if r["record_type"] == record_type and r["parameter"] == "publish_deadline"
    ]
    return the_one_in_force(rows, day, f"rule_publication_periods.{record_type}.publish_deadline")


@pytest.mark.parametrize(("feed", "record_type"), sorted(PUBLICATION_DEADLINE_FEEDS.items()))
def test_a_contract_latency_restates_the_publication_deadline_in_force(feed, record_type):
    contract = load_contracts()[feed]
    row = _deadline_in_force(record_type, date.today())
    assert row["unit"] == "working_day"
    assert contract.latency_working_days == int(row["quantity"]), (
        f"contracts/feeds/{feed}.odcs.yaml: latency {contract.latency_working_days} 个工作日，"
        f"规则 {row['rule_code']} 为 {row['quantity']} 个工作日（{row['source']}）"
    )


def test_the_abnormal_list_deadline_is_the_c2_value():
    row = _deadline_in_force("abnormal_list", date.today())
    assert int(row["quantity"]) == 10 and "[C2]" in row["source"]
