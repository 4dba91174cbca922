"""The audit log (审计日志): every look-up of an enterprise or a person — who, when, what, how many results — one JSON
line appended to ``$CWH_HOME/console/audit/<YYYY-MM-DD>.jsonl`` (the day in Beijing time) and fsynced before the
answer is sent. ID numbers are written masked (``ground.identifiers.mask_id_number``), never in full."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ground.settings import Workspace

BEIJING = ZoneInfo("Asia/Shanghai")
_LOCK = threading.Lock()


def audit_folder(ws: Workspace) -> Path:
    return ws.home / "console" / "audit"


def record(ws: Workspace, *, user: str, action: str, query: str, results: int, snapshot: str | None = None) -> dict:
    """Append one line and fsync it; returns the entry."""
    now = datetime.now(UTC)
    entry = {
        "at": now.isoformat(timespec="milliseconds"),
        "user": user,
        "action": action,
        "query": query,
        "results": results,
        "snapshot": snapshot,
    }
    folder = audit_folder(ws)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now.astimezone(BEIJING):%Y-%m-%d}.jsonl"
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    return entry


def recent(ws: Workspace, limit: int = 200) -> list[dict]:
    """The latest entries, newest first (the audit page)."""
    out: list[dict] = []
    for path in sorted(audit_folder(ws).glob("*.jsonl"), reverse=True):
        lines = path.read_text(encoding="utf-8").splitlines()
        out += [json.loads(line) for line in reversed(lines) if line.strip()]
        if len(out) >= limit:
            break
    return out[:limit]
