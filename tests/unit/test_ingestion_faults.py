"""Every fault the feed generator plants is caught with its reason; batches reconcile; chunking, crashes and reruns
change nothing about the result."""

from __future__ import annotations

from collections import Counter
from datetime import date

import polars as pl
import pytest
from helpers import generated_faults, penalty_row, read_landed, write_feed

import ingestion.landing as landing
from contracts import load_contracts
from feedgen import generate
from feedgen.config import BATCH_FAULT_KINDS, ROW_FAULT_KINDS
from ground.settings import Workspace
from ingestion import ingest_all, ingest_file
from ingestion.cleaning import to_simplified
from ingestion.ledger import all_entries

# fault kind → the quarantine rule(s) that must name it; the cleaning kinds land (cleaned, raw kept)
CAUGHT_AS = {
    "bad_check_char": {"uscc_check"},
    "missing_mandatory": {"required"},
    "bad_date": {"bad_date"},
    "duplicate": {"duplicate_row"},
    "unknown_code": {"enum", "unknown_code"},
    "truncated_last_line": {"truncated_row"},
    "renamed_column": {"schema_drift"},
}
CLEANED = {"fullwidth_name", "traditional_name"}
PROVENANCE_TIMES = ["_ingested_at"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("faults") / "home").ensure()
    generate(ws.feeds, entities=300, seed=7, start=date(2025, 1, 1), end=date(2025, 12, 31), fault_rate=0.08)
    ingest_all(ws)
    return ws


def test_the_generator_plants_every_kind(generated):
    assert {f["kind"] for f in generated_faults(generated)} == set(ROW_FAULT_KINDS) | set(BATCH_FAULT_KINDS)
    assert set(CAUGHT_AS) | CLEANED == set(ROW_FAULT_KINDS) | set(BATCH_FAULT_KINDS)


def test_every_planted_fault_is_caught_with_its_reason(generated):
    rejects = pl.read_parquet(generated.quarantine / "*" / "*" / "rejects.parquet")
    by_row = {(r["_source_file"], r["_row_number"], r["rule"], r["field"]) for r in rejects.iter_rows(named=True)}
    by_file = set(rejects.select("_source_file", "rule").iter_rows())
    caught = Counter()
    for fault in generated_faults(generated):
        rules = CAUGHT_AS.get(fault["kind"])
        if rules is None:
            continue
        if fault["row"] is None:  # batch-level: the whole file is refused with that reason
            assert any((fault["file"], rule) in by_file for rule in rules), fault
        else:
            field = (
                None if fault["kind"] in ("duplicate", "truncated_last_line") else fault["field"]
            )  # whole-row reasons
            assert any((fault["file"], fault["row"], rule, field) in by_row for rule in rules), fault
        caught[fault["kind"]] += 1
    assert set(caught) == set(CAUGHT_AS)


def test_cleaning_faults_land_cleaned_next_to_their_raw_value(generated):
    kept = 0
    for fault in [f for f in generated_faults(generated) if f["kind"] in CLEANED][:30]:
        feed = fault["file"].split("/")[1]
        row = read_landed(generated, feed).filter(
            (pl.col("_source_file") == fault["file"]) & (pl.col("_row_number") == fault["row"])
        )
        assert row.height == 1, fault
        clean, raw = row[fault["field"]][0], row[f"{fault['field']}__raw"][0]
        assert not [ch for ch in clean if "\uff01" <= ch <= "\uff5e" and ch not in "（）"], fault
        # the original is kept exactly where cleaning changed the value (full-width （） already are the clean form)
        assert raw is None or raw != clean, fault
        if raw is None:
            assert fault["kind"] == "fullwidth_name" and set(clean) & set("（）"), fault
        if fault["kind"] == "traditional_name":
            assert clean == to_simplified(pl.Series([raw]))[0] and clean != raw, fault
        kept += raw is not None
    assert kept >= 3


def test_every_batch_reconciles_with_what_is_on_disk(generated):
    entries = all_entries(generated.ledger)
    assert len(entries) > 20
    assert {e.feed for e in entries} == set(load_contracts())  # every contract's feed was delivered
    landed = (
        pl.scan_parquet(
            generated.landing / "*" / "batch_id=*" / "*.parquet", extra_columns="ignore", hive_partitioning=True
        )
        .select("batch_id")
        .collect()
    )
    rejects = pl.read_parquet(generated.quarantine / "*" / "*" / "rejects.parquet")
    on_disk = dict(landed.group_by("batch_id").len().iter_rows())
    quarantined = dict(rejects.group_by("_batch_id").agg(pl.col("_row_number").n_unique()).iter_rows())
    for e in entries:
        assert e.rows_read == e.rows_landed + e.rows_quarantined, e
        assert on_disk.get(e.batch_id, 0) == e.rows_landed, e
        assert quarantined.get(e.batch_id, 0) == e.rows_quarantined, e


def test_ingesting_everything_again_adds_nothing(generated):
    before = len(all_entries(generated.ledger))
    assert {r.status for r in ingest_all(generated)} == {"skipped"}
    assert len(all_entries(generated.ledger)) == before


# ---- chunks, crashes, reruns: the result is always that of one clean run -----------------------------------


def _rows(ws: Workspace) -> tuple[list, list]:
    landed = read_landed(ws, "penalties").drop(PROVENANCE_TIMES).sort("_row_number")
    rejects = pl.read_parquet(ws.quarantine / "penalties" / "*" / "rejects.parquet").sort(
        "_row_number", "rule", "field", nulls_last=True
    )
    return landed.rows(), rejects.rows()


def _messy_batch(ws: Workspace):
    rows = [penalty_row(n) for n in range(1, 9)]
    rows[2] = penalty_row(3, decision_date="2025-02-30")
    rows.insert(6, dict(rows[0]))  # exact copy of row 1, in a later chunk
    rows.append(penalty_row(4, fine_amount_wan="9"))  # same decision number as row 4, other values
    rows.insert(2, dict(rows[1]))  # a copy of row 2 next to it (the same chunk, as a rule) …
    rows.append(dict(rows[1]))  # … and another far from it
    rows += [penalty_row(20), penalty_row(20, fine_amount_wan="7")]  # a key clash side by side
    return write_feed(ws, "penalties", "p.csv", rows, mtime=1_760_000_000)


@pytest.mark.parametrize("chunk_rows", [1, 2, 3])
def test_small_chunks_give_the_same_result_as_one_chunk(tmp_path, monkeypatch, chunk_rows):
    one = Workspace(tmp_path / "one").ensure()
    _messy_batch(one)
    [whole] = ingest_all(one)
    monkeypatch.setattr(landing, "CHUNK_ROWS", chunk_rows)
    many = Workspace(tmp_path / "many").ensure()
    _messy_batch(many)
    [chunked] = ingest_all(many)
    assert (whole.rows_read, whole.rows_landed, whole.rows_quarantined) == (14, 6, 8)
    assert whole.rejects_by_rule == chunked.rejects_by_rule == {"bad_date": 1, "duplicate_row": 3, "duplicate_key": 4}
    assert _rows(one) == _rows(many)
    assert len(list((many.landing / "penalties").glob("batch_id=penalties-*/*.parquet"))) == -(-14 // chunk_rows)


@pytest.mark.parametrize("crash_in", ["duplicate_reasons", "swap_into_place", "write_entry"])
def test_a_run_killed_mid_batch_leaves_nothing_and_the_rerun_equals_a_clean_run(tmp_path, monkeypatch, crash_in):
    clean = Workspace(tmp_path / "clean").ensure()
    path = _messy_batch(clean)
    ingest_all(clean)

    ws = Workspace(tmp_path / "crashed").ensure()
    copy = _messy_batch(ws)
    assert copy.read_bytes() == path.read_bytes()
    target = {"duplicate_reasons": landing, "swap_into_place": landing, "write_entry": landing.ledger}[crash_in]
    real = getattr(target, crash_in)
    calls = []

    def killed(*args, **kwargs):  # the scratch Parquet of every chunk is written by now
        calls.append(args)
        if crash_in == "swap_into_place" and len(calls) == 1:
            real(*args, **kwargs)  # landing renamed into place, quarantine not yet
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(target, crash_in, killed)
    with pytest.raises(KeyboardInterrupt):
        ingest_all(ws)
    monkeypatch.undo()
    assert all_entries(ws.ledger) == []  # nothing committed: the warehouse reads only ledger batches
    assert not any(ws.staging_tmp.iterdir())
    [result] = ingest_all(ws)
    assert result.status == "landed" and result.rows_read == result.rows_landed + result.rows_quarantined
    assert _rows(ws) == _rows(clean)


def test_a_gbk_body_under_an_ascii_header_is_detected_and_read_again(ws):
    """The header alone looks like UTF-8; the body is GBK: detected by the reader, the batch is read again."""
    path = write_feed(
        ws, "penalties", "p.csv", [penalty_row(1, party_name="上海市黄浦区龍華食品店")], header="name", encoding="gbk"
    )
    contract = load_contracts()["penalties"]
    result = ingest_file(ws, contract, path)
    assert (result.status, result.rows_landed) == ("landed", 1)
    assert all_entries(ws.ledger)[0].encoding == "gbk"
    assert read_landed(ws, "penalties")["party_name"].to_list() == ["上海市黄浦区龙华食品店"]


def test_a_corrected_record_in_a_later_batch_keeps_the_earlier_version(ws):
    import os

    first = write_feed(ws, "penalties", "week1.csv", [penalty_row(1), penalty_row(2)])
    os.utime(first, (1_760_000_000, 1_760_000_000))
    ingest_all(ws)
    write_feed(ws, "penalties", "week2.csv", [penalty_row(1, record_status="变更", fine_amount_wan="2.5")])
    ingest_all(ws)
    landed = (
        read_landed(ws, "penalties")
        .filter(pl.col("decision_number") == "沪市监杨处〔2025〕102025000001号")
        .sort("_received_at")
    )
    assert landed["record_status"].to_list() == ["正常", "变更"]  # both versions kept, each with its batch
    assert landed["fine_amount_wan"].to_list() == [1.5, 2.5] and landed["batch_id"].n_unique() == 2
