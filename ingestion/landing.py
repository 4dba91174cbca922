"""Ingest one delivered file, or every new file in the landing zone, against its feed's contract.

A batch streams through in chunks (``CHUNK_ROWS``), so its size is bounded by disk, not memory: each chunk is
mapped to canonical fields by header label, cleaned, validated against the generated pandera schema and written
to scratch space with its provenance. Duplicates across the whole batch are found afterwards from row
signatures. Only then is the batch published — landing folder, quarantine folder, and last the ledger entry,
the commit marker — so a crash at any point leaves nothing the warehouse reads.

The batch id and the file's SHA-256 are not written on each landed row: the folder a batch is published to,
``landing/<feed>/batch_id=<id>/``, names its batch (readers take it as a hive partition key), and the ledger
entry of that batch records the SHA-256. So no chunk waits for the content hash, which for a large new file is
computed alongside validation.
"""

from __future__ import annotations

import gc
import json
import shutil
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from contracts import FeedContract, load_contracts
from contracts.model import normalise_header
from ground.clock import local_date
from ground.files import sha256_file, swap_into_place
from ground.settings import Workspace
from ground.workdays import add_working_days
from ingestion import ledger
from ingestion.cleaning import clean_chunk
from ingestion.errors import BatchError, IngestionError
from ingestion.reading import ROW_INDEX, NotUtf8, RawBatch, file_format, open_batch
from ingestion.schema import load_schema, warning_columns
from ingestion.validation import (
    REASON_SCHEMA,
    SIGNATURE_SCHEMA,
    changed_raw_values,
    copies_in_chunk,
    duplicate_reasons,
    duplicate_suspects,
    raw_kept_column,
    received_values,
    schema_reasons,
    signatures,
)

if TYPE_CHECKING:  # pandera loads with the first schema (ingestion.schema)
    import pandera.polars as pa

EMPTY_BATCH = "_empty"
CHUNK_ROWS = 250_000  # rows validated at a time: bounded peak memory at any file size (benchmarks/RESULTS.md)
CHUNK_WORKERS = 2  # chunks cleaned, validated and written at the same time
# zstd-1 and no statistics: nothing reads landing by value ranges (batch_id= folders select whole batches)
PARQUET = {"compression": "zstd", "compression_level": 1, "statistics": False}
# files this large are hashed beside validation: only the ledger entry and quarantine, written last, need the hash
HASH_BEHIND_BYTES = 64 << 20
_BATCH_TEXT = pl.Categorical  # one value per batch: polars skips hashing it row by row
# Written on every landed row. The batch id is the folder's name (``batch_id=<id>``, read as a hive partition key) and
# the file's SHA-256 is in the batch's ledger entry: staging adds both as ``_batch_id`` and ``_file_sha256``.
PROVENANCE = {
    "_feed": _BATCH_TEXT,
    "_producer_code": _BATCH_TEXT,
    "_producer_dept": _BATCH_TEXT,
    "_producer_dept_uscc": _BATCH_TEXT,
    "_providing_system": _BATCH_TEXT,
    "_source_file": _BATCH_TEXT,
    "_row_number": pl.Int64,
    "_received_at": pl.Datetime("us"),
    "_ingested_at": pl.Datetime("us"),
    "_due_by": pl.Date,
    "_due_by_estimated": pl.Boolean,
    "_is_late": pl.Boolean,
    "_warnings": pl.String,
}
REJECT_SCHEMA = {
    "_batch_id": pl.String,
    "_feed": pl.String,
    "_source_file": pl.String,
    "_row_number": pl.Int64,
    "rule": pl.String,
    "field": pl.String,
    "value": pl.String,
    "message": pl.String,
    "raw_record": pl.String,
}
_TYPES = {"string": pl.String, "date": pl.Date, "number": pl.Float64, "integer": pl.Int64}


@dataclass(frozen=True)
class BatchResult:
    feed: str
    source_file: str
    batch_id: str
    status: str  # landed | rejected | skipped (already ingested)
    rows_read: int
    rows_landed: int
    rows_quarantined: int
    rejects_by_rule: dict[str, int]
    error: str | None = None


@dataclass(frozen=True)
class _Batch:
    """What every landed row of one batch shares (provenance). The content hash may still be being computed."""

    contract: FeedContract
    rel: str
    digest: Future  # → the file's SHA-256 (hex)
    received: datetime
    ingested: datetime
    scratch: Path

    @property
    def sha256(self) -> str:
        return self.digest.result()

    @property
    def batch_id(self) -> str:
        return ledger.batch_id_for(self.contract.name, self.sha256)


def landed_schema(contract: FeedContract) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {f.name: _TYPES[f.logical_type] for f in contract.fields}
    schema.update({f"{f.name}__raw": pl.String for f in contract.fields})
    schema.update(PROVENANCE)
    return schema


def scan_landed(parts: Path | list[Path], contract: FeedContract, **hive) -> pl.LazyFrame:
    """Landed Parquet parts of a feed with the full landed schema: a part leaves out the ``<f>__raw`` columns that
    are null on all its rows, and they come back here as null; text written dictionary-coded (Categorical) is read
    as the String it is. ``hive``: polars' hive-partitioning options (see :func:`scan_published`)."""
    return pl.scan_parquet(
        parts,
        schema=landed_schema(contract),
        missing_columns="insert",
        cast_options=pl.ScanCastOptions(categorical_to_string="allow"),
        **hive,
    )


def scan_published(landing: Path, contract: FeedContract) -> pl.LazyFrame:
    """Every published landed row of a feed (uncommitted folders included: the ledger says which are committed),
    with ``batch_id``, the batch its folder names."""
    return scan_landed(
        landing / contract.name / "batch_id=*" / "*.parquet",
        contract,
        extra_columns="ignore",
        hive_partitioning=True,
        hive_schema={"batch_id": pl.String},
    )


def ensure_layout(ws: Workspace, contracts: dict[str, FeedContract] | None = None) -> None:
    """Every feed gets a zero-row Parquet with its full schema, so the warehouse's globs never come up empty."""
    ws.ensure()
    for contract in (contracts or load_contracts()).values():
        target = ws.landing / contract.name / f"batch_id={EMPTY_BATCH}" / "part-00000.parquet"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            pl.DataFrame(schema=landed_schema(contract)).write_parquet(target)
        rejects = ws.quarantine / contract.name / f"batch_id={EMPTY_BATCH}" / "rejects.parquet"
        if not rejects.exists():
            rejects.parent.mkdir(parents=True, exist_ok=True)
            pl.DataFrame(schema=REJECT_SCHEMA).write_parquet(rejects)


def _header_map(raw: RawBatch, contract: FeedContract, name: str) -> dict[str, str]:
    """Producer header → canonical field, by label (never by position); batch errors for drift and gaps."""
    aliases = contract.alias_map()
    mapped: dict[str, str] = {}
    unexpected: list[str] = []
    for header in raw.headers:
        canonical = aliases.get(normalise_header(header))
        if canonical is None:
            unexpected.append(header)
        elif canonical in mapped.values():
            first = next(h for h, c in mapped.items() if c == canonical)
            raise BatchError(
                "duplicate_column", f"{name}: 列 {first!r} 与 {header!r} 都对应字段 {canonical}，无法判定以哪列为准"
            )
        else:
            mapped[header] = canonical
    if unexpected:
        raise BatchError(
            "schema_drift",
            f"{name}: 出现合同 {contract.name} v{contract.version} 未定义的列 {unexpected}（schema drift）。"
            f"如为已有字段的新名称，请在合同中增加 synonym；否则请生产部门按数据需求清单报送",
        )
    missing = [f for f in contract.required_fields if f.name not in mapped.values()]
    if missing and raw.headers:
        labels = ", ".join(f"{f.name}（{f.label}）" for f in missing)
        raise BatchError("missing_column", f"{name}: 缺少必填列 {labels}")
    return mapped


def _canonical(chunk: pl.DataFrame, mapped: dict[str, str], contract: FeedContract) -> pl.DataFrame:
    frame = chunk.rename(mapped)
    absent = [f.name for f in contract.fields if f.name not in frame.columns]
    return frame.with_columns([pl.lit(None, pl.String).alias(c) for c in absent]).select(
        *contract.field_names, ROW_INDEX
    )


_MESSAGES = {
    "required": "必填字段为空",
    "enum": "取值不在代码表（合同 enum）内",
    "pattern": "格式不符合合同 pattern",
    "minimum": "小于合同规定的最小值",
    "bad_date": "日期无法解析",
    "bad_number": "数值无法解析",
    "uscc_check": "统一社会信用代码校验位错误（GB 32100 / GB 11714）",
    "ric_check": "身份证号码校验位或出生日期错误（GB 11643）",
    "licence_number_check": "许可编号格式或校验位错误",
    "decision_number_format": "文书号格式应为 机关简称〔年份〕序号号",
    "unknown_code": "代码不在参考代码表内",
    "duplicate_row": "与本批次中前一行完全重复",
    "duplicate_key": "同一批次中同一业务主键出现多条不同记录，无法判定以哪条为准",
    "truncated_row": "最后一行不完整",
}


@lru_cache(maxsize=1 << 16)
def _deadline(day: date, days: int):
    return add_working_days(day, days)


def _due_dates(frame: pl.DataFrame, contract: FeedContract) -> pl.DataFrame:
    """``(<latency field>, _due_by, _due_by_estimated)`` for each distinct date of the chunk (working-day calendar)."""
    field, days = contract.latency_field, contract.latency_working_days
    lookup = {d: _deadline(d, days) for d in frame[field].drop_nulls().unique().to_list()}
    return pl.DataFrame(
        {
            field: list(lookup),
            "_due_by": [v.due for v in lookup.values()],
            "_due_by_estimated": [v.estimated for v in lookup.values()],
        },
        schema={field: pl.Date, "_due_by": pl.Date, "_due_by_estimated": pl.Boolean},
    )


def _received_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(tzinfo=None, microsecond=0)


def _raw_json(frame: pl.DataFrame, contract: FeedContract) -> pl.Series:
    raw = frame.select([pl.col(f"{f.name}__raw").alias(f.label) for f in contract.fields])
    return raw.select(pl.struct(pl.all()).struct.json_encode()).to_series()


def _batch_text(value: str | None) -> pl.Expr:
    return pl.lit(value, pl.String).cast(_BATCH_TEXT)


def _with_provenance(
    rows: pl.LazyFrame, due: pl.DataFrame, b: _Batch, unchanged: frozenset[str], known: frozenset[str] = frozenset()
) -> pl.LazyFrame:
    """Accepted rows as landed: provenance, SLA due date and late flag, ``<f>__raw`` kept where cleaning changed it."""
    c = b.contract
    received_local = local_date(b.received)  # naive UTC → Beijing date
    warnings = [
        pl.when(pl.col(f.name).is_not_null() & ~pl.col(f.name).is_in(pl.Series(sorted(codes)).implode())).then(
            pl.format("{}: 未知代码 {}", pl.lit(f.name), pl.col(f.name))
        )
        for f, codes in warning_columns(c)
    ]
    day = pl.col(c.latency_field)
    rows = rows.with_columns(
        *changed_raw_values(c, unchanged, known),
        # the due date of each distinct decision date, looked up (a join would gather every column again)
        _due_by=day.replace_strict(due[c.latency_field], due["_due_by"], default=None, return_dtype=pl.Date),
        _due_by_estimated=day.replace_strict(
            due[c.latency_field], due["_due_by_estimated"], default=None, return_dtype=pl.Boolean
        ),
        _feed=_batch_text(c.name),
        _producer_code=_batch_text(c.producer.code),
        _producer_dept=_batch_text(c.producer.department),
        _producer_dept_uscc=_batch_text(c.producer.department_uscc),
        _providing_system=_batch_text(c.producer.providing_system),
        _source_file=_batch_text(b.rel),
        _received_at=pl.lit(b.received, pl.Datetime("us")),
        _ingested_at=pl.lit(b.ingested, pl.Datetime("us")),
        _warnings=pl.concat_str(warnings, separator="; ", ignore_nulls=True) if warnings else pl.lit(None, pl.String),
    ).with_columns(_is_late=pl.col("_due_by") < pl.lit(received_local, pl.Date))
    have = rows.collect_schema()
    # text coded by cleaning stays Categorical: Parquet stores either as dictionary-encoded text
    return rows.select(
        [
            pl.col(col) if have[col].base_type() == pl.Categorical and t == pl.String else pl.col(col).cast(t)
            for col, t in landed_schema(c).items()
        ]
    )


def _reject_rows(reasons: pl.DataFrame, rows: pl.DataFrame, b: _Batch) -> pl.DataFrame:
    """One quarantine line per reason: the raw value of the failed field and the whole raw record."""
    c = b.contract
    named = set(reasons["field"].drop_nulls().unique())  # the fields some reason names: a few, as a rule
    raw_values = pl.DataFrame(schema={ROW_INDEX: pl.Int64, "field": pl.String, "raw_value": pl.String})
    if on := [f"{f.name}__raw" for f in c.fields if f.name in named]:
        raw_values = (
            rows.unpivot(index=ROW_INDEX, on=on, variable_name="field", value_name="raw_value")
            .with_columns(pl.col("field").str.strip_suffix("__raw"))
            .select(ROW_INDEX, "field", "raw_value")
        )
    records = rows.select(ROW_INDEX, raw_record=_raw_json(rows, c))
    reasons = reasons.join(raw_values, on=[ROW_INDEX, "field"], how="left")
    # a present-but-unparseable value is reported as bad_date/bad_number, not also as "required"
    present = (pl.col("raw_value").str.strip_chars() != "").fill_null(False)
    reasons = reasons.filter(~((pl.col("rule") == "required") & present))
    return reasons.join(records, on=ROW_INDEX, how="left").select(
        pl.lit(b.batch_id).alias("_batch_id"),
        pl.lit(c.name).alias("_feed"),
        pl.lit(b.rel).alias("_source_file"),
        ROW_INDEX,
        "rule",
        "field",
        pl.coalesce("raw_value", "value").alias("value"),
        pl.col("rule").replace_strict(_MESSAGES, default="校验未通过").alias("message"),
        "raw_record",
    )


@contextmanager
def _without_gc() -> Iterator[None]:
    """Python's cycle collector off while a batch streams through: the work is in polars and numpy, and the
    collector would otherwise walk every live object again and again as pandera and polars create small ones."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _land_rows(raw: RawBatch, b: _Batch, schema: pa.DataFrameSchema, name: str) -> tuple[int, pl.DataFrame]:
    """Validate every chunk; write accepted rows to ``scratch/landing``. Returns (rows landed, quarantine lines).

    Chunks are cleaned, validated and written on CHUNK_WORKERS threads, while the next chunk is being read:
    polars releases the GIL, and one chunk's single-threaded moments (pandera, numpy) are another's busy ones.
    At most CHUNK_WORKERS chunks are being processed at a time (a chunk queued besides cost memory, no time).
    """
    with _without_gc():
        return _land_rows_in_chunks(raw, b, schema, name)


def _land_chunk(
    i: int,
    chunk: pl.DataFrame,
    mapped: dict[str, str],
    b: _Batch,
    schema: pa.DataFrameSchema,
    accepted: Path,
    rejected: Path,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One chunk: cleaned, validated, written (accepted rows to ``accepted``, rejected rows to ``rejected``).
    Returns its row signatures and its reasons."""
    c = b.contract
    frame, unchanged, coded, raw_codes, raw_kept = clean_chunk(_canonical(chunk, mapped, c), c.fields)
    sigs = signatures(frame, c, i, raw_codes)
    copies = copies_in_chunk(frame, sigs, c)
    found = pl.concat([schema_reasons(frame, schema, c), copies])
    _write_chunk(frame, found[ROW_INDEX], _due_dates(frame, c), unchanged, coded, raw_kept, b, accepted, rejected)
    # a copy found here is a duplicate_row already, and its earlier original stays in the signatures: it would
    # only make its original a batch-wide suspect (same record key) and have the chunk's parts read back
    return sigs.filter(~pl.col(ROW_INDEX).is_in(copies[ROW_INDEX].implode())), found


def _land_rows_in_chunks(raw: RawBatch, b: _Batch, schema: pa.DataFrameSchema, name: str) -> tuple[int, pl.DataFrame]:
    c = b.contract
    mapped = _header_map(raw, c, name)
    accepted_dir, rejected_dir = b.scratch / "landing", b.scratch / "rejected"
    accepted_dir.mkdir()
    rejected_dir.mkdir()
    reasons, sigs = [pl.DataFrame(schema=REASON_SCHEMA)], [pl.DataFrame(schema=SIGNATURE_SCHEMA)]
    parts: list[Path] = []
    with ThreadPoolExecutor(max_workers=CHUNK_WORKERS) as workers:
        in_flight: deque[Future] = deque()  # chunks being cleaned, validated and written

        def collect_oldest() -> None:
            chunk_sigs, found = in_flight.popleft().result()
            sigs.append(chunk_sigs)
            reasons.append(found)

        try:
            for i, chunk in enumerate(raw.chunks(CHUNK_ROWS)):
                parts.append(accepted_dir / f"part-{i:05d}.parquet")
                in_flight.append(
                    workers.submit(
                        _land_chunk, i, chunk, mapped, b, schema, parts[-1], rejected_dir / f"part-{i:05d}.parquet"
                    )
                )
                del chunk
                while len(in_flight) >= CHUNK_WORKERS:  # the next read waits for a free worker
                    collect_oldest()
            while in_flight:
                collect_oldest()
        finally:
            for pending in in_flight:  # a failed chunk or read: nothing more starts; running ones finish
                pending.cancel()
    suspects = duplicate_suspects(pl.concat(sigs))
    if not parts:
        parts.append(accepted_dir / "part-00000.parquet")
        pl.DataFrame(schema=landed_schema(c)).write_parquet(parts[-1], **PARQUET)
    rejected_parts = sorted(rejected_dir.glob("*.parquet"))
    by_chunk = {i: [p for p in (part, rejected_dir / part.name) if p.exists()] for i, part in enumerate(parts)}
    dups = duplicate_reasons(suspects, by_chunk, c, lambda files: scan_landed(files, c))
    all_reasons = pl.concat([*reasons, dups]).unique(maintain_order=True)
    # copies across chunks and key clashes were accepted chunk by chunk: take them out again (rarely any part)
    moved = dups.filter(~pl.col(ROW_INDEX).is_in(pl.concat(reasons)[ROW_INDEX].implode()))[ROW_INDEX].unique()
    row_columns = [ROW_INDEX, *(f.name for f in c.fields), *(f"{f.name}__raw" for f in c.fields)]
    dup_rows = [
        pl.DataFrame(
            schema={k: v for k, v in landed_schema(c).items() if k in row_columns} | {ROW_INDEX: pl.Int64}
        ).select(row_columns)
    ]
    hit = pl.col(ROW_INDEX).is_in(moved.implode())
    for part in parts if moved.len() else []:
        if pl.scan_parquet(part).select(hit.any()).collect().item():
            frame = scan_landed(part, c).collect()
            dup_rows.append(frame.filter(hit).with_columns(received_values(c)).select(row_columns))
            _write_landed(frame.filter(~hit), c, part)
    landed = sum(pl.scan_parquet(p).select(pl.len()).collect().item() for p in parts)
    bad_rows = pl.concat([pl.read_parquet(p).select(row_columns) for p in rejected_parts] + dup_rows).unique(ROW_INDEX)
    return landed, _reject_rows(all_reasons, bad_rows, b)


def _write_chunk(
    frame: pl.DataFrame,
    rejected: pl.Series,
    due: pl.DataFrame,
    unchanged: frozenset[str],
    coded: dict[str, pl.Series],
    raw_kept: dict[str, pl.Series],
    b: _Batch,
    landed_part: Path,
    rejected_part: Path,
) -> None:
    """Accepted rows, with provenance, to the landing part (``coded`` columns dictionary-coded, as cleaning coded
    them; ``raw_kept``: where cleaning found the rows whose raw value is kept); rejected rows, with every raw value,
    to scratch for the quarantine."""
    bad = pl.col(ROW_INDEX).is_in(rejected.unique().implode())
    landed = frame.with_columns(*coded.values(), *(m.alias(raw_kept_column(f)) for f, m in raw_kept.items()))
    landed = _with_provenance(landed.lazy().filter(~bad), due, b, unchanged, frozenset(raw_kept))
    _write_landed(landed.collect(), b.contract, landed_part)
    if rejected.len():
        frame.filter(bad).write_parquet(rejected_part, **PARQUET)


def _write_landed(landed: pl.DataFrame, contract: FeedContract, part: Path) -> None:
    """One landed part. A ``<f>__raw`` column that is null on every row (cleaning changed no value of the field) is
    left out: readers insert it as null (``union_by_name`` in the warehouse, :func:`scan_landed` here), and writing
    20-odd empty text columns cost a fifth of the write. Each column is made one contiguous array first: the CSV
    reader's rows come in a few hundred pieces, and the writer encodes whole columns faster than it gathers pieces
    (−0.5 CPU-s per 1 M rows, benchmarks/RESULTS.md)."""
    empty = [f"{f.name}__raw" for f in contract.fields if landed[f"{f.name}__raw"].null_count() == landed.height]
    landed.drop(empty if landed.height else []).rechunk().write_parquet(part, **PARQUET)


def _malformed_rejects(raw: RawBatch | None, b: _Batch) -> pl.DataFrame:
    rows = raw.malformed if raw else []
    n = len(rows)
    return pl.DataFrame(
        {
            "_batch_id": [b.batch_id] * n,
            "_feed": [b.contract.name] * n,
            "_source_file": [b.rel] * n,
            "_row_number": [r for r, _, _ in rows],
            "rule": [rule for _, rule, _ in rows],
            "field": [None] * n,
            "value": [None] * n,
            "message": [m for _, _, m in rows],
            "raw_record": [None] * n,
        },
        schema=REJECT_SCHEMA,
    )


def _whole_batch_rejects(raw: RawBatch, err: BatchError, b: _Batch) -> pl.DataFrame:
    """Every row of a batch refused as a whole, with the batch's reason (the rows are kept, never dropped)."""
    parts = [pl.DataFrame(schema=REJECT_SCHEMA)]
    try:
        for chunk in raw.chunks(CHUNK_ROWS):
            values = chunk.drop(ROW_INDEX)
            raw_json = (
                values.select(pl.struct(pl.all()).struct.json_encode()).to_series()
                if values.width
                else pl.Series([None] * chunk.height, dtype=pl.String)
            )
            parts.append(
                pl.DataFrame(
                    {
                        "_batch_id": b.batch_id,
                        "_feed": b.contract.name,
                        "_source_file": b.rel,
                        "_row_number": chunk[ROW_INDEX],
                        "rule": err.rule,
                        "field": None,
                        "value": None,
                        "message": err.message,
                        "raw_record": raw_json,
                    },
                    schema=REJECT_SCHEMA,
                )
            )
    except BatchError:  # unreadable as well: the ledger records the batch error and no rows
        raw.rows = 0
        return parts[0]
    return pl.concat(parts)


def _late_rows(landing_dir: Path, contract: FeedContract) -> int:
    """Landed rows delivered after their SLA due date, counted from the batch's Parquet parts."""
    parts = sorted(landing_dir.glob("*.parquet"))
    if not parts:
        return 0
    return int(scan_landed(parts, contract).select(pl.col("_is_late").fill_null(False).sum()).collect().item())


def ingest_file(
    ws: Workspace,
    contract: FeedContract,
    path: Path,
    *,
    now: datetime | None = None,
    schema: pa.DataFrameSchema | None = None,
) -> BatchResult:
    """Validate and land one delivered file. Idempotent by content hash; atomic per batch.

    ``schema`` defaults to the committed, generated schema of the feed (``ingestion/schemas/<feed>.py``).
    """
    ws.ensure()
    rel = path.relative_to(ws.feeds).as_posix() if path.is_relative_to(ws.feeds) else path.name
    hasher = ThreadPoolExecutor(max_workers=1)
    digest: Future = Future()
    if path.stat().st_size >= HASH_BEHIND_BYTES and not ledger.has_source(ws.ledger, contract.name, rel):
        # a new large file: hashed on its own thread while its chunks are read, validated and written; only the
        # quarantine lines and the ledger entry, written at the end, need it
        digest = hasher.submit(sha256_file, path)
    else:
        digest.set_result(sha256_file(path))
        batch_id = ledger.batch_id_for(contract.name, digest.result())
        if ledger.read_entry(ws.ledger, contract.name, batch_id) is not None:
            return BatchResult(contract.name, rel, batch_id, "skipped", 0, 0, 0, {}, None)
    schema = schema if schema is not None else load_schema(contract)

    ingested = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    scratch = ws.staging_tmp / f"{contract.name}-{uuid.uuid4().hex[:12]}"
    scratch.mkdir(parents=True)
    b = _Batch(contract, rel, digest, _received_at(path), ingested, scratch)
    try:
        raw: RawBatch | None = None
        error: BatchError | None = None
        landed, rejects = 0, pl.DataFrame(schema=REJECT_SCHEMA)
        try:
            file_format(path)
            try:
                raw = open_batch(path, scratch)
                landed, rejects = _land_rows(raw, b, schema, path.name)
            except NotUtf8:  # valid UTF-8 at the start only: start again, decoding strictly as GB18030
                for leftover in ("landing", "rejected"):
                    shutil.rmtree(scratch / leftover, ignore_errors=True)
                raw = open_batch(path, scratch, decode=True)
                landed, rejects = _land_rows(raw, b, schema, path.name)
        except BatchError as exc:
            error, landed = exc, 0
            rejects = _whole_batch_rejects(raw, exc, b) if raw is not None else rejects
        rejects = pl.concat([rejects, _malformed_rejects(raw, b)])
        rows_read = raw.rows_read if raw is not None else 0
        rows_quarantined = rejects["_row_number"].n_unique() if rejects.height else 0
        sha, batch_id = b.sha256, b.batch_id
        if ledger.read_entry(ws.ledger, contract.name, batch_id) is not None:  # same content, another name
            return BatchResult(contract.name, rel, batch_id, "skipped", 0, 0, 0, {}, None)
        rows_late = 0
        if error is None:
            rows_late = _late_rows(scratch / "landing", contract)
            swap_into_place(scratch / "landing", ws.landing / contract.name / f"batch_id={batch_id}")
        if rejects.height:
            out = scratch / "quarantine"
            out.mkdir()
            rejects.sort("_row_number", "rule", "field", nulls_last=True).write_parquet(
                out / "rejects.parquet", **PARQUET
            )
            swap_into_place(out, ws.quarantine / contract.name / f"batch_id={batch_id}")
        entry = ledger.LedgerEntry(
            batch_id=batch_id,
            feed=contract.name,
            producer_code=contract.producer.code,
            producer_dept=contract.producer.department,
            source_file=rel,
            file_sha256=sha,
            encoding=raw.encoding if raw else None,
            format=raw.format if raw else None,
            contract_version=contract.version,
            received_at=b.received.isoformat(),
            ingested_at=ingested.isoformat(),
            rows_read=rows_read,
            rows_landed=landed,
            rows_quarantined=rows_quarantined,
            status="rejected" if error else "landed",
            error=f"[{error.rule}] {error.message}" if error else None,
            rows_late=rows_late,
        )
        ledger.write_entry(ws.ledger, entry)  # the commit marker, written last
    finally:
        hasher.shutdown(cancel_futures=True)
        shutil.rmtree(scratch, ignore_errors=True)
    by_rule = dict(rejects.group_by("rule").agg(pl.col("_row_number").n_unique()).iter_rows()) if rejects.height else {}
    return BatchResult(
        contract.name,
        rel,
        batch_id,
        entry.status,
        entry.rows_read,
        entry.rows_landed,
        entry.rows_quarantined,
        by_rule,
        entry.error,
    )


def discover(
    ws: Workspace, contracts: dict[str, FeedContract], feeds: Iterable[str] | None = None
) -> list[tuple[FeedContract, Path]]:
    """New files in the landing zone: ``feeds/<producer>/<feed>/*.{csv,jsonl}``, in delivery order."""
    if not ws.feeds.is_dir():
        raise IngestionError(f"找不到数据接收目录 {ws.feeds}：请先运行 `cwh generate`，或把生产部门的文件放到该目录下")
    wanted = list(feeds) if feeds else list(contracts)
    if unknown := [f for f in wanted if f not in contracts]:
        raise IngestionError(f"未知的数据项 {unknown}；已有合同的数据项：{', '.join(contracts)}")
    by_producer = {c.producer.code for c in contracts.values()}
    if strays := sorted(
        p.name for p in ws.feeds.iterdir() if p.is_dir() and not p.name.startswith("_") and p.name not in by_producer
    ):
        raise IngestionError(f"未知的生产部门目录 {strays}（合同中登记的部门：{', '.join(sorted(by_producer))}）")
    found: list[tuple[FeedContract, Path]] = []
    for name in wanted:
        contract = contracts[name]
        folder = ws.feeds / contract.producer.code / name
        if folder.is_dir():
            files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
            found.extend((contract, p) for p in sorted(files, key=lambda p: (p.stat().st_mtime, p.name)))
    return found


def discover_count(ws: Workspace, feeds: Iterable[str] | None = None) -> int:
    return len(discover(ws, load_contracts(), feeds))


def ingest_all(
    ws: Workspace, feeds: Iterable[str] | None = None, *, progress: Callable[[BatchResult], None] | None = None
) -> list[BatchResult]:
    contracts = load_contracts()
    ensure_layout(ws, contracts)
    results = []
    for contract, path in discover(ws, contracts, feeds):
        result = ingest_file(ws, contract, path)
        results.append(result)
        if progress:
            progress(result)
    return results


__all__ = [
    "BatchResult",
    "discover",
    "ensure_layout",
    "ingest_all",
    "ingest_file",
    "json",
    "landed_schema",
    "scan_landed",
    "scan_published",
]
