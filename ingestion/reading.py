"""Reading a delivered file: encoding detection, format, truncation, headers — nothing guessed silently.

The file is streamed once: its SHA-256 is computed over the original bytes while the text is decoded
strictly (UTF-8 with BOM, UTF-8, then GB18030/GBK). The decoded text is written to a UTF-8 scratch copy
that the CSV/JSON readers parse. A last line without a trailing newline that does not parse as a whole
record is a truncated row: it is cut from the copy and reported, never half-read.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingestion.errors import BatchError

CHUNK = 1 << 22  # 4 MiB
# Tried in this order; each must decode the whole file strictly. GB18030 is a superset of GBK.
ENCODINGS = ("utf-8", "gb18030")


@dataclass
class RawBatch:
    frame: pl.DataFrame  # all columns String, plus _row_number (1 = first data row)
    headers: list[str]
    encoding: str
    format: str
    sha256: str
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, rule, message)

    @property
    def rows_read(self) -> int:
        return self.frame.height + len(self.malformed)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise BatchError("unsupported_format", f"{path.name}: 不支持的文件格式 {suffix!r}（支持 .csv 与 .jsonl）")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_to(path: Path, encoding: str, out: Path) -> str:
    """Decode strictly into ``out`` (UTF-8); return the sha256 of the original bytes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        first = True
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            if first and encoding == "utf-8" and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8):]
            first = False
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return digest.hexdigest()


def decode(path: Path, scratch: Path) -> tuple[Path, str, str]:
    """Return (utf-8 copy, encoding label, sha256). Raises BatchError when no encoding fits."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if not head and path.suffix.lower() == ".csv":
        raise BatchError("empty_file", f"{path.name}: 文件为空（0 字节，连表头也没有），请生产部门重新报送")
    has_bom = head.startswith(codecs.BOM_UTF8)
    out = scratch / (path.name + ".utf8")
    for encoding in ENCODINGS:
        if has_bom and encoding != "utf-8":
            break
        try:
            sha = _decode_to(path, encoding, out)
        except UnicodeDecodeError as exc:
            last_error = exc
            continue
        label = "utf-8-sig" if has_bom else ("utf-8" if encoding == "utf-8" else "gbk")
        return out, label, sha
    raise BatchError(
        "unknown_encoding",
        f"{path.name}: 无法识别的编码（既不是 UTF-8 / UTF-8 BOM，也不是 GBK）：{last_error}。请以 UTF-8 重新导出",
    )


def _cut_truncated_tail(copy: Path, fmt: str, n_headers: int | None) -> tuple[bool, str]:
    """If the last line has no newline and is not a whole record, cut it. Returns (cut, fragment)."""
    size = copy.stat().st_size
    if size == 0:
        return False, ""
    with copy.open("rb+") as fh:
        fh.seek(max(0, size - (1 << 20)))
        tail = fh.read()
        if tail.endswith(b"\n"):
            return False, ""
        cut_at = tail.rfind(b"\n")
        last = tail[cut_at + 1:].decode("utf-8", errors="replace")
        if fmt == "jsonl":
            try:
                json.loads(last)
                return False, ""
            except json.JSONDecodeError:
                pass
        else:
            try:
                rows = list(csv.reader(io.StringIO(last), strict=True))
                if len(rows) == 1 and len(rows[0]) == n_headers and last.count('"') % 2 == 0:
                    return False, ""
            except csv.Error:
                pass
        fh.truncate(size - len(tail) + cut_at + 1)
    return True, last


def read_batch(path: Path, scratch: Path) -> RawBatch:
    fmt = file_format(path)
    copy, encoding, sha = decode(path, scratch)
    if fmt == "csv":
        with copy.open(encoding="utf-8", newline="") as fh:
            header_line = fh.readline()
        if not header_line.strip():
            raise BatchError("empty_file", f"{path.name}: 文件没有表头行")
        headers = next(csv.reader([header_line]))
        cut, fragment = _cut_truncated_tail(copy, fmt, len(headers))
        try:
            frame = pl.read_csv(copy, infer_schema=False, has_header=True, quote_char='"',
                                truncate_ragged_lines=False, row_index_name="_row_number",
                                row_index_offset=1, raise_if_empty=False)
        except pl.exceptions.ComputeError as exc:
            raise BatchError("malformed_file", f"{path.name}: CSV 结构错误（列数不一致或引号不闭合）：{exc}") from exc
    else:
        cut, fragment = _cut_truncated_tail(copy, fmt, None)
        try:
            frame = pl.read_ndjson(copy, infer_schema_length=None) if copy.stat().st_size else pl.DataFrame()
        except pl.exceptions.ComputeError as exc:
            raise BatchError("malformed_file", f"{path.name}: JSON Lines 结构错误：{exc}") from exc
        frame = frame.select([pl.col(c).cast(pl.String) for c in frame.columns]).with_row_index("_row_number", 1)
        headers = [c for c in frame.columns if c != "_row_number"]
    frame = frame.with_columns(pl.col("_row_number").cast(pl.Int64))
    malformed: list[tuple[int, str, str]] = []
    if cut:
        row = frame.height + 1
        malformed.append((row, "truncated_row", f"最后一行不完整（缺少换行且无法解析为完整记录）：{fragment[:80]!r}"))
    return RawBatch(frame=frame, headers=headers, encoding=encoding, format=fmt, sha256=sha, malformed=malformed)
