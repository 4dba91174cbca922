"""The whole main job on a small generated data set: generate → ingest → build → gate → publish."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest

from contracts import load_contracts
from ground.settings import Workspace
from ingestion.cleaning import to_simplified
from ingestion.ledger import all_entries
from tests.conftest import read_landed

pytestmark = pytest.mark.e2e

# Row-level faults the generator plants that must end in quarantine (the others are cleaning cases).
REJECTED_KINDS = {
    "bad_check_char": "uscc_check",
    "missing_mandatory": "required",
    "bad_date": "bad_date",
    "duplicate": "duplicate_row",
    "unknown_code": {"enum", "unknown_code"},
    "truncated_last_line": "truncated_row",
    "renamed_column": "schema_drift",
}


def cwh(*args: str, home: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "creditwh.cli", *args, "--home", str(home)], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Workspace, subprocess.CompletedProcess]:
    home = tmp_path_factory.mktemp("e2e") / "home"
    result = cwh(
        "run",
        "--entities",
        "600",
        "--seed",
        "7",
        "--start",
        "2025-01-01",
        "--end",
        "2026-06-30",
        "--release-date",
        "2026-07-01",
        "--fault-rate",
        "0.02",
        home=home,
    )
    return Workspace(home), result


def test_summary_is_printed(demo):
    _, result = demo
    for heading in ("入库汇总", "数据集市", "公示发布", "pub_penalties", "dim_enterprise", "manifest.json"):
        assert heading in result.stdout


def test_every_batch_reconciles(demo):
    ws, _ = demo
    entries = all_entries(ws.ledger)
    assert entries
    for e in entries:
        assert e.rows_read == e.rows_landed + e.rows_quarantined, e
    assert {e.feed for e in entries} == set(load_contracts())  # every contract's feed was delivered


def test_every_planted_fault_is_caught_with_its_reason(demo):
    ws, _ = demo
    faults = [json.loads(line) for line in (ws.feeds / "_generator" / "faults.jsonl").read_text().splitlines()]
    rejects = pl.read_parquet(ws.quarantine / "*" / "*" / "rejects.parquet")
    reasons = {(r["_source_file"], r["_row_number"], r["rule"]) for r in rejects.iter_rows(named=True)}
    by_file = {(r["_source_file"], r["rule"]) for r in rejects.iter_rows(named=True)}
    seen = Counter()
    for fault in faults:
        expected = REJECTED_KINDS.get(fault["kind"])
        if expected is None:
            continue
        rules = expected if isinstance(expected, set) else {expected}
        if fault["row"] is None:
            assert any((fault["file"], rule) in by_file for rule in rules), fault
        else:
            assert any((fault["file"], fault["row"], rule) in reasons for rule in rules), fault
        seen[fault["kind"]] += 1
    assert set(seen) >= {
        "bad_check_char",
        "missing_mandatory",
        "bad_date",
        "duplicate",
        "truncated_last_line",
        "renamed_column",
    }


def test_cleaning_faults_land_cleaned_with_the_raw_value_kept(demo):
    ws, _ = demo
    faults = [json.loads(line) for line in (ws.feeds / "_generator" / "faults.jsonl").read_text().splitlines()]
    cleaned = [f for f in faults if f["kind"] in ("fullwidth_name", "traditional_name")]
    assert cleaned
    for fault in cleaned[:20]:
        feed = Path(fault["file"]).parts[1]
        rows = read_landed(ws, feed).filter(
            (pl.col("_source_file") == fault["file"]) & (pl.col("_row_number") == fault["row"])
        )
        assert rows.height == 1, fault
        field = fault["field"]
        clean, raw = rows[field][0], rows[f"{field}__raw"][0]
        assert clean is not None
        # the original is kept where cleaning changed it; full-width （） already are the clean form of a name
        assert raw != clean and (raw is not None or (fault["kind"] == "fullwidth_name" and set(clean) & set("（）")))
        # no full-width letters or digits survive (full-width brackets are the display convention for names)
        assert not [ch for ch in clean if "\uff01" <= ch <= "\uff5e" and ch not in "（）"], clean
        if fault["kind"] == "traditional_name":
            assert clean == to_simplified(pl.Series([raw]))[0] and clean != raw


def test_release_is_published_with_a_manifest_that_matches_its_files(demo):
    ws, _ = demo
    release = ws.publication / "releases" / "2026-07-01"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["record_types"]["penalties"]["rows"] > 0
    for f in manifest["files"]:
        assert hashlib.sha256((release / f["file"]).read_bytes()).hexdigest() == f["sha256"]
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from pub_penalties where penalty_types = '警告'").fetchone()[0] == 0
        n = con.execute("select count(*) from dim_enterprise").fetchone()[0]
    assert n == manifest["record_types"]["enterprises"]["rows"] > 0


def test_republishing_unchanged_data_is_byte_identical(demo):
    ws, _ = demo
    release = ws.publication / "releases" / "2026-07-01"
    before = {p: p.read_bytes() for p in release.rglob("*") if p.is_file()}
    cwh("publish", "--release-date", "2026-07-01", home=ws.home)
    assert {p: p.read_bytes() for p in release.rglob("*") if p.is_file()} == before


def test_rerunning_ingestion_adds_nothing(demo):
    ws, _ = demo
    before = len(all_entries(ws.ledger))
    result = cwh("ingest", home=ws.home)
    assert "新批次 0 个" in result.stdout
    assert len(all_entries(ws.ledger)) == before


def test_no_negative_list_value_reaches_the_publication_folder(demo):
    ws, _ = demo
    registry = read_landed(ws, "registry")
    secrets = set(registry["legal_rep_id_number"].drop_nulls()) | set(registry["contact_phone"].drop_nulls())
    assert secrets
    text = "".join(p.read_text(encoding="utf-8") for p in (ws.publication / "releases").rglob("*") if p.is_file())
    assert not [s for s in secrets if s in text]
