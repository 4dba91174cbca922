"""One contract drives every check: generated artefacts are current, a narrowed contract rejects what the full one
accepted, the three lists say what the contracts say, and the vectorised identifier rules equal python-stdnum."""

from __future__ import annotations

import importlib.util
import random
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest
import yaml
from helpers import penalty_row, write_feed

from contracts import load_contracts
from contracts.codegen import PROJECT_ROOT, artefacts, stale
from contracts.model import load_contract
from contracts.render_schemas import render_schema_module
from ground import identifiers as ids
from ingestion import ingest_file
from ingestion.checks import licence_number_valid, ric_valid, uscc_valid
from ingestion.cleaning import apply_cleaning
from ingestion.ledger import all_entries
from ingestion.schema import check_module, load_schema

CONTRACTS = load_contracts()
PENALTIES = CONTRACTS["penalties"]


# ---- generated artefacts ----------------------------------------------------------------------------------


def test_codegen_check_passes_on_the_committed_files():
    result = subprocess.run(
        [sys.executable, "-m", "contracts.codegen", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_codegen_check_names_every_stale_or_left_over_file(tmp_path):
    expected = artefacts(CONTRACTS, root=tmp_path)
    for path, text in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert stale(expected, root=tmp_path) == []
    schema = tmp_path / "ingestion" / "schemas" / "penalties.py"
    schema.write_text(schema.read_text(encoding="utf-8").replace("nullable=False", "nullable=True", 1))
    (tmp_path / "ingestion" / "schemas" / "old_feed.py").write_text("")
    (tmp_path / "docs" / "three-lists" / "negative-list.md").unlink()
    assert stale(expected, root=tmp_path) == [
        "ingestion/schemas/penalties.py",
        "docs/three-lists/negative-list.md",
        "ingestion/schemas/old_feed.py (left over)",
    ]


def test_every_feed_has_its_generated_schema_matching_its_contract():
    for contract in CONTRACTS.values():
        schema = load_schema(contract)
        assert schema.strict is True and schema.name == contract.name
        for f in contract.fields:
            column = schema.columns[f.name]
            assert column.nullable is (not f.required), (contract.name, f.name)
            names = {c.name for c in column.checks}
            if f.enum:
                assert "enum" in names
            if f.check in ("uscc", "ric", "licence_number"):
                assert f"{f.check}_check" in names


def test_dbt_sources_carry_the_contract_tests():
    sources = yaml.safe_load(
        (PROJECT_ROOT / "dbt_project" / "models" / "staging" / "_landing__sources.yml").read_text(encoding="utf-8")
    )
    table = next(t for t in sources["sources"][0]["tables"] if t["name"] == "penalties")
    # the required fields: one table-level test, one scan (tests/generic/not_null_columns.sql)
    (test,) = [t["not_null_columns"] for t in table["data_tests"] if "not_null_columns" in t]
    assert test["name"] == "source_not_null_landing_penalties"
    assert test["config"]["where"] == "batch_id in __untested_batches__"  # the new batches only
    required = test["arguments"]["column_names"]
    assert "party_name" in required and "decision_number" in required and "_ingested_at" in required
    assert "party_category" not in required  # mandatory in the 2021 template only: the 2016 template has no 类别 column
    assert "uscc" not in required  # optional field
    party = next(c for c in table["columns"] if c["name"] == "party_category")
    (enum,) = [t["accepted_values"] for t in party["data_tests"]]
    assert "自然人" in enum["arguments"]["values"]


# ---- a removed contract field: the "missing column passes silently" pitfall ---------------------------------


def _narrowed(tmp_path: Path, field: str):
    """The penalty contract without ``field``, and its schema generated into a temporary module."""
    text = PENALTIES.source_file.read_text(encoding="utf-8")
    # the field's columns in the national-template tables go with it
    text = "".join(line for line in text.splitlines(keepends=True) if not re.search(rf"field: {field}[,}}]", line))
    start = text.index(f"      - name: {field}\n")
    end = text.find("      - name: ", start + 1)
    path = tmp_path / "penalties.odcs.yaml"
    path.write_text(text[:start] + (text[end:] if end > 0 else ""), encoding="utf-8")
    contract = load_contract(path)
    module_path = tmp_path / "narrowed_penalties.py"
    module_path.write_text(render_schema_module(contract, "contracts/feeds/penalties.odcs.yaml"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("narrowed_penalties", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return contract, check_module(module, contract)


def _prepared(rows: list[dict]) -> pl.DataFrame:
    """Rows as ingestion validates them: canonical columns, cleaned, raw kept, row numbers."""
    frame = pl.DataFrame(
        [{f.name: r.get(f.name) or None for f in PENALTIES.fields} for r in rows],
        schema={f.name: pl.String for f in PENALTIES.fields},
    )
    frame = frame.with_row_index("_row_number", 1).with_columns(pl.col("_row_number").cast(pl.Int64))
    return apply_cleaning(frame, PENALTIES.fields)


@pytest.mark.parametrize("field", ["remarks", "violation_facts"])
def test_removing_a_contract_field_rejects_a_batch_the_full_contract_accepted(ws, tmp_path, field):
    frame = _prepared([penalty_row(1), penalty_row(2)])
    load_schema(PENALTIES).validate(frame, lazy=True)  # the full contract accepts the batch
    narrowed, schema = _narrowed(tmp_path, field)
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(frame, lazy=True)
    failures = caught.value.failure_cases
    drift = failures.filter(pl.col("check") == "column_in_schema")
    assert field in set(drift["failure_case"])  # the extra column is named, not ignored

    path = write_feed(ws, "penalties", "p.csv", [penalty_row(1), penalty_row(2)])
    assert ingest_file(ws, PENALTIES, path, schema=load_schema(PENALTIES)).rows_landed == 2
    other = write_feed(ws, "penalties", "p2.csv", [penalty_row(3), penalty_row(4)])
    result = ingest_file(ws, narrowed, other, schema=schema)
    label = PENALTIES.field(field).label
    assert result.status == "rejected" and "schema_drift" in result.error and label in result.error
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (2, 0, 2)  # every row kept
    assert {e.status for e in all_entries(ws.ledger)} == {"landed", "rejected"}


def test_a_schema_generated_from_another_contract_version_is_refused(tmp_path):
    narrowed, _ = _narrowed(tmp_path, "remarks")
    module = importlib.import_module("ingestion.schemas.penalties")
    from ingestion.schema import StaleSchema

    with pytest.raises(StaleSchema, match=r"contracts\.codegen"):
        check_module(module, narrowed)


def test_validation_runs_on_the_data_not_only_the_schema():
    frame = _prepared([penalty_row(1, party_category="法人")])
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        from ingestion.schema import full_validation

        with full_validation():
            load_schema(PENALTIES).validate(frame.lazy(), lazy=True).collect()
    assert "enum" in set(caught.value.failure_cases["check"])


# ---- the three lists ----------------------------------------------------------------------------------------


def test_the_three_lists_are_rendered_from_the_contracts():
    lists = PROJECT_ROOT / "docs" / "three-lists"
    demand = (lists / "demand-list.md").read_text(encoding="utf-8")
    responsibility = (lists / "responsibility-list.md").read_text(encoding="utf-8")
    negative = (lists / "negative-list.md").read_text(encoding="utf-8")
    assert demand.count("\n## ") == len(CONTRACTS)
    for c in CONTRACTS.values():
        assert f"{c.title}（{c.name}，合同版本 {c.version}）" in demand
        assert all(f"| {f.label} |" in demand for f in c.fields), c.name
        assert (
            f"| {c.producer.department} | {c.producer.department_uscc} | {c.producer.providing_system} |"
            in responsibility
        )
        assert f"起 {c.latency_working_days} 个工作日内" in responsibility
        for f in c.fields:
            if f.classification in ("negative", "restricted"):
                assert f"| `{f.name}` | {f.label} |" in negative
    assert "`CF_WSH`" in demand  # accepted 双公示 header of decision_number
    fields_table = negative[negative.index("| 数据项 |") :]
    assert fields_table.count("| 负面清单 |") == sum(len(c.negative_fields) for c in CONTRACTS.values())
    assert "contact_phone" in negative and "remarks" not in negative


# ---- vectorised identifier rules = python-stdnum ---------------------------------------------------------


def _mutate(value: str, alphabet: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return value
    if roll < 0.75:
        i = rng.randrange(len(value))
        return value[:i] + rng.choice(alphabet) + value[i + 1 :]
    if roll < 0.85:
        return value[:-1] if rng.random() < 0.5 else value + rng.choice(alphabet)
    return "".join(rng.choice(alphabet) for _ in range(rng.choice((len(value) - 1, len(value), len(value) + 1))))


def _vectorised(expr, values: list[str]) -> list[bool]:
    return pl.DataFrame({"v": values}).select(expr(pl.col("v"))).to_series().to_list()


def test_uscc_rule_equals_stdnum_on_many_values():
    rng = random.Random(31)
    alphabet = ids.USCC_ALPHABET + "IOSVZ-"
    values = []
    for _ in range(20_000):
        body = "".join(rng.choice(ids.USCC_ALPHABET) for _ in range(8))
        base = ids.make_uscc(rng.choice("159"), rng.choice("123"), f"{rng.randrange(110000, 660000)}", body)
        values.append(_mutate(base, alphabet, rng))
    expected = [ids.is_valid_uscc(v) for v in values]
    assert 0.3 < sum(expected) / len(values) < 0.8
    assert _vectorised(uscc_valid, values) == expected


def test_resident_id_rule_equals_stdnum_on_many_values():
    rng = random.Random(11)
    values = []
    for _ in range(20_000):
        born = date(1895, 1, 1) + timedelta(days=rng.randrange(48_000))
        base = ids.make_ric(f"{rng.randrange(110000, 660000)}", min(born, date.today()), f"{rng.randrange(1000):03d}")
        if rng.random() < 0.1:  # an impossible birth date with a correct check digit
            body = base[:10] + f"{rng.randrange(13, 20):02d}" + base[12:17]
            base = body + ids.ric.calc_check_digit(body + "0")
        values.append(_mutate(base, "0123456789X", rng))
    expected = [ids.is_valid_ric(v) for v in values]
    assert 0.3 < sum(expected) / len(values) < 0.8
    assert _vectorised(ric_valid, values) == expected


def test_licence_number_rule_equals_stdnum_on_many_values():
    rng = random.Random(7)
    others = [
        "(沪)XK16-204-00123",
        "XK16-204-00123",
        "XK16-204-0012",
        "TS3110123-2027",
        "TS31",
        "国20210001",
        "沪2021000",
        "SC",
        "JY1",
        "sc11531011000012",
    ]
    values = []
    for _ in range(20_000):
        prefix = rng.choice(("SC1", "SC2", "JY1", "JY2", "JY3", "SC3", "JY4"))
        body = prefix + "".join(rng.choice("0123456789") for _ in range(12))
        base = body + ids.food_licence_check_digit(body)
        values.append(rng.choice(others) if rng.random() < 0.1 else _mutate(base, "0123456789", rng))
    expected = [ids.is_valid_licence_number(v) for v in values]
    assert 0.3 < sum(expected) / len(values) < 0.8
    assert _vectorised(licence_number_valid, values) == expected


def test_identifier_rules_keep_nulls_null():
    for rule in (uscc_valid, ric_valid, licence_number_valid):
        assert _vectorised(rule, [None, ""]) == [None, False]
