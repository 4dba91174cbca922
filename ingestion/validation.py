"""Row-level reasons: the generated pandera schema, per chunk, and in-batch duplicates, over the whole batch.

Every reason is a row ``(_row_number, rule, field, value)``; a row with at least one reason is quarantined with
all of them. Duplicates span chunks, so each chunk contributes only a 64-bit signature of its raw row and of its
record key; rows whose signatures collide are then compared value by value, so a hash collision can never
quarantine a good row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from contracts import FeedContract
from contracts.dates import date_rules
from ingestion.cleaning import Codes, as_received_text, number_failure
from ingestion.errors import BatchError
from ingestion.reading import ROW_INDEX
from ingestion.schema import full_validation, receipt_date

if TYPE_CHECKING:
    import pandera.polars as pa

REASON_SCHEMA = {ROW_INDEX: pl.Int64, "rule": pl.String, "field": pl.String, "value": pl.String}
SIGNATURE_SCHEMA = {ROW_INDEX: pl.Int64, "_row_sig": pl.UInt64, "_key_sig": pl.UInt64, "_chunk": pl.Int32}
_PANDERA_RULES = {"not_nullable": "required"}
_SEED = 20_251_123  # any fixed value: signatures are only compared within one batch, in one process
_FNV_PRIME = 0x100000001B3


def raw_columns(contract: FeedContract) -> list[str]:
    return [f"{f.name}__raw" for f in contract.fields]


def raw_kept_column(field: str) -> str:
    """The per-row column that says where cleaning changed ``field`` (see :func:`changed_raw_values`)."""
    return f"_raw_kept__{field}"


def changed_raw_values(
    contract: FeedContract, unchanged: frozenset[str] = frozenset(), known: frozenset[str] = frozenset()
) -> list[pl.Expr]:
    """What landing keeps of ``<f>__raw``: the value as received where cleaning changed it (trimmed, normalised,
    re-typed, unparseable), null where the landed value, as text, is exactly what was received — OpenSanctions'
    ``original_value`` — or where an empty field landed as null (:func:`~ingestion.cleaning.as_received_text`).
    :func:`received_values` gives the raw values back. ``unchanged``: fields cleaning is known to have left as
    received (no comparison needed); ``known``: fields whose changed rows cleaning found already, in the column
    :func:`raw_kept_column` names."""

    def kept(f) -> pl.Expr:
        if f.name in known:
            return pl.col(raw_kept_column(f.name))
        return pl.col(f"{f.name}__raw").ne_missing(as_received_text(pl.col(f.name)))

    return [
        pl.lit(None, pl.String).alias(f"{f.name}__raw")
        if f.name in unchanged
        else pl.when(kept(f)).then(pl.col(f"{f.name}__raw")).alias(f"{f.name}__raw")
        for f in contract.fields
    ]


def received_values(contract: FeedContract) -> list[pl.Expr]:
    """``<f>__raw`` as received for every row of a landed part (see :func:`changed_raw_values`); an empty field
    comes back as null."""
    # an empty field reads back as null whether its raw value was kept (a rejected row keeps all) or not (landed)
    return [
        pl.coalesce(pl.col(f"{f.name}__raw").replace("", None), pl.col(f.name).cast(pl.String)).alias(f"{f.name}__raw")
        for f in contract.fields
    ]


def schema_reasons(
    frame: pl.DataFrame, schema: pa.DataFrameSchema, contract: FeedContract, received: date | None = None
) -> pl.DataFrame:
    """Every failure of every row of one chunk (lazy validation, data checked), keyed by row number. ``received``:
    the Beijing date the batch arrived, the latest date most columns may hold (contracts/dates.yml)."""
    import pandera.polars as pa

    with receipt_date(received):  # for the checks, and for naming the fields of a failed plausibility check
        try:
            with full_validation():
                schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            fc = exc.failure_cases
            table_level = fc.filter(pl.col("index").is_null())
            if table_level.height:
                raise _table_error(table_level, contract) from exc
            rows = frame[ROW_INDEX]
            reasons = fc.select(
                rows.gather(fc["index"].cast(pl.Int64)).alias(ROW_INDEX),
                pl.col("check").replace(_PANDERA_RULES).alias("rule"),
                pl.col("column").alias("field"),
                pl.col("failure_case").cast(pl.String).alias("value"),
            )
            return _why_numbers_did_not_parse(_on_their_fields(reasons, frame, schema), frame)
    return pl.DataFrame(schema=REASON_SCHEMA)


def _on_their_fields(reasons: pl.DataFrame, frame: pl.DataFrame, schema: pa.DataFrameSchema) -> pl.DataFrame:
    """A plausibility check spans several fields (one per rule, :func:`ingestion.checks.max_length` and the date
    checks): its failures name rows only. Each becomes a reason per field the row fails, asked of those rows."""
    spanning = {c.name: c for c in schema.checks if hasattr(c, "failing")}
    if not spanning:
        return reasons
    wide = pl.col("rule").is_in(list(spanning))  # on the schema (pandera names it as the field), not on a column
    if not reasons.select(wide.any()).item():
        return reasons
    parts = [reasons.filter(~wide)]
    for (rule,), group in reasons.filter(wide).group_by("rule"):
        failed = frame.filter(pl.col(ROW_INDEX).is_in(group[ROW_INDEX].implode()))
        parts.append(spanning[str(rule)].failing(failed).select(reasons.columns))
    return pl.concat(parts)


def _why_numbers_did_not_parse(reasons: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """A ``bad_number`` reason says why, from the raw text of its row (a few rows): ``not_finite`` (NaN, an infinity,
    an overflow), ``ambiguous_number`` ("1,5": a decimal comma or a misplaced thousands separator?) or
    ``bad_number`` (:func:`~ingestion.cleaning.number_failure`). One check, three reasons: no pass over the rows
    that parsed."""
    bad = pl.col("rule") == "bad_number"
    if not reasons.select(bad.any()).item():
        return reasons
    parts = [reasons.filter(~bad)]
    for (field,), group in reasons.filter(bad).group_by("field"):
        raw = frame.select(ROW_INDEX, pl.col(f"{field}__raw").alias("_raw"))
        parts.append(group.join(raw, on=ROW_INDEX, how="left").with_columns(rule=number_failure(pl.col("_raw"))))
    return pl.concat([parts[0], *(p.select(reasons.columns) for p in parts[1:])])


# The quarantine's message for each rule, in Chinese; a reason on a field names it (「中文名称」) and, where the rule
# has one, the bound it broke (from the contract or contracts/dates.yml). Never the value: it may be personal data
# (the quarantine's ``value`` and ``raw_record`` columns keep what was received).
RULE_MESSAGES = {
    "required": "必填字段为空",
    "enum": "取值不在代码表（合同 enum）内",
    "pattern": "格式不符合合同 pattern",
    "minimum": "小于合同规定的最小值",
    "bad_date": "日期无法解析",
    "bad_number": "数值无法解析",
    "not_finite": "不是有限数值（非数或无穷大不是金额）",
    "ambiguous_number": "数值有歧义：逗号或空格不是三位一组的千位分隔符，无法判断是小数点还是千位分隔符（小数点请用“.”）",
    "too_long": "超过合同规定的最大长度（maxLength）",
    "date_too_early": "早于可信的最早日期",
    "date_after_receipt": "晚于本批次的接收日期（决定、登记等日期不可能晚于报送之日，多为录入错误）",
    "date_too_late": "晚于“长期”的最大值",
    "date_order": "日期先后不合理",
    "uscc_check": "统一社会信用代码校验位错误（GB 32100 / GB 11714）",
    "ric_check": "身份证号码校验位或出生日期错误（GB 11643）",
    "licence_number_check": "许可编号格式或校验位错误",
    "decision_number_format": "文书号格式应为 机关简称〔年份〕序号号",
    "unknown_code": "代码不在参考代码表内",
    "duplicate_row": "与本批次中前一行完全重复",
    "duplicate_key": "同一批次中同一业务主键出现多条不同记录，无法判定以哪条为准",
    "truncated_row": "最后一行不完整",
}


def _field_messages(contract: FeedContract) -> dict[str, str]:
    """``rule + "\x1f" + field`` → the message of that reason on that field (or pair of fields); built once per
    batch (a few hundred entries)."""
    dates = date_rules()
    out: dict[str, str] = {}
    for f in contract.fields:
        for rule, text in RULE_MESSAGES.items():
            out[f"{rule}\x1f{f.name}"] = f"「{f.label}」{text}"
        if f.minimum is not None:
            out[f"minimum\x1f{f.name}"] = f"「{f.label}」小于合同规定的最小值 {f.minimum:g}"
        if f.max_length is not None:
            out[f"too_long\x1f{f.name}"] = f"「{f.label}」超过合同规定的最大长度 {f.max_length} 个字符（maxLength）"
        out[f"date_too_early\x1f{f.name}"] = (
            f"「{f.label}」早于 {dates.earliest.isoformat()}（contracts/dates.yml：早于此日的日期不可信）"
        )
        out[f"date_too_late\x1f{f.name}"] = (
            f"「{f.label}」晚于 {dates.long_term.isoformat()}（“长期”，contracts/dates.yml）"
        )
    for o in dates.orders_within(list(contract.field_names)):
        earlier, later = contract.field(o.earlier).label, contract.field(o.later).label
        out[f"date_order\x1f{o.earlier},{o.later}"] = (
            f"「{later}」早于「{earlier}」：{o.meaning}（contracts/dates.yml）"
        )
    return out


def reason_message(contract: FeedContract) -> pl.Expr:
    """The message of each quarantine reason, from its ``rule`` and ``field`` (:data:`RULE_MESSAGES`)."""
    specific = pl.concat_str([pl.col("rule"), pl.lit("\x1f"), pl.col("field")])
    return pl.coalesce(
        specific.replace_strict(_field_messages(contract), default=None, return_dtype=pl.String),
        pl.col("rule").replace_strict(RULE_MESSAGES, default="校验未通过", return_dtype=pl.String),
    )


def _table_error(failures: pl.DataFrame, contract: FeedContract) -> BatchError:
    checks = set(failures["check"])
    names = sorted(set(failures["failure_case"].cast(pl.String)))
    if "column_in_schema" in checks:
        return BatchError(
            "schema_drift",
            f"合同 {contract.name} v{contract.version} 的模式中没有列 {names}"
            "（schema drift）：请检查合同与生成的模式是否一致",
        )
    if "column_in_dataframe" in checks:
        return BatchError("missing_column", f"缺少合同 {contract.name} 要求的列 {names}")
    detail = failures.select("column", "check").rows()
    return BatchError("schema_error", f"{contract.name}: 表级校验失败 {detail}")


def _columns_hash(columns: list[str], known: dict[str, pl.Series] | None = None) -> pl.Expr:
    """One 64-bit value per row from several columns: each column hashed on its own (vectorised, column by column),
    folded together FNV-style (UInt64 arithmetic wraps). Equal rows always hash equal; callers compare the values
    of rows whose hashes match, so a collision costs a comparison, never a wrong answer. ``known``: a column's
    hashes (seed ``_SEED + its position``) taken another way (:func:`_hash_by_codes`)."""
    folded: pl.Expr = pl.lit(0, pl.UInt64)
    for i, column in enumerate(columns):
        hashed = pl.lit(known[column]) if known and column in known else pl.col(column).hash(_SEED + i)
        folded = (folded * pl.lit(_FNV_PRIME, pl.UInt64)) ^ hashed
    return folded


def _hash_by_codes(codes: Codes, seed: int) -> pl.Series:
    """What ``column.hash(seed)`` gives for every row, computed from the column as codes: the distinct values are
    hashed once each and the rows take theirs by code (a null row, the hash of a null)."""
    row_codes, distinct = codes
    null_hash = pl.Series([None], dtype=pl.String).hash(seed)[0]
    return distinct.hash(seed).gather(row_codes).fill_null(null_hash)


def signatures(
    frame: pl.DataFrame, contract: FeedContract, chunk: int = 0, raw_codes: dict[str, Codes] | None = None
) -> pl.DataFrame:
    """Per row: a hash of its raw values and of its (cleaned) record key (null if a part is), and its chunk.
    ``raw_codes``: fields whose raw values cleaning coded (:class:`~ingestion.cleaning.CleanChunk`); hashed by code,
    with the same result as hashing every row."""
    key = list(contract.record_key)
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    raws = raw_columns(contract)
    known = {
        raw: _hash_by_codes(raw_codes[f.name], _SEED + i)
        for i, (f, raw) in enumerate(zip(contract.fields, raws))
        if raw_codes and f.name in raw_codes
    }
    return frame.select(
        pl.col(ROW_INDEX),
        _columns_hash(raws, known).alias("_row_sig"),
        pl.when(complete).then(_columns_hash(key)).alias("_key_sig"),
        pl.lit(chunk, pl.Int32).alias("_chunk"),
    )


def copies_in_chunk(frame: pl.DataFrame, sigs: pl.DataFrame, contract: FeedContract) -> pl.DataFrame:
    """Exact copies within one chunk (a subset of what :func:`duplicate_reasons` finds over the batch), so they
    are kept out of the chunk's landed rows at once rather than taken out again afterwards. Only rows whose raw
    signature occurs twice are compared, value by value."""
    suspects = sigs.filter(pl.col("_row_sig").is_in(recurring(sigs["_row_sig"]).implode()))[ROW_INDEX]
    rows = frame.filter(pl.col(ROW_INDEX).is_in(suspects.implode())) if suspects.len() else frame.clear()
    copies = rows.filter(~pl.struct(raw_columns(contract)).is_first_distinct())
    return copies.select(
        ROW_INDEX, rule=pl.lit("duplicate_row"), field=pl.lit(None, pl.String), value=pl.lit(None, pl.String)
    )


def recurring(values: pl.Series) -> pl.Series:
    """The non-null values that occur more than once, found by one sort: a hash table over a batch's 10 M
    signatures (``is_duplicated``) costs several times the CPU and a gigabyte of fresh memory, on the serial tail
    of the batch."""
    ordered = values.drop_nulls().sort()
    return ordered.filter(ordered == ordered.shift(1)).unique()


def duplicate_suspects(sigs: pl.DataFrame) -> pl.DataFrame:
    """Rows that may be batch-wide duplicates, from the signatures alone (``_row_number``, ``_chunk``): rows whose raw
    signature recurs in another chunk (copies within one chunk were taken out by :func:`copies_in_chunk`), and rows
    whose record-key signature recurs anywhere. Only these are read back and compared value by value."""
    recurs = pl.col("_row_sig").is_in(recurring(sigs["_row_sig"]).implode())
    clash = pl.col("_key_sig").is_in(recurring(sigs["_key_sig"]).implode()).fill_null(False)
    # the few recurring rows first; which chunks a signature spans is then asked of those only
    few = sigs.filter(recurs | clash).with_columns(recurs=recurs, clash=clash)
    spans = pl.col("recurs") & (pl.col("_chunk").n_unique().over("_row_sig") > 1)
    return few.filter(spans | pl.col("clash")).select(ROW_INDEX, "_chunk")


def duplicate_reasons(
    suspects: pl.DataFrame,
    parts: dict[int, list[Path]],
    contract: FeedContract,
    scan: Callable[[list[Path]], pl.LazyFrame],
) -> pl.DataFrame:
    """``duplicate_row`` (an exact copy of an earlier row) and ``duplicate_key`` (same record key, other values)
    among the suspects (:func:`duplicate_suspects`), read from the written parts of their chunks only. ``scan``:
    reads parts with the full landed schema (:func:`ingestion.landing.scan_landed`): a landed part leaves out
    empty ``<f>__raw`` columns, a rejected part has no provenance, and the others are read as null."""
    raw_cols, key = raw_columns(contract), list(contract.record_key)
    if suspects.is_empty():
        return pl.DataFrame(schema=REASON_SCHEMA)
    files = [path for chunk in sorted(suspects["_chunk"].unique()) for path in parts.get(chunk, [])]
    rows = (
        scan(files)
        .filter(pl.col(ROW_INDEX).is_in(suspects[ROW_INDEX].implode()))
        .select(ROW_INDEX, *received_values(contract), *key)
        .collect()
        .sort(ROW_INDEX)
    )
    first = pl.struct(raw_cols).is_first_distinct()
    copies = rows.filter(~first).select(
        ROW_INDEX, rule=pl.lit("duplicate_row"), field=pl.lit(None, pl.String), value=pl.lit(None, pl.String)
    )
    distinct = rows.filter(first)
    clash = distinct.filter(pl.struct(key).is_duplicated() & pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    clashes = clash.select(
        ROW_INDEX,
        rule=pl.lit("duplicate_key"),
        field=pl.lit(",".join(key)),
        value=pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="|"),
    )
    return pl.concat([copies, clashes])
