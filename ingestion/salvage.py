"""Reading a structurally broken delivery line by line: every record that is whole is read as polars would have read
it; every broken one is quarantined on its own, with its line numbers and its reason. Nothing is guessed.

CSV (:func:`csv_records`). The text streams through in blocks of whole lines. A block that polars reads whole — no
error, and as many structural commas as its records' fields call for — is taken as it is (most blocks of a broken
file are); a broken block is read line by line. There, a line with an even number of double quotes is a record of
its own; a line with an odd number opens a quoted value that a later line with an odd number
closes (a value spanning lines is legal CSV). Such a span is one record only if it has as many fields as the
header; otherwise — a stray or unclosed quote — the opening line alone is quarantined (``unclosed_quote``) and the
lines after it are read on their own, so a quote swallows nothing. A span is never longer than
``MAX_RECORD_LINES``. Fields are counted outside quotes; a record with more or fewer fields than the header is
quarantined (``too_many_fields``, ``too_few_fields``, ``blank_line``), and so is a line with bytes that are not UTF-8
when the file is read lossily (``bad_encoding``). The whole records are parsed by polars, a block at a time, with the
options of the normal reading; a record polars still refuses is found by halving and quarantined
(``malformed_row``).

JSON Lines (:func:`jsonl_records`). A blank line is no record (as for polars). A line that is not a JSON object —
an array, a number, a string (``not_an_object``) — or no JSON at all (``bad_json``) is quarantined; the others are
parsed by polars, a block at a time, found by halving where a block fails.

Records are numbered as polars numbers them (1 = first data record, a blank CSV line counted, a blank JSON Lines
line not); the messages name the file's line numbers (the header is line 1) and never quote content. The raw text
of a quarantined record is kept in its ``value``.

Only a file that the normal reading refused comes here. Whole blocks cost about twice the normal reading (one
block at a time); broken blocks are vectorised per block (polars), with Python loops over the lines that open or
close a quoted value and over the records polars refuses only.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import polars as pl

from ingestion.reading import REJECT_COLUMNS, ROW_INDEX, ByteCounts, value_bytes_of

BLOCK = 1 << 23  # 8 MiB of text read at a time
MAX_RECORD_LINES = 1000  # a quoted value may span lines, but not more than this: beyond, the quote is unclosed
PARSE_LEAF = 64  # a failing block is halved down to this many records, then parsed record by record
_QUOTED = re.compile(r'"[^"]*"')  # a quoted stretch: its commas and line ends are no separators
_QUOTED_POLARS = _QUOTED.pattern  # the same, for polars' regex engine


class NotUtf8(Exception):
    """A line is not valid UTF-8, and the reading was not lossy: the file must be decoded first."""


def _reject_frame(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(list(REJECT_COLUMNS)).cast(REJECT_COLUMNS)  # type: ignore[arg-type]


def _decode(data: bytes, lossy: bool) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not lossy:
            raise NotUtf8(str(exc)) from exc
        return data.decode("utf-8", errors="replace")


def _lines(text: str) -> pl.Series:
    return pl.Series("line", [text], pl.String).str.split("\n").explode()


def _fields(text: str) -> int:
    return _QUOTED.sub("", text).count(",") + 1


# ---- CSV ---------------------------------------------------------------------------------------------------


def csv_records(
    source: Path, start: int, end: int, columns: list[str], *, lossy: bool, size: int
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """The records of ``source[start:end]`` (after the header line): (whole records as String columns named
    ``columns`` plus ``_row_number``, at most ``size`` at a time; the broken ones, REJECT_COLUMNS)."""
    n = len(columns)
    state = _Progress()
    pending: list[str] = []  # lines of a quoted value not closed by the end of the last block
    carry = b""  # the bytes after the last line end read so far
    with source.open("rb") as fh:
        fh.seek(start)
        remaining = end - start
        while True:
            data = fh.read(min(BLOCK, remaining)) if remaining > 0 else b""
            remaining -= len(data)
            final = not data
            buf = carry + data
            if not final:  # whole lines only: the rest waits for the next block
                cut = buf.rfind(b"\n")
                if cut < 0:
                    carry = buf
                    continue
                body, carry = buf[:cut], buf[cut + 1 :]
            else:  # a last line without line end (a truncated one was cut off before), or nothing
                body, carry = buf, b""
                if not body and not pending:
                    return
            if body and not pending and (whole := _whole_block(body, columns)) is not None:
                state.line += body.count(b"\n") + 1
                for piece in whole.with_columns(state.number(whole.height)).iter_slices(size):
                    yield piece, pl.DataFrame(schema=REJECT_COLUMNS)
                if final:
                    return
                continue
            fresh = _lines(_decode(body, lossy)) if body or not final else pl.Series("line", [], pl.String)
            lines = pl.concat([pl.Series("line", pending, pl.String), fresh])
            first_line = state.line - len(pending)
            records, pending = _records(lines, first_line, n, final=final, lossy=lossy)
            state.line = first_line + lines.len()
            good, bad = _parse_records(records.with_columns(state.number(records.height)), columns)
            for piece in good.iter_slices(size):
                yield piece, pl.DataFrame(schema=REJECT_COLUMNS)
            if bad.height:
                yield pl.DataFrame(schema=dict.fromkeys([*columns, ROW_INDEX], pl.String)), bad
            if final:
                return


def _whole_block(body: bytes, columns: list[str]) -> pl.DataFrame | None:
    """The block's records as polars reads them, if it reads every one whole: no error, and as many structural
    commas as the fields call for (the check of :meth:`ingestion.reading.RawBatch._structure_holds`, on the block).
    Most blocks of a broken file are whole: only the others are looked at line by line."""
    data = body + b"\n"
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            schema=dict.fromkeys(columns, pl.String),
            quote_char='"',
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    counts = ByteCounts.of(data)
    commas = counts.commas
    if value_bytes_of(frame) + counts.total != len(data):  # values hold quotes, commas or line ends: count theirs
        values = [pl.col(c).str.count_matches(",", literal=True).sum() for c in columns]
        commas -= int(frame.select(pl.sum_horizontal(values)).item() or 0)
    return frame if commas == frame.height * (len(columns) - 1) else None


class _Progress:
    """Where the reading stands: the file's next line number (the header is line 1) and records so far."""

    def __init__(self) -> None:
        self.line = 2
        self.records = 0

    def number(self, count: int) -> pl.Expr:
        first = self.records + 1
        self.records += count
        return pl.int_range(first, first + count, dtype=pl.Int64).alias(ROW_INDEX)


def _records(lines: pl.Series, first_line: int, n: int, *, final: bool, lossy: bool) -> tuple[pl.DataFrame, list[str]]:
    """The lines grouped into records (text, first and last line number, the rule that breaks it or null), and the
    lines of a quoted value still open at the end of a block that is not the last."""
    odd = np.flatnonzero((lines.str.count_matches('"', literal=True) % 2 == 1).to_numpy())
    spans: list[tuple[int, int]] = []
    unclosed: list[int] = []
    pending_from: int | None = None
    pos = 0
    while pos < len(odd):  # the lines that open or close a quoted value: few, as a rule
        j = int(odd[pos])
        if pos + 1 < len(odd) and int(odd[pos + 1]) - j < MAX_RECORD_LINES:
            k = int(odd[pos + 1])
            if _fields("\n".join(lines.slice(j, k - j + 1).to_list())) == n:
                spans.append((j, k))
                pos += 2
                continue
        elif pos + 1 >= len(odd) and not final and lines.len() - j < MAX_RECORD_LINES:
            pending_from = j  # it may close in the next block
            break
        unclosed.append(j)
        pos += 1
    pending: list[str] = []
    if pending_from is not None:
        pending = lines.slice(pending_from).to_list()
        lines = lines.slice(0, pending_from)
    starts = np.ones(lines.len(), dtype=bool)
    for j, k in spans:
        starts[j + 1 : k + 1] = False
    is_unclosed = np.zeros(lines.len(), dtype=bool)
    is_unclosed[unclosed] = True
    frame = pl.DataFrame(
        {
            "line": lines,
            "line_no": pl.int_range(first_line, first_line + lines.len(), dtype=pl.Int64, eager=True),
            "record": np.cumsum(starts) - 1,
            "unclosed": is_unclosed,
        }
    )
    if spans:
        frame = frame.group_by("record", maintain_order=True).agg(
            pl.col("line").str.join("\n"),
            pl.col("line_no").first().alias("first"),
            pl.col("line_no").last().alias("last"),
            pl.col("unclosed").first(),
        )
    else:
        frame = frame.select("line", pl.col("line_no").alias("first"), pl.col("line_no").alias("last"), "unclosed")
    text = pl.col("line")
    fields = text.str.replace_all(_QUOTED_POLARS, "").str.count_matches(",", literal=True) + 1
    where = _where()
    rule = (
        pl.when(pl.lit(lossy) & text.str.contains("\ufffd", literal=True))
        .then(pl.lit("bad_encoding"))
        .when(pl.col("unclosed"))
        .then(pl.lit("unclosed_quote"))
        .when(text.str.strip_chars_end("\r") == "")
        .then(pl.lit("blank_line"))
        .when(fields > n)
        .then(pl.lit("too_many_fields"))
        .when(fields < n)
        .then(pl.lit("too_few_fields"))
    )
    message = (
        pl.when(pl.col("rule") == "bad_encoding")
        .then(
            pl.format(
                "{}含有不是 UTF-8 的字节（同一文件混用了 UTF-8 与 GBK 等编码？），整行隔离；"
                "请生产部门统一以 UTF-8 重新报送",
                where,
            )
        )
        .when(pl.col("rule") == "unclosed_quote")
        .then(pl.format("{}的引号未闭合，整行隔离（其后各行照常读取）", where))
        .when(pl.col("rule") == "blank_line")
        .then(pl.format("{}是空行", where))
        .when(pl.col("rule") == "too_many_fields")
        .then(
            pl.format("{}有 {} 个字段，多于表头的 {} 个（值中有未加引号的逗号？），整行隔离", where, fields, pl.lit(n))
        )
        .when(pl.col("rule") == "too_few_fields")
        .then(pl.format("{}只有 {} 个字段，少于表头的 {} 个（记录被换行截断？），整行隔离", where, fields, pl.lit(n)))
    )
    frame = frame.with_columns(rule.alias("rule")).with_columns(message.alias("message"))
    return frame.select("line", "first", "last", "rule", "message"), pending


def _parse_records(records: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The whole records parsed by polars (String columns, ``_row_number``); the broken ones as rejects."""
    broken = records.filter(pl.col("rule").is_not_null())
    whole = records.filter(pl.col("rule").is_null())
    parsed, refused = _halving(whole, lambda block: _parse_csv(block, columns))
    if refused.height:
        refused = refused.with_columns(
            rule=pl.lit("malformed_row"),
            message=pl.format("{}无法按 CSV 规则解析（引号位置不规范？），整行隔离", _where()),
        )
        broken = pl.concat([broken, refused]).sort(ROW_INDEX)
    good = (
        pl.concat(parsed, how="vertical")
        if parsed
        else pl.DataFrame(schema=dict.fromkeys(columns, pl.String) | {ROW_INDEX: pl.Int64})
    )
    return good, _reject_frame(broken.rename({"line": "value"}))


def _parse_csv(block: pl.DataFrame, columns: list[str]) -> pl.DataFrame | None:
    data = (block["line"].str.join("\n").item() + "\n").encode("utf-8")
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            new_columns=columns,
            infer_schema=False,
            quote_char='"',
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.height != block.height or frame.width != len(columns):
        return None
    return frame.with_columns(block[ROW_INDEX])


def _where() -> pl.Expr:
    """Which lines of the file a record is: "第 7 行", or "第 7–9 行" for a value spanning lines."""
    one = pl.col("first") == pl.col("last")
    return pl.when(one).then(pl.format("第 {} 行", "first")).otherwise(pl.format("第 {}–{} 行", "first", "last"))


def _halving(
    block: pl.DataFrame, parse: Callable[[pl.DataFrame], pl.DataFrame | None]
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """``parse`` over the block; where it fails, over its halves, down to single records. Returns the parsed frames
    in order and the records no parse accepted."""
    if not block.height:
        return [], block
    if (frame := parse(block)) is not None:
        return [frame], block.clear()
    if block.height == 1:
        return [], block
    if block.height <= PARSE_LEAF:
        pieces = [block.slice(i, 1) for i in range(block.height)]
    else:
        half = block.height // 2
        pieces = [block.slice(0, half), block.slice(half)]
    frames: list[pl.DataFrame] = []
    refused = [block.clear()]
    for piece in pieces:
        got, bad = _halving(piece, parse)
        frames += got
        refused.append(bad)
    return frames, pl.concat(refused)


# ---- JSON Lines --------------------------------------------------------------------------------------------


def jsonl_records(source: Path, length: int, *, lossy: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The records of ``source[:length]`` (String columns in order of first appearance, ``_row_number``) and the
    lines refused (REJECT_COLUMNS)."""
    with source.open("rb") as fh:
        text = _decode(fh.read(length), lossy).removeprefix("\ufeff")  # polars' reader stops at a BOM
    lines = _lines(text)
    frame = (
        pl.DataFrame({"line": lines})
        .with_row_index("line_no", 1)
        .filter(pl.col("line").str.strip_chars() != "")
        .with_row_index(ROW_INDEX, 1)
        .with_columns(pl.col(ROW_INDEX).cast(pl.Int64), pl.col("line_no").cast(pl.Int64))
    )
    stripped = pl.col("line").str.strip_chars()
    objectish = stripped.str.starts_with("{") & stripped.str.ends_with("}")
    rule = (
        pl.when(pl.lit(lossy) & pl.col("line").str.contains("\ufffd", literal=True))
        .then(pl.lit("bad_encoding"))
        .when(~objectish & stripped.str.starts_with("{"))
        .then(pl.lit("bad_json"))
        .when(~objectish)
        .then(pl.lit("not_an_object"))
    )
    frame = frame.with_columns(rule.alias("rule"))
    parsed, refused = _halving(frame.filter(pl.col("rule").is_null()), _parse_jsonl)
    refused = refused.with_columns(rule=pl.Series([_json_rule(line) for line in refused["line"]], dtype=pl.String))
    broken = pl.concat([frame.filter(pl.col("rule").is_not_null()), refused]).sort(ROW_INDEX)
    messages = {
        "bad_encoding": "含有不是 UTF-8 的字节（同一文件混用了 UTF-8 与 GBK 等编码？），整行隔离；请生产部门统一以 UTF-8 重新报送",
        "bad_json": "不是合法的 JSON，整行隔离",
        "not_an_object": "不是 JSON 对象（是数组、数值、字符串或 null），整行隔离",
    }
    broken = broken.with_columns(
        message=pl.format(
            "第 {} 行{}", "line_no", pl.col("rule").replace_strict(messages, default="无法读取，整行隔离")
        )
    )
    records = pl.concat(parsed, how="diagonal") if parsed else pl.DataFrame(schema={ROW_INDEX: pl.Int64})
    ordered = [c for c in records.columns if c != ROW_INDEX] + [ROW_INDEX]
    return records.select(ordered), _reject_frame(broken.rename({"line": "value"}))


def _json_rule(line: str) -> str:
    try:
        value = json.loads(line)
    except ValueError:
        return "bad_json"
    return "bad_json" if isinstance(value, dict) else "not_an_object"


def _parse_jsonl(block: pl.DataFrame) -> pl.DataFrame | None:
    data = block["line"].str.join("\n").item().encode("utf-8")
    try:
        frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
        if any(dtype.is_nested() for dtype in frame.dtypes):  # an object or array as a value: kept as its JSON text
            frame = pl.read_ndjson(io.BytesIO(data), schema=dict.fromkeys(frame.columns, pl.String))
        frame = frame.select([pl.col(c).cast(pl.String) for c in frame.columns])
    except pl.exceptions.PolarsError:
        return None
    if frame.height != block.height:
        return None
    return frame.with_columns(block[ROW_INDEX])
