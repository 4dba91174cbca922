"""Write a release for the public disclosure system, only after the gate passes.

Layout: ``publication/releases/<release_date>/`` with ``<record>.csv`` (UTF-8, Chinese headers),
``<record>.jsonl`` (canonical keys) and ``manifest.json`` (row counts, SHA-256 per file, contract
versions, source batches). The release is assembled in a scratch folder and renamed into place, so a
reader never sees half a release. Nothing in a release depends on the wall clock: re-running on unchanged
data yields byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from contracts import load_contracts
from creditwh.settings import Workspace
from publication.spec import RecordType, record_types
from quality_gate import GateFailed, run_gate
from quality_gate.gate import SOURCE_BATCH_COLUMN

EXTRA_LABELS = {SOURCE_BATCH_COLUMN: "来源批次", "region_name": "所在行政区划", "industry_name": "国民经济行业"}


@dataclass(frozen=True)
class Release:
    path: Path
    release_date: date
    rows: dict[str, int]
    files: list[str]
    expectations: int
    docs: Path | None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _locate(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    row = con.execute(
        "select table_schema from information_schema.tables where table_name = ? order by table_schema = 'main' desc",
        [relation]).fetchone()
    if row is None:
        raise FileNotFoundError(f"仓库中没有 {relation}：请先运行 `cwh build`")
    return f'"{row[0]}"."{relation}"'


def _labels(record: RecordType, columns: list[str]) -> list[str]:
    fields = {f.name: f.label for f in load_contracts()[record.feed].fields}
    return [fields.get(c, EXTRA_LABELS.get(c, c)) for c in columns]


def publish(ws: Workspace, release_date: date, records: list[RecordType] | None = None) -> Release:
    records = records or record_types()
    if not ws.warehouse.exists():
        raise FileNotFoundError(f"找不到仓库文件 {ws.warehouse}：请先运行 `cwh build`")
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        queries, frames = _extract(con, records)
        gate = run_gate(frames, records, ws.gate)
        if not gate.success:
            raise GateFailed(gate.failures, gate.docs)

        releases = ws.publication / "releases"
        scratch = ws.publication / f".tmp-{uuid.uuid4().hex[:8]}"
        scratch.mkdir(parents=True)
        try:
            manifest_files, rows, batches = [], {}, {}
            for record in records:
                frame = frames[record.name]
                columns = list(frame.columns)
                csv_path, jsonl_path = scratch / f"{record.name}.csv", scratch / f"{record.name}.jsonl"
                select = ", ".join(f'"{c}" as "{label}"' for c, label in zip(columns, _labels(record, columns)))
                con.execute(f"copy (select {select} from ({queries[record.name]})) to '{csv_path}' "
                            "(header, delimiter ',', quote '\"')")
                con.execute(f"copy ({queries[record.name]}) to '{jsonl_path}' (format json)")
                rows[record.name] = len(frame)
                batches[record.name] = sorted(frame[SOURCE_BATCH_COLUMN].dropna().unique().tolist())
                for p in (csv_path, jsonl_path):
                    manifest_files.append({"file": p.name, "record_type": record.name, "title": record.title,
                                           "rows": len(frame), "sha256": _sha256(p), "bytes": p.stat().st_size})
            data_as_of = con.execute(
                "select max(ingested_at) from "
                f"{_locate(con, 'stg_landing__batches')}").fetchone()[0] if _has(con, "stg_landing__batches") else None
            contracts = load_contracts()
            manifest = {
                "release_date": release_date.isoformat(),
                "data_as_of": str(data_as_of) if data_as_of else None,
                "record_types": {r.name: {"title": r.title, "rows": rows[r.name], "contract": r.feed,
                                          "contract_version": contracts[r.feed].version,
                                          "source_batches": batches[r.name]} for r in records},
                "files": manifest_files,
                "gate": {"expectations": gate.expectations, "success": True},
            }
            (scratch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                                   encoding="utf-8")
            target = releases / release_date.isoformat()
            releases.mkdir(parents=True, exist_ok=True)
            if target.exists():
                old = releases / f".old-{uuid.uuid4().hex[:8]}"
                target.rename(old)
                scratch.rename(target)
                shutil.rmtree(old)
            else:
                scratch.rename(target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    finally:
        con.close()
    return Release(target, release_date, rows, [f["file"] for f in manifest_files] + ["manifest.json"],
                   gate.expectations, gate.docs)


def _extract(con: duckdb.DuckDBPyConnection, records: list[RecordType]):
    queries = {r.name: f"select * from {_locate(con, r.relation)} order by {', '.join(r.key)}" for r in records}
    return queries, {name: con.execute(q).df() for name, q in queries.items()}


def check(ws: Workspace, records: list[RecordType] | None = None):
    """Run the gate alone (no files written): what `cwh check` does."""
    records = records or record_types()
    if not ws.warehouse.exists():
        raise FileNotFoundError(f"找不到仓库文件 {ws.warehouse}：请先运行 `cwh build`")
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        _, frames = _extract(con, records)
    finally:
        con.close()
    return run_gate(frames, records, ws.gate)


def _has(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_name = ?", [relation]).fetchone()[0] > 0
