"""The ingestion log: one JSON entry per batch under ``landing/_ledger/<feed>/<batch_id>.json``.

The entry is written last, atomically (temp file + rename): it is the batch's commit marker. The same
file content always yields the same batch id, so a rerun finds the entry and adds nothing.

Beside it, the inbox log ``landing/_inbox/<feed>.jsonl``: what happened to a delivery that did not become a batch
(:class:`InboxEvent` — deleted before it was read, changed while it was read, an internal error), one JSON object a
line, appended. Nothing there is committed: the file is read again by the next run, if it is still there.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ground.files import atomic_write_text


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
