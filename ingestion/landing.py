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

No file stops a run, and nothing of one is lost (``docs/ingestion.md``): the inbox's complete deliveries are found
by :mod:`ingestion.inbox` (what is not read, and why, is reported, never raised); a batch is exactly the bytes its
file held when it was opened — hashed up to that size, and committed only if the file is still what it was once
everything was read (otherwise nothing is kept and the next run reads it again); a file deleted meanwhile, or one
that meets a fault of ours, is recorded in the inbox log and the run goes on with the next file.

A batch's receipt time (``_received_at`` on its rows, ``received_at`` in its ledger entry) is declared (the marker or
the feed folder's receipts manifest, :func:`ingestion.inbox.declaration`) or the moment ingestion first saw the
complete file (the receipt log, :func:`ingestion.ledger.first_seen`) — never the file's modification time. The same
content delivered under two names is one batch, whatever order the files come in: the one received first (then the
first name) — a copy received earlier than the batch already committed takes its place, rows and ledger entry.
"""

from __future__ import annotations

import gc
import json
import logging
import shutil
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from contracts import FeedContract, load_contracts
from contracts.model import Template, normalise_header
from contracts.redaction import load_patterns
from ground.clock import local_date
from ground.files import swap_into_place
from ground.settings import Workspace
from ground.workdays import add_working_days
from ingestion import ledger
from ingestion.cleaning import clean_chunk
from ingestion.errors import BatchError
from ingestion.inbox import Declaration, DeclarationError, declared_receipt, inbox_log, survey
from ingestion.reading import (
    ROW_INDEX,
    Digest,
    NotAFile,
    RawBatch,
    Reread,
    Snapshot,
    digest,
    file_format,
    open_batch,
)
from ingestion.schema import load_schema, warning_columns
from ingestion.validation import (
    REASON_SCHEMA,
    SIGNATURE_SCHEMA,
    changed_raw_values,
    copies_in_chunk,
    duplicate_reasons,
    duplicate_suspects,
    raw_kept_column,
    reason_message,
    received_values,
    schema_reasons,
    signatures,
)

if TYPE_CHECKING:  # pandera loads with the first schema (ingestion.schema)
    import pandera.polars as pa

log = logging.getLogger(__name__)

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
    # landed | rejected | skipped (already ingested) — or, with no batch and nothing written (``error`` says why):
    # pending (not complete, or changed while read: the next run reads it) | refused (a link, no regular file) |
    # vanished (deleted before it was read) | failed (an internal error: the next run tries again)
    status: str
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
    digest: Future  # → the Digest of the bytes the batch reads (SHA-256, length, counts)
    received: datetime
    ingested: datetime
    scratch: Path

    @property
    def sha256(self) -> str:
        return self.digest.result().sha256

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


def _header_map(raw: RawBatch, contract: FeedContract, name: str) -> tuple[dict[str, str], Template | None]:
    """Producer header → canonical field, by label (never by position), and the national template generation the
    header row is written in (None: not recognisably one); batch errors for drift, ambiguity and gaps.

    Several headers may fill one field only where the generation splits it (2016: 处罚类别1, 处罚类别2)."""
    template = contract.detect_template(raw.headers)
    aliases = contract.batch_alias_map(template)
    split = {c.field for c in template.columns if len(template.columns_of(c.field)) > 1} if template else set()
    mapped: dict[str, str] = {}
    unexpected: list[str] = []
    ambiguous: list[str] = []
    for header in raw.headers:
        key = normalise_header(header)
        canonical = aliases.get(key)
        if canonical is None:
            (ambiguous if key in contract.generation_headers() else unexpected).append(header)
        elif canonical in mapped.values() and canonical not in split:
            first = next(h for h, c in mapped.items() if c == canonical)
            raise BatchError(
                "duplicate_column", f"{name}: 列 {first!r} 与 {header!r} 都对应字段 {canonical}，无法判定以哪列为准"
            )
        else:
            mapped[header] = canonical
    if ambiguous:
        meanings = "；".join(
            f"{h}：" + "，".join(f"{g} 版为{contract.field(f).label}" for g, f in by_gen.items())
            for h in ambiguous
            for by_gen in [contract.generation_headers()[normalise_header(h)]]
        )
        raise BatchError(
            "ambiguous_column",
            f"{name}: 列 {ambiguous} 在各版双公示模板中含义不同（{meanings}），而表头无法判定所用模板版本。"
            "请按一版模板完整报送，或使用带括号说明的列名（如 行政相对人代码_2(工商注册号)）",
        )
    if unexpected:
        raise BatchError(
            "schema_drift",
            f"{name}: 出现合同 {contract.name} v{contract.version} 未定义的列 {unexpected}（schema drift）。"
            f"如为已有字段的新名称，请在合同中增加 synonym；否则请生产部门按数据需求清单报送",
        )
    mandatory = contract.mandatory_fields(template)
    missing = [f for f in contract.fields if f.name in mandatory and f.name not in mapped.values()]
    if missing and raw.headers:
        labels = ", ".join(f"{f.name}（{f.label}）" for f in missing)
        which = f"（{template.title}）" if template else ""
        raise BatchError("missing_column", f"{name}: 缺少必填列 {labels}{which}")
    return mapped, template


def _batch_schema(schema: pa.DataFrameSchema, contract: FeedContract, template: Template | None) -> pa.DataFrameSchema:
    """The generated schema, with the mandatory fields of the delivery's template generation not nullable (the
    contract's own required fields are not nullable in the generated schema already)."""
    tighten = {
        f: {"nullable": False}
        for f in contract.mandatory_fields(template)
        if f in schema.columns and schema.columns[f].nullable
    }
    return schema.update_columns(tighten) if tighten else schema


def _canonical(chunk: pl.DataFrame, mapped: dict[str, str], contract: FeedContract) -> pl.DataFrame:
    """The chunk with the contract's fields (absent ones null) and ``_row_number``. A field filled by several
    columns of a template (处罚类别1, 处罚类别2) is their non-empty values joined by the field's list separator."""
    headers: dict[str, list[str]] = {}
    for header, field in mapped.items():
        headers.setdefault(field, []).append(header)
    columns = []
    for f in contract.fields:
        heads = headers.get(f.name, [])
        if not heads:
            columns.append(pl.lit(None, pl.String).alias(f.name))
        elif len(heads) == 1:
            columns.append(pl.col(heads[0]).alias(f.name))
        else:
            parts = [pl.when(pl.col(h).str.strip_chars() != "").then(pl.col(h)) for h in heads]
            joined = pl.concat_str(parts, separator=f.list_separator or ";", ignore_nulls=True)
            columns.append(pl.when(joined != "").then(joined).alias(f.name))
    return chunk.select(*columns, ROW_INDEX)


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
        reason_message(c).alias("message"),
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
    found = pl.concat([schema_reasons(frame, schema, c, local_date(b.received)), copies])
    _write_chunk(frame, found[ROW_INDEX], _due_dates(frame, c), unchanged, coded, raw_kept, b, accepted, rejected)
    # a copy found here is a duplicate_row already, and its earlier original stays in the signatures: it would
    # only make its original a batch-wide suspect (same record key) and have the chunk's parts read back
    return sigs.filter(~pl.col(ROW_INDEX).is_in(copies[ROW_INDEX].implode())), found


def _land_rows_in_chunks(raw: RawBatch, b: _Batch, schema: pa.DataFrameSchema, name: str) -> tuple[int, pl.DataFrame]:
    mapped, template = _header_map(raw, b.contract, name)
    # a generation that writes a field as codes (当前状态 0/1/2/3): its fields carry them, for cleaning to map
    b = replace(b, contract=b.contract.for_template(template))
    schema = _batch_schema(schema, b.contract, template)
    c = b.contract
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
    """The records the reader refused (truncated, broken structure, bytes not UTF-8), one quarantine line each: line
    numbers in the message, the raw text in ``value``."""
    found = raw.rejected if raw is not None else pl.DataFrame()
    if not found.height:
        return pl.DataFrame(schema=REJECT_SCHEMA)
    return found.select(
        pl.lit(b.batch_id).alias("_batch_id"),
        pl.lit(b.contract.name).alias("_feed"),
        pl.lit(b.rel).alias("_source_file"),
        ROW_INDEX,
        "rule",
        pl.lit(None, pl.String).alias("field"),
        "value",
        "message",
        pl.lit(None, pl.String).alias("raw_record"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _whole_batch_rejects(raw: RawBatch, err: BatchError, b: _Batch) -> tuple[pl.DataFrame, RawBatch]:
    """Every row of a batch refused as a whole, with the batch's reason (the rows are kept, never dropped); and the
    reading that gave them (the file may have had to be read again: :class:`ingestion.reading.Reread`)."""
    while True:
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
        except Reread as again:
            raw = again.batch
            continue
        return pl.concat(parts), raw


def _late_rows(landing_dir: Path, contract: FeedContract) -> int:
    """Landed rows delivered after their SLA due date, counted from the batch's Parquet parts."""
    parts = sorted(landing_dir.glob("*.parquet"))
    if not parts:
        return 0
    return int(scan_landed(parts, contract).select(pl.col("_is_late").fill_null(False).sum()).collect().item())


def _no_batch(contract: FeedContract, rel: str, status: str, reason: str) -> BatchResult:
    return BatchResult(contract.name, rel, "", status, 0, 0, 0, {}, reason)


def _recorded(ws: Workspace, contract: FeedContract, rel: str, kind: str, status: str, reason: str) -> BatchResult:
    """A delivery that did not become a batch, recorded in the inbox log (nothing else was written)."""
    at = datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat()
    ledger.record_event(inbox_log(ws), ledger.InboxEvent(at, contract.name, rel, kind, reason))
    return _no_batch(contract, rel, status, reason)


def _vanished(ws: Workspace, contract: FeedContract, rel: str) -> BatchResult:
    reason = f"{rel}: 文件在读取前或读取中被删除（或移走），未入库；如仍需入库，请生产部门重新报送"
    return _recorded(ws, contract, rel, "vanished", "vanished", reason)


_DECLARATION_OF_THE_FILE: Declaration = Declaration(datetime.min, "")  # ingest_file: read the file's own declaration


def ingest_file(
    ws: Workspace,
    contract: FeedContract,
    path: Path,
    *,
    now: datetime | None = None,
    schema: pa.DataFrameSchema | None = None,
    declared: Declaration | None = _DECLARATION_OF_THE_FILE,
) -> BatchResult:
    """Validate and land one delivered file. Idempotent by content hash; atomic per batch; never raises because of
    the file (nor because of a fault of ours with it — KeyboardInterrupt and the like aside): what went wrong is in
    the result, and in the inbox log where no ledger entry says it.

    ``schema`` defaults to the committed, generated schema of the feed (``ingestion/schemas/<feed>.py``).
    ``declared``: the receipt the survey found declared (None: none); by default the file's marker and its folder's
    receipts manifest are read here (an invalid declaration refuses the file). ``now``: the moment the file is seen
    (its receipt when none is declared and it was not seen before), default the clock.
    """
    ws.ensure()
    rel = path.relative_to(ws.feeds).as_posix() if path.is_relative_to(ws.feeds) else path.name
    try:
        snap = Snapshot.of(path)
    except NotAFile as exc:
        return _no_batch(contract, rel, "refused", f"{rel}: {exc}")
    except FileNotFoundError:
        return _vanished(ws, contract, rel)
    if declared is _DECLARATION_OF_THE_FILE:
        try:
            declared = declared_receipt(ws, path, now=None if now is None else now.timestamp())
        except DeclarationError as exc:
            return _no_batch(
                contract, rel, "refused", f"{rel}: 接收时间声明无效——{exc}；本文件暂不读取，更正后重新读取"
            )
    try:
        return _ingest(ws, contract, path, rel, snap, now, schema, declared)
    except FileNotFoundError:
        return _vanished(ws, contract, rel)
    except Exception as exc:  # ours, not the file's: this file only; nothing was committed, the next run tries again
        # the traceback only at debug level: an error's text may quote the file's rows (polars quotes what it read)
        log.error("ingesting %s failed (%s); the next run tries again", rel, type(exc).__name__)
        log.debug("ingesting %s failed", rel, exc_info=True)
        reason = (
            f"{rel}: 入库程序内部错误（{type(exc).__name__}），本文件未入库、未记入台账，下一次运行将重试；"
            "其余文件照常处理。请联系运维查看日志"
        )
        return _recorded(ws, contract, rel, "failed", "failed", reason)


def _takes_the_place_of(received: datetime, rel: str, entry: ledger.LedgerEntry) -> bool:
    """Whether this delivery, the same content as a committed batch, comes first: received earlier (then named first)
    than the delivery the batch was committed from — so the batch is the same whatever order copies arrive in. A
    file is never a new delivery of itself: its first commit stands."""
    return entry.source_file != rel and (received, rel) < (datetime.fromisoformat(entry.received_at), entry.source_file)


def _skipped(contract: FeedContract, rel: str, batch_id: str) -> BatchResult:
    return BatchResult(contract.name, rel, batch_id, "skipped", 0, 0, 0, {}, None)


def _ingest(
    ws: Workspace,
    contract: FeedContract,
    path: Path,
    rel: str,
    snap: Snapshot,
    now: datetime | None,
    schema: pa.DataFrameSchema | None,
    declared: Declaration | None,
) -> BatchResult:
    hasher = ThreadPoolExecutor(max_workers=1)
    hashed: Future = Future()
    counted = path.suffix.lower() == ".csv"  # the structure check of CSV needs the counts (ingestion.reading)
    seen_at = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)  # this run sees the complete file
    received = declared.at if declared else seen_at
    behind = (
        snap.size >= HASH_BEHIND_BYTES
        and not ledger.has_source(ws.ledger, contract.name, rel)
        and (declared is not None or rel not in ledger.seen_times(ws.ledger, contract.name))
    )
    if behind:
        # a new large file: hashed on its own thread while its chunks are read, validated and written; only the
        # quarantine lines and the ledger entry, written at the end, need it (and, undeclared, its receipt log line:
        # a file of that name was never seen, so its receipt is now)
        hashed = hasher.submit(digest, path, snap.size, count=counted)
    else:
        hashed.set_result(digest(path, snap.size, count=counted))
        sha = hashed.result().sha256
        if declared is None and _still(path, snap, hashed.result()):
            received = ledger.first_seen(ws.ledger, contract.name, rel, sha, seen_at)
        batch_id = ledger.batch_id_for(contract.name, sha)
        existing = ledger.read_entry(ws.ledger, contract.name, batch_id)
        if existing is not None and not _takes_the_place_of(received, rel, existing):
            return _skipped(contract, rel, batch_id)
    schema = schema if schema is not None else load_schema(contract)

    ingested = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    scratch = ws.staging_tmp / f"{contract.name}-{uuid.uuid4().hex[:12]}"
    scratch.mkdir(parents=True)
    b = _Batch(contract, rel, hashed, received, ingested, scratch)
    try:
        raw: RawBatch | None = None
        error: BatchError | None = None
        landed, rejects = 0, pl.DataFrame(schema=REJECT_SCHEMA)
        try:
            file_format(path)
            raw = open_batch(path, scratch, snap.size, lambda: hashed.result().counts)
            while True:
                try:
                    if raw.error is not None:
                        raise raw.error
                    landed, rejects = _land_rows(raw, b, schema, path.name)
                    break
                except Reread as again:  # read again from the start (decoded, or line by line): void what was made
                    for leftover in ("landing", "rejected"):
                        shutil.rmtree(scratch / leftover, ignore_errors=True)
                    raw = again.batch
        except BatchError as exc:
            # the message may name what the file holds (a header that is a data row): no personal number in it
            error, landed = BatchError(exc.rule, load_patterns().redact(exc.message)[0] or ""), 0
            if raw is not None:
                rejects, raw = _whole_batch_rejects(raw, error, b)
        rejects = pl.concat([rejects, _malformed_rejects(raw, b)])
        rows_read = raw.rows_read if raw is not None else 0
        rows_quarantined = rejects["_row_number"].n_unique() if rejects.height else 0
        sha, batch_id = b.sha256, b.batch_id
        if not _still(path, snap, hashed.result()):
            reason = (
                f"{rel}: 文件在读取期间发生了变化（仍在写入或被替换？），本次未入库、未记入台账；"
                "待其稳定后，下一次运行重新读取（报送完成后可放置完成标记 <文件名>.done）"
            )
            return _recorded(ws, contract, rel, "changed", "pending", reason)
        if behind and declared is None and ledger.first_seen(ws.ledger, contract.name, rel, sha, seen_at) != received:
            reason = f"{rel}: 另一次运行同时读取了该文件，本次未入库、未记入台账；下一次运行按其首次接收时间重新读取"
            return _recorded(ws, contract, rel, "changed", "pending", reason)
        existing = ledger.read_entry(ws.ledger, contract.name, batch_id)
        if existing is not None and not _takes_the_place_of(received, rel, existing):  # same content, another name
            return _skipped(contract, rel, batch_id)
        rows_late = 0
        landed_dir = ws.landing / contract.name / f"batch_id={batch_id}"
        quarantined_dir = ws.quarantine / contract.name / f"batch_id={batch_id}"
        if error is None:
            rows_late = _late_rows(scratch / "landing", contract)
            swap_into_place(scratch / "landing", landed_dir)
        elif existing is not None:  # a copy received earlier replaces the batch: nothing of the later copy stays
            shutil.rmtree(landed_dir, ignore_errors=True)
        if rejects.height:
            out = scratch / "quarantine"
            out.mkdir()
            rejects.sort("_row_number", "rule", "field", nulls_last=True).write_parquet(
                out / "rejects.parquet", **PARQUET
            )
            swap_into_place(out, quarantined_dir)
        elif existing is not None:
            shutil.rmtree(quarantined_dir, ignore_errors=True)
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
            receipt_source="declared" if declared else "first_seen",
            receipt_declared_by=declared.by if declared else None,
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


def _still(path: Path, snap: Snapshot, hashed: Digest) -> bool:
    """Whether what was read is the file as it was opened: every byte of it hashed, and the file unchanged since
    (or deleted after it was read whole: what was read is still all of it)."""
    if hashed.length != snap.size:
        return False
    try:
        return Snapshot.of(path) == snap
    except FileNotFoundError:
        return True
    except NotAFile:
        return False


def discover(
    ws: Workspace, contracts: dict[str, FeedContract], feeds: Iterable[str] | None = None
) -> list[tuple[FeedContract, Path]]:
    """The complete deliveries in the inbox, ``feeds/<producer>/<feed>/*``, in receipt order (:mod:`ingestion.inbox`)."""
    return survey(ws, contracts, feeds).deliveries


def discover_count(ws: Workspace, feeds: Iterable[str] | None = None) -> int:
    return len(discover(ws, load_contracts(), feeds))


def ingest_inbox(
    ws: Workspace,
    contracts: dict[str, FeedContract],
    feeds: Iterable[str] | None = None,
    *,
    progress: Callable[[BatchResult], None] | None = None,
) -> list[BatchResult]:
    """Every complete delivery of these feeds (all when None), one result each, in receipt order — after one result
    per file of their folders that is not read now (pending, refused). No file stops the others."""
    wanted = list(feeds) if feeds else None
    inbox = survey(ws, contracts, wanted)
    by_feed = {c.name: c for c in contracts.values()}
    results = [
        _no_batch(by_feed[n.feed], n.path, n.kind, n.reason) for n in inbox.notes if n.is_file_of_feed and n.feed
    ]
    for contract, path in inbox.deliveries:
        result = ingest_file(ws, contract, path, declared=inbox.declared[path])
        results.append(result)
        if progress:
            progress(result)
    return results


def ingest_all(
    ws: Workspace, feeds: Iterable[str] | None = None, *, progress: Callable[[BatchResult], None] | None = None
) -> list[BatchResult]:
    contracts = load_contracts()
    ensure_layout(ws, contracts)
    return ingest_inbox(ws, contracts, feeds, progress=progress)


__all__ = [
    "BatchResult",
    "discover",
    "ensure_layout",
    "ingest_all",
    "ingest_file",
    "ingest_inbox",
    "json",
    "landed_schema",
    "scan_landed",
    "scan_published",
]
