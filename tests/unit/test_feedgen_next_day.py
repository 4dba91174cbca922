"""The next day's deliveries (feedgen/next_day.py): on a small generated and ingested workspace, one more day's
files ingest cleanly (every row read lands or is quarantined, the quarantine is the planted faults), are received on
the day after the last receipt, and are about enterprises the inbox already has; the same inbox gives the same files."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

import polars as pl
import pytest
from helpers import files_of, read_landed

from creditwh import jobs
from feedgen import next_day
from feedgen.generator import FEED_ORDER
from feedgen.next_day import fresh_number, last_receipt
from ground.identifiers import DECISION_NUMBER_PATTERN, is_valid_licence_number, is_valid_uscc
from ground.settings import Workspace

BEIJING = timezone(timedelta(hours=8))
SHARE = 0.05  # more than a day's 0.1 %, so that the small workspace gets removals, registrations and faults
FAULT_RATE = 0.1
CLEANED = {"fullwidth_name", "traditional_name"}  # planted faults cleaning repairs: they land


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("next_day") / "home").ensure()
    jobs.generate_feeds(ws, entities=1500, seed=7, start=date(2025, 1, 1), end=date(2026, 10, 31), fault_rate=0.01)
    before = {r.source_file for r in jobs.ingest(ws)}
    untouched = tmp_path_factory.mktemp("copy") / "feeds"
    shutil.copytree(ws.feeds, untouched)
    last = last_receipt(ws.feeds)
    report = next_day(ws.feeds, share=SHARE, fault_rate=FAULT_RATE)
    results = jobs.ingest(ws)
    return ws, untouched, last, report, before, results


def test_received_the_day_after_the_last_receipt(day):
    ws, _, last, report, _, _ = day
    assert report.day == last.astimezone(BEIJING).date() + timedelta(days=1)
    assert len(report.files) == len(FEED_ORDER)
    for rel, when in report.received_at.items():
        assert datetime.fromisoformat(when).astimezone(BEIJING).date() == report.day, rel
        marker = (ws.feeds / f"{rel}.done").read_text(encoding="utf-8")
        assert marker == f"received_at: {when}\n"
    entries = {}
    for ledger in ws.ledger.rglob("*.json"):
        entry = json.loads(ledger.read_text(encoding="utf-8"))
        entries[entry["source_file"]] = entry
    for rel in report.received_at:
        if not report.rows_by_feed[rel.split("/")[1]]:
            continue  # header only: skipped as an earlier empty batch's content
        source = next(s for s in entries if s.endswith(rel))
        received = datetime.fromisoformat(entries[source]["received_at"]).replace(tzinfo=UTC)  # the ledger's UTC
        assert received == datetime.fromisoformat(report.received_at[rel]), rel
        assert entries[source]["receipt_source"] == "declared"


def test_the_new_files_ingest_cleanly(day):
    ws, _, _, report, before, results = day
    new = [r for r in results if r.source_file not in before and r.status != "skipped"]
    # a feed with nothing in the inbox (no objections in a small run) gets a header-only file, which ingestion skips
    # as the same content as an earlier empty batch
    assert len(new) == sum(1 for n in report.rows_by_feed.values() if n) >= len(FEED_ORDER) - 2
    assert all(r.status == "landed" for r in new), [(r.source_file, r.status, r.error) for r in new]
    for r in new:
        assert r.rows_read == r.rows_landed + r.rows_quarantined, r
        assert r.rows_read == report.rows_by_feed[r.feed], r
    faults = [
        json.loads(line)
        for line in (ws.feeds / "_generator" / f"faults_{report.day:%Y%m%d}.jsonl").read_text("utf-8").splitlines()
    ]
    assert faults and sum(report.rows_by_feed.values()) > 50
    rejecting = [f for f in faults if f["kind"] not in CLEANED]
    quarantined = sum(r.rows_quarantined for r in new)
    assert quarantined == len(rejecting), (quarantined, Counter(f["kind"] for f in faults))
    # the expected fault rate: about FAULT_RATE of the rows, never more than one a row
    assert len(faults) <= FAULT_RATE * report.total_rows + 5


def test_about_enterprises_already_known(day):
    ws, _, _, report, before, results = day
    new_batches = {r.batch_id for r in results if r.source_file not in before and r.status == "landed"}
    registry = read_landed(ws, "registry")
    known = set()  # every enterprise the warehouse had before the day
    for feed in FEED_ORDER:
        rows = read_landed(ws, feed)
        if "uscc" in rows.columns:
            known |= set(rows.filter(~pl.col("batch_id").is_in(list(new_batches)))["uscc"].to_list())
    registered_today = registry.filter(
        pl.col("batch_id").is_in(list(new_batches)) & (pl.col("established_date") == report.day)
    )
    changed_today = registry.filter(
        pl.col("batch_id").is_in(list(new_batches)) & (pl.col("established_date") < report.day)
    )
    assert registered_today.height >= 1 and changed_today.height >= 1
    assert not set(registered_today["uscc"].to_list()) & known  # new enterprises
    assert set(changed_today["uscc"].to_list()) <= known  # changes of known ones
    for feed in FEED_ORDER[1:]:
        rows = read_landed(ws, feed).filter(pl.col("batch_id").is_in(list(new_batches)))
        usccs = {u for u in rows["uscc"].to_list() if u}
        assert usccs <= known, (feed, usccs - known)
    for feed in ("abnormal_list", "serious_list"):
        rows = read_landed(ws, feed).filter(pl.col("batch_id").is_in(list(new_batches)))
        assert rows.height >= 1
    removals = read_landed(ws, "abnormal_list").filter(
        pl.col("batch_id").is_in(list(new_batches)) & pl.col("removal_date").is_not_null()
    )
    assert removals.height >= 1 and (removals["removal_date"] == report.day).all()


def test_same_inbox_same_files(day):
    ws, untouched, _, report, _, _ = day
    again = next_day(untouched, share=SHARE, fault_rate=FAULT_RATE)
    assert again.day == report.day
    produced = {p: b for p, b in files_of(untouched).items() if f"{report.day:%Y%m%d}" in p.name}
    assert len(produced) >= 2 * len(FEED_ORDER)
    mine = files_of(ws.feeds)
    for rel, data in produced.items():
        assert mine[rel] == data, rel


def test_fresh_numbers_keep_their_shape():
    day = date(2026, 11, 18)
    assert DECISION_NUMBER_PATTERN.match(fresh_number("沪市监青经异列〔2025〕000121号", day, 3))
    assert fresh_number("沪市监青经异列〔2025〕000121号", day, 3) == "沪市监青经异列〔2026〕938003号"
    assert fresh_number("沪市监青经异列〔2025〕000121号", day, 1234) == "沪市监青经异列〔2026〕9381234号"
    assert fresh_number("RC310115202610003", day, 7) == "RC310115209380007"
    licence = fresh_number("JY23101130027898", day, 5)
    assert len(licence) == 16 and is_valid_licence_number(licence) and licence != "JY23101130027898"
    assert is_valid_uscc("91310118615597966A")
