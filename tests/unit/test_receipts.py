"""Receipt time (接收时间) is never a file attribute (issue 25): it is declared — by the delivery's marker
``<file>.done`` or its feed folder's receipts manifest ``_receipts.csv`` — or else the moment ingestion first saw the
complete file, kept in the receipt log. A declaration that cannot be read refuses its file with a reason in Chinese
(never a crash, never ignored); the receipt log keeps the first time of a file and content across runs and crashes;
the ledger entry says where each receipt comes from."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from helpers import penalty_row, read_landed, write_feed

import ingestion.landing as landing
from contracts import load_contracts
from creditwh import jobs
from feedgen import generate
from feedgen.writer import MARKER as FEEDGEN_MARKER
from ground.settings import INGEST_SETTLE_ENV
from ingestion import ingest_all, ingest_file
from ingestion import ledger as ledger_module
from ingestion.inbox import (
    MARKER,
    RECEIPTS,
    DeclarationError,
    parse_marker,
    parse_receipts,
    parse_received_at,
    survey,
)
from ingestion.ledger import LedgerEntry, all_entries, first_seen, receipt_log

PENALTIES = load_contracts()["penalties"]
FOLDER = ("amr_enforcement", "penalties")
BEIJING_10_15 = datetime(2026, 3, 2, 2, 15)  # 2026-03-02T10:15:00+08:00, as the ledger keeps it (naive UTC)


def upload(ws, name: str, rows, *, mtime: float | None = None):
    """A delivery without a marker (complete at once: the tests' settle time is 0); its mtime set if given."""
    path = write_feed(ws, "penalties", name, rows)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def mark(path, text: str | bytes = ""):
    marker = path.with_name(path.name + MARKER)
    marker.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return marker


def manifest(ws, text: str):
    path = ws.feeds.joinpath(*FOLDER, RECEIPTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def entry_of(ws, name: str) -> LedgerEntry:
    [entry] = [e for e in all_entries(ws.ledger) if e.source_file.endswith(f"/{name}")]
    return entry


def received_on_rows(ws, batch_id: str) -> set[datetime]:
    landed = read_landed(ws, "penalties").filter(pl.col("batch_id") == batch_id)
    return set(landed["_received_at"])


# ---- the declaration formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T10:15:00+08:00", BEIJING_10_15),
        ("2026-03-02T10:15:00", BEIJING_10_15),  # no offset: Beijing time
        ("2026-03-02 10:15", BEIJING_10_15),
        ("2026-03-02T02:15:00Z", BEIJING_10_15),
        ("2026-03-02T11:15:00+09:00", BEIJING_10_15),
        ("2026-03-02T10:15:00.250+08:00", BEIJING_10_15 + timedelta(milliseconds=250)),
        (" 2026-03-01T23:30:00-05:00 ", datetime(2026, 3, 2, 4, 30)),
    ],
)
def test_a_declared_time_is_read_as_utc(text, expected):
    assert parse_received_at(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2026-03-02", "2026/03/02 10:15", "2026-02-30T10:00:00", "2026-03-02T25:00", "02.03.2026 10:15", "yesterday", ""],
)
def test_a_time_that_is_no_iso_date_and_time_is_refused(text):
    with pytest.raises(DeclarationError, match="接收时间"):
        parse_received_at(text)


@pytest.mark.parametrize("text", ["110101199003071237", "110101199003071237 张三", "139-1234-5678", "13912345678"])
def test_a_refusal_never_quotes_what_is_no_time(text):
    with pytest.raises(DeclarationError) as caught:
        parse_received_at(text)
    assert text not in str(caught.value) and "内容不予引用" in str(caught.value)


def test_a_refusal_quotes_a_malformed_time_to_correct():
    with pytest.raises(DeclarationError, match="'2026/03/02 10:15'"):
        parse_received_at("2026/03/02 10:15")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("\n\n", None),
        ("# 交换平台回执\n", None),
        ("received_at: 2026-03-02T10:15:00+08:00\n", BEIJING_10_15),
        ("\ufeff# 回执\n\nreceived_at:2026-03-02T10:15:00+08:00", BEIJING_10_15),
        ('{"received_at": "2026-03-02T10:15:00+08:00"}', BEIJING_10_15),
    ],
)
def test_a_marker_declares_one_receipt_or_none(text, expected):
    assert parse_marker(text.encode("utf-8")) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"done\n", "第 1 行无法识别"),
        (b"received: 2026-03-02T10:15:00+08:00\n", "第 1 行无法识别"),
        (b"received_at: 2026-03-02\n", "不是 ISO 8601"),
        (b"received_at: 2026-03-02T10:15:00+08:00\nreceived_at: 2026-03-03T10:15:00+08:00\n", "不止一次"),
        (b'{"received_at": "2026-03-02T10:15:00+08:00", "sha256": "ab"}', "不含其他内容"),
        (b'{"received_at": 20260302}', "不含其他内容"),
        (b'["2026-03-02T10:15:00+08:00"]', "第 1 行无法识别"),
        (b'{"received_at": ', "不是有效的 JSON"),
        ("received_at: 2026-03-02T10:15:00+08:00".encode("utf-16"), "不是 UTF-8"),
    ],
)
def test_a_marker_holding_anything_else_is_refused_with_its_reason(data, reason):
    with pytest.raises(DeclarationError, match=reason):
        parse_marker(data)


def test_a_receipts_manifest_lists_files_and_refuses_only_its_bad_rows():
    rows = parse_receipts(
        b"received_at,file\n"
        b"2026-03-02T10:15:00+08:00,a.csv\n"
        b"\n"
        b"not a time,b.csv\n"
        b"2026-03-02T10:15:00+08:00,a.csv\n"  # the same again: harmless
        b"2026-03-02T11:00:00+08:00,c.csv\n"
        b"2026-03-02T12:00:00+08:00,c.csv\n"
    )
    assert rows["a.csv"] == BEIJING_10_15
    assert isinstance(rows["b.csv"], DeclarationError) and "第 4 行" in str(rows["b.csv"])
    assert isinstance(rows["c.csv"], DeclarationError) and "再次列出" in str(rows["c.csv"])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name,received_at\na.csv,2026-03-02T10:15:00+08:00\n", "表头应为 file,received_at"),
        ("file,received_at\na.csv\n", "第 2 行应为 2 列"),
        ("file,received_at\nsub/a.csv,2026-03-02T10:15:00+08:00\n", "不含目录"),
    ],
)
def test_a_manifest_that_cannot_be_read_as_a_whole_raises(text, reason):
    with pytest.raises(DeclarationError, match=reason):
        parse_receipts(text.encode())


def test_feedgen_writes_markers_ingestion_reads(tmp_path):
    assert FEEDGEN_MARKER == MARKER
    report = generate(tmp_path / "feeds", entities=30, seed=3, start=date(2025, 1, 1), end=date(2025, 3, 31))
    for rel, delivered in report.delivered_at.items():
        marker = (tmp_path / "feeds" / rel).with_name((tmp_path / "feeds" / rel).name + MARKER)
        at = datetime.fromisoformat(delivered).astimezone(UTC).replace(tzinfo=None)
        assert parse_marker(marker.read_bytes()) == at, rel


# ---- receipt at ingestion: declared, never the mtime -----------------------------------------------------------


def test_the_declared_receipt_is_the_batch_receipt_whatever_the_mtime(ws):
    path = upload(ws, "p.csv", [penalty_row(1)], mtime=time.time())  # copied today: the mtime is now
    mark(path, "received_at: 2026-03-02T10:15:00+08:00\n")
    [result] = ingest_all(ws)
    entry = entry_of(ws, "p.csv")
    assert datetime.fromisoformat(entry.received_at) == BEIJING_10_15
    assert (entry.receipt_source, entry.receipt_declared_by) == ("declared", "amr_enforcement/penalties/p.csv.done")
    assert received_on_rows(ws, result.batch_id) == {BEIJING_10_15}


def test_the_manifest_declares_for_files_without_a_marker_and_must_agree_with_one(ws):
    manifest(
        ws,
        "file,received_at\n"
        "a.csv,2026-03-02T10:15:00+08:00\n"
        "b.csv,2026-03-02T10:15:00+08:00\n"
        "gone.csv,2026-01-01T00:00:00+08:00\n",  # a file no longer in the folder: nothing to say
    )
    upload(ws, "a.csv", [penalty_row(1)])
    mark(upload(ws, "b.csv", [penalty_row(2)]), "received_at: 2026-03-02T10:15:00+08:00")  # the same: fine
    mark(upload(ws, "c.csv", [penalty_row(3)]), "received_at: 2026-03-03T09:00:00+08:00")  # not listed: fine
    results = {r.source_file.rsplit("/", 1)[1]: r for r in ingest_all(ws)}
    assert {k: r.status for k, r in results.items()} == {"a.csv": "landed", "b.csv": "landed", "c.csv": "landed"}
    assert entry_of(ws, "a.csv").receipt_declared_by == f"amr_enforcement/penalties/{RECEIPTS}"
    assert entry_of(ws, "b.csv").receipt_declared_by == "amr_enforcement/penalties/b.csv.done"
    assert datetime.fromisoformat(entry_of(ws, "c.csv").received_at) == datetime(2026, 3, 3, 1)
    assert RECEIPTS not in {r.source_file.rsplit("/", 1)[1] for r in results.values()}  # the manifest is no delivery


def test_an_invalid_declaration_refuses_its_file_with_the_reason_and_the_others_land(ws):
    good = upload(ws, "good.csv", [penalty_row(1)])
    mark(good, "received_at: 2026-03-02T10:15:00+08:00")
    bad = upload(ws, "bad.csv", [penalty_row(2)])
    mark(bad, "received_at: 2026-03-02\n")
    ahead = upload(ws, "ahead.csv", [penalty_row(3)])
    mark(ahead, f"received_at: {(datetime.now(UTC) + timedelta(days=2)).isoformat()}")
    manifest(ws, "file,received_at\nclash.csv,2026-03-02T10:15:00+08:00\n")
    clash = upload(ws, "clash.csv", [penalty_row(4)])
    mark(clash, "received_at: 2026-03-02T10:16:00+08:00")
    results = {r.source_file.rsplit("/", 1)[1]: r for r in ingest_all(ws)}
    assert {k: r.status for k, r in results.items()} == {
        "good.csv": "landed",
        "bad.csv": "refused",
        "ahead.csv": "refused",
        "clash.csv": "refused",
    }
    assert "接收时间声明无效" in results["bad.csv"].error and "不是 ISO 8601" in results["bad.csv"].error
    assert "晚于当前时间" in results["ahead.csv"].error
    assert "不一致" in results["clash.csv"].error
    notes = {n["path"].rsplit("/", 1)[1]: n for n in jobs.inbox_report(ws)["notes"]}
    assert set(notes) == {"bad.csv", "ahead.csv", "clash.csv"} and {n["kind"] for n in notes.values()} == {"refused"}
    assert [e.source_file.rsplit("/", 1)[1] for e in all_entries(ws.ledger)] == ["good.csv"]  # nothing else written

    mark(bad, "received_at: 2026-03-02T09:00:00+08:00\n")  # corrected: read by the next run
    assert {r.source_file.rsplit("/", 1)[1]: r.status for r in ingest_all(ws)}["bad.csv"] == "landed"
    assert datetime.fromisoformat(entry_of(ws, "bad.csv").received_at) == datetime(2026, 3, 2, 1)


def test_an_unreadable_manifest_holds_back_the_files_of_its_folder(ws):
    manifest(ws, "file;received_at\na.csv;2026-03-02T10:15:00+08:00\n")
    upload(ws, "a.csv", [penalty_row(1)])
    [result] = ingest_all(ws)
    assert result.status == "refused" and "表头应为 file,received_at" in result.error and RECEIPTS in result.error
    assert not all_entries(ws.ledger)


def test_a_marker_that_is_a_link_is_refused_never_followed(ws, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("received_at: 2026-03-02T10:15:00+08:00", encoding="utf-8")
    path = upload(ws, "p.csv", [penalty_row(1)])
    path.with_name("p.csv.done").symlink_to(secret)
    [result] = ingest_all(ws)
    assert result.status == "refused" and "符号链接" in result.error


def test_ingest_file_reads_the_declaration_itself(ws):
    path = upload(ws, "p.csv", [penalty_row(1)])
    mark(path, '{"received_at": "2026-03-02T10:15:00+08:00"}')
    result = ingest_file(ws, PENALTIES, path)
    assert result.status == "landed" and received_on_rows(ws, result.batch_id) == {BEIJING_10_15}
    mark(upload(ws, "q.csv", [penalty_row(2)]), "received_at: soon")
    refused = ingest_file(ws, PENALTIES, ws.feeds.joinpath(*FOLDER, "q.csv"))
    assert refused.status == "refused" and "接收时间声明无效" in refused.error


def test_deliveries_are_read_in_receipt_order_then_by_name_not_by_mtime(ws):
    now = time.time()
    for name, declared, mtime in [
        ("c.csv", "2026-03-02T10:15:00+08:00", now - 86400 * 300),
        ("a.csv", "2026-03-03T10:15:00+08:00", now - 86400 * 900),
        ("b.csv", "2026-03-02T10:15:00+08:00", now),
    ]:
        mark(upload(ws, name, [penalty_row(ord(name[0]))], mtime=mtime), f"received_at: {declared}")
    upload(ws, "z_undeclared.csv", [penalty_row(9)], mtime=now - 86400 * 5000)  # first seen now: last
    order = [p.name for _, p in survey(ws, load_contracts(), ["penalties"]).deliveries]
    assert order == ["b.csv", "c.csv", "a.csv", "z_undeclared.csv"]


# ---- the receipt log: first seen ----------------------------------------------------------------------------------


def test_an_undeclared_delivery_is_received_when_first_seen_and_keeps_that_time(ws, monkeypatch):
    path = upload(ws, "p.csv", [penalty_row(1)], mtime=946684800)  # an mtime of 2000: never the receipt
    real_land = landing._land_rows

    def fails(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr(landing, "_land_rows", fails)
    first_try = datetime(2026, 3, 2, 2, 15, tzinfo=UTC)
    assert ingest_file(ws, PENALTIES, path, now=first_try).status == "failed"  # nothing committed …
    monkeypatch.setattr(landing, "_land_rows", real_land)
    result = ingest_file(ws, PENALTIES, path, now=first_try + timedelta(hours=5))
    entry = entry_of(ws, "p.csv")
    # … but the moment the file was first seen complete was logged, and stays its receipt
    assert (entry.receipt_source, entry.receipt_declared_by) == ("first_seen", None)
    assert datetime.fromisoformat(entry.received_at) == BEIJING_10_15
    assert received_on_rows(ws, result.batch_id) == {BEIJING_10_15}
    [line] = receipt_log(ws.ledger, "penalties").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["first_seen_at"] == BEIJING_10_15.isoformat()

    with path.open("a", encoding="utf-8") as fh:  # the content changed: a new delivery, received when seen
        fh.write(",".join(penalty_row(2).get(f.name, "") for f in PENALTIES.fields) + "\n")
    later = ingest_file(ws, PENALTIES, path, now=first_try + timedelta(days=1))
    assert later.status == "landed" and later.batch_id != result.batch_id
    assert received_on_rows(ws, later.batch_id) == {BEIJING_10_15 + timedelta(days=1)}
    assert len(receipt_log(ws.ledger, "penalties").read_text(encoding="utf-8").splitlines()) == 2


def test_the_receipt_log_survives_a_line_torn_by_a_crash(ws):
    log = receipt_log(ws.ledger, "penalties")
    at = datetime(2026, 3, 2, 2, 15)
    assert first_seen(ws.ledger, "penalties", "x/a.csv", "aa", at) == at
    with log.open("a", encoding="utf-8") as fh:
        fh.write('{"source_file": "x/b.csv", "file_sha2')  # a crash in the middle of a line
    ledger_module._logs.clear()  # another process: nothing read before
    assert first_seen(ws.ledger, "penalties", "x/a.csv", "aa", at + timedelta(hours=1)) == at  # first time kept
    assert first_seen(ws.ledger, "penalties", "x/b.csv", "bb", at + timedelta(hours=2)) == at + timedelta(hours=2)
    assert first_seen(ws.ledger, "penalties", "x/a.csv", "cc", at + timedelta(hours=3)) == at + timedelta(hours=3)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["source_file"] for x in lines if x.startswith('{"source_file": "x/') and x.endswith("}")] == [
        "x/a.csv",
        "x/b.csv",
        "x/a.csv",
    ]
    assert len(lines) == 4  # the torn line stays a line of its own, glued to nothing
    ledger_module._logs.clear()
    assert first_seen(ws.ledger, "penalties", "x/b.csv", "bb", at + timedelta(days=9)) == at + timedelta(hours=2)


def test_a_legacy_ledger_entry_without_receipt_source_still_reads(ws):
    path = upload(ws, "p.csv", [penalty_row(1)])
    mark(path, "received_at: 2026-03-02T10:15:00+08:00")
    [result] = ingest_all(ws)
    entry_path = ws.ledger / "penalties" / f"{result.batch_id}.json"
    data = json.loads(entry_path.read_text(encoding="utf-8"))
    del data["receipt_source"], data["receipt_declared_by"]
    entry_path.write_text(json.dumps(data), encoding="utf-8")
    [entry] = all_entries(ws.ledger)
    assert entry.receipt_source is None and entry.receipt_declared_by is None


# ---- the same content under two names: one batch, whatever the order ---------------------------------------------


@pytest.mark.parametrize("earlier_first", [True, False], ids=["earlier-first", "later-first"])
def test_the_same_content_twice_is_one_batch_from_the_copy_received_first(ws, earlier_first):
    rows = [penalty_row(1), penalty_row(2, decision_date="2026-03-01")]
    copies = {"late.csv": "2026-03-05T10:00:00+08:00", "early.csv": "2026-03-02T10:15:00+08:00"}
    order = sorted(copies, reverse=not earlier_first)  # early.csv first, or late.csv first
    for name in order:
        mark(upload(ws, name, rows), f"received_at: {copies[name]}")
        ingest_all(ws)
    [entry] = all_entries(ws.ledger)
    assert entry.source_file.endswith("early.csv") and datetime.fromisoformat(entry.received_at) == BEIJING_10_15
    landed = read_landed(ws, "penalties")
    assert set(landed["_source_file"].cast(pl.String)) == {"amr_enforcement/penalties/early.csv"}
    assert set(landed["_received_at"]) == {BEIJING_10_15} and landed.height == 2
    assert {r.status for r in ingest_all(ws)} == {"skipped"}  # and it stays so


def test_a_file_is_never_a_new_delivery_of_itself(ws, monkeypatch):
    monkeypatch.setenv(INGEST_SETTLE_ENV, "0")
    path = upload(ws, "p.csv", [penalty_row(1)])
    mark(path, "received_at: 2026-03-05T10:00:00+08:00")
    [first] = ingest_all(ws)
    mark(path, "received_at: 2026-03-02T10:15:00+08:00")  # declared again, earlier, after it was committed
    assert [r.status for r in ingest_all(ws)] == ["skipped"]
    assert received_on_rows(ws, first.batch_id) == {datetime(2026, 3, 5, 2)}
