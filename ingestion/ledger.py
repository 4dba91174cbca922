"""The ingestion log: one JSON entry per batch under ``landing/_ledger/<feed>/<batch_id>.json``.

The entry is written last, atomically (temp file + rename): it is the batch's commit marker. The same
file content always yields the same batch id, so a rerun finds the entry and adds nothing.

Every entry records the batch's receipt time (``received_at``, UTC) and where it comes from (``receipt_source``):
``declared`` by the exchange platform or the producer (the marker or the feed folder's receipts manifest,
``receipt_declared_by``), or ``first_seen``: the moment ingestion first saw the complete file, from the receipt log.
Never the file's modification time (``docs/ingestion.md``).

The receipt log ``landing/_ledger/_receipts/<feed>.jsonl`` (:func:`first_seen`): one line per file name and content
(SHA-256) the first time ingestion sees it complete, appended under a lock and flushed to disk before the time is
used; the same file seen again keeps its first time, a file whose content changed is a new delivery. A line torn by
a crash is no entry (its file was never committed either).

Beside them, the inbox log ``landing/_inbox/<feed>.jsonl``: what happened to a delivery that did not become a batch
(:class:`InboxEvent` — deleted before it was read, changed while it was read, an internal error), one JSON object a
line, appended. Nothing there is committed: the file is read again by the next run, if it is still there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

from ground.files import atomic_write_text, exclusive

RECEIPT_LOG = "_receipts"  # landing/_ledger/_receipts/<feed>.jsonl: when each file was first seen
RECEIPT_SOURCES = ("declared", "first_seen")


@dataclass(frozen=True)
class LedgerEntry:
    batch_id: str
    feed: str
    producer_code: str
    producer_dept: str
    source_file: str
    file_sha256: str
    encoding: str | None
    format: str | None
    contract_version: str
    received_at: str
    ingested_at: str
    rows_read: int
    rows_landed: int
    rows_quarantined: int
    status: str  # landed | rejected
    error: str | None
    rows_late: int = 0  # landed rows delivered after their SLA due date (责任清单时限)
    # where received_at comes from: declared | first_seen (None: an entry written before receipts were declared or
    # logged, when the file's modification time was taken)
    receipt_source: str | None = None
    receipt_declared_by: str | None = None  # the marker or receipts manifest that declared it, relative to the inbox

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_landed + self.rows_quarantined:
            raise AssertionError(
                f"{self.source_file}: reconciliation failed: read {self.rows_read} != landed {self.rows_landed}"
                f" + quarantined {self.rows_quarantined}"
            )


def batch_id_for(feed: str, sha256: str) -> str:
    return f"{feed}-{sha256[:16]}"


def entry_path(ledger_dir: Path, feed: str, batch_id: str) -> Path:
    return ledger_dir / feed / f"{batch_id}.json"


def read_entry(ledger_dir: Path, feed: str, batch_id: str) -> LedgerEntry | None:
    path = entry_path(ledger_dir, feed, batch_id)
    if not path.exists():
        return None
    return LedgerEntry(**json.loads(path.read_text(encoding="utf-8")))


def write_entry(ledger_dir: Path, entry: LedgerEntry) -> Path:
    path = entry_path(ledger_dir, entry.feed, entry.batch_id)
    return atomic_write_text(path, json.dumps(asdict(entry), ensure_ascii=False, indent=1))


def has_source(ledger_dir: Path, feed: str, source_file: str) -> bool:
    """Whether any batch of ``feed`` came from a file of this name (a rerun, most likely: hash before anything)."""
    return any(
        json.loads(p.read_text(encoding="utf-8")).get("source_file") == source_file
        for p in (ledger_dir / feed).glob("*.json")
    )


def all_entries(ledger_dir: Path) -> list[LedgerEntry]:
    return [LedgerEntry(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted(ledger_dir.glob("*/*.json"))]


# --- the receipt log -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstSeen:
    source_file: str  # relative to the inbox
    file_sha256: str
    first_seen_at: str  # naive UTC, ISO 8601


def receipt_log(ledger_dir: Path, feed: str) -> Path:
    return ledger_dir / RECEIPT_LOG / f"{feed}.jsonl"


@dataclass
class _Read:
    """What was read of one receipt log so far (it only grows): its entries and how far it was read."""

    offset: int = 0
    inode: int = -1
    entries: dict[tuple[str, str], datetime] | None = None


_logs: dict[Path, _Read] = {}


def _entries(path: Path) -> Mapping[tuple[str, str], datetime]:
    """(file, SHA-256) → first seen, for every whole line of the log; only the bytes added since the last call are
    read (the log is append-only). A line that does not parse — torn by a crash — is no entry."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        _logs.pop(path, None)
        return {}
    known = _logs.get(path)
    if known is None or known.inode != st.st_ino or st.st_size < known.offset or known.entries is None:
        known = _logs[path] = _Read(0, st.st_ino, {})
    assert known.entries is not None
    if st.st_size > known.offset:
        with path.open("rb") as fh:
            fh.seek(known.offset)
            data = fh.read(st.st_size - known.offset)
        whole = data.rfind(b"\n") + 1  # a last line without its end may still be being written: read it next time
        for line in data[:whole].split(b"\n"):
            try:
                e = FirstSeen(**json.loads(line))
                at = datetime.fromisoformat(e.first_seen_at)
            except (ValueError, TypeError):
                continue
            known.entries.setdefault((e.source_file, e.file_sha256), at)
        known.offset += whole
    return known.entries


def first_seen(ledger_dir: Path, feed: str, source_file: str, sha256: str, seen_at: datetime) -> datetime:
    """When ingestion first saw ``source_file`` with this content complete: the logged time, else ``seen_at`` — then
    logged first (under the log's lock, one line appended and flushed to disk), so that a crash or a failed attempt
    after it keeps this time for the next run."""
    path = receipt_log(ledger_dir, feed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(path.with_suffix(".lock")):
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                os.write(fd, b"\n")  # a line torn by a crash is ended: an entry if it is whole, never glued to the next
            if (known := _entries(path).get((source_file, sha256))) is not None:
                return known
            line = json.dumps(asdict(FirstSeen(source_file, sha256, seen_at.isoformat())), ensure_ascii=False)
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    return seen_at


def seen_times(ledger_dir: Path, feed: str) -> dict[str, datetime]:
    """File → when ingestion first saw it (its latest content), to order the files of a run by receipt."""
    latest: dict[str, datetime] = {}
    for (source, _), at in _entries(receipt_log(ledger_dir, feed)).items():
        latest[source] = max(at, latest.get(source, at))
    return latest


@dataclass(frozen=True)
class InboxEvent:
    at: str  # when (UTC, ISO 8601)
    feed: str
    source_file: str  # relative to the inbox
    kind: str  # vanished | changed | failed
    reason: str  # for the operator, in Chinese; never any content of the file


def record_event(log_dir: Path, event: InboxEvent) -> None:
    """Append one event to the feed's inbox log (one line, one write: a reader never sees half of it)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(event), ensure_ascii=False) + "\n"
    with (log_dir / f"{event.feed}.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(line)


def recent_events(log_dir: Path, limit: int = 20) -> list[InboxEvent]:
    """The latest ``limit`` events of every feed, newest first."""
    known = {f.name for f in fields(InboxEvent)}
    events = [
        InboxEvent(**{k: v for k, v in json.loads(line).items() if k in known})
        for path in sorted(log_dir.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return sorted(events, key=lambda e: e.at, reverse=True)[:limit]
