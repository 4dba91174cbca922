"""Ingest one delivered file, or every new file in the landing zone, against its feed's contract."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

import pandera.polars as pa
import polars as pl

from contracts import FeedContract, load_contracts
from contracts.model import normalise_header
from creditwh.settings import Workspace
from creditwh.workdays import add_working_days
from ingestion import ledger
from ingestion.cleaning import apply_cleaning
from ingestion.errors import BatchError, IngestionError
from ingestion.reading import RawBatch, file_format, read_batch, sha256_of
from ingestion.schema import build_schema, warning_columns

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
EMPTY_BATCH = "_empty"
PROVENANCE = {
    "_batch_id": pl.String, "_feed": pl.String, "_producer_code": pl.String, "_producer_dept": pl.String,
    "_producer_dept_uscc": pl.String, "_providing_system": pl.String, "_source_file": pl.String,
    "_row_number": pl.Int64, "_file_sha256": pl.String, "_received_at": pl.Datetime("us"),
    "_ingested_at": pl.Datetime("us"), "_due_by": pl.Date, "_due_by_estimated": pl.Boolean,
    "_is_late": pl.Boolean, "_warnings": pl.String,
}
REJECT_SCHEMA = {
    "_batch_id": pl.String, "_feed": pl.String, "_source_file": pl.String, "_row_number": pl.Int64,
    "rule": pl.String, "field": pl.String, "value": pl.String, "message": pl.String, "raw_record": pl.String,
}
_TYPES = {"string": pl.String, "date": pl.Date, "number": pl.Float64, "integer": pl.Int64}
_PANDERA_RULES = {"not_nullable": "required"}


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


def landed_schema(contract: FeedContract) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {f.name: _TYPES[f.logical_type] for f in contract.fields}
    schema.update({f"{f.name}__raw": pl.String for f in contract.fields})
    schema.update(PROVENANCE)
    return schema


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


def _map_headers(raw: RawBatch, contract: FeedContract, name: str) -> pl.DataFrame:
    aliases = contract.alias_map()
    mapped: dict[str, str] = {}
    unexpected: list[str] = []
    for header in raw.headers:
        canonical = aliases.get(normalise_header(header))
        if canonical is None:
            unexpected.append(header)
        elif canonical in mapped.values():
            first = next(h for h, c in mapped.items() if c == canonical)
            raise BatchError("duplicate_column", f"{name}: 列 {first!r} 与 {header!r} 都对应字段 {canonical}，无法判定以哪列为准")
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
    if raw.frame.height == 0 and not raw.headers:  # an empty JSON Lines delivery: a batch with no records
        return pl.DataFrame({"_row_number": []}, schema={"_row_number": pl.Int64}).with_columns(
            [pl.lit(None, pl.String).alias(f.name) for f in contract.fields])
    frame = raw.frame.rename(mapped)
    absent = [f.name for f in contract.fields if f.name not in frame.columns]
    return frame.with_columns([pl.lit(None, pl.String).alias(c) for c in absent])


def _reasons(frame: pl.DataFrame, contract: FeedContract) -> pl.DataFrame:
    """All row-level failures: pandera (lazy, every check) plus in-batch duplicates. Columns: idx, rule, field, value."""
    schema = build_schema(contract)
    parts: list[pl.DataFrame] = []
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        if fc.filter(pl.col("index").is_null()).height:
            detail = fc.filter(pl.col("index").is_null()).select("column", "check").rows()
            raise BatchError("schema_error", f"{contract.name}: 表级校验失败 {detail}") from exc
        parts.append(fc.select(
            pl.col("index").cast(pl.Int64).alias("idx"),
            pl.col("check").replace(_PANDERA_RULES).alias("rule"),
            pl.col("column").alias("field"),
            pl.col("failure_case").cast(pl.String).alias("value"),
        ))
    raw_cols = [f"{f.name}__raw" for f in contract.fields]
    indexed = frame.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    dup = indexed.filter(~pl.struct(raw_cols).is_first_distinct())
    if dup.height:
        parts.append(dup.select("idx", pl.lit("duplicate_row").alias("rule"), pl.lit(None, pl.String).alias("field"),
                                pl.lit(None, pl.String).alias("value")))
    key = list(contract.record_key)
    distinct = indexed.filter(pl.struct(raw_cols).is_first_distinct())
    clash = distinct.filter(pl.struct(key).is_duplicated() & pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    if clash.height:
        parts.append(clash.select("idx", pl.lit("duplicate_key").alias("rule"), pl.lit(",".join(key)).alias("field"),
                                  pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="|").alias("value")))
    if not parts:
        return pl.DataFrame(schema={"idx": pl.Int64, "rule": pl.String, "field": pl.String, "value": pl.String})
    return pl.concat(parts, how="vertical_relaxed")


_MESSAGES = {
    "required": "必填字段为空", "enum": "取值不在代码表（合同 enum）内", "pattern": "格式不符合合同 pattern",
    "minimum": "小于合同规定的最小值", "bad_date": "日期无法解析", "bad_number": "数值无法解析",
    "uscc_check": "统一社会信用代码校验位错误（GB 32100 / GB 11714）", "ric_check": "身份证号码校验位或出生日期错误（GB 11643）",
    "licence_number_check": "许可编号格式或校验位错误", "decision_number_format": "文书号格式应为 机关简称〔年份〕序号号",
    "unknown_code": "代码不在参考代码表内", "duplicate_row": "与本批次中前一行完全重复",
    "duplicate_key": "同一批次中同一业务主键出现多条不同记录，无法判定以哪条为准", "truncated_row": "最后一行不完整",
}


def _due_dates(frame: pl.DataFrame, contract: FeedContract) -> pl.DataFrame:
    field = contract.latency_field
    days = contract.latency_working_days
    distinct = [d for d in frame[field].drop_nulls().unique().to_list()]
    lookup = {d: add_working_days(d, days) for d in distinct}
    table = pl.DataFrame(
        {field: list(lookup), "_due_by": [v.due for v in lookup.values()],
         "_due_by_estimated": [v.estimated for v in lookup.values()]},
        schema={field: pl.Date, "_due_by": pl.Date, "_due_by_estimated": pl.Boolean},
    )
    return frame.join(table, on=field, how="left")


def _received_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).replace(tzinfo=None, microsecond=0)


def _raw_json(frame: pl.DataFrame, contract: FeedContract) -> pl.Series:
    raw = frame.select([pl.col(f"{f.name}__raw").alias(f.label) for f in contract.fields])
    return raw.select(pl.struct(pl.all()).struct.json_encode()).to_series()


def _ingest_rows(raw: RawBatch, contract: FeedContract, rel: str, batch_id: str, received: datetime,
                 ingested: datetime, path_name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = _map_headers(raw, contract, path_name)
    frame = apply_cleaning(frame, contract.fields)
    reasons = _reasons(frame, contract)
    bad_idx = reasons["idx"].unique()
    indexed = frame.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    rejected = indexed.filter(pl.col("idx").is_in(bad_idx.implode()))
    accepted = indexed.filter(~pl.col("idx").is_in(bad_idx.implode())).drop("idx")

    raw_values = rejected.unpivot(index="idx", on=[f"{f.name}__raw" for f in contract.fields],
                                  variable_name="field", value_name="raw_value").with_columns(
        pl.col("field").str.strip_suffix("__raw"))
    rejected = rejected.with_columns(raw_record=_raw_json(rejected, contract)).select("idx", "_row_number", "raw_record")
    reasons = reasons.join(raw_values, on=["idx", "field"], how="left")
    # a present-but-unparseable value is reported as bad_date/bad_number, not also as "required"
    present = (pl.col("raw_value").str.strip_chars() != "").fill_null(False)
    reasons = reasons.filter(~((pl.col("rule") == "required") & present))
    rejects = reasons.join(rejected, on="idx", how="left").select(
        pl.lit(batch_id).alias("_batch_id"), pl.lit(contract.name).alias("_feed"), pl.lit(rel).alias("_source_file"),
        "_row_number", "rule", "field", pl.coalesce("raw_value", "value").alias("value"),
        pl.col("rule").replace_strict(_MESSAGES, default="校验未通过").alias("message"), "raw_record",
    )

    accepted = _due_dates(accepted, contract)
    received_local = received.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).date()
    warnings = [
        pl.when(pl.col(f.name).is_not_null() & ~pl.col(f.name).is_in(list(codes)))
        .then(pl.format("{}: 未知代码 {}", pl.lit(f.name), pl.col(f.name)))
        for f, codes in warning_columns(contract)
    ]
    accepted = accepted.with_columns(
        _batch_id=pl.lit(batch_id), _feed=pl.lit(contract.name), _producer_code=pl.lit(contract.producer.code),
        _producer_dept=pl.lit(contract.producer.department), _producer_dept_uscc=pl.lit(contract.producer.department_uscc),
        _providing_system=pl.lit(contract.producer.providing_system), _source_file=pl.lit(rel),
        _file_sha256=pl.lit(raw.sha256), _received_at=pl.lit(received, pl.Datetime("us")),
        _ingested_at=pl.lit(ingested, pl.Datetime("us")),
        _is_late=pl.col("_due_by") < pl.lit(received_local, pl.Date),
        _warnings=pl.concat_str(warnings, separator="; ", ignore_nulls=True) if warnings else pl.lit(None, pl.String),
    )
    schema = landed_schema(contract)
    accepted = accepted.select([pl.col(c).cast(t) for c, t in schema.items()]).sort("_row_number")
    return accepted, rejects


def _malformed_rejects(raw: RawBatch | None, batch_id: str, feed: str, rel: str) -> pl.DataFrame:
    rows = raw.malformed if raw else []
    return pl.DataFrame(
        {"_batch_id": [batch_id] * len(rows), "_feed": [feed] * len(rows), "_source_file": [rel] * len(rows),
         "_row_number": [r for r, _, _ in rows], "rule": [rule for _, rule, _ in rows], "field": [None] * len(rows),
         "value": [None] * len(rows), "message": [m for _, _, m in rows], "raw_record": [None] * len(rows)},
        schema=REJECT_SCHEMA,
    )


def _whole_batch_rejects(raw: RawBatch, err: BatchError, batch_id: str, feed: str, rel: str) -> pl.DataFrame:
    frame = raw.frame
    raw_json = frame.drop("_row_number").select(pl.struct(pl.all()).struct.json_encode()).to_series() if frame.width > 1 \
        else pl.Series([None] * frame.height, dtype=pl.String)
    return pl.DataFrame({
        "_batch_id": batch_id, "_feed": feed, "_source_file": rel, "_row_number": frame["_row_number"],
        "rule": err.rule, "field": None, "value": None, "message": err.message, "raw_record": raw_json,
    }, schema=REJECT_SCHEMA)


def _publish(tmp: Path, target: Path) -> None:
    """Rename a finished folder into place (replacing leftovers of a crashed earlier attempt)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)


def ingest_file(ws: Workspace, contract: FeedContract, path: Path, *, now: datetime | None = None) -> BatchResult:
    """Validate and land one delivered file. Idempotent by content hash; atomic per batch."""
    ws.ensure()
    rel = path.relative_to(ws.feeds).as_posix() if path.is_relative_to(ws.feeds) else path.name
    sha = sha256_of(path)
    batch_id = ledger.batch_id_for(contract.name, sha)
    done = ledger.read_entry(ws.ledger, contract.name, batch_id)
    if done is not None:
        return BatchResult(contract.name, rel, batch_id, "skipped", 0, 0, 0, {}, None)

    ingested = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
    received = _received_at(path)
    scratch = ws.staging_tmp / f"{batch_id}-{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True)
    try:
        raw: RawBatch | None = None
        error: BatchError | None = None
        try:
            file_format(path)
            raw = read_batch(path, scratch)
            accepted, rejects = _ingest_rows(raw, contract, rel, batch_id, received, ingested, path.name)
        except BatchError as exc:
            error = exc
            accepted = pl.DataFrame(schema=landed_schema(contract))
            rejects = _whole_batch_rejects(raw, exc, batch_id, contract.name, rel) if raw is not None \
                else pl.DataFrame(schema=REJECT_SCHEMA)
        rejects = pl.concat([rejects, _malformed_rejects(raw, batch_id, contract.name, rel)])
        rows_read = raw.rows_read if raw is not None else 0
        rows_quarantined = rejects["_row_number"].n_unique() if rejects.height else 0
        if error is None:
            out = scratch / "landing"
            out.mkdir()
            accepted.write_parquet(out / "part-00000.parquet")
            _publish(out, ws.landing / contract.name / f"batch_id={batch_id}")
        if rejects.height:
            out = scratch / "quarantine"
            out.mkdir()
            rejects.sort("_row_number", "rule", "field", nulls_last=True).write_parquet(out / "rejects.parquet")
            _publish(out, ws.quarantine / contract.name / f"batch_id={batch_id}")
        entry = ledger.LedgerEntry(
            batch_id=batch_id, feed=contract.name, producer_code=contract.producer.code,
            producer_dept=contract.producer.department, source_file=rel, file_sha256=sha,
            encoding=raw.encoding if raw else None, format=raw.format if raw else None,
            contract_version=contract.version, received_at=received.isoformat(), ingested_at=ingested.isoformat(),
            rows_read=rows_read, rows_landed=accepted.height, rows_quarantined=rows_quarantined,
            status="rejected" if error else "landed", error=f"[{error.rule}] {error.message}" if error else None,
        )
        ledger.write_entry(ws.ledger, entry)  # the commit marker, written last
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    by_rule = dict(rejects.group_by("rule").agg(pl.col("_row_number").n_unique()).iter_rows()) if rejects.height else {}
    return BatchResult(contract.name, rel, batch_id, entry.status, entry.rows_read, entry.rows_landed,
                       entry.rows_quarantined, by_rule, entry.error)


def discover(ws: Workspace, contracts: dict[str, FeedContract], feeds: Iterable[str] | None = None) -> list[tuple[FeedContract, Path]]:
    """New files in the landing zone: ``feeds/<producer>/<feed>/*.{csv,jsonl}``, in delivery order."""
    if not ws.feeds.is_dir():
        raise IngestionError(f"找不到数据接收目录 {ws.feeds}：请先运行 `cwh generate`，或把生产部门的文件放到该目录下")
    wanted = list(feeds) if feeds else list(contracts)
    if unknown := [f for f in wanted if f not in contracts]:
        raise IngestionError(f"未知的数据项 {unknown}；已有合同的数据项：{', '.join(contracts)}")
    by_producer = {c.producer.code for c in contracts.values()}
    if strays := sorted(p.name for p in ws.feeds.iterdir() if p.is_dir() and not p.name.startswith("_") and p.name not in by_producer):
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


def ingest_all(ws: Workspace, feeds: Iterable[str] | None = None, *,
               progress: Callable[[BatchResult], None] | None = None) -> list[BatchResult]:
    contracts = load_contracts()
    ensure_layout(ws, contracts)
    results = []
    for contract, path in discover(ws, contracts, feeds):
        result = ingest_file(ws, contract, path)
        results.append(result)
        if progress:
            progress(result)
    return results


def today_local() -> date:
    return datetime.now(LOCAL_TZ).date()


__all__ = ["BatchResult", "ensure_layout", "ingest_file", "ingest_all", "discover", "landed_schema", "json"]
