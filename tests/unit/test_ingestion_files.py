"""The inbox and its delivery protocol: no file stops a run and nothing is lost. A delivery is read when it is
complete, as exactly the bytes it had when opened; a file that grows or vanishes meanwhile, a link, a pipe, an
unknown folder are each reported with a reason in Chinese while every other file is ingested."""

from __future__ import annotations

import hashlib
import json
import os
import time

import polars as pl
import pytest
from helpers import cwh, penalty_row, read_landed, write_feed

import ingestion.landing as landing
from contracts import load_contracts
from creditwh import jobs
from ground.settings import INGEST_SETTLE_ENV
from ingestion import ingest_all
from ingestion.inbox import inbox_log
from ingestion.ledger import all_entries, recent_events
from ingestion.reading import digest

DELIVERED = 1_760_000_000  # 2025-10-09: after the fixtures' decision dates, long before now (settled)
SECRET = "目标文件首行-110101199003071237"  # what a link points at: must never be read, quoted or landed


def deliver(ws, name, rows, *, at=DELIVERED, feed="penalties"):
    """A delivery received at ``at``: its marker declares it (and the file's modification time is that too)."""
    return write_feed(ws, feed, name, rows, mtime=at)


def upload(ws, name, rows, *, mtime, feed="penalties"):
    """A file as an upload leaves it: no marker, only its modification time (complete once it has settled)."""
    path = write_feed(ws, feed, name, rows)
    os.utime(path, (mtime, mtime))
    return path


def everything_written(ws) -> str:
    """Every byte the ingestion wrote that a person or the warehouse reads: ledger, inbox log, quarantine."""
    texts = [p.read_text(encoding="utf-8") for p in ws.landing.rglob("*.json*")]
    for part in ws.quarantine.rglob("*.parquet"):
        texts.append(pl.read_parquet(part).write_csv())
    return "\n".join(texts)


def test_an_unknown_producer_folder_blocks_nothing_and_is_reported(ws):
    (ws.feeds / "somebody_else" / "penalties").mkdir(parents=True)
    (ws.feeds / "somebody_else" / "penalties" / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (ws.feeds / "amr_enforcement" / "penalties_v2").mkdir(parents=True)
    (ws.feeds / "amr_enforcement" / "loose.csv").write_text("a\n", encoding="utf-8")
    deliver(ws, "p.csv", [penalty_row(1)])
    [result] = ingest_all(ws)
    assert (result.status, result.rows_landed) == ("landed", 1)
    notes = {n["path"]: n for n in jobs.inbox_report(ws)["notes"]}
    assert (
        notes["somebody_else"]["kind"] == "unknown_producer"
        and "未知的生产部门目录" in notes["somebody_else"]["reason"]
    )
    assert notes["amr_enforcement/penalties_v2"]["kind"] == "unknown_feed"
    assert notes["amr_enforcement/loose.csv"]["kind"] == "stray"
    status = cwh("status", home=ws.home)
    assert "somebody_else" in status.stdout and "未登记的部门" in status.stdout


def test_a_link_in_the_inbox_is_refused_and_its_target_never_read(ws, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "secret.csv"
    target.write_text(f"{SECRET},x\n1,2\n", encoding="utf-8")
    folder = ws.feeds / "amr_enforcement" / "penalties"
    folder.mkdir(parents=True)
    (folder / "link.csv").symlink_to(target)
    deliver(ws, "inside.csv", [penalty_row(1)])
    (folder / "link_inside.csv").symlink_to(folder / "inside.csv")  # a link is refused wherever it points
    (ws.feeds / "amr_licensing").mkdir()
    (ws.feeds / "amr_licensing" / "licences").symlink_to(outside, target_is_directory=True)
    results = {r.source_file: r for r in ingest_all(ws)}
    assert results["amr_enforcement/penalties/inside.csv"].status == "landed"
    for name in ("link.csv", "link_inside.csv"):
        r = results[f"amr_enforcement/penalties/{name}"]
        assert r.status == "refused" and "符号链接" in r.error and r.batch_id == ""
    assert [e.source_file for e in all_entries(ws.ledger)] == ["amr_enforcement/penalties/inside.csv"]
    assert SECRET not in everything_written(ws) and SECRET not in repr(results)
    refused = {n["path"] for n in jobs.inbox_report(ws)["notes"] if n["kind"] == "refused"}
    assert refused == {
        "amr_enforcement/penalties/link.csv",
        "amr_enforcement/penalties/link_inside.csv",
        "amr_licensing/licences",
    }


def test_a_pipe_in_the_inbox_is_refused_without_waiting_for_a_writer(ws):
    folder = ws.feeds / "amr_enforcement" / "penalties"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "pipe.csv")
    deliver(ws, "p.csv", [penalty_row(1)])
    results = {r.source_file: r.status for r in ingest_all(ws)}
    assert results == {"amr_enforcement/penalties/pipe.csv": "refused", "amr_enforcement/penalties/p.csv": "landed"}


def test_a_delivery_is_read_once_it_is_complete(ws, monkeypatch):
    """Complete: its producer's marker <file>.done beside it, or nothing written to it for the settle time."""
    monkeypatch.setenv(INGEST_SETTLE_ENV, "30")
    now = time.time()
    writing = upload(ws, "writing.csv", [penalty_row(1)], mtime=now - 5)
    marked = upload(ws, "marked.csv", [penalty_row(2)], mtime=now - 5)
    (marked.parent / "marked.csv.done").touch()
    upload(ws, "settled.csv", [penalty_row(3)], mtime=now - 31)
    upload(ws, ".upload.csv", [penalty_row(4)], mtime=now - 3600)  # hidden: an upload under a temporary name
    upload(ws, "upload.csv.part", [penalty_row(5)], mtime=now - 3600)
    results = {r.source_file.rsplit("/", 1)[1]: r for r in ingest_all(ws)}
    assert {k: r.status for k, r in results.items()} == {
        "writing.csv": "pending",
        "marked.csv": "landed",
        "settled.csv": "landed",
    }
    assert "30 秒内仍有写入" in results["writing.csv"].error and "writing.csv.done" in results["writing.csv"].error
    assert {e.source_file.rsplit("/", 1)[1] for e in all_entries(ws.ledger)} == {"marked.csv", "settled.csv"}
    assert [n["kind"] for n in jobs.inbox_report(ws)["notes"]] == ["pending"]

    os.utime(writing, (now - 60, now - 60))  # the writer has finished
    assert {r.source_file.rsplit("/", 1)[1]: r.status for r in ingest_all(ws)} == {
        "writing.csv": "landed",
        "marked.csv": "skipped",
        "settled.csv": "skipped",
    }


def test_an_invalid_settle_time_is_a_clear_error(ws, monkeypatch):
    from ground.errors import ActionableError

    monkeypatch.setenv(INGEST_SETTLE_ENV, "a minute")
    deliver(ws, "p.csv", [penalty_row(1)])
    with pytest.raises(ActionableError, match=INGEST_SETTLE_ENV):
        ingest_all(ws)


def _appending(path, rows):
    """A producer still writing: ``rows`` appended to ``path`` (its mtime moves on, as a writer's does)."""
    fields = [f.name for f in load_contracts()["penalties"].fields]
    data = "".join(",".join(r.get(f, "") for f in fields) + "\n" for r in rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(data)
    os.utime(path, (DELIVERED + 10, DELIVERED + 10))


@pytest.mark.parametrize("hash_behind", [False, True], ids=["hashed-first", "hashed-alongside"])
def test_a_file_that_grows_while_it_is_read_is_not_committed_and_read_whole_later(ws, monkeypatch, hash_behind):
    if hash_behind:
        monkeypatch.setattr(landing, "HASH_BEHIND_BYTES", 0)
    growing = deliver(ws, "growing.csv", [penalty_row(n) for n in range(1, 4)])
    deliver(ws, "later.csv", [penalty_row(10)], at=DELIVERED + 100)
    real_open = landing.open_batch

    def discovered_then_appended(path, *args, **kwargs):  # between discovery (and the snapshot) and the parse
        if path.name == "growing.csv" and not kwargs.get("how"):
            _appending(path, [penalty_row(n) for n in range(4, 7)])
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(landing, "open_batch", discovered_then_appended)
    results = {r.source_file.rsplit("/", 1)[1]: r for r in ingest_all(ws)}
    assert results["growing.csv"].status == "pending" and "读取期间发生了变化" in results["growing.csv"].error
    assert (results["later.csv"].status, results["later.csv"].rows_landed) == ("landed", 1)
    assert [e.source_file for e in all_entries(ws.ledger)] == ["amr_enforcement/penalties/later.csv"]
    assert [e.kind for e in recent_events(inbox_log(ws))] == ["changed"]
    assert not any(ws.staging_tmp.iterdir())
    monkeypatch.undo()

    [again, skipped] = ingest_all(ws)  # the writer is done: the next run reads all of it
    assert (again.status, again.rows_read, again.rows_landed) == ("landed", 6, 6) and skipped.status == "skipped"
    [entry] = [e for e in all_entries(ws.ledger) if e.source_file.endswith("growing.csv")]
    assert entry.file_sha256 == hashlib.sha256(growing.read_bytes()).hexdigest()
    landed = read_landed(ws, "penalties").filter(pl.col("_source_file").cast(pl.String).str.ends_with("growing.csv"))
    assert sorted(landed["_row_number"]) == [1, 2, 3, 4, 5, 6]


def test_the_hash_covers_exactly_the_bytes_that_were_read(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n")
    size = path.stat().st_size
    path.write_bytes(b"a,b\n1,2\n3,4\n")  # grown after the snapshot
    got = digest(path, size, count=True)
    assert (got.sha256, got.length) == (hashlib.sha256(b"a,b\n1,2\n").hexdigest(), size)
    assert (got.counts.newlines, got.counts.commas) == (2, 2)


def test_a_file_deleted_after_discovery_is_recorded_and_the_run_goes_on(ws, monkeypatch):
    deliver(ws, "a.csv", [penalty_row(1)], at=DELIVERED)
    gone_early = deliver(ws, "b.csv", [penalty_row(2)], at=DELIVERED + 1)
    gone_midway = deliver(ws, "c.csv", [penalty_row(3)], at=DELIVERED + 2)
    deliver(ws, "d.csv", [penalty_row(4)], at=DELIVERED + 3)
    real_open = landing.open_batch

    def deleted_while_opened(path, *args, **kwargs):
        if path == gone_midway:
            path.unlink()
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(landing, "open_batch", deleted_while_opened)

    def after_each(result):  # b.csv is deleted once a.csv is done, after the inbox was surveyed
        if result.source_file.endswith("a.csv"):
            gone_early.unlink()

    results = {r.source_file.rsplit("/", 1)[1]: r for r in ingest_all(ws, progress=after_each)}
    assert {k: r.status for k, r in results.items()} == {
        "a.csv": "landed",
        "b.csv": "vanished",
        "c.csv": "vanished",
        "d.csv": "landed",
    }
    assert "被删除" in results["b.csv"].error
    assert sorted(e.source_file.rsplit("/", 1)[1] for e in recent_events(inbox_log(ws))) == ["b.csv", "c.csv"]
    assert len(all_entries(ws.ledger)) == 2 and not any(ws.staging_tmp.iterdir())
    status = cwh("status", home=ws.home)
    assert "已被删除" in status.stdout and "c.csv" in status.stdout


def test_an_internal_error_on_one_file_is_recorded_and_retried_by_the_next_run(ws, monkeypatch):
    deliver(ws, "a.csv", [penalty_row(1)], at=DELIVERED)
    deliver(ws, "b.csv", [penalty_row(2)], at=DELIVERED + 1)
    real_land = landing._land_rows

    def fails_on_a(raw, b, *args):
        if b.rel.endswith("a.csv"):
            raise RuntimeError("bug")
        return real_land(raw, b, *args)

    monkeypatch.setattr(landing, "_land_rows", fails_on_a)
    first = {r.source_file.rsplit("/", 1)[1]: r for r in ingest_all(ws)}
    assert (first["a.csv"].status, first["b.csv"].status) == ("failed", "landed")
    assert "内部错误（RuntimeError）" in first["a.csv"].error
    assert [e.kind for e in recent_events(inbox_log(ws))] == ["failed"]
    monkeypatch.undo()
    assert [r.status for r in ingest_all(ws)] == ["landed", "skipped"]


def test_the_scheduler_summary_names_what_was_not_read(ws, monkeypatch):
    monkeypatch.setenv(INGEST_SETTLE_ENV, "30")
    upload(ws, "new.csv", [penalty_row(1)], mtime=time.time())
    deliver(ws, "old.csv", [penalty_row(2)])
    summary = jobs.ingest_feed(ws, "penalties")
    assert (summary["landed"], summary["skipped"]) == (1, 0)
    assert [(b["source_file"], b["status"]) for b in summary["batches"]] == [
        ("amr_enforcement/penalties/old.csv", "landed")
    ]
    [pending] = summary["not_ingested"]
    assert pending["status"] == "pending" and pending["source_file"].endswith("new.csv")
    json.dumps(summary)  # travels as XCom


def test_a_marker_is_no_delivery(ws):
    path = deliver(ws, "p.csv", [penalty_row(1)])
    (path.parent / "p.csv.done").write_text("", encoding="utf-8")
    assert [r.status for r in ingest_all(ws)] == ["landed"]  # and no batch refused for an unsupported format
    assert [e.source_file for e in all_entries(ws.ledger)] == ["amr_enforcement/penalties/p.csv"]
