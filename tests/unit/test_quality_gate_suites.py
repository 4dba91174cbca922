"""Publication's quality gate: the expectation suites are generated from the contracts and the publication spec."""

from __future__ import annotations

import json

import pytest

from contracts import load_contracts
from contracts.publication import record_types
from quality_gate.codegen import SUITES_DIR, SuiteError, build_suite, render_suites

# --- generated suites (no warehouse needed) ----------------------------------------------------------------


def test_committed_suites_match_the_contracts():
    rendered = render_suites()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SUITES_DIR.glob("*.json")}
    assert committed == rendered, "quality_gate/suites 已过期：运行 `python -m quality_gate.codegen` 并提交"


def test_codegen_refuses_a_negative_or_undeclared_column():
    penalties = next(r for r in record_types() if r.name == "penalties")
    contract = load_contracts()["penalties"]
    base = ["decision_number", "party_name", "source_batch_id"]
    build_suite(penalties, contract, base)
    with pytest.raises(SuiteError, match="legal_rep_id_number"):
        build_suite(penalties, contract, base + ["legal_rep_id_number"])
    with pytest.raises(SuiteError, match="procedure_type"):  # internal
        build_suite(penalties, contract, base + ["procedure_type"])
    with pytest.raises(SuiteError, match="bank_account"):
        build_suite(penalties, contract, base + ["bank_account"])


def test_date_rules_become_bounds_and_orders():
    penalties = next(r for r in record_types() if r.name == "penalties")
    suite = json.loads((SUITES_DIR / "publication__penalties.json").read_text(encoding="utf-8"))
    between = {e["kwargs"]["column"]: e["kwargs"] for e in suite["expectations"] if e["type"].endswith("to_be_between")}
    assert between["decision_date"] == {"column": "decision_date", "min_value": 19491001}
    pairs = {(e["kwargs"]["column_A"], e["kwargs"]["column_B"]) for e in suite["expectations"] if "pair" in e["type"]}
    assert ("publicity_start", "decision_date") in pairs and ("valid_until", "decision_date") in pairs
    assert penalties.relation == suite["meta"]["relation"]


def test_no_id_column_is_publishable_in_any_form():
    for record in record_types():
        assert not [c for c in record.derived if "id_" in c or "masked" in c], record.name


def test_content_scan_covers_every_column_but_the_pipelines_own_batch_ids():
    import pandas as pd

    from quality_gate.content import content_failures

    penalties = next(r for r in record_types() if r.name == "penalties")
    batch = "penalties-13912345678abcde"  # a hex digest can hold a phone-shaped run; checked against the ledger
    frame = pd.DataFrame({"decision_number": ["罚〔2025〕1号"], "party_name": ["某公司"], "source_batch_id": [batch]})
    assert content_failures(penalties, frame, {}) == []
    frame["party_name"] = ["某公司 13912345678"]
    (failure,) = content_failures(penalties, frame, {"party_name": "行政相对人名称"})
    assert "「行政相对人名称」含内容负面清单所列信息" in failure and "手机号码 1 处" in failure
    assert "13912345678" not in failure
