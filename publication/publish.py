"""Write a release for the public disclosure system, only after the gate passes.

Layout: ``publication/releases/<release_date>/`` with ``<record>.csv`` (UTF-8, Chinese headers), ``<record>.jsonl``
(canonical keys), ``delta/<record>.jsonl`` (ADD / MOD / DEL against the previous release) and ``manifest.json``.
The release is assembled in a scratch folder and renamed into place, so a reader never sees half a release, and
a failing gate leaves the releases folder untouched.

Every published free-text column passes the content-level negative list (``contracts/redaction.yml``) first: ID,
phone and card numbers, e-mail addresses and personal addresses typed into text are replaced by a marker and counted
in the manifest; the gate then scans every column again. The redacted extract is materialised once per record type
(a temporary table of the read-only session), so the gate judges exactly the rows that are written.

Idempotent: nothing in a release comes from the wall clock. The release date is the warehouse's as-of date
(``mart_publication_context``, the dbt var ``as_of_date``), ``generated_at`` is that date's start in Beijing time,
rows are ordered by key — re-running on unchanged data rewrites byte-identical files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from contracts import load_contracts
from contracts.publication import RecordType, record_types
from contracts.redaction import PatternSet, load_patterns
from ground.database import read_only
from ground.errors import ActionableError
from ground.files import atomic_write_json, locked_scratch, sha256_file, swap_into_place
from ground.rules import in_force, read_rule_table
from ground.settings import SEEDS_DIR, Workspace
from publication import delta as delta_step

RULE_SEEDS_DIR = SEEDS_DIR / "publication"
CONTEXT = "mart_publication_context"


class ReleaseDateMismatch(ActionableError, ValueError):
    """The requested release date is not the date the warehouse was built for."""


@dataclass(frozen=True)
class Release:
    path: Path
    release_date: date
    rows: dict[str, int]
    files: list[str]
    expectations: int
    docs: Path | None
    withheld: dict[str, int]
    delta: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Extract:
    """What the gate judges: every record type's rows as they would be published, and what the run-time checks
    compare them with (the previous release's row counts, the batches the ingestion log committed)."""

    as_of: date
    records: list[RecordType]
    frames: dict[str, pd.DataFrame]
    previous_rows: dict[str, int]
    committed_batches: list[str]
    redactions: dict[str, dict[str, int]]  # record type → kind → cells' matches replaced by the marker


class GatePassed(Protocol):
    """A passed gate, as the release records it; a failed gate raises instead of returning."""

    expectations: int
    docs: Path | None
    bounds_in_force: list[dict]


Gate = Callable[[Extract], GatePassed]


def relation(con: duckdb.DuckDBPyConnection, name: str) -> str:
    row = con.execute(
        "select table_schema from information_schema.tables where table_name = ? order by table_schema = 'main' desc",
        [name],
    ).fetchmany(1)
    row = row[0] if row else None
    if row is None:
        raise FileNotFoundError(f"仓库中没有 {name}：请先运行 `cwh build`")
    return f'"{row[0]}"."{name}"'


def releases_dir(ws: Workspace) -> Path:
    return ws.publication / "releases"


def _connect(ws: Workspace) -> duckdb.DuckDBPyConnection:
    return read_only(ws.warehouse)


def as_of(con: duckdb.DuckDBPyConnection, release_date: date | None) -> tuple[date, str | None]:
    ((built_for, received_until),) = con.execute(
        f"select as_of_date, data_received_until from {relation(con, CONTEXT)}"
    ).fetchall()
    if release_date is not None and release_date != built_for:
        raise ReleaseDateMismatch(
            f"发布日期 {release_date} 与仓库构建所依据的截至日期 {built_for} 不一致：公示期、撤下与移出都按截至日期判断。"
            f"请先以该日期重建（`cwh build --as-of {release_date}`），或不指定发布日期。"
        )
    return built_for, (received_until.isoformat(sep=" ") if received_until else None)


REDACT_FUNCTION = "cwh_redact"


def _extract_table(record: RecordType) -> str:
    return f"extract__{record.name}"


def _query(con: duckdb.DuckDBPyConnection, record: RecordType) -> str:
    return f"select * from {_extract_table(record)} order by {', '.join(record.key)}"


def _redact_column(patterns: PatternSet) -> Callable[[pa.Array], pa.Array]:
    """The redaction as a vectorised DuckDB function (Arrow in, Arrow out)."""

    def redact(values: pa.Array) -> pa.Array:
        return pa.array([patterns.redact(v)[0] for v in values.to_pylist()], pa.string())

    return redact


def _markers(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], patterns: PatternSet) -> Counter[str]:
    """How many markers of each kind the text columns of ``table`` hold (counted in SQL: deterministic whatever
    the order or the number of times DuckDB calls the function)."""
    if not columns:
        return Counter()
    kinds = patterns.kinds
    sums = ", ".join(
        "coalesce(sum("
        + " + ".join(
            f"(length(coalesce(\"{c}\", '')) - length(replace(coalesce(\"{c}\", ''), ?, ''))) // length(?)"
            for c in columns
        )
        + "), 0)"
        for _ in kinds
    )
    params = [m for _, label in kinds for _ in columns for m in (patterns.marker.format(label=label),) * 2]
    row = con.execute(f"select {sums} from {table}", params).fetchall()[0]
    return Counter({name: int(n) for (name, _), n in zip(kinds, row)})


def _invisible(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], regex: str) -> int:
    """How many invisible characters the text columns of ``table`` hold (``regex``: their class, RE2)."""
    if not columns:
        return 0
    removed = " + ".join(
        f"coalesce(sum(length(\"{c}\") - length(regexp_replace(\"{c}\", '{regex}', '', 'g'))), 0)" for c in columns
    )
    return int(con.execute(f"select {removed} from {table}").fetchall()[0][0])


def _materialise(con: duckdb.DuckDBPyConnection, records: list[RecordType]) -> dict[str, dict[str, int]]:
    """One temporary table per record type: the published model without invisible characters in any text cell, its
    free-text columns redacted. Only cells that could hold a match (the pattern set's candidate regex, in DuckDB)
    reach the Python check. Returns the counts."""
    patterns = load_patterns()
    con.create_function(REDACT_FUNCTION, _redact_column(patterns), ["VARCHAR"], "VARCHAR", type="arrow")  # type: ignore[arg-type]
    counts: dict[str, dict[str, int]] = {}
    contracts = load_contracts()
    try:
        candidate = patterns.candidate_regex.replace("'", "''")
        invisible = patterns.invisible_re2.replace("'", "''")
        for record in records:
            source = relation(con, record.relation)
            described = con.execute(f"describe {source}").fetchall()
            columns = [row[0] for row in described]
            strings = [row[0] for row in described if row[1] == "VARCHAR"]
            redacted = set(record.free_text(contracts[record.feed], columns))

            def visible(c: str, strings: list[str] = strings) -> str:  # every text cell loses its invisible characters
                return f"regexp_replace(\"{c}\", '{invisible}', '', 'g')" if c in strings else f'"{c}"'

            select = ", ".join(
                f"case when regexp_matches({visible(c)}, '{candidate}') then {REDACT_FUNCTION}({visible(c)}) "
                f'else {visible(c)} end as "{c}"'
                if c in redacted
                else f'{visible(c)} as "{c}"'
                for c in columns
            )
            con.execute(f"create or replace temp table {_extract_table(record)} as select {select} from {source}")
            text = [c for c in columns if c in redacted]
            found = _markers(con, _extract_table(record), text, patterns) - _markers(con, source, text, patterns)
            found[patterns.invisible_name] = _invisible(con, source, strings, invisible)
            counts[record.name] = {name: found.get(name, 0) for name, _ in patterns.kinds}
    finally:
        con.remove_function(REDACT_FUNCTION)
    return counts


def _extract(con: duckdb.DuckDBPyConnection, records: list[RecordType]) -> dict[str, pd.DataFrame]:
    """The gate's frames; dates as yyyymmdd numbers (great-expectations compares numbers, not date strings, with the
    bounds a JSON suite can hold)."""
    frames = {}
    for r in records:
        query = _query(con, r)
        cast = ", ".join(
            f'cast(strftime("{c}", \'%Y%m%d\') as integer) as "{c}"' if t == "DATE" else f'"{c}"'
            for c, t in _column_types(con, query).items()
        )
        frames[r.name] = con.execute(f"select {cast} from ({query})").df()
    return frames


def _labels(record: RecordType, columns: list[str]) -> list[str]:
    fields = {f.name: f.label for f in load_contracts()[record.feed].fields}
    return [fields.get(c) or record.derived[c].label for c in columns]


def _committed_batches(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        f"select batch_id from {relation(con, 'stg_landing__batches')} where status = 'landed' order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def _previous_rows(previous: Path | None) -> dict[str, int]:
    if previous is None:
        return {}
    manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
    return {name: rt["rows"] for name, rt in manifest["record_types"].items()}


def _extract_for_gate(
    ws: Workspace, con: duckdb.DuckDBPyConnection, records: list[RecordType], built_for: date
) -> Extract:
    redactions = _materialise(con, records)
    return Extract(
        built_for,
        records,
        _extract(con, records),
        _previous_rows(delta_step.previous_release(ws, built_for)),
        _committed_batches(con),
        redactions,
    )


@contextmanager
def extract(ws: Workspace, records: list[RecordType] | None = None) -> Iterator[Extract]:
    """The rows the next release would publish, for the gate alone (`cwh check`); writes nothing."""
    con = _connect(ws)
    try:
        built_for, _ = as_of(con, None)
        yield _extract_for_gate(ws, con, records or record_types(), built_for)
    finally:
        con.close()


def _states(con: duckdb.DuckDBPyConnection, record: RecordType) -> dict[str, int]:
    """Records judged but not published, by reason (withheld, excluded, withdrawn, stopped, expired)."""
    if not record.states:
        return {}
    where = "where record_type = ?" if record.states == "int_publication__list_entries" else ""
    params = [record.name] if where else []
    rows = con.execute(
        f"select publication_state, count(*) from {relation(con, record.states)} {where} group by 1 order by 1", params
    ).fetchall()
    return {state: n for state, n in rows if state != "published"}


def rules_in_force(on: date, gate_bounds: list[dict]) -> dict[str, list[dict]]:
    """Every rule row of the publication seeds (and the gate's bounds) in force on ``on``, as the release used them."""
    out: dict[str, list[dict]] = {
        path.stem: in_force(read_rule_table(path), on) for path in sorted(RULE_SEEDS_DIR.glob("rule_*.csv"))
    }
    out["quality_gate_bounds"] = [
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in b.items()} for b in gate_bounds
    ]
    return out


# OWASP "CSV injection": a text cell that a spreadsheet would evaluate (it starts, after blanks, with = + - @, or
# with a tab or carriage return) is written with a leading apostrophe, which spreadsheets show as text.
FORMULA_START = r"^[\t\r]|^\s*[=+\-@]"
APOSTROPHE = "''''"  # a SQL string literal holding one apostrophe


def _column_types(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"describe {query}").fetchall()}


def _finite(column: str, type_: str) -> str:
    """NaN and ±Infinity are not JSON: a non-finite number is written as null (the gate refuses it upstream)."""
    return f'case when isfinite("{column}") then "{column}" end' if type_ in ("DOUBLE", "FLOAT") else f'"{column}"'


def _is_formula(column: str) -> str:
    return f"regexp_matches(\"{column}\", '{FORMULA_START}')"


def _csv_cell(column: str, type_: str) -> str:
    if type_ != "VARCHAR":
        return _finite(column, type_)
    return f'case when {_is_formula(column)} then {APOSTROPHE} || "{column}" else "{column}" end'


def _formula_cells(con: duckdb.DuckDBPyConnection, query: str, types: dict[str, str]) -> int:
    """How many text cells of the extract the CSV writes with the apostrophe (recorded in the manifest)."""
    text = [c for c, t in types.items() if t == "VARCHAR"]
    if not text:
        return 0
    hits = " + ".join(f"count(*) filter (where {_is_formula(c)})" for c in text)
    return int(con.execute(f"select {hits} from ({query})").fetchone()[0])


def _write_extract(
    con: duckdb.DuckDBPyConnection, record: RecordType, columns: list[str], folder: Path
) -> tuple[list[Path], int]:
    """The record type's CSV (Chinese headers, formula cells neutralised) and JSON Lines (strict JSON); returns the
    files and how many cells were neutralised."""
    query = _query(con, record)
    types = _column_types(con, query)
    csv_path, jsonl_path = folder / f"{record.name}.csv", folder / f"{record.name}.jsonl"
    select = ", ".join(f'{_csv_cell(c, types[c])} as "{label}"' for c, label in zip(columns, _labels(record, columns)))
    con.execute(f"copy (select {select} from ({query})) to '{csv_path}' (header, delimiter ',', quote '\"')")
    strict = ", ".join(f'{_finite(c, t)} as "{c}"' for c, t in types.items())
    con.execute(f"copy (select {strict} from ({query})) to '{jsonl_path}' (format json)")
    return [csv_path, jsonl_path], _formula_cells(con, query, types)


def _file_entry(path: Path, root: Path, record: RecordType, rows: int) -> dict:
    return {
        "file": path.relative_to(root).as_posix(),
        "record_type": record.name,
        "title": record.title,
        "rows": rows,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
    }


def publish(
    ws: Workspace,
    gate: Gate,
    release_date: date | None = None,
    records: list[RecordType] | None = None,
    with_delta: bool = True,
) -> Release:
    """``gate`` the extract, then write the release for the warehouse's as-of date (and its delta unless
    ``with_delta`` is off, when the separate ``publication.delta.build_delta`` step adds it). A failing gate
    raises before anything is written."""
    records = records or record_types()
    con = _connect(ws)
    try:
        built_for, received_until = as_of(con, release_date)
        extracted = _extract_for_gate(ws, con, records, built_for)
        frames = extracted.frames
        result = gate(extracted)

        releases = releases_dir(ws)
        with locked_scratch(releases, delta_step.lock_file(releases)) as scratch:
            files, per_type = [], {}
            for record in records:
                n = len(frames[record.name])
                written, neutralised = _write_extract(con, record, list(frames[record.name].columns), scratch)
                files += [_file_entry(p, scratch, record, n) for p in written]
                per_type[record.name] = {
                    "title": record.title,
                    "rows": n,
                    "relation": record.relation,
                    "contract": record.feed,
                    "contract_version": load_contracts()[record.feed].version,
                    "source_batches": sorted(frames[record.name]["source_batch_id"].dropna().unique().tolist()),
                    "not_published": _states(con, record),
                    "csv_formula_cells_neutralised": neutralised,
                    "redactions": extracted.redactions[record.name],
                }
            manifest = {
                "release_date": built_for.isoformat(),
                "as_of_date": built_for.isoformat(),
                "generated_at": f"{built_for.isoformat()}T00:00:00+08:00",
                "generated_at_note": "截至日期（北京时间零时），不取运行时钟：数据不变则发布文件逐字节相同",
                "data_received_until": received_until,
                "record_types": per_type,
                "withheld": {name: t["not_published"].get("withheld", 0) for name, t in per_type.items()},
                "content_negative_list": {
                    "patterns": "contracts/redaction.yml",
                    "version": load_patterns().version,
                    "marker": load_patterns().marker,
                    "redactions": {
                        kind: sum(t["redactions"][kind] for t in per_type.values()) for kind, _ in load_patterns().kinds
                    },
                },
                "files": files,
                "rules_in_force": rules_in_force(built_for, result.bounds_in_force),
                "gate": {"expectations": result.expectations, "success": True},
            }
            target = releases / built_for.isoformat()
            manifest["revision"] = _revision(ws, target, files)
            if with_delta:
                previous = delta_step.predecessor(ws, built_for, manifest["revision"])
                manifest["delta"] = delta_step.write_delta(scratch, previous, records)
                manifest["files"] += delta_step.file_entries(scratch, records, manifest["delta"])
            write_manifest(scratch, manifest)
            swap_into_place(scratch, target)
    finally:
        con.close()
    return Release(
        target,
        built_for,
        {n: t["rows"] for n, t in per_type.items()},
        [f["file"] for f in manifest["files"]] + ["manifest.json"],
        result.expectations,
        result.docs,
        manifest["withheld"],
        manifest.get("delta", {}).get("counts", {}),
    )


def _revision(ws: Workspace, existing: Path, files: list[dict]) -> int:
    """The revision the release being written is: 1 on a new date; the same as the release it replaces when every
    extract file is byte-identical (a rerun); the next one otherwise, after keeping the replaced revision for the
    delta (publication.delta.keep_superseded)."""
    if not (existing / "manifest.json").exists():
        return 1
    old = json.loads((existing / "manifest.json").read_text(encoding="utf-8"))
    old_files = {f["file"]: f["sha256"] for f in old["files"] if not f["file"].startswith(f"{delta_step.DELTA_DIR}/")}
    revision = int(old.get("revision", 1))
    if old_files == {f["file"]: f["sha256"] for f in files}:
        return revision
    delta_step.keep_superseded(ws, existing)
    return revision + 1


def write_manifest(folder: Path, manifest: dict) -> Path:
    return atomic_write_json(folder / "manifest.json", manifest)
