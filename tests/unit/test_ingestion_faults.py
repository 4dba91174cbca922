"""Every fault the feed generator plants is caught with its reason; batches reconcile; chunking, crashes and reruns
change nothing about the result."""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from helpers import generated_faults, penalty_row, read_landed, write_feed

import ingestion.landing as landing
from contracts import load_contracts
from feedgen import generate
from feedgen.config import BATCH_FAULT_KINDS, ROW_FAULT_KINDS
from ground.identifiers import make_ric
from ground.settings import Workspace
from ingestion import BatchResult, ingest_all, ingest_file
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


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_a_utf16_export_is_read_and_a_broken_one_refused_with_its_reason(ws, bom):
    """Excel's "Unicode" exports are UTF-16 with a byte-order mark: read like a GBK file (a UTF-8 copy). Bytes that
    are not UTF-16 after such a mark refuse the batch with its reason — never an internal error retried forever."""
    contract = load_contracts()["penalties"]
    path = write_feed(ws, "penalties", "u16.csv", [penalty_row(1), penalty_row(2, party_name="上海市黄浦区龍華食品店")])
    codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    path.write_bytes(bom + path.read_text(encoding="utf-8").encode(codec))
    result = ingest_file(ws, contract, path)
    assert (result.status, result.rows_read, result.rows_landed) == ("landed", 2, 2), result.error
    assert all_entries(ws.ledger)[0].encoding == "utf-16"
    assert sorted(read_landed(ws, "penalties")["party_name"].to_list())[-1] == "上海市黄浦区龙华食品店"
    broken = write_feed(ws, "penalties", "u16b.csv", [penalty_row(3)])
    broken.write_bytes(bom + broken.read_text(encoding="utf-8").encode(codec) + b"\x00")  # an odd byte
    refused = ingest_file(ws, contract, broken)
    assert refused.status == "rejected" and "UTF-16" in refused.error, refused


def test_a_header_with_nul_bytes_is_refused_with_its_reason(ws):
    """UTF-16 without a byte-order mark (or a binary file): the header cannot be read — a whole-batch refusal
    that says so, recorded in the ledger."""
    path = write_feed(ws, "penalties", "nul.csv", [penalty_row(1)])
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    result = ingest_file(ws, load_contracts()["penalties"], path)
    assert result.status == "rejected" and "NUL" in result.error, result


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


# ---- files no reader can take whole: no crash, nothing lost, the next files still land (issue 23) ---------------

PLANTED = make_ric("110101", date(1990, 3, 7), "123")  # an ID number in every broken record: never in a message
DELIVERED = 1_760_000_000  # 2025-10-09, after the fixtures' decision dates


def _lines(ws: Workspace, name: str, rows: list[dict], encoding: str = "utf-8") -> tuple[Path, list[bytes]]:
    """The file write_feed would write, as lines of bytes (header first) to break by hand."""
    path = write_feed(ws, "penalties", name, rows, encoding=encoding, mtime=DELIVERED)
    return path, path.read_bytes().split(b"\n")[:-1]


def _deliver(path: Path, lines: list[bytes], end: bytes = b"\n") -> None:
    path.write_bytes(b"\n".join(lines) + end)
    os.utime(path, (DELIVERED, DELIVERED))


def _row(n: int, **overrides) -> bytes:
    """One CSV line of a penalty (the contract's field order, as write_feed writes it)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        [penalty_row(n, **overrides).get(f.name, "") for f in load_contracts()["penalties"].fields]
    )
    return buf.getvalue().removesuffix("\n").encode()


def _ingest_with_a_later_file(ws: Workspace) -> tuple[BatchResult, BatchResult]:
    """Run the ingestion over the broken file and one delivered after it: neither may stop the run."""
    write_feed(ws, "penalties", "z_later.csv", [penalty_row(90)], mtime=DELIVERED + 60)
    broken, later = ingest_all(ws)
    assert (later.status, later.rows_landed) == ("landed", 1)
    return broken, later


def _nothing_lost_nothing_quoted(ws: Workspace, result: BatchResult) -> pl.DataFrame:
    """rows read = landed + quarantined, on disk as in the ledger; the planted number in no ledger entry and no
    message; a rerun adds nothing. Returns the batch's quarantine."""
    [entry] = [e for e in all_entries(ws.ledger) if e.batch_id == result.batch_id]
    assert entry.rows_read == entry.rows_landed + entry.rows_quarantined == result.rows_read
    landed = read_landed(ws, "penalties").filter(pl.col("batch_id") == result.batch_id)
    rejects = pl.read_parquet(ws.quarantine / "penalties" / f"batch_id={result.batch_id}" / "rejects.parquet")
    assert landed.height == entry.rows_landed and rejects["_row_number"].n_unique() == entry.rows_quarantined
    assert set(landed["_row_number"]).isdisjoint(rejects["_row_number"])
    assert set(landed["_row_number"]) | set(rejects["_row_number"]) == set(range(1, entry.rows_read + 1))
    ledger_text = "".join(p.read_text(encoding="utf-8") for p in ws.ledger.rglob("*.json"))
    assert PLANTED not in ledger_text and PLANTED not in (result.error or "")
    assert not rejects.filter(pl.col("message").str.contains(PLANTED)).height
    assert {r.status for r in ingest_all(ws)} == {"skipped"}
    return rejects


def _reasons(rejects: pl.DataFrame) -> list[tuple[int, str, str]]:
    return sorted(rejects.select("_row_number", "rule", "message").iter_rows())


@pytest.mark.parametrize("chunk_rows", [landing.CHUNK_ROWS, 1])
def test_a_gbk_row_in_a_utf8_file_is_quarantined_and_the_rest_land(ws, monkeypatch, chunk_rows):
    monkeypatch.setattr(landing, "CHUNK_ROWS", chunk_rows)
    path, lines = _lines(ws, "mixed.csv", [penalty_row(1), penalty_row(2), penalty_row(4)])
    gbk = _row(3, party_name="上海市黄浦区龍華食品店", legal_rep_id_number=PLANTED).decode().encode("gbk")
    _deliver(path, lines[:3] + [gbk] + lines[3:])
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_read, broken.rows_landed, broken.rows_quarantined) == ("landed", 4, 3, 1)
    [(row, rule, message)] = _reasons(_nothing_lost_nothing_quoted(ws, broken))
    assert (row, rule) == (3, "bad_encoding") and "第 4 行" in message and "UTF-8" in message
    assert [e.encoding for e in all_entries(ws.ledger) if e.batch_id == broken.batch_id] == ["mixed"]


def test_a_bom_followed_by_gbk_rows_quarantines_those_rows(ws):
    path, lines = _lines(ws, "bom.csv", [penalty_row(1)], encoding="utf-8-sig")
    gbk = _row(2, party_name="上海市黄浦区龍華食品店", legal_rep_id_number=PLANTED).decode().encode("gbk")
    _deliver(path, lines + [gbk])
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_landed, broken.rows_quarantined) == ("landed", 1, 1)
    assert [rule for _, rule, _ in _reasons(_nothing_lost_nothing_quoted(ws, broken))] == ["bad_encoding"]


def test_a_bom_followed_by_a_gbk_header_is_refused_whole_with_every_row_kept(ws):
    path = write_feed(
        ws,
        "penalties",
        "bom.csv",
        [penalty_row(1), penalty_row(2, legal_rep_id_number=PLANTED)],
        encoding="gbk",
        mtime=DELIVERED,
    )
    _deliver(path, [path.read_bytes().removesuffix(b"\n")], end=b"\n")
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    os.utime(path, (DELIVERED, DELIVERED))
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_read, broken.rows_quarantined) == ("rejected", 2, 2)
    assert "unknown_encoding" in broken.error
    rejects = _nothing_lost_nothing_quoted(ws, broken)
    assert set(rejects["rule"]) == {"bad_encoding"}  # each row: not UTF-8 (and the batch: no header to read)


def test_json_lines_that_are_no_objects_are_quarantined_line_by_line(ws):
    path = write_feed(ws, "penalties", "p.jsonl", [penalty_row(n) for n in range(1, 4)], mtime=DELIVERED)
    good = path.read_bytes().splitlines()
    lines = [
        good[0],
        f'["{PLANTED}", 2]'.encode(),
        good[1],
        f'"{PLANTED}"'.encode(),
        b"",  # a blank line is no record
        b"42",
        f'{{"证件号码": "{PLANTED}", '.encode(),
        good[2],
    ]
    _deliver(path, lines)
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_read, broken.rows_landed, broken.rows_quarantined) == ("landed", 7, 3, 4)
    reasons = _reasons(_nothing_lost_nothing_quoted(ws, broken))
    assert [(row, rule) for row, rule, _ in reasons] == [
        (2, "not_an_object"),
        (4, "not_an_object"),
        (5, "not_an_object"),
        (6, "bad_json"),
    ]
    assert [m.split("行")[0] for _, _, m in reasons] == ["第 2 ", "第 4 ", "第 6 ", "第 7 "]  # the file's line numbers
    landed = read_landed(ws, "penalties").filter(pl.col("batch_id") == broken.batch_id)
    assert sorted(landed["_row_number"]) == [1, 3, 7]


def test_a_file_without_header_is_refused_without_quoting_its_first_row(ws):
    """The first row is taken for the header: schema drift names the unexpected columns, but no personal number."""
    path, lines = _lines(ws, "headless.csv", [penalty_row(1, legal_rep_id_number=PLANTED), penalty_row(2)])
    _deliver(path, lines[1:])
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_read, broken.rows_quarantined) == ("rejected", 1, 1)
    assert "schema_drift" in broken.error and "已屏蔽" in broken.error
    _nothing_lost_nothing_quoted(ws, broken)


def test_json_lines_with_a_bom_are_read(ws):
    write_feed(ws, "penalties", "p.jsonl", [penalty_row(1), penalty_row(2)], encoding="utf-8-sig", mtime=DELIVERED)
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_read, broken.rows_landed) == ("landed", 2, 2)


@pytest.mark.parametrize("block", [1 << 23, 400], ids=["one-block", "blocks-whole-and-broken"])
def test_rows_with_too_many_or_too_few_fields_are_quarantined_row_by_row(ws, monkeypatch, block):
    from ingestion import salvage

    monkeypatch.setattr(salvage, "BLOCK", block)  # small: the whole blocks are read at once, the broken by line
    path, lines = _lines(ws, "ragged.csv", [penalty_row(n) for n in range(1, 6)])
    lines[2] += f",{PLANTED}".encode()  # one field too many (an unquoted comma)
    lines[4] = _row(4, legal_rep_id_number=PLANTED).rsplit(b",", 3)[0]  # three fields too few
    _deliver(path, lines[:5] + [b""] + lines[5:])  # and a blank line before the last row
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_read, broken.rows_landed, broken.rows_quarantined) == ("landed", 6, 3, 3)
    n = len(load_contracts()["penalties"].fields)
    assert _reasons(_nothing_lost_nothing_quoted(ws, broken)) == [
        (2, "too_many_fields", f"第 3 行有 {n + 1} 个字段，多于表头的 {n} 个（值中有未加引号的逗号？），整行隔离"),
        (4, "too_few_fields", f"第 5 行只有 {n - 3} 个字段，少于表头的 {n} 个（记录被换行截断？），整行隔离"),
        (5, "blank_line", "第 6 行是空行"),
    ]


def test_an_unclosed_quote_quarantines_its_line_and_swallows_nothing(ws):
    path, lines = _lines(ws, "quote.csv", [penalty_row(n) for n in range(1, 5)])
    lines[2] = _row(2, violation_facts="QUOTE", legal_rep_id_number=PLANTED).replace(b"QUOTE", b'"unclosed')
    # a value spanning two lines is legal CSV, and stays one record
    lines.append(_row(5, violation_facts="第一段\n第二段"))
    _deliver(path, lines)
    broken, _ = _ingest_with_a_later_file(ws)
    assert (broken.status, broken.rows_read, broken.rows_landed, broken.rows_quarantined) == ("landed", 5, 4, 1)
    [(row, rule, message)] = _reasons(_nothing_lost_nothing_quoted(ws, broken))
    assert (row, rule, message) == (2, "unclosed_quote", "第 3 行的引号未闭合，整行隔离（其后各行照常读取）")
    landed = read_landed(ws, "penalties").filter(pl.col("batch_id") == broken.batch_id).sort("_row_number")
    assert landed["_row_number"].to_list() == [1, 3, 4, 5]
    assert landed["violation_facts"][-1] == "第一段\n第二段"


@pytest.mark.parametrize("by_line", [False, True], ids=["block-by-block", "line-by-line"])
@pytest.mark.parametrize("chunk_rows,block", [(landing.CHUNK_ROWS, 1 << 23), (2, 300)])
def test_reading_a_broken_file_gives_what_polars_gives(tmp_path, monkeypatch, chunk_rows, block, by_line):
    """A file polars reads whole, read instead the way a broken file is — block by block, and line by line where a
    block is broken (small blocks: values that span lines cross block ends): the same rows land, the same are
    quarantined."""
    from ingestion import salvage
    from ingestion.reading import RawBatch

    def messy(ws: Workspace) -> None:
        path = _messy_batch(ws)
        extra = [_row(30, violation_facts="第一段\n第二段,其后"), _row(31, remarks='他说"是"'), _row(32, remarks="a,b")]
        path.write_bytes(path.read_bytes() + b"\n".join(extra) + b"\n")
        os.utime(path, (1_760_000_000, 1_760_000_000))

    clean = Workspace(tmp_path / "clean").ensure()
    messy(clean)
    [whole] = ingest_all(clean)
    monkeypatch.setattr(landing, "CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(salvage, "BLOCK", block)
    monkeypatch.setattr(RawBatch, "_structure_holds", lambda self, value_bytes: False)
    if by_line:
        monkeypatch.setattr(salvage, "_whole_block", lambda body, columns: None)
    ws = Workspace(tmp_path / "salvaged").ensure()
    messy(ws)
    [salvaged] = ingest_all(ws)
    assert (whole.rows_read, whole.rows_landed) == (17, 9)
    assert (salvaged.rows_read, salvaged.rows_landed, salvaged.rejects_by_rule) == (17, 9, whole.rejects_by_rule)
    assert _rows(ws) == _rows(clean)
