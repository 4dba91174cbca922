"""Reading a delivered file: exactly the bytes it held when it was opened, its encoding, format and structure —
nothing guessed silently, no row dropped without a reason.

**The bytes.** A delivery is read as it was when ingestion opened it (:class:`Snapshot`: size, modification time,
inode): it is hashed up to that size (:func:`digest`), every copy made of it is bounded by that size, and the caller
checks afterwards that the file still is what was snapshotted — if it changed meanwhile, nothing of the attempt is
kept, and the next run reads it again (``docs/ingestion.md``, "Delivery protocol").

**The encoding.** UTF-8 (with or without BOM) is read in place: polars' reader rejects any invalid UTF-8 sequence,
so the strict check costs nothing extra. A file without BOM that is not UTF-8 is decoded strictly as GB18030
(a superset of GBK) into a UTF-8 scratch copy. A file that is neither — a BOM followed by GBK bytes, or UTF-8 and
GBK mixed in one file — is read line by line: the lines that are not valid UTF-8 are quarantined (``bad_encoding``)
and the others are read (``encoding`` "mixed").

**The structure.** A last line without a trailing newline that does not parse as a whole record is a truncated row:
it is left out (a scratch copy without it is read) and reported, never half-read. Every other record is read by
polars in chunks (a batch larger than memory streams through). polars refuses a row with too many fields, an
unclosed quote or stray bytes, and pads a row with too few fields silently; the padding is found afterwards by
counting: the file's structural commas (its commas less those inside values) must be (fields − 1) per record —
the counts come with the hash (:class:`ByteCounts`), so the check costs a few integer sums. A file that fails any
of this is read again by :mod:`ingestion.salvage`, which quarantines each broken record with its line numbers and
its reason and reads every other record as polars would have. JSON Lines likewise: a line that is not a JSON
object, or no JSON at all, is quarantined on its own.

No message quotes a row: structural rejects name line numbers and field counts; the raw text of a broken record is
kept in the quarantine's ``value`` column only (the quarantine holds raw values by design, like ``raw_record``).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from ground.files import HASH_BUFFER
from ingestion.errors import BatchError

CHUNK = 1 << 22  # 4 MiB of bytes per read when decoding or copying
ROW_INDEX = "_row_number"
TAIL_WINDOW = 1 << 20  # bytes read back from the end at a time to find the last line
# a structural reject: the record's number, the rule, a message (line numbers, never content) and the raw text
REJECT_COLUMNS: dict[str, pl.DataType] = {
    ROW_INDEX: pl.Int64(),
    "rule": pl.String(),
    "message": pl.String(),
    "value": pl.String(),
}
MIXED = "mixed"  # the encoding recorded for a file read line by line, its invalid lines quarantined


class Reread(Exception):
    """Raised while reading chunks: the file must be read again from its start, as ``batch`` (decoded, or line by
    line); every chunk yielded so far is void."""

    def __init__(self, batch: RawBatch, why: str):
        super().__init__(why)
        self.batch = batch


class NotAFile(Exception):
    """The path is a symbolic link or no regular file: it is not read (a link could point anywhere)."""


@dataclass(frozen=True)
class Snapshot:
    """What a delivered file was when ingestion opened it; any write, rename over or truncation changes it."""

    size: int
    mtime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, path: Path) -> Snapshot:
        """The file's snapshot, never following a link (:class:`NotAFile`); FileNotFoundError when it is gone."""
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            raise NotAFile("符号链接：不跟随读取（链接可能指向接收目录之外）")
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile("不是普通文件（目录、管道或设备文件），不予读取")
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


_COUNTED = (10, 13, 34, 44)  # line feed, carriage return, double quote, comma: the fields of ByteCounts, in order
_COUNT_SLICE = 1 << 18


@dataclass(frozen=True)
class ByteCounts:
    """How many line feeds, carriage returns, double quotes and commas a run of bytes holds. Each is an ASCII byte
    that no byte of a multi-byte UTF-8 or GB18030 character equals, so the counts are the same in either encoding."""

    newlines: int = 0
    returns: int = 0
    quotes: int = 0
    commas: int = 0

    @classmethod
    def of(cls, data: bytes | bytearray | memoryview) -> ByteCounts:
        a = np.frombuffer(data, np.uint8)
        # in slices that stay in the core's cache, into one reused mask: a 16 MiB block costs a third of four
        # whole-block comparisons, each allocating (and faulting in) its own 16 MiB mask (benchmarks/RESULTS.md)
        mask = np.empty(min(len(a), _COUNT_SLICE), np.bool_)
        counts = [0, 0, 0, 0]
        for start in range(0, len(a), _COUNT_SLICE):
            part = a[start : start + _COUNT_SLICE]
            out = mask[: len(part)]
            for i, byte in enumerate(_COUNTED):
                counts[i] += int(np.count_nonzero(np.equal(part, byte, out=out)))
        return cls(*counts)

    def __add__(self, other: ByteCounts) -> ByteCounts:
        return ByteCounts(*(x + y for x, y in zip(self._values(), other._values())))

    def __sub__(self, other: ByteCounts) -> ByteCounts:
        return ByteCounts(*(x - y for x, y in zip(self._values(), other._values())))

    def _values(self) -> tuple[int, int, int, int]:
        return (self.newlines, self.returns, self.quotes, self.commas)

    @property
    def total(self) -> int:
        return sum(self._values())


@dataclass(frozen=True)
class Digest:
    sha256: str
    length: int  # bytes hashed: the size the file had when it was opened, fewer only if it shrank meanwhile
    counts: ByteCounts | None  # of the same bytes (CSV only: the structure check)


def digest(path: Path, length: int, *, count: bool = False) -> Digest:
    """SHA-256 of the first ``length`` bytes of ``path`` — exactly the bytes the batch reads, however much the file
    has grown since it was opened — and, with ``count``, their :class:`ByteCounts`. Large blocks into one reused
    buffer: reading, hashing and counting release the GIL."""
    sha = hashlib.sha256()
    counts = ByteCounts()
    buffer = bytearray(HASH_BUFFER)
    view = memoryview(buffer)
    done = 0
    with path.open("rb", buffering=0) as fh:
        while done < length and (n := fh.readinto(view[: min(HASH_BUFFER, length - done)])):
            sha.update(view[:n])
            if count:
                counts += ByteCounts.of(view[:n])
            done += n
    return Digest(sha.hexdigest(), done, counts if count else None)


@dataclass
class RawBatch:
    """One delivered file, opened: its headers, encoding and format; its rows come from :meth:`chunks`."""

    source: Path  # the file the reader parses: the delivered file, or a UTF-8 scratch copy
    length: int  # bytes of ``source`` that belong to the delivery (the delivered file may have grown since)
    headers: list[str]
    encoding: str
    format: str
    origin: Path  # the delivered file, and what is needed to open it again differently
    origin_length: int
    scratch: Path
    origin_counts: Callable[[], ByteCounts | None] = lambda: None  # of origin[:origin_length] (CSV)
    counts: Callable[[], ByteCounts | None] = lambda: None  # of source[:length] (CSV)
    header_bytes: int = 0  # the header line, BOM and line end included: the data starts there
    header_counts: ByteCounts = field(default_factory=ByteCounts)
    columns: list[str] = field(default_factory=list)  # the column names polars gives the headers
    salvage: bool = False  # read line by line (ingestion.salvage): broken records quarantined one by one
    lossy: bool = False  # lines that are not valid UTF-8 are quarantined (bad_encoding)
    error: BatchError | None = None  # found on opening: the whole batch is refused, its rows are still read
    opened_rejects: list[pl.DataFrame] = field(default_factory=list)  # found on opening (JSON Lines lines)
    tail: pl.DataFrame | None = None  # a truncated last line; its number follows every other record
    records: pl.DataFrame | None = None  # JSON Lines: read whole (its keys are known only after the last line)
    rows: int = 0  # data rows yielded so far by :meth:`chunks`
    _found: list[pl.DataFrame] = field(default_factory=list)  # structural rejects found by :meth:`chunks`

    @property
    def rejected(self) -> pl.DataFrame:
        """Records refused by the reader, one line each (REJECT_COLUMNS): never among the rows :meth:`chunks` yields."""
        found = pl.concat([pl.DataFrame(schema=REJECT_COLUMNS), *self.opened_rejects, *self._found])
        if self.tail is not None:
            found = pl.concat(
                [found, self.tail.with_columns(pl.lit(self.rows + found.height + 1, pl.Int64).alias(ROW_INDEX))]
            )
        return found

    @property
    def rows_read(self) -> int:
        return self.rows + self.rejected.height

    def chunks(self, size: int) -> Iterator[pl.DataFrame]:
        """The rows, ``size`` at a time: every column String, plus ``_row_number`` (1 = first data record).

        Raises :class:`Reread` when the file turns out to need another reading (not UTF-8 after all, or broken
        records): the caller discards what it made of the chunks so far and reads ``Reread.batch`` instead."""
        self.rows = 0
        self._found = []
        if self.format == "jsonl":
            if self.records is not None:
                for frame in self.records.iter_slices(size):
                    self.rows += frame.height
                    yield frame
            return
        if not self.headers:
            return
        frames = self._salvaged(size) if self.salvage else self._parsed(size)
        for frame in frames:
            self.rows += frame.height
            yield frame.with_columns(pl.col(ROW_INDEX).cast(pl.Int64))

    def _parsed(self, size: int) -> Iterator[pl.DataFrame]:
        """polars over the whole file, then the count check for rows it padded (see the module's docstring)."""
        scan = self._scan()
        value_bytes = 0
        try:
            for frame in scan.collect_batches(chunk_size=size, maintain_order=True):
                value_bytes += value_bytes_of(frame)
                yield frame
        except pl.exceptions.PolarsError as exc:
            if "utf-8" in str(exc).lower() and self.encoding.startswith("utf-8"):
                raise Reread(self.reopened(lossy=self.encoding == "utf-8-sig"), "不是 UTF-8") from exc
            raise Reread(replace(self, salvage=True), "结构错误") from exc
        if not self._structure_holds(value_bytes):
            raise Reread(replace(self, salvage=True), "字段数不符")

    def _scan(self) -> pl.LazyFrame:
        return pl.scan_csv(
            self.source,
            infer_schema=False,
            has_header=True,
            quote_char='"',
            truncate_ragged_lines=False,
            row_index_name=ROW_INDEX,
            row_index_offset=1,
            raise_if_empty=False,
        )

    def _structure_holds(self, value_bytes: int) -> bool:
        """Every record has as many fields as the header: its structural commas number (fields − 1) per record.

        The bytes of the records are their values' bytes, the quotes around and doubled inside quoted values, the
        structural commas and the line ends (LF, or CR LF). So when the values hold no quote, comma, CR or LF — the
        bytes add up without them — every comma of the file is structural; otherwise the commas inside values are
        counted in one more pass (polars, streaming)."""
        counts = self.counts()
        if counts is None:
            return True
        data = counts - self.header_counts
        inside_values = value_bytes + data.total - (self.length - self.header_bytes)
        commas = data.commas
        if inside_values:
            commas -= _commas_in_values(self._scan())
        return commas == self.rows * (len(self.headers) - 1)

    def _salvaged(self, size: int) -> Iterator[pl.DataFrame]:
        from ingestion.salvage import NotUtf8, csv_records

        try:
            for good, bad in csv_records(
                self.source, self.header_bytes, self.length, self.columns, lossy=self.lossy, size=size
            ):
                if bad.height:
                    self._found.append(bad)
                if good.height:
                    yield good
        except NotUtf8 as exc:
            raise Reread(self.reopened(lossy=self.encoding == "utf-8-sig"), "不是 UTF-8") from exc

    def reopened(self, *, lossy: bool) -> RawBatch:
        """The delivered file opened again: decoded as GB18030, or (``lossy``, or when that fails) line by line."""
        return open_batch(
            self.origin, self.scratch, self.origin_length, self.origin_counts, how="lossy" if lossy else "gb18030"
        )


def value_bytes_of(frame: pl.DataFrame) -> int:
    """The bytes of a frame's values (String columns; ``_row_number`` aside)."""
    values = [c for c in frame.columns if c != ROW_INDEX]
    if not values or not frame.height:
        return 0
    return int(frame.select(pl.sum_horizontal([pl.col(c).str.len_bytes().sum() for c in values])).item() or 0)


def _commas_in_values(scan: pl.LazyFrame) -> int:
    values = [c for c in scan.collect_schema().names() if c != ROW_INDEX]
    if not values:
        return 0
    total = scan.select(pl.sum_horizontal([pl.col(c).str.count_matches(",", literal=True).sum() for c in values]))
    return int(total.collect(engine="streaming").item() or 0)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise BatchError("unsupported_format", f"{path.name}: 不支持的文件格式 {suffix!r}（支持 .csv 与 .jsonl）")


def _decode_to_utf8(path: Path, out: Path, length: int, codec: str = "gb18030") -> ByteCounts:
    """Decode the first ``length`` bytes strictly (GB18030, or UTF-16 after its byte-order mark) into ``out``
    (UTF-8); UnicodeDecodeError when the bytes are not that encoding throughout. Returns the counts of what was
    written."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    counts = ByteCounts()
    with path.open("rb") as src, out.open("wb") as dst:
        remaining = length
        while remaining > 0 and (chunk := src.read(min(CHUNK, remaining))):
            remaining -= len(chunk)
            text = decoder.decode(chunk).encode("utf-8")
            counts += ByteCounts.of(text)
            dst.write(text)
        text = decoder.decode(b"", final=True).encode("utf-8")
        counts += ByteCounts.of(text)
        dst.write(text)
    return counts


def _last_line_start(path: Path, length: int) -> int:
    """Byte offset where the last line of ``path[:length]`` starts."""
    end = length
    while end > 0:
        start = max(0, end - TAIL_WINDOW)
        with path.open("rb") as fh:
            fh.seek(start)
            window = fh.read(end - start)
        if (at := window.rfind(b"\n")) >= 0:
            return start + at + 1
        end = start
    return 0


def _truncated_tail(path: Path, length: int, fmt: str, n_headers: int | None) -> int | None:
    """Byte offset where a truncated last line starts (a line without newline that is no whole record)."""
    if length == 0:
        return None
    with path.open("rb") as fh:
        fh.seek(length - 1)
        if fh.read(1) == b"\n":
            return None
    start = _last_line_start(path, length)
    with path.open("rb") as fh:
        fh.seek(start)
        last = fh.read(length - start).decode("utf-8", errors="replace")
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
    return start


def _copy_head(path: Path, out: Path, length: int) -> ByteCounts:
    counts = ByteCounts()
    with path.open("rb") as src, out.open("wb") as dst:
        remaining = length
        while remaining > 0 and (chunk := src.read(min(CHUNK, remaining))):
            remaining -= len(chunk)
            counts += ByteCounts.of(chunk)
            dst.write(chunk)
    return counts


def _header_line(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.readline()


def _column_names(line: bytes) -> list[str]:
    """The names polars gives these headers (it renames repeated ones), so that every reading yields the same."""
    frame = pl.read_csv(
        io.BytesIO(line.rstrip(b"\r\n") + b"\n"), has_header=True, infer_schema=False, n_rows=0, encoding="utf8-lossy"
    )
    return frame.columns


def open_batch(
    path: Path,
    scratch: Path,
    length: int | None = None,
    counts: Callable[[], ByteCounts | None] = lambda: None,
    *,
    how: str | None = None,
) -> RawBatch:
    """Detect the encoding and the format, find the headers and a truncated tail; read nothing else yet (JSON Lines:
    the records, which are read whole).

    ``length``: the bytes of ``path`` that belong to the delivery (its size when opened; default: its size now).
    ``counts``: the :class:`ByteCounts` of those bytes, when known (they come with the hash). ``how``: "gb18030"
    decodes strictly as GB18030 (after polars found the file is not UTF-8), "lossy" reads line by line and
    quarantines the lines that are not UTF-8; by default the first line decides.
    """
    fmt = file_format(path)
    length = path.stat().st_size if length is None else length
    with path.open("rb") as fh:
        head = fh.read(min(length, 1 << 16))
    if not head and fmt == "csv":
        raise BatchError("empty_file", f"{path.name}: 文件为空（0 字节，连表头也没有），请生产部门重新报送")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode" exports
        return _open_utf16(path, scratch, length, fmt)
    if b"\x00" in head.split(b"\n", 1)[0]:
        raise BatchError(
            "unknown_encoding",
            f"{path.name}: 表头行含有 NUL 字节（UTF-16 而无字节顺序标记，或不是文本文件），无法按列名读取；"
            "请生产部门另存为 UTF-8（或 GBK）的 CSV 重新报送",
        )
    has_bom = head.startswith(codecs.BOM_UTF8)
    if how is None:
        first_line = head.split(b"\n", 1)[0]
        try:  # the first line alone may end in the middle of a character only if it is longer than the probe
            first_line.decode("utf-8", errors="strict" if b"\n" in head or len(head) < (1 << 16) else "ignore")
        except UnicodeDecodeError:
            how = "lossy" if has_bom else "gb18030"
    raw = RawBatch(
        source=path,
        length=length,
        headers=[],
        encoding="utf-8-sig" if has_bom else "utf-8",
        format=fmt,
        origin=path,
        origin_length=length,
        scratch=scratch,
        origin_counts=counts,
        counts=counts,
    )
    if how == "gb18030" and not has_bom:
        decoded = scratch / (path.name + ".utf8")
        try:
            made = _decode_to_utf8(path, decoded, length)
            raw = replace(raw, source=decoded, length=decoded.stat().st_size, encoding="gbk", counts=lambda: made)
        except UnicodeDecodeError:
            how = "lossy"  # neither UTF-8 nor GB18030 throughout: read line by line
    if how in ("lossy", "gb18030") and raw.encoding != "gbk":
        raw = replace(raw, encoding=MIXED, lossy=True, salvage=True)
    if fmt == "csv":
        raw = _open_csv(raw)
    raw = _without_truncated_tail(raw)
    if fmt == "jsonl":
        raw = _read_jsonl(raw)
    return raw


def _open_utf16(path: Path, scratch: Path, length: int, fmt: str) -> RawBatch:
    """A UTF-16 file (with its byte-order mark): read from a UTF-8 copy, like a GBK file; refused as a whole when
    some bytes are not UTF-16 after all (an odd length, a lone surrogate)."""
    decoded = scratch / (path.name + ".utf8")
    try:
        made = _decode_to_utf8(path, decoded, length, "utf-16")
    except UnicodeDecodeError:
        raise BatchError(
            "unknown_encoding",
            f"{path.name}: 以 UTF-16 字节顺序标记开头，但其后的字节不是完整的 UTF-16 文本；"
            "请生产部门另存为 UTF-8（或 GBK）的 CSV 重新报送",
        ) from None
    raw = RawBatch(
        source=decoded,
        length=decoded.stat().st_size,
        headers=[],
        encoding="utf-16",
        format=fmt,
        origin=path,
        origin_length=length,
        scratch=scratch,
        counts=lambda: made,
    )
    if fmt == "csv":
        raw = _open_csv(raw)
    raw = _without_truncated_tail(raw)
    if fmt == "jsonl":
        raw = _read_jsonl(raw)
    return raw


def _open_csv(raw: RawBatch) -> RawBatch:
    line = _header_line(raw.source)
    text = line.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise BatchError("empty_file", f"{raw.origin.name}: 文件没有表头行")
    error = None
    if "\ufffd" in text and raw.lossy:
        error = BatchError(
            "unknown_encoding",
            f"{raw.origin.name}: 表头行既不是 UTF-8 也不是 GBK（文件混用了多种编码？），无法按列名读取；"
            "各行已隔离。请生产部门统一以 UTF-8 重新导出",
        )
    return replace(
        raw,
        headers=next(csv.reader([text])),
        header_bytes=len(line),
        header_counts=ByteCounts.of(line),
        columns=_column_names(line),
        error=error,
    )


def _without_truncated_tail(raw: RawBatch) -> RawBatch:
    cut = _truncated_tail(raw.source, raw.length, raw.format, len(raw.headers) if raw.format == "csv" else None)
    if cut is None or cut < raw.header_bytes:
        return raw
    with raw.source.open("rb") as fh:
        fh.seek(cut)
        fragment = fh.read(raw.length - cut).decode("utf-8", errors="replace")
    trimmed = raw.scratch / (raw.origin.name + ".whole-lines")
    made = _copy_head(raw.source, trimmed, cut)
    tail = pl.DataFrame(
        {
            ROW_INDEX: [0],
            "rule": ["truncated_row"],
            "message": ["最后一行不完整（缺少换行且无法解析为完整记录），整行隔离"],
            "value": [fragment],
        },
        schema=REJECT_COLUMNS,
    )
    return replace(raw, source=trimmed, length=cut, counts=lambda: made, tail=tail)


def _read_jsonl(raw: RawBatch) -> RawBatch:
    """JSON Lines, read whole: by polars at once, or line by line when a line is not a JSON object (or no JSON)."""
    from ingestion.salvage import NotUtf8, jsonl_records

    if not raw.length:
        return raw
    frame = None
    if not raw.salvage:
        try:
            frame = pl.read_ndjson(raw.source, infer_schema_length=None)
            frame = frame.select([pl.col(c).cast(pl.String) for c in frame.columns])
        except pl.exceptions.PolarsError as exc:
            if "utf-8" in str(exc).lower() and raw.encoding.startswith("utf-8"):
                return raw.reopened(lossy=raw.encoding == "utf-8-sig")
            frame = None
    if frame is not None:
        records = frame.with_row_index(ROW_INDEX, 1).with_columns(pl.col(ROW_INDEX).cast(pl.Int64))
        rejects: list[pl.DataFrame] = []
    else:
        try:
            records, bad = jsonl_records(raw.source, raw.length, lossy=raw.lossy)
        except NotUtf8:
            return raw.reopened(lossy=raw.encoding == "utf-8-sig")
        rejects = [bad]
        raw = replace(raw, salvage=True)
    return replace(raw, records=records, headers=[c for c in records.columns if c != ROW_INDEX], opened_rejects=rejects)
