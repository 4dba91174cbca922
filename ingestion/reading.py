"""Reading a delivered file: encoding detection, format, truncation, headers — nothing guessed silently.

UTF-8 (with or without BOM) is read in place: polars' reader rejects any invalid UTF-8 sequence, so the strict
check costs nothing extra. If the file is not UTF-8 it is decoded strictly as GB18030 (a superset of GBK) into
a UTF-8 scratch copy; anything else is an ``unknown_encoding`` batch error. A last line without a trailing
newline that does not parse as a whole record is a truncated row: it is left out (a scratch copy without it
is read) and reported, never half-read. Rows come in chunks, so a batch larger than memory streams through.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingestion.errors import BatchError

CHUNK = 1 << 22  # 4 MiB of bytes per read when decoding or copying
ROW_INDEX = "_row_number"


class NotUtf8(Exception):
    """Raised while reading chunks: the file is not valid UTF-8 after all; reopen it with ``decode=True``."""


@dataclass
class RawBatch:
    source: Path  # the file the reader parses: the delivered file, or a UTF-8 scratch copy
    headers: list[str]
    encoding: str
    format: str
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, rule, message)
    rows: int = 0  # data rows yielded so far by :meth:`chunks`
    records: pl.DataFrame | None = None  # JSON Lines: read whole (its keys are known only after the last line)

    @property
    def rows_read(self) -> int:
        return self.rows + len(self.malformed)

    def chunks(self, size: int) -> Iterator[pl.DataFrame]:
        """The rows, ``size`` at a time: every column String, plus ``_row_number`` (1 = first data row)."""
        self.rows = 0
        try:
            for frame in self._frames(size):
                frame = frame.with_columns(pl.col(ROW_INDEX).cast(pl.Int64))
                self.rows += frame.height
                yield frame
        except pl.exceptions.ComputeError as exc:
            if "utf-8" in str(exc).lower() and self.encoding.startswith("utf-8"):
                raise NotUtf8(str(exc)) from exc
            what = "CSV 结构错误（列数不一致或引号不闭合）" if self.format == "csv" else "JSON Lines 结构错误"
            raise BatchError("malformed_file", f"{self.source.name}: {what}：{exc}") from exc
        if self.malformed:
            self.malformed = [(self.rows + 1, rule, msg) for _, rule, msg in self.malformed]

    def _frames(self, size: int) -> Iterator[pl.DataFrame]:
        if self.format == "csv":
            if not self.headers:
                return
            scan = pl.scan_csv(
                self.source,
                infer_schema=False,
                has_header=True,
                quote_char='"',
                truncate_ragged_lines=False,
                row_index_name=ROW_INDEX,
                row_index_offset=1,
                raise_if_empty=False,
            )
            yield from scan.collect_batches(chunk_size=size, maintain_order=True)
            return
        if self.records is not None:
            yield from self.records.iter_slices(size)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise BatchError("unsupported_format", f"{path.name}: 不支持的文件格式 {suffix!r}（支持 .csv 与 .jsonl）")


def _decode_gb18030(path: Path, out: Path) -> None:
    """Decode strictly into ``out`` (UTF-8); UnicodeDecodeError when the bytes are not GB18030 either."""
    decoder = codecs.getincrementaldecoder("gb18030")(errors="strict")
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))


def _truncated_tail(path: Path, fmt: str, n_headers: int | None) -> int | None:
    """Byte offset where a truncated last line starts (a line without newline that is no whole record)."""
    size = path.stat().st_size
    if size == 0:
        return None
    with path.open("rb") as fh:
        fh.seek(max(0, size - (1 << 20)))
        tail = fh.read()
    if tail.endswith(b"\n"):
        return None
    cut_at = tail.rfind(b"\n")
    last = tail[cut_at + 1 :].decode("utf-8", errors="replace")
    if fmt == "jsonl":
        try:
            json.loads(last)
            return None
        except json.JSONDecodeError:
            pass
    else:
        try:
            rows = list(csv.reader(io.StringIO(last), strict=True))
            if len(rows) == 1 and len(rows[0]) == n_headers and last.count('"') % 2 == 0:
                return None
        except csv.Error:
            pass
    return size - len(tail) + cut_at + 1


def _copy_head(path: Path, out: Path, length: int) -> None:
    with path.open("rb") as src, out.open("wb") as dst:
        shutil.copyfileobj(_Limited(src, length), dst, CHUNK)


class _Limited(io.RawIOBase):
    def __init__(self, fh, remaining: int):
        self.fh, self.remaining = fh, remaining

    def read(self, n: int = -1) -> bytes:
        n = self.remaining if n < 0 else min(n, self.remaining)
        data = self.fh.read(n)
        self.remaining -= len(data)
        return data


def _header_line(path: Path) -> str:
    with path.open("rb") as fh:
        return fh.readline().decode("utf-8").lstrip("\ufeff")


def open_batch(path: Path, scratch: Path, *, decode: bool = False) -> RawBatch:
    """Detect the encoding and the format, find the headers and a truncated tail; read nothing else yet.

    ``decode=True`` skips UTF-8 (after :class:`NotUtf8`) and decodes strictly as GB18030.
    """
    fmt = file_format(path)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if not head and fmt == "csv":
        raise BatchError("empty_file", f"{path.name}: 文件为空（0 字节，连表头也没有），请生产部门重新报送")
    has_bom = head.startswith(codecs.BOM_UTF8)
    source, encoding = path, "utf-8-sig" if has_bom else "utf-8"
    first_line = head.split(b"\n", 1)[0]
    try:
        if decode:
            raise UnicodeDecodeError("utf-8", first_line, 0, 1, "decoded as GB18030 on request")
        # the first line alone may end in the middle of a character only if it is longer than the probe
        first_line.decode("utf-8", errors="strict" if b"\n" in head or len(head) < (1 << 16) else "ignore")
    except UnicodeDecodeError as exc:
        if has_bom:
            raise BatchError(
                "unknown_encoding", f"{path.name}: 文件带 UTF-8 BOM，但内容不是合法的 UTF-8：{exc}。请以 UTF-8 重新导出"
            ) from exc
        source, encoding = scratch / (path.name + ".utf8"), "gbk"
        try:
            _decode_gb18030(path, source)
        except UnicodeDecodeError as exc2:
            raise BatchError(
                "unknown_encoding",
                f"{path.name}: 无法识别的编码（既不是 UTF-8 / UTF-8 BOM，也不是 GBK）：{exc2}。请以 UTF-8 重新导出",
            ) from exc2
    headers: list[str] = []
    if fmt == "csv":
        line = _header_line(source)
        if not line.strip():
            raise BatchError("empty_file", f"{path.name}: 文件没有表头行")
        headers = next(csv.reader([line]))
    cut = _truncated_tail(source, fmt, len(headers) if fmt == "csv" else None)
    malformed: list[tuple[int, str, str]] = []
    if cut is not None:
        with source.open("rb") as fh:
            fh.seek(cut)
            fragment = fh.read(200).decode("utf-8", errors="replace")
        trimmed = scratch / (path.name + ".whole-lines")
        _copy_head(source, trimmed, cut)
        source = trimmed
        malformed.append((0, "truncated_row", f"最后一行不完整（缺少换行且无法解析为完整记录）：{fragment[:80]!r}"))
    raw = RawBatch(source=source, headers=headers, encoding=encoding, format=fmt, malformed=malformed)
    if fmt == "jsonl" and source.stat().st_size:
        try:
            frame = pl.read_ndjson(source, infer_schema_length=None)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" in str(exc).lower() and encoding.startswith("utf-8"):
                raise NotUtf8(str(exc)) from exc
            raise BatchError("malformed_file", f"{path.name}: JSON Lines 结构错误：{exc}") from exc
        raw.records = frame.select([pl.col(c).cast(pl.String) for c in frame.columns]).with_row_index(ROW_INDEX, 1)
        raw.headers = [c for c in raw.records.columns if c != ROW_INDEX]
    return raw
