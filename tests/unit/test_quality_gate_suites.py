"""Publication's quality gate: the expectation suites are generated from the contracts and the publication spec."""

from __future__ import annotations

import re

import pytest

from contracts import load_contracts
from contracts.publication import record_types
from quality_gate.codegen import SUITES_DIR, SuiteError, build_suite, masked_patterns, render_suites

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


def test_masked_pattern_comes_from_the_masking_rule():
    (pattern,) = masked_patterns("penalties")
    assert re.match(pattern, "3209231969****1513")
    assert not re.match(pattern, "320923196901011513")
