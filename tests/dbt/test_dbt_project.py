"""The dbt project: its generated sources are current, and its models follow the contracts (checked in the manifest
of the shared demo build). The core marts on a small hand-made landing zone: test_core_marts.py."""

from __future__ import annotations

import json
import re

import pytest
from helpers import CORE_MARTS as MARTS
from helpers import DEMO_AS_OF, RENAMED, STAGING_MODELS, manifest

from contracts import load_contracts
from contracts.codegen import FROM_BATCH, LANDED_PROVENANCE, PROVENANCE, SOURCES_FILE, render_dbt_sources
from ground.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from ingestion.landing import PROVENANCE as LANDING_PROVENANCE
from warehouse import dbt

DBT_DIR = DBT_PROJECT_DIR
STAGING_DIR = DBT_DIR / "models" / "staging" / "landing"


# ---------------------------------------------------------------------------------------------- fast checks


def test_generated_sources_are_current():
    assert SOURCES_FILE.read_text(encoding="utf-8") == render_dbt_sources(), (
        f"{SOURCES_FILE.relative_to(PROJECT_ROOT)} is stale: run `python -m contracts.codegen` and commit it"
    )


def test_provenance_columns_match_ingestion():
    assert [name for name, _, _ in LANDED_PROVENANCE] == list(LANDING_PROVENANCE)
    assert {name for name, _, _ in PROVENANCE} == set(LANDING_PROVENANCE) | set(FROM_BATCH)


@pytest.mark.parametrize("feed", sorted(STAGING_MODELS))
def test_staging_model_selects_every_contract_field(feed):
    sql = (STAGING_DIR / f"{STAGING_MODELS[feed]}.sql").read_text(encoding="utf-8")
    macro = (DBT_DIR / "macros" / "provenance_columns.sql").read_text(encoding="utf-8")
    sql = sql.replace("{{ provenance_columns() }}", macro)  # the provenance casts every staging model shares
    selected = re.findall(r"cast\((\w+) as \w+\) as (\w+)", sql)
    selected += re.findall(r"\{\{ beijing_time\('(\w+)'\) \}\} as (\w+)", sql)  # UTC times read in Beijing time
    expected = [(f.name, RENAMED.get((feed, f.name), f.name)) for f in load_contracts()[feed].fields]
    expected += [(FROM_BATCH.get(name, name), name) for name, _, _ in PROVENANCE]
    assert sorted(selected) == sorted(expected)
    assert f"source('landing', '{feed}')" in sql


@pytest.fixture(scope="module")
def dbt_manifest(demo) -> dict:
    """The manifest of the shared demo build (``dbt build`` parses the whole project)."""
    return manifest(demo.ws.home)


def test_dbt_reports_no_deprecation(demo):
    assert not [line for line in demo.build_log if "Deprecat" in line], "\n".join(demo.build_log[-200:])


def test_dbt_parse_finds_every_feed_as_a_source(dbt_manifest):
    tables = {s["name"] for s in dbt_manifest["sources"].values() if s["source_name"] == "landing"}
    assert tables == set(load_contracts()) | {"ledger", "rejects"}


def test_marts_have_enforced_contracts_and_documented_typed_columns(dbt_manifest):
    negative = {f.name for c in load_contracts().values() for f in c.negative_fields}
    models = {n["name"]: n for n in dbt_manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert node["description"], name
        for column in node["columns"].values():
            assert column["description"] and column["data_type"], f"{name}.{column['name']}"
        assert not negative & set(node["columns"]), f"{name} exposes a negative-list field"


def test_staging_models_are_documented(dbt_manifest):
    models = {n["name"]: n for n in dbt_manifest["nodes"].values() if n["resource_type"] == "model"}
    for feed, name in STAGING_MODELS.items():
        documented = set(models[name]["columns"])
        expected = {RENAMED.get((feed, f.name), f.name) for f in load_contracts()[feed].fields}
        assert documented == expected | {n for n, _, _ in PROVENANCE}, name
        assert models[name]["description"]


def test_the_models_unit_tests_pass(demo, tmp_path):
    """A build leaves the unit tests out (they check SQL logic, not data): here they run, on the demo's relations."""
    ws = demo.copy(tmp_path, published=False)
    log: list[str] = []
    code = dbt(
        ws,
        "test",
        "--select",
        "test_type:unit",
        "--vars",
        json.dumps({"as_of_date": DEMO_AS_OF.isoformat()}),
        on_line=log.append,
    )
    results = json.loads((ws.home / "dbt" / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert code == 0, "\n".join(log[-60:])
    # the run's on-run-start hook (the landing registration, a no-op on DuckDB) is a result too
    results = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(results) == len(manifest(ws.home)["unit_tests"]) > 40
    assert {r["status"] for r in results} == {"pass"}
    assert not [line for line in demo.build_log if "unit_test" in line]


def test_unit_tests_cover_the_registry_logic(dbt_manifest):
    tested = {u["model"] for u in dbt_manifest.get("unit_tests", {}).values()}
    registry = {"int_registry__enterprises", "int_registry__enterprise_names", "int_registry__records_deduplicated"}
    assert registry <= tested
