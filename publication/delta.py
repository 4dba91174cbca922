"""The delta of a release against the previous one: ADD / MOD / DEL rows per record type, computed in DuckDB.

Receivers want changes, not full dumps. Rows are compared by their record key (contracts/publication.yml) and, for
MOD, by their whole JSON line as published — the same writer produced both files, so equal rows are equal text.
``delta/<record>.jsonl`` holds one line per change, ``{"op": "ADD"|"MOD"|"DEL", "record": {...}}`` (the new row
for ADD and MOD, the withdrawn row for DEL), ordered by key. The first release has no predecessor: every row is ADD.

A delta is always against what consumers last received. A second release on the same date (the warehouse rebuilt
with new deliveries) is the date's next *revision*: the revision it replaces is kept under
``publication/superseded/<date>/r<n>/`` and the new delta is computed against it (``against`` names date and
revision). Publishing unchanged data again keeps the revision and so rewrites the same bytes.

``publish`` writes the delta inside the release before it is renamed into place; :func:`build_delta` is the same
step on its own (an Airflow task after publish): it rebuilds ``delta/`` and the manifest of an existing release,
atomically and byte-identically on unchanged input.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb

from contracts.publication import RecordType, record_types
from ground.files import atomic_write_json, locked_scratch, scratch_folder, sha256_file, swap_into_place
from ground.settings import Workspace

DELTA_DIR = "delta"
OPS = ("ADD", "MOD", "DEL")


def lock_file(releases: Path) -> Path:
    """Publish and delta take turns on this file, beside (not in) the releases folder that consumers read."""
    return releases.parent / ".releases.lock"


def superseded_dir(ws: Workspace) -> Path:
    return ws.publication / "superseded"


def revision_of(release: Path) -> int:
    return int(json.loads((release / "manifest.json").read_text(encoding="utf-8")).get("revision", 1))


def predecessor(ws: Workspace, day: date, revision: int) -> Path | None:
    """What revision ``revision`` of the release of ``day`` is compared with: the date's previous revision, or for
    the first revision the latest release of an earlier date."""
    if revision > 1:
        path = superseded_dir(ws) / day.isoformat() / f"r{revision - 1}"
        if not (path / "manifest.json").exists():
            raise FileNotFoundError(f"{day} 第 {revision} 版的前一版不在 {path}：无法计算变更")
        return path
    return previous_release(ws, day)


def keep_superseded(ws: Workspace, release: Path) -> Path:
    """Copy the release about to be replaced to ``superseded/<date>/r<revision>`` (atomically); returns the copy."""
    target = superseded_dir(ws) / release.name / f"r{revision_of(release)}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with scratch_folder(target.parent) as scratch:
        shutil.copytree(release, scratch, dirs_exist_ok=True)
        swap_into_place(scratch, target)
    return target


def against(previous_dir: Path | None) -> dict | None:
    if previous_dir is None:
        return None
    manifest = json.loads((previous_dir / "manifest.json").read_text(encoding="utf-8"))
    return {"release_date": manifest["release_date"], "revision": int(manifest.get("revision", 1))}


def previous_release(ws: Workspace, before: date) -> Path | None:
    """The latest complete release dated before ``before`` (every release on disk passed the gate)."""
    root = ws.publication / "releases"
    if not root.exists():
        return None
    dated = []
    for p in root.iterdir():
        try:
            day = date.fromisoformat(p.name)
        except ValueError:
            continue  # scratch folders
        if day < before and (p / "manifest.json").exists():
            dated.append((day, p))
    return max(dated)[1] if dated else None


def _lines(path: Path | None, key: tuple[str, ...]) -> str:
    if path is None or not path.exists() or path.stat().st_size == 0:
        return "select null::varchar as k, null::json as line where false"
    k = " || chr(31) || ".join(f"coalesce(json_extract_string(json, '$.{c}'), '')" for c in key)
    return f"select {k} as k, json as line from read_json_objects('{path}', format='newline_delimited')"


def write_delta(release_dir: Path, previous_dir: Path | None, records: list[RecordType]) -> dict:
    """Write ``release_dir/delta/<record>.jsonl``; return {"against": <previous release or null>, "counts": {...}}."""
    out = release_dir / DELTA_DIR
    out.mkdir(exist_ok=True)
    counts: dict[str, dict[str, int]] = {}
    with duckdb.connect() as con:
        for r in records:
            prev = previous_dir / f"{r.name}.jsonl" if previous_dir else None
            con.execute(f"create or replace temp table cur as {_lines(release_dir / f'{r.name}.jsonl', r.key)}")
            con.execute(f"create or replace temp table prev as {_lines(prev, r.key)}")
            con.execute("""
                create or replace temp table changes as
                select 'ADD' as op, cur.k, cur.line as record from cur anti join prev on cur.k = prev.k
                union all
                select 'MOD', cur.k, cur.line from cur inner join prev on cur.k = prev.k
                where cur.line::varchar <> prev.line::varchar
                union all
                select 'DEL', prev.k, prev.line from prev anti join cur on cur.k = prev.k
            """)
            con.execute(
                f"copy (select op, record from changes order by k, op) to '{out / f'{r.name}.jsonl'}' (format json)"
            )
            found = dict(con.execute("select op, count(*) from changes group by op").fetchall())
            counts[r.name] = {
                "added": found.get("ADD", 0),
                "modified": found.get("MOD", 0),
                "removed": found.get("DEL", 0),
            }
    return {"against": against(previous_dir), "counts": counts}


def file_entries(release_dir: Path, records: list[RecordType], delta: dict) -> list[dict]:
    entries = []
    for r in records:
        p = release_dir / DELTA_DIR / f"{r.name}.jsonl"
        c = delta["counts"][r.name]
        entries.append(
            {
                "file": p.relative_to(release_dir).as_posix(),
                "record_type": r.name,
                "title": f"{r.title}（变更）",
                "rows": c["added"] + c["modified"] + c["removed"],
                "sha256": sha256_file(p),
                "bytes": p.stat().st_size,
            }
        )
    return entries


def build_delta(ws: Workspace, release_date: date, records: list[RecordType] | None = None) -> dict:
    """(Re)build the delta of the release of ``release_date`` against its predecessor and record it in the
    manifest. The new delta folder is assembled beside the release and swapped in; the manifest is replaced
    atomically."""
    records = records or record_types()
    release = ws.publication / "releases" / release_date.isoformat()
    if not (release / "manifest.json").exists():
        raise FileNotFoundError(f"没有 {release_date} 的发布（{release}）：请先运行 `cwh publish`")
    with locked_scratch(release, lock_file(release.parent)) as scratch:
        for r in records:  # write_delta reads the extracts beside the delta folder it writes
            (scratch / f"{r.name}.jsonl").symlink_to(release / f"{r.name}.jsonl")
        delta = write_delta(scratch, predecessor(ws, release_date, revision_of(release)), records)
        manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
        manifest["delta"] = delta
        manifest["files"] = [f for f in manifest["files"] if not f["file"].startswith(f"{DELTA_DIR}/")] + file_entries(
            scratch, records, delta
        )
        swap_into_place(scratch / DELTA_DIR, release / DELTA_DIR)
        atomic_write_json(release / "manifest.json", manifest)
    return delta
