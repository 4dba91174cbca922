"""Batch files as producing departments deliver them: folder per producer, file per batch period.

Why append per chunk: a province-scale run never holds all rows in memory, so every chunk's rows are
appended to the batch files they belong to (the header is written once, when a file is created), and
the writer remembers only how many data rows each file already has — enough to number planted faults.
Two steps: :meth:`FeedWriter.render` turns a chunk into encoded pieces (any process, any order) and
:meth:`FeedWriter.commit` appends them (one process, chunk order), so chunks can be rendered in parallel.

Formats per feed come from :data:`feedgen.config.FEED_FORMATS` (UTF-8, GBK, UTF-8 with BOM, JSON
Lines); column names are contract aliases (:func:`feedgen.reference.headers`). A batch file may be written in a
national template generation instead (:mod:`feedgen.templates`, ``GeneratorConfig.templates``): that generation's
columns only. Once all chunks are written, each file gets its completion marker ``<file>.done`` declaring its
simulated delivery time as its receipt (``received_at: <time>+08:00``, the delivery protocol of
``docs/ingestion.md``), which is what ingestion takes; its mtime is set to the same time too (a copy that drops the
mtime changes nothing).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from contracts import FeedContract
from feedgen.faults import FaultPlanter
from feedgen.reference import headers
from feedgen.table import Table
from feedgen.templates import LOCAL, Layout, draw_generation
from feedgen.timeline import Period, Timeline

BOM = "\ufeff"
MARKER = ".done"  # ingestion.inbox.MARKER: the delivery protocol's completion marker (feedgen imports no ingestion)


@dataclass
class FaultSink:
    """Streams planted faults to ``_generator/faults.jsonl`` and keeps the counts."""

    path: Path
    by_kind: dict[str, int] = field(default_factory=dict)
    by_feed: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("w", encoding="utf-8", newline="\n")

    def record(self, feed: str, file: str, row: int | None, kind: str, fld: str | None) -> None:
        self._fh.write(
            json.dumps({"feed": feed, "file": file, "row": row, "kind": kind, "field": fld}, ensure_ascii=False) + "\n"
        )
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        per = self.by_feed.setdefault(feed, {})
        per[kind] = per.get(kind, 0) + 1

    def close(self) -> None:
        self._fh.close()


@dataclass
class Withheld:
    """Rows kept back from a main batch file for a batch-level fault file (written after all chunks)."""

    period: Period
    rows: list[list]


@dataclass
class Piece:
    """One chunk's rows of one batch file, encoded as the file stores them (no header)."""

    batch: int
    payload: bytes
    rows: int  # data rows in ``payload``
    faults: list[tuple[int, str, str | None]]  # (row number within the piece, 1 = its first row, kind, field)


@dataclass
class Rendered:
    """One chunk of one feed, rendered (:meth:`FeedWriter.render`) and not yet appended to the files."""

    pieces: list[Piece]
    withheld: Withheld | None


class FeedWriter:
    def __init__(
        self,
        out_dir: Path,
        contract: FeedContract,
        fmt: str,
        encoding: str,
        tl: Timeline,
        feed_no: int,
        seed: int,
        planter: FaultPlanter,
        sink: FaultSink,
        templates: Mapping[str, float] | None = None,
    ):
        self.out_dir, self.contract, self.fmt, self.encoding = out_dir, contract, fmt, encoding
        self.tl, self.feed_no, self.seed, self.planter, self.sink = tl, feed_no, seed, planter, sink
        self.name = contract.name
        self.rel_dir = Path(contract.producer.code) / contract.name
        (out_dir / self.rel_dir).mkdir(parents=True, exist_ok=True)
        self.periods = tl.periods(contract.frequency_days)
        self.counts: dict[int, int] = {}  # batch index → data rows written
        self.rows = 0
        self.extra_files: list[tuple[Path, object]] = []  # (relative path, delivery datetime)
        self.fields = list(contract.field_names)
        self._headers: dict[str, list[str]] = {}
        if templates and fmt != "csv":
            raise ValueError(f"{self.name}: national templates are CSV exports, but this feed is delivered as {fmt}")
        # the template generation of each batch file (``local``: every contract field)
        self.generations = [draw_generation(templates, seed, feed_no, p.index) for p in self.periods]
        self.layouts = {g: Layout(contract, g) for g in sorted(set(self.generations) - {LOCAL})}

    def layout(self, period: Period) -> Layout | None:
        """The national template a batch file is written in (None: the local layout, every contract field)."""
        return self.layouts.get(self.generations[period.index])

    def file_generations(self) -> dict[str, str]:
        """Relative path → template generation, for the main batch files not in the local layout."""
        return {self.rel_path(p.index).as_posix(): g for p, g in zip(self.periods, self.generations) if g != LOCAL}

    def headers(self, style: str) -> list[str]:
        if style not in self._headers:
            self._headers[style] = headers(self.contract, style)
        return list(self._headers[style])

    # ---- naming ----------------------------------------------------------------------------------------
    def header_style(self, period: Period) -> str:
        if self.fmt == "jsonl":
            return "json"
        if (self.name == "penalties" or self.layout(period)) and period.end_date.month % 2 == 1:
            return "code"  # odd-month penalty batches (and template exports) come with the 双公示 coded headers
        return "label"

    def header_for(self, period: Period) -> list[str]:
        layout = self.layout(period)
        style = self.header_style(period)
        return layout.header(style) if layout else self.headers(style)

    def rel_path(self, b: int, suffix: str = "") -> Path:
        ext = "jsonl" if self.fmt == "jsonl" else "csv"
        return self.rel_dir / f"{self.name}_{self.periods[b].end_date:%Y%m%d}{suffix}.{ext}"

    # ---- rows ------------------------------------------------------------------------------------------
    def _rows(self, table: Table, order: np.ndarray) -> list[tuple]:
        n = len(order)
        cols = []
        for f in self.fields:
            col = table.cols.get(f)
            if col is None:
                cols.append(["" if self.fmt == "csv" else None] * n)
                continue
            col = np.asarray(col, dtype=object)[order]
            if self.fmt == "csv":
                missing = np.equal(col, None)
                if missing.any():
                    col[missing] = ""
            cols.append(col.tolist())
        return list(zip(*cols)) if n else []  # tuples; the fault planter copies the rows it changes

    def render(self, table: Table, rng: np.random.Generator, withhold: int = 0) -> Rendered:
        """One chunk's records as encoded batch-file pieces with their planted faults (optionally keeping rows back),
        without touching a file.

        Depends only on the table, ``rng`` and the writer's fixed layout, never on earlier chunks, so chunks can be
        rendered in parallel; :meth:`commit` then appends them in chunk order (row numbers, headers).
        """
        if not len(table):
            return Rendered([], None)
        batch = self.tl.batch_index(table.batch_day, self.contract.frequency_days)
        keep = np.flatnonzero(batch >= 0)
        order = keep[np.lexsort((table.batch_day[keep], batch[keep]))]
        batch = batch[order]
        rows = self._rows(table, order)
        bounds = np.flatnonzero(np.diff(batch)) + 1
        starts = np.concatenate(([0], bounds)).astype(int)
        ends = np.concatenate((bounds, [len(batch)])).astype(int)
        withheld = None
        excluded: set[int] = set()
        if withhold and len(rows):
            sizes = ends - starts
            g = int(np.argmax(sizes))  # the fullest batch of this chunk
            k = min(withhold, max(1, sizes[g] // 2))
            excluded = set(range(ends[g] - k, ends[g]))
            withheld = Withheld(self.periods[int(batch[starts[g]])], [rows[i] for i in sorted(excluded)])
        faults = self.planter.plan(rows, rng, exclude=excluded)
        pieces = []
        for s, e in zip(starts, ends):
            b = int(batch[s])
            positions = [i for i in range(s, e) if i not in excluded] if excluded else range(s, e)
            piece = self._piece(b, positions, rows, faults)
            if piece is not None:
                pieces.append(piece)
        return Rendered(pieces, withheld)

    def _piece(self, b: int, positions, rows: list[list], faults) -> Piece | None:
        layout = self.layout(self.periods[b])
        out: list[list] = []
        recorded: list[tuple[int, str, str | None]] = []
        for p in positions:
            row = rows[p]
            f = faults.get(p)
            if layout is not None:  # the template's columns: a fault in a field it does not carry is not in the file
                row = layout.row(row)
                if row is None:
                    continue
                if f is not None and f.field is not None and f.field not in layout.carried:
                    f = None
            out.append(row)
            if f is None:
                continue
            if f.kind == "duplicate":
                out.append(row)
            recorded.append((len(out), f.kind, f.field))
        if not out:
            return None
        return Piece(b, self._serialise(out).encode(self._text_encoding()), len(out), recorded)

    def commit(self, rendered: Rendered) -> Withheld | None:
        """Append rendered pieces to their batch files (header first in a new file) and record their faults, numbered
        after the rows the files already hold. Pieces must be committed in chunk order."""
        for piece in rendered.pieces:
            rel = self.rel_path(piece.batch)
            new = piece.batch not in self.counts
            num = self.counts.get(piece.batch, 0)
            for row, kind, fld in piece.faults:
                self.sink.record(self.name, rel.as_posix(), num + row, kind, fld)
            with (self.out_dir / rel).open("wb" if new else "ab") as fh:
                if new:
                    fh.write(self._preamble(self.periods[piece.batch]))
                fh.write(piece.payload)
            self.counts[piece.batch] = num + piece.rows
            self.rows += piece.rows
        return rendered.withheld

    def _text_encoding(self) -> str:
        return "utf-8" if self.encoding == "utf-8-sig" else self.encoding

    def _serialise(self, rows: list[list]) -> str:
        if self.fmt == "jsonl":
            keys = self.headers("json")
            return "".join(json.dumps(dict(zip(keys, r)), ensure_ascii=False) + "\n" for r in rows)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()

    def _preamble(self, period: Period) -> bytes:
        """What a new batch file starts with: the BOM of a UTF-8-with-BOM feed, the header line of a CSV."""
        text = BOM if self.encoding == "utf-8-sig" else ""
        if self.fmt != "jsonl":
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(self.header_for(period))
            text += buf.getvalue()
        return text.encode(self._text_encoding())

    def _open(self, path: Path, new: bool):
        fh = path.open("w" if new else "a", encoding=self._text_encoding(), newline="")
        if new and self.encoding == "utf-8-sig":
            fh.write(BOM)
        return fh

    def _write_rows(
        self, path: Path, period: Period, rows: list[list], new: bool, header: list[str] | None = None
    ) -> None:
        with self._open(path, new) as fh:
            if new and self.fmt != "jsonl":
                csv.writer(fh, lineterminator="\n").writerow(header or self.header_for(period))
            fh.write(self._serialise(rows))

    # ---- batch-level faults -----------------------------------------------------------------------------
    def write_renamed_column(self, held: Withheld | None, field_name: str, alias: str) -> None:
        """An extra batch whose producer renamed one column to an alias the contract does not know."""
        period = held.period if held else self.periods[len(self.periods) // 2]
        rows = held.rows if held else []
        names = self.headers("label")
        names[self.fields.index(field_name)] = alias
        if self.contract.alias_map().get(_norm(alias)):
            raise ValueError(f"{alias!r} is a contract alias; a renamed column must not be")
        rel = self.rel_path(period.index, "_supplement")
        self._write_rows(self.out_dir / rel, period, rows, True, header=names)
        self.rows += len(rows)
        self.extra_files.append((rel, self.tl.delivery(period.end_date, self.seed, self.feed_no, period.index, 2)))
        self.sink.record(self.name, rel.as_posix(), None, "renamed_column", field_name)

    def write_truncated(self, held: Withheld | None) -> None:
        """An extra batch whose last line was cut mid-field (no trailing newline)."""
        if not held or not held.rows:
            return
        period, rows = held.period, held.rows
        rel = self.rel_path(period.index, "_supplement")
        path = self.out_dir / rel
        self._write_rows(path, period, rows[:-1], True, header=self.headers("label"))
        last = rows[-1]
        cut = next(
            (i for i in range(len(last) // 2, len(last)) if _cuttable(last[i])),
            next((i for i in range(len(last)) if _cuttable(last[i])), None),
        )
        buf = io.StringIO()
        if cut is None:  # nothing to cut inside: cut the serialised line in half
            csv.writer(buf, lineterminator="").writerow(last)
            text, fld = buf.getvalue()[: max(1, len(buf.getvalue()) // 2)], None
        else:
            csv.writer(buf, lineterminator="").writerow(last[:cut])
            text = buf.getvalue() + ("," if cut else "") + last[cut][: max(1, len(last[cut]) // 2)]
            fld = self.fields[cut]
        with self._open(path, False) as fh:
            fh.write(text)
        self.rows += len(rows)
        self.extra_files.append((rel, self.tl.delivery(period.end_date, self.seed, self.feed_no, period.index, 1)))
        self.sink.record(self.name, rel.as_posix(), len(rows), "truncated_last_line", fld)

    # ---- finishing -----------------------------------------------------------------------------------------
    def finish(self) -> dict[str, object]:
        """Header-only files for empty periods (a producer reports "nothing this period"), then each file's marker
        declaring its delivery time as its receipt, and the same time as its mtime."""
        delivered = {}
        for p in self.periods:
            rel = self.rel_path(p.index)
            if p.index not in self.counts:
                self._write_rows(self.out_dir / rel, p, [], True)
            when = self.tl.delivery(p.end_date, self.seed, self.feed_no, p.index)
            delivered[rel] = when
        delivered.update(dict(self.extra_files))
        for rel, when in delivered.items():
            path = self.out_dir / rel
            path.with_name(path.name + MARKER).write_text(f"received_at: {when.isoformat()}\n", encoding="utf-8")
            ts = when.timestamp()
            os.utime(path, (ts, ts))
        return delivered


def _cuttable(v) -> bool:
    return isinstance(v, str) and len(v) >= 4 and not any(c in v for c in ',"\n\r')


def _norm(h: str) -> str:
    from contracts.model import normalise_header

    return normalise_header(h)
