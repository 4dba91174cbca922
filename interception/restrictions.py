"""Interception at registration (登记环节自动拦截): which restrictions apply to a person or an enterprise on a date.

Given a resident ID number or a USCC, return the active restrictions — measure, source agency, reason, legal
basis, start and end — so a registration form can stop the application and show the warning seed 003 §3(1) asks
for. The ID number is matched by its hash (the ``person_key`` macro: sha256 of salt + number); it is never stored.

Why a separate index file: the warehouse has one writer, and a dbt build holds it for minutes, while registration
must answer at any time. ``build_index`` copies the restrictions out of ``mart_punishment_lifecycle`` into a small
DuckDB file sorted by subject key (written to a temporary file, then renamed); :class:`Interceptor` loads it
once into memory and answers each lookup with a binary search.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ground.clock import today
from ground.database import connect
from ground.errors import ActionableError
from ground.files import atomic_path
from ground.identifiers import is_valid_ric, is_valid_uscc
from ground.settings import Workspace

INDEX_TABLE = "restriction_index"
EPOCH = date(1970, 1, 1)
KEY_WIDTH = 64  # a USCC (18) or a person key (SHA-256 hex, 64)
TEXT_COLUMNS = {
    "subject_type": "subject_type",
    "object_role": "object_role",
    "uscc": "uscc",
    "measure_id": "measure_id",
    "measure": "measure_name",
    "measure_list": "measure_list",
    "source_agency": "source_agency",
    "reason": "reason",
    "legal_basis": "legal_basis",
}  # Restriction field → index column
INDEX_COLUMNS = (
    "subject_key",
    "subject_type",
    "object_role",
    "uscc",
    "measure_id",
    "measure_name",
    "measure_list",
    "source_agency",
    "reason",
    "legal_basis",
    "basis_number",
    "start_date",
    "end_date",
)
# the index's row order: by subject (the binary search's key), then a total order of the subject's restrictions, so
# that a look-up lists them in the same order on every build, whatever order the warehouse holds them in
INDEX_ORDER = "subject_key, start_date, measure_id, basis_number, uscc, object_role, end_date, source_agency, reason"


class InvalidIdentifier(ActionableError, ValueError):
    """The identifier is neither a valid USCC nor a valid resident ID number."""


class LookupFailed(ActionableError):
    """The lookup could not be answered (no index, a locked or unreadable warehouse, a fault): exit code 3, never 0 or
    1 — the registration system must hold the application and retry, not pass it and not refuse it."""

    exit_code = 3
    retryable = True


@dataclass(frozen=True)
class Restriction:
    subject_type: str  # enterprise | person
    object_role: str  # enterprise | legal_rep | person
    uscc: str | None  # the listed enterprise the restriction comes from
    measure_id: str
    measure: str
    measure_list: str
    source_agency: str | None  # None: decided by the warehouse from several records (a repeat offender)
    reason: str
    legal_basis: str | None
    basis_number: str | None
    start: date
    end: date | None  # first day no longer restricted; None: until the basis is removed


def index_path(ws: Workspace) -> Path:
    return ws.home / "interception" / "restriction_index.duckdb"


def person_key(id_number: str) -> str:
    """The same key as the dbt macro person_key(): sha256 of CWH_PERSON_KEY_SALT + the upper-cased number."""
    salt = os.environ.get("CWH_PERSON_KEY_SALT", "")
    return hashlib.sha256((salt + id_number.strip().upper()).encode("utf-8")).hexdigest()


def subject_key(identifier: str) -> tuple[str, str]:
    """(key, subject type) of a USCC or resident ID number; raises InvalidIdentifier for anything else."""
    text = unicodedata.normalize("NFKC", identifier).strip().upper()
    if len(text) == 18 and is_valid_uscc(text):
        return text, "enterprise"
    if len(text) == 18 and is_valid_ric(text):
        return person_key(text), "person"
    raise InvalidIdentifier(
        f"“{identifier}”既不是有效的统一社会信用代码，也不是有效的居民身份证号码（18 位，校验位须正确）"
    )


def write_index(con: duckdb.DuckDBPyConnection, select_sql: str, target: Path) -> int:
    """Materialise ``select_sql`` (columns INDEX_COLUMNS) as a sorted table in a new file at ``target``."""
    with atomic_path(target) as tmp:
        con.execute(f"attach '{tmp}' as idx")
        try:
            con.execute(f"create table idx.{INDEX_TABLE} as select * from ({select_sql}) order by {INDEX_ORDER}")
            rows = con.execute(f"select count(*) from idx.{INDEX_TABLE}").fetchone()[0]
        finally:
            con.execute("detach idx")
    return rows


def build_index(ws: Workspace) -> int:
    """Copy every linked object × measure of the warehouse into the restriction index; returns its row count."""
    if not ws.warehouse.exists():
        raise FileNotFoundError(f"仓库 {ws.warehouse} 不存在：先运行 `cwh build`（或 `cwh run`）")
    select_sql = """
        select object_key as subject_key, object_type as subject_type, object_role, uscc, measure_id, measure_name,
               measure_list, source_agency, reason, legal_basis, basis_number, start_date, end_date
        from wh.mart_punishment_lifecycle
        where object_key is not null"""
    with connect(ws.warehouse, read_only=True, attach=True) as con:
        return write_index(con, select_sql, index_path(ws))


def ensure_index(ws: Workspace) -> Path:
    """The index, rebuilt first when it is missing or older than the warehouse."""
    path = index_path(ws)
    if not path.exists() or (ws.warehouse.exists() and path.stat().st_mtime < ws.warehouse.stat().st_mtime):
        build_index(ws)
    return path


class Interceptor:
    """The restriction index loaded once into memory; ``lookup`` is a binary search plus a slice.

    Why not one SQL query per lookup: on a shared 2-core machine a DuckDB point query costs milliseconds of
    planning and scheduling, too close to the 5 ms budget of a registration form. Loaded here: the distinct
    subject keys as a sorted fixed-width byte array (``numpy.searchsorted``), each key's first row and row count,
    and the rows themselves as an Arrow table with dictionary-encoded text (measures, agencies and reasons repeat).
    """

    def __init__(self, path: Path):
        import numpy as np
        import pyarrow.compute as pc

        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("set enable_progress_bar = false")
            con.execute(f"""create temp table numbered as
                select *, row_number() over (order by {INDEX_ORDER}) - 1 as row_no
                from {INDEX_TABLE}""")
            # keys padded to KEY_WIDTH bytes, so Arrow's value buffer *is* a fixed-width array numpy can search
            keys = con.sql(f"""select rpad(subject_key, {KEY_WIDTH}, ' ') as k, min(row_no) as first_row,
                                      count(*) as n_rows
                               from numbered group by subject_key order by subject_key""").to_arrow_table()
            rows = con.sql(f"select {', '.join(INDEX_COLUMNS[1:])} from numbered order by row_no").to_arrow_table()
        self._np = np
        packed = keys.column("k").combine_chunks()
        self.keys = np.frombuffer(
            packed.buffers()[2], dtype=f"S{KEY_WIDTH}", count=len(packed), offset=packed.offset * KEY_WIDTH
        ).copy()
        self.first = keys.column("first_row").to_numpy()
        self.count = keys.column("n_rows").to_numpy()
        # text that repeats (measures, agencies, reasons): int32 codes + the Arrow dictionary of values (no
        # millions of Python strings: the garbage collector would walk them all on every full collection);
        # dates: int32 day numbers (-1 = open end); basis numbers: an Arrow string column
        self.codes, self.values = {}, {}
        for name in INDEX_COLUMNS[1:]:
            column = rows.column(name)
            if name in ("start_date", "end_date"):
                days = pc.cast(pc.cast(column, "date32"), "int32").fill_null(-1)
                self.codes[name] = days.to_numpy()
            elif name == "basis_number":
                self.values[name] = column.combine_chunks()
            else:
                # a NULL (a repeat-offender restriction has no single source agency) is code -1, never a NaN
                encoded = pc.dictionary_encode(column).combine_chunks()
                self.codes[name] = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
                self.values[name] = encoded.dictionary

    def close(self) -> None:
        self.codes, self.values = {}, {}

    def __enter__(self) -> Interceptor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _text(self, column: str, row: int) -> str | None:
        code = int(self.codes[column][row])
        return None if code < 0 else self.values[column][code].as_py()

    def lookup_key(self, key: str, as_of: date) -> list[Restriction]:
        probe = key.encode("ascii").ljust(KEY_WIDTH)
        i = int(self._np.searchsorted(self.keys, probe))
        if i >= len(self.keys) or self.keys[i] != probe:
            return []
        lo, hi = int(self.first[i]), int(self.first[i] + self.count[i])
        day = (as_of - EPOCH).days
        start, end = self.codes["start_date"][lo:hi], self.codes["end_date"][lo:hi]
        out = []
        for j in self._np.flatnonzero((start <= day) & ((end < 0) | (end > day))):
            r = lo + int(j)
            text = {field: self._text(col, r) for field, col in TEXT_COLUMNS.items()}
            out.append(
                Restriction(
                    **text,
                    basis_number=self.values["basis_number"][r].as_py(),
                    start=EPOCH + timedelta(days=int(start[j])),
                    end=None if end[j] < 0 else EPOCH + timedelta(days=int(end[j])),
                )
            )
        return out

    def lookup(self, identifier: str, as_of: date | None = None) -> list[Restriction]:
        key, _ = subject_key(identifier)
        return self.lookup_key(key, as_of or today())


def lookup(ws: Workspace, identifier: str, as_of: date | None = None) -> list[Restriction]:
    """One-off lookup against the workspace's index (built or refreshed first when needed).

    A bad identifier raises InvalidIdentifier (the request is wrong); anything else that keeps the answer from being
    known — no warehouse yet, a build holding it, an unreadable index — raises LookupFailed: "not known" must never
    read as "not restricted", nor as "restricted"."""
    subject_key(identifier)  # reject a bad identifier before touching any file
    try:
        with Interceptor(ensure_index(ws)) as interceptor:
            return interceptor.lookup(identifier, as_of)
    except Exception as exc:
        raise LookupFailed(
            "登记拦截查询未能完成，无法确认该主体是否受限：请暂缓办理并稍后重试；仍失败请联系数据管理员"
            f"（原因：{exc if isinstance(exc, (ActionableError, OSError)) else type(exc).__name__}）"
        ) from exc
