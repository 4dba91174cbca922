"""Ingestion loses nothing: every row is landed or quarantined with all its reasons; batches are atomic."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest
from helpers import penalty_row, read_landed, write_feed

from contracts import load_contracts
from ingestion import ingest_all
from ingestion.ledger import all_entries

PENALTIES = load_contracts()["penalties"]


def landed(ws, feed="penalties") -> pl.DataFrame:
    return read_landed(ws, feed)


def rejects(ws, feed="penalties") -> pl.DataFrame:
    return pl.read_parquet(ws.quarantine / feed / "*" / "rejects.parquet")


def test_valid_rows_land_with_provenance_and_raw_values(ws):
    write_feed(
        ws,
        "penalties",
        "p.csv",
        [penalty_row(1), penalty_row(2)],
        encoding="utf-8-sig",
        mtime=datetime(2025, 10, 10, 2, tzinfo=UTC).timestamp(),
    )
    [result] = ingest_all(ws)
    assert (result.status, result.rows_read, result.rows_landed, result.rows_quarantined) == ("landed", 2, 2, 0)
    df = landed(ws)
    row = df.row(0, named=True)
    assert row["decision_number"] == "沪市监杨处〔2025〕102025000001号"  # brackets normalised
    assert row["decision_number__raw"] == "沪市监杨处[2025]102025000001号"  # raw kept next to clean
    assert row["legal_rep_name"] == "张伟" and row["legal_rep_name__raw"] == "張偉"  # traditional → simplified
    assert row["_producer_dept"] == PENALTIES.producer.department
    assert row["_row_number"] == 1 and row["_source_file"] == "amr_enforcement/penalties/p.csv"
    # decided 2025-09-30, 3 working days across National Day (Oct 1–8 off, Sat Oct 11 a make-up day)
    assert str(row["_due_by"]) == "2025-10-11"
    assert row["_is_late"] is False
    entry = all_entries(ws.ledger)[0]
    assert entry.encoding == "utf-8-sig" and entry.rows_read == entry.rows_landed == 2


def test_gbk_file_is_detected_and_read(ws):
    write_feed(ws, "penalties", "p.csv", [penalty_row(1, party_name="上海市黄浦区龍華食品店")], encoding="gbk")
    [result] = ingest_all(ws)
    assert result.rows_landed == 1
    assert all_entries(ws.ledger)[0].encoding == "gbk"
    assert landed(ws)["party_name"][0] == "上海市黄浦区龙华食品店"


def test_every_reason_of_every_bad_row_is_quarantined(ws):
    good = penalty_row(1)
    bad_uscc = penalty_row(2, uscc=good["uscc"][:-1] + ("A" if good["uscc"][-1] != "A" else "B"))
    many = penalty_row(3, decision_date="2025-13-45", penalty_types="罚金", fine_amount_wan="-1")
    missing = penalty_row(4, party_name="")
    write_feed(ws, "penalties", "p.csv", [good, bad_uscc, many, missing, missing], tail='"上海,截断')
    [result] = ingest_all(ws)
    assert result.rows_read == 6
    assert result.rows_landed == 1 and result.rows_quarantined == 5
    r = rejects(ws)
    reasons = {(row, rule, field) for row, rule, field in r.select("_row_number", "rule", "field").iter_rows()}
    assert (2, "uscc_check", "uscc") in reasons
    assert {
        (3, "bad_date", "decision_date"),
        (3, "enum", "penalty_types"),
        (3, "minimum", "fine_amount_wan"),
    } <= reasons
    assert (3, "required", "decision_date") not in reasons  # present but unparseable: one reason, not two
    assert (4, "required", "party_name") in reasons
    assert (5, "duplicate_row", None) in reasons
    assert (6, "truncated_row", None) in reasons
    assert r.filter(pl.col("rule") == "bad_date")["value"][0] == "2025-13-45"  # the raw value is shown
    assert json.loads(r.filter(pl.col("_row_number") == 2)["raw_record"][0])["统一社会信用代码"] == bad_uscc["uscc"]


@pytest.mark.parametrize("hash_behind", [False, True], ids=["hashed-first", "hashed-alongside"])
def test_same_file_twice_adds_nothing(ws, monkeypatch, hash_behind):
    # large files are hashed while they are validated; the copy under a new name is found only at the end
    if hash_behind:
        monkeypatch.setattr("ingestion.landing.HASH_BEHIND_BYTES", 0)
    path = write_feed(ws, "penalties", "p.csv", [penalty_row(1)])
    first = ingest_all(ws)
    copy = path.with_name("p_again.csv")
    copy.write_bytes(path.read_bytes())
    second = ingest_all(ws)
    assert [r.status for r in first] == ["landed"]
    assert sorted(r.status for r in second) == ["skipped", "skipped"]
    assert landed(ws).height == 1 and len(all_entries(ws.ledger)) == 1


def test_chunks_are_written_while_the_content_hash_is_still_being_computed(ws, monkeypatch):
    """A large file is hashed alongside validation, and no chunk waits for it: the landed rows do not carry the batch
    id (their folder names it) nor the SHA-256 (the ledger records it). The hash here finishes only once every chunk
    has been written; a chunk that waited for it would stall the batch until the timeout."""
    import hashlib
    import threading

    from ingestion import landing

    written = threading.Semaphore(0)
    real_write = landing._write_landed

    def counted(*args):
        real_write(*args)
        written.release()

    chunks_before_hash = []
    real_digest = landing.digest

    def slow_hash(path, length, **options):
        chunks_before_hash.append(sum(written.acquire(timeout=10) for _ in range(5)))
        return real_digest(path, length, **options)

    monkeypatch.setattr(landing, "HASH_BEHIND_BYTES", 0)
    monkeypatch.setattr(landing, "CHUNK_ROWS", 2)
    monkeypatch.setattr(landing, "_write_landed", counted)
    monkeypatch.setattr(landing, "digest", slow_hash)
    rows = [penalty_row(n) for n in range(1, 10)]
    path = write_feed(ws, "penalties", "p.csv", rows + [dict(rows[0])])  # the last row copies the first
    [result] = ingest_all(ws)
    assert chunks_before_hash == [5]  # 10 rows in chunks of 2, all written before the hash was known
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (10, 9, 1)
    df = landed(ws)
    assert sorted(df["_row_number"]) == list(range(1, 10))
    assert set(df["batch_id"]) == {result.batch_id}
    assert "_batch_id" not in df.columns and "_file_sha256" not in df.columns
    [entry] = all_entries(ws.ledger)
    assert entry.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "rename,rule",
    [({"行政处罚决定书文号": "处罚决定书号"}, "schema_drift"), ({"违法事实": "CF_WSH"}, "duplicate_column")],
)
def test_renamed_column_rejects_the_batch_and_keeps_every_row(ws, rename, rule):
    write_feed(ws, "penalties", "p.csv", [penalty_row(1), penalty_row(2)], rename=rename)
    [result] = ingest_all(ws)
    assert result.status == "rejected" and rule in result.error
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (2, 0, 2)
    if rule == "schema_drift":
        assert "处罚决定书号" in result.error  # the drifted column is named
    assert set(rejects(ws)["rule"]) == {rule}


def test_aliases_by_label_not_position(ws):
    """双公示 codes as headers, in a shuffled order, map to the same canonical fields."""
    write_feed(ws, "penalties", "p.jsonl", [penalty_row(1)], header="name")
    [result] = ingest_all(ws)
    assert result.rows_landed == 1


@pytest.mark.parametrize("content,rule", [(b"", "empty_file"), (b"\xff\xfe\x00\x01bad", "unknown_encoding")])
def test_unreadable_files_are_rejected_with_a_reason(ws, content, rule):
    folder = ws.feeds / "amr_enforcement" / "penalties"
    folder.mkdir(parents=True)
    (folder / "p.csv").write_bytes(content)
    [result] = ingest_all(ws)
    assert result.status == "rejected" and rule in result.error
    assert result.rows_read == result.rows_landed + result.rows_quarantined


@pytest.mark.parametrize("hash_behind", [False, True], ids=["hashed-first", "hashed-alongside"])
def test_a_crash_mid_batch_leaves_nothing_and_a_rerun_lands_it(ws, monkeypatch, hash_behind):
    if hash_behind:
        monkeypatch.setattr("ingestion.landing.HASH_BEHIND_BYTES", 0)
    write_feed(ws, "penalties", "p.csv", [penalty_row(1)])
    import ingestion.ledger as ledger

    def boom(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(ledger, "write_entry", boom)
    with pytest.raises(KeyboardInterrupt):
        ingest_all(ws)
    monkeypatch.undo()
    if hash_behind:
        monkeypatch.setattr("ingestion.landing.HASH_BEHIND_BYTES", 0)
    assert all_entries(ws.ledger) == []  # not committed: the warehouse ignores the orphan folder
    assert not any(ws.staging_tmp.iterdir())  # scratch cleaned
    [result] = ingest_all(ws)
    assert result.status == "landed" and result.rows_landed == 1
    folders = [p.name for p in (ws.landing / "penalties").iterdir()]
    assert sorted(folders) == ["batch_id=_empty", f"batch_id={result.batch_id}"]


@pytest.mark.parametrize(
    "name,content", [("p.csv", ",".join(f.label for f in PENALTIES.fields) + "\n"), ("p.jsonl", "")]
)
def test_a_delivery_with_no_records_is_an_empty_batch(ws, name, content):
    folder = ws.feeds / "amr_enforcement" / "penalties"
    folder.mkdir(parents=True)
    (folder / name).write_text(content, encoding="utf-8")
    [result] = ingest_all(ws)
    assert (result.status, result.rows_read, result.rows_landed) == ("landed", 0, 0)


def test_characters_skipped_by_nfkc_are_stable_under_it():
    import unicodedata

    from ingestion.cleaning import NFKC_STABLE

    assert all(unicodedata.normalize("NFKC", chr(c)) == chr(c) for a, b in NFKC_STABLE for c in range(a, b + 1))


def test_cleaning_touches_only_what_needs_it():
    from ingestion.cleaning import apply_cleaning

    field = PENALTIES.field("decision_number")
    raw = [
        "沪市监杨处〔2025〕1号",
        "沪市监杨处[2025]2号",
        "沪市监杨处（2025）3号",
        "沪市监杨处〔 2025 〕4号",
        " ",
        None,
        "ＡＢ市监处【2025】5号",
    ]
    out = apply_cleaning(pl.DataFrame({"decision_number": raw}), (field,))
    assert out["decision_number"].to_list() == [
        "沪市监杨处〔2025〕1号",
        "沪市监杨处〔2025〕2号",
        "沪市监杨处〔2025〕3号",
        "沪市监杨处〔2025〕4号",
        None,
        None,
        "AB市监处〔2025〕5号",
    ]
    assert out["decision_number__raw"].to_list() == raw
    dates = (
        apply_cleaning(
            pl.DataFrame(
                {
                    "decision_date": [
                        "2025-01-02",
                        "2025/1/3",
                        "2025年01月04日",
                        "20250105",
                        "2025-01-06 08:00:00",
                        "2025-13-45",
                        None,
                    ]
                }
            ),
            (PENALTIES.field("decision_date"),),
        )["decision_date"]
        .cast(pl.String)
        .to_list()
    )
    assert dates == ["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05", "2025-01-06", None, None]


@pytest.mark.parametrize(
    "steps",
    [
        (),
        ("strip",),
        ("strip", "nfkc"),
        ("strip", "nfkc", "upper"),
        ("strip", "nfkc", "brackets"),
        ("upper",),
        ("brackets",),
        ("nfkc", "upper"),
    ],
)
def test_one_regex_finds_every_value_a_step_would_change(steps):
    """clean_rows runs the steps only on values its regex flags: that must give exactly what the steps give on every
    value, including full-width forms, odd whitespace, brackets, lower case and characters outside the BMP."""
    import random
    from dataclasses import replace

    from ingestion.cleaning import clean_rows, clean_series

    field = replace(PENALTIES.field("decision_number"), clean=steps)
    alphabet = (
        "abcXYZ019 -/.,()[]【】〔〕（）［］ＡＢａｂ１２\u3000\t\n\u00a0\u2003〇沪市监處罚號年号"
        "①½ﬁ\u00e9\u0301ß\U00020000\U0001f600\u3001\u3002\u300a"
    )
    rng = random.Random(7)
    values = [None, "", " ", "沪市监杨处〔2025〕1号", "91310110MA1FL2X3XX"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(5000)
    ]
    series = pl.Series("decision_number", values, dtype=pl.String)
    fast, unchanged = clean_rows(series, field)
    assert series.to_list() == values  # the raw values are left as they were
    assert fast.to_list() == clean_series(series, field).to_list()
    assert not unchanged
    plain = ["ABC-123", "沪市监杨处〔2025〕1号"] if "nfkc" in steps or "upper" not in steps else ["ABC-123"]
    same, unchanged = clean_rows(pl.Series("decision_number", plain), field)
    assert unchanged and same.to_list() == plain  # nothing to clean: one regex pass, no copy


@pytest.mark.parametrize(
    "spellings, as_received",
    [
        (["2025-01-02", "2025-03-04", None], True),
        (["2025-01-02", "2025/03/04", None], False),  # a date landed in another spelling: its raw value is kept
        (["2025-01-02", "2025-13-45"], False),  # unparseable: landed null, raw kept
    ],
)
def test_repeated_values_are_as_received_only_when_every_one_reads_back_the_same(spellings, as_received):
    """Cleaning a column of repeated values (once per distinct value) reports it as received only when every value,
    as landed text, is what was sent — then landing keeps no raw copy of the field."""
    from ingestion.cleaning import clean_column, few_distinct

    values = pl.Series("decision_date", spellings * 400, dtype=pl.String)
    assert few_distinct(values)  # the value-by-value route
    cleaned, same = clean_column(values, PENALTIES.field("decision_date"))
    assert same is as_received
    assert same == cleaned.cast(pl.String).eq_missing(values).all()


def test_row_signatures_from_codes_equal_those_from_every_row():
    """Cleaning codes the raw values of repeated columns; signatures hash those by code — the same 64-bit values as
    hashing every row (empty and missing fields included), so a copy is found whichever way each chunk took."""
    from ingestion.cleaning import clean_chunk
    from ingestion.validation import signatures

    rows = [penalty_row(n % 7, remarks=[None, "", "已整改"][n % 3]) for n in range(300)]
    frame = pl.DataFrame(rows, schema={f.name: pl.String for f in PENALTIES.fields}).with_row_index("_row_number", 1)
    chunk = clean_chunk(frame.with_columns(pl.col("_row_number").cast(pl.Int64)), PENALTIES.fields)
    assert {"remarks", "party_category", "decision_date"} <= set(chunk.raw_codes)
    by_codes = signatures(chunk.frame, PENALTIES, 0, chunk.raw_codes)
    assert by_codes.equals(signatures(chunk.frame, PENALTIES, 0))


def test_value_by_value_and_row_by_row_give_the_same_batch(tmp_path, monkeypatch):
    """Repeated values are cleaned and checked once per distinct value: the landed rows and the quarantine are exactly
    what cleaning and checking every row gives."""
    from ground.settings import Workspace

    rows = [
        penalty_row(n, legal_rep_name=name, decision_date=day, uscc=uscc)
        for n, (name, day, uscc) in enumerate(
            [
                ("張偉", "2025-09-30", None),
                ("李娜", "2025/10/09", None),
                ("張偉", "2025-13-45", None),
                ("王芳 ", "20251010", "91310110MA1FL2X3XX"),
                ("李娜", "2025年10月11日", None),
            ]
            * 40,
            start=1,
        )
    ]
    for row in rows:
        row["uscc"] = row["uscc"] or penalty_row(1)["uscc"]
    results = {}
    for share in (0.0, 1.0):  # never / always by distinct value
        monkeypatch.setattr("ingestion.cleaning.DISTINCT_SHARE", share)
        home = Workspace(tmp_path / f"share-{share}").ensure()
        write_feed(home, "penalties", "p.csv", rows, mtime=datetime(2025, 10, 12, tzinfo=UTC).timestamp())
        [result] = ingest_all(home)
        assert result.rows_quarantined == 80
        results[share] = (
            landed(home).drop("_ingested_at").sort("_row_number"),
            rejects(home).sort("_row_number", "rule"),
        )
    assert results[0.0][0].equals(results[1.0][0]) and results[0.0][1].equals(results[1.0][1])


@pytest.mark.parametrize("chunk_rows", [1, 1000])
def test_an_empty_field_is_no_change_and_a_copy_with_one_is_only_a_copy(ws, monkeypatch, chunk_rows):
    # JSON Lines sends an empty optional field as "" (a CSV as nothing): it lands as null, keeps no raw value, and
    # an exact copy of such a row (rejected, so every raw value kept) still reads back equal to its landed original
    from ingestion import landing

    monkeypatch.setattr(landing, "CHUNK_ROWS", chunk_rows)
    row = penalty_row(1, remarks="", revoked_licence="")
    write_feed(ws, "penalties", "p.jsonl", [row, dict(row), penalty_row(2)])
    [result] = ingest_all(ws)
    assert (result.rows_landed, result.rows_quarantined, result.rejects_by_rule) == (2, 1, {"duplicate_row": 1})
    first = landed(ws).filter(pl.col("_row_number") == 1).row(0, named=True)
    assert first["remarks"] is None and first["remarks__raw"] is None and first["revoked_licence__raw"] is None


def test_polars_allocator_is_configured_by_the_cli_before_polars_loads():
    # jemalloc reads its configuration once, when polars loads: importing the CLI must not load polars, and its
    # entry point sets the configuration before any command runs
    import subprocess
    import sys

    from ground.runtime import ALLOCATOR_CONF

    code = (
        "import os, sys\nfrom creditwh import cli\nassert 'polars' not in sys.modules, 'polars loaded on import'\n"
        "sys.argv = ['cwh', '--help']\ntry:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "import polars\nprint(os.environ['_RJEM_MALLOC_CONF'])"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "_RJEM_MALLOC_CONF"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().endswith(ALLOCATOR_CONF)


def test_repeated_text_lands_dictionary_coded_and_reads_back_as_text(ws):
    """A column of few distinct values is coded once while it is cleaned and written as a Parquet dictionary of those
    codes (Categorical); readers get the text: scan_landed as String, DuckDB as VARCHAR. An empty field lands null."""
    import duckdb
    import pyarrow.parquet as pq

    from ingestion.landing import scan_landed

    rows = [penalty_row(n, remarks="" if n % 2 else "已整改") for n in range(1, 201)]
    write_feed(ws, "penalties", "p.csv", rows)
    [result] = ingest_all(ws)
    assert result.rows_landed == 200
    [part] = (ws.landing / "penalties").glob("batch_id=[!_]*/*.parquet")
    schema = pq.read_schema(part)
    assert str(schema.field("party_category").type).startswith("dictionary")
    assert str(schema.field("remarks").type).startswith("dictionary")
    back = scan_landed(part, PENALTIES).collect().sort("_row_number")
    assert back.schema["party_category"] == pl.String and back.schema["remarks"] == pl.String
    assert back["party_category"].unique().to_list() == ["法人及非法人组织"]
    assert back["remarks"].to_list() == [None if n % 2 else "已整改" for n in range(1, 201)]
    assert back["remarks__raw"].null_count() == 200  # empty → null is no change: no raw copy kept
    kinds = duckdb.sql(f"select typeof(party_category), typeof(remarks), count(remarks) from '{part}' group by all")
    assert kinds.fetchall() == [("VARCHAR", "VARCHAR", 100)]


@pytest.mark.parametrize(
    "typed, raw, failing",
    [
        (["2025-01-02", "2025-01-03"], ["2025-01-02", "2025/01/03"], []),  # every value parsed
        ([None, None], ["", None], []),  # an optional field left empty
        ([None, None], [" ", ""], []),  # blank after trimming
        ([None, None], ["", "2025-13-45"], [1]),  # every typed value null, one raw value unparseable
        (["2025-01-02", None, None], ["2025-01-02", "tomorrow", " "], [1]),
    ],
)
def test_a_typed_value_is_null_only_where_its_raw_value_is_blank(typed, raw, failing):
    import pandera.polars as pa

    from ingestion import checks
    from ingestion.schema import full_validation

    frame = pl.DataFrame(
        {"d": pl.Series(typed, dtype=pl.String).str.to_date(), "d__raw": pl.Series(raw, dtype=pl.String)}
    )
    schema = pa.DataFrameSchema(
        {
            "d": pa.Column(pl.Date, nullable=True, checks=[checks.parses("bad_date")]),
            "d__raw": pa.Column(pl.String, nullable=True),
        }
    )
    with full_validation():
        try:
            schema.validate(frame, lazy=True)
            rows = []
        except pa.errors.SchemaErrors as exc:
            rows = exc.failure_cases["index"].to_list()
    assert rows == failing
