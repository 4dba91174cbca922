"""One definition per term (issue 24, "the law, exactly once"): a term the project defines once must not grow a
second copy in another model. These checks read the SQL of the dbt project (no build):

- "the version of a record as received" (latest or first version of a key, tie-break order, receipt cut-off) is
  written only in macros/record_versions.sql (latest_version, version_order, received_by);
- "heavier penalty" (总局令第44号第2条) is decided only in int_lists__penalties (is_heavier, from
  rule_serious_list_penalty_types); no model lists the heavier penalty types itself;
- the supervision domains (总局令第44号第二章) are listed only in rule_serious_list_domains: the campaign table's rows,
  the domain rules and the penalties contract's code list take their values from it, and no model quotes a domain.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from contracts import load_contracts
from ground.settings import DBT_PROJECT_DIR

VERSION_MACROS = DBT_PROJECT_DIR / "macros" / "record_versions.sql"

# The receipt columns in a window order or a cut-off: only the version macros may spell them out.
VERSION_PATTERNS = {
    "tie-break order on receipt": re.compile(r"order\s+by\s+(?:\w+\.)?_received_at\b", re.IGNORECASE),
    "receipt column in a descending order": re.compile(r"(?:\w+\.)?_received_at\s+desc\b", re.IGNORECASE),
    "batch or row tie-break": re.compile(r"(?:\w+\.)?_(?:batch_id|row_number)\s+desc\b", re.IGNORECASE),
    "receipt cut-off": re.compile(r"cast\(\s*(?:\w+\.)?_received_at\s+as\s+date\s*\)\s*<=", re.IGNORECASE),
}

HEAVIER_MODEL = "int_lists__penalties"


def _sql_files() -> list[Path]:
    files = sorted((DBT_PROJECT_DIR / "models").rglob("*.sql")) + sorted((DBT_PROJECT_DIR / "macros").rglob("*.sql"))
    return [f for f in files if f != VERSION_MACROS]


def _without_comments(sql: str) -> str:
    sql = re.sub(r"\{#.*?#\}", "", sql, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", "", sql)


@pytest.mark.parametrize("term", sorted(VERSION_PATTERNS))
def test_the_version_of_a_record_is_defined_only_in_the_version_macros(term):
    pattern = VERSION_PATTERNS[term]
    copies = [
        f"{path.relative_to(DBT_PROJECT_DIR)}:{_without_comments(path.read_text(encoding='utf-8'))[: m.start()].count(chr(10)) + 1}"
        for path in _sql_files()
        for m in pattern.finditer(_without_comments(path.read_text(encoding="utf-8")))
    ]
    assert not copies, f"{term} written outside macros/record_versions.sql (use latest_version / received_by): {copies}"


def test_the_version_macros_keep_one_tie_break_order():
    macros = VERSION_MACROS.read_text(encoding="utf-8")
    assert "_received_at{{ direction }}, {{ p }}_batch_id{{ direction }}, {{ p }}_row_number{{ direction }}" in macros


def _seed_values(name: str, column: str) -> set[str]:
    (path,) = DBT_PROJECT_DIR.glob(f"seeds/**/{name}.csv")
    with path.open(encoding="utf-8", newline="") as f:
        return {row[column] for row in csv.DictReader(f)}


def test_heavier_penalty_types_are_listed_only_in_their_seed():
    """A quoted heavier penalty type in any model or macro is a second copy of 总局令第44号第2条."""
    types = _seed_values("rule_serious_list_penalty_types", "penalty_type")
    copies = [
        f"{path.relative_to(DBT_PROJECT_DIR)}: {penalty_type}"
        for path in _sql_files()
        for penalty_type in sorted(types)
        if f"'{penalty_type}'" in _without_comments(path.read_text(encoding="utf-8"))
    ]
    assert not copies, copies


def test_heavier_penalty_is_decided_only_in_the_penalty_model():
    readers = sorted(
        path.stem
        for path in _sql_files()
        if "ref('rule_serious_list_penalty_types')" in _without_comments(path.read_text(encoding="utf-8"))
    )
    assert readers == [HEAVIER_MODEL]
    criteria = _seed_values("rule_risk_record_criteria", "criterion_code")
    assert "heavier_penalty" not in criteria, "the risk model reads int_lists__penalties.is_heavier"


def test_domains_are_listed_only_in_the_domain_seed():
    domains = _seed_values("rule_serious_list_domains", "domain_code")
    (field,) = [f for f in load_contracts()["penalties"].fields if f.name == "domain_code"]
    copies = {
        "ref_campaign_domains": _seed_values("ref_campaign_domains", "domain_code"),
        "rule_penalty_domains": _seed_values("rule_penalty_domains", "domain_code"),
        "penalties contract enum": set(field.enum or ()),
    }
    assert copies["penalties contract enum"], "the contract lists the codes a producer may report"
    assert {name: values - domains for name, values in copies.items() if values - domains} == {}
    assert set(copies["penalties contract enum"]) == domains, "a producer may report every domain of Order 44"
    quoted = [
        f"{path.relative_to(DBT_PROJECT_DIR)}: {domain}"
        for path in _sql_files()
        for domain in sorted(domains)
        if f"'{domain}'" in _without_comments(path.read_text(encoding="utf-8"))
    ]
    assert not quoted, quoted
