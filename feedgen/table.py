"""Column tables of generated records and the per-chunk context the feed builders share.

A :class:`Table` holds one feed's records of one chunk: canonical field name → object array, plus the
day that decides which batch the record is delivered in (normally the contract's latency field; for a
later version of a record — a correction, a removal, a status change — the day of that change).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from feedgen.config import GeneratorConfig
from feedgen.entities import EntityChunk
from feedgen.ids import SequenceCounter
from feedgen.reference import Geo, Industries
from feedgen.timeline import Timeline


def obj(values) -> np.ndarray:
    """Any sequence → 1-D object array (strings and None)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values) if not isinstance(values, np.ndarray) else values
    return out


def const(value, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


@dataclass
class Table:
    cols: dict[str, np.ndarray]
    batch_day: np.ndarray

    def __len__(self) -> int:
        return len(self.batch_day)

    def take(self, idx) -> Table:
        return Table({k: v[idx] for k, v in self.cols.items()}, self.batch_day[idx])

    def with_cols(self, batch_day=None, **cols) -> Table:
        new = dict(self.cols)
        new.update({k: v if isinstance(v, np.ndarray) and v.dtype == object else obj(v) for k, v in cols.items()})
        return Table(new, self.batch_day if batch_day is None else np.asarray(batch_day, dtype=np.int64))

    @staticmethod
    def concat(tables: list[Table]) -> Table:
        tables = [t for t in tables if len(t)]
        if not tables:
            return Table({}, np.zeros(0, dtype=np.int64))
        keys = list(dict.fromkeys(k for t in tables for k in t.cols))
        cols = {k: np.concatenate([t.cols.get(k, const(None, len(t))) for t in tables]) for k in keys}
        return Table(cols, np.concatenate([t.batch_day for t in tables]))


# first numbers per key are offset by up to this much, so registers do not all start at 000001
COUNTER_SPREAD = {
    "penalty": 800,
    "licence_doc": 400,
    "jy": 4000,
    "abnormal": 300,
    "serious": 30,
    "repair": 60,
    "objection": 20,
    "commitment": 400,
    "court": 6000,
    "xk": 300,
    "ts": 100,
    "drug": 300,
}


@dataclass
class RunState:
    """State that outlives a chunk: the running sequence numbers of every register (decision numbers …)."""

    counters: dict[str, SequenceCounter] = field(default_factory=dict)

    def counter(self, name: str, start: int = 1, spread: int | None = None) -> SequenceCounter:
        if name not in self.counters:
            self.counters[name] = SequenceCounter(start, COUNTER_SPREAD.get(name, 0) if spread is None else spread)
        return self.counters[name]


@dataclass
class ChunkContext:
    cfg: GeneratorConfig
    geo: Geo
    ind: Industries
    tl: Timeline
    ent: EntityChunk
    state: RunState
    seed: int
    tables: dict[str, list[Table]] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)  # intermediate results shared between feeds

    def rng(self, stream: int) -> np.random.Generator:
        """An independent stream per (seed, chunk, purpose): adding a feed never shifts another's draws."""
        return np.random.default_rng([self.seed, self.ent.index, stream])

    def emit(self, feed: str, table: Table) -> None:
        if len(table):
            self.tables.setdefault(feed, []).append(table)

    def table(self, feed: str) -> Table:
        return Table.concat(self.tables.get(feed, []))
