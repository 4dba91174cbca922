"""Planted faults: known defects written into the feeds so validation and cleaning can be measured.

Row-level kinds are applied to a ``fault_rate`` share of each chunk's rows, one kind per row, chosen by
the configured weights among the kinds that make sense for that row (a row without a USCC cannot get a
bad check character; a name without ASCII cannot be written full-width), and recorded with the
canonical field they hit. ``duplicate`` leaves its row clean and inserts an exact copy right after it
(the copy is the fault). Batch-level kinds (``truncated_last_line``, ``renamed_column``) are written by
:mod:`feedgen.writer` into small supplement files.

Cleaning cases (``fullwidth_name``, ``traditional_name``) become the registered name again after the
contract's clean steps (NFKC, t2s, brackets); rejection cases do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import opencc

from contracts import FeedContract
from feedgen import vocab
from feedgen.config import ROW_FAULT_KINDS, GeneratorConfig
from ground.identifiers import USCC_ALPHABET

NAME_FIELDS = ("enterprise_name", "party_name")
_ASCII_VISIBLE = re.compile(r"[\x21-\x7e]")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def to_fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation → their full-width forms (（ ） ＡＢＣ１２３), space → U+3000."""
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else "\u3000" if c == " " else c for c in text)


@dataclass(frozen=True)
class Fault:
    kind: str
    field: str | None


class FaultPlanter:
    """Plants row-level faults into one feed's rows (lists of values in contract field order)."""

    def __init__(self, contract: FeedContract, cfg: GeneratorConfig, rate: float, blank):
        self.contract, self.rate, self.blank = contract, rate, blank
        names = list(contract.field_names)
        self.names = names
        self.uscc = names.index("uscc") if "uscc" in names else None
        self.name = next((names.index(f) for f in NAME_FIELDS if f in names), None)
        self.required = [i for i, f in enumerate(contract.fields) if f.required]
        self.dates = [i for i, f in enumerate(contract.fields) if f.logical_type == "date"]
        self.codes = [i for i, f in enumerate(contract.fields) if f.enum or (f.code_table and f.on_unknown != "warn")]
        self.enums = {i: set(contract.fields[i].enum) for i in self.codes}
        weights = {k: cfg.fault_kind_weights.get(k, 0.0) for k in ROW_FAULT_KINDS}
        self.kinds = [k for k, w in weights.items() if w > 0]
        p = np.array([weights[k] for k in self.kinds], dtype=float)
        self.p = p / p.sum() if len(p) else p

    def plan(self, rows: list, rng: np.random.Generator, exclude: set[int] = frozenset()) -> dict[int, Fault]:
        """Replaces the chosen rows by faulty copies; returns row position → fault (duplicate: the row copied).

        The number of faults is Binomial(rows, rate) and their kinds follow the configured weights; each
        fault is placed on a random unused row that can carry it (names without ASCII cannot be written
        full-width, rows without a USCC cannot get a bad check character …).
        """
        n = len(rows)
        if self.rate <= 0 or not n or not self.kinds:
            return {}
        count = int(rng.binomial(n, self.rate))
        kinds = rng.choice(len(self.kinds), size=count, p=self.p)
        used = set(exclude)
        out: dict[int, Fault] = {}
        for k in kinds.tolist():
            for j in [k] + [j for j in rng.permutation(len(self.kinds)).tolist() if j != k]:
                kind = self.kinds[j]
                # full-width needs a name with ASCII in it (a few % of names): probe longer
                tries = 400 if kind == "fullwidth_name" else 40
                fault = None
                for _ in range(tries):
                    pos = int(rng.integers(0, n))
                    if pos in used:
                        continue
                    row = list(rows[pos])
                    fault = self._apply(kind, row, rng)
                    if fault is not None:
                        rows[pos] = row
                        used.add(pos)
                        out[pos] = fault
                        break
                if fault is not None:
                    break
        return out

    def _filled(self, row: list, idx: list[int]) -> list[int]:
        return [i for i in idx if row[i] not in (None, "")]

    def _apply(self, kind: str, row: list, rng: np.random.Generator) -> Fault | None:
        if kind == "duplicate":
            return Fault(kind, None)
        if kind == "bad_check_char":
            if self.uscc is None or not isinstance(row[self.uscc], str) or len(row[self.uscc]) != 18:
                return None
            value = row[self.uscc]
            alternatives = [c for c in USCC_ALPHABET if c != value[-1]]
            row[self.uscc] = value[:-1] + alternatives[int(rng.integers(0, len(alternatives)))]
            return Fault(kind, "uscc")
        if kind == "missing_mandatory":
            cand = self._filled(row, self.required)
            if not cand:
                return None
            i = cand[int(rng.integers(0, len(cand)))]
            row[i] = self.blank
            return Fault(kind, self.names[i])
        if kind == "bad_date":
            cand = self._filled(row, self.dates)
            if not cand:
                return None
            i = cand[int(rng.integers(0, len(cand)))]
            row[i] = vocab.BAD_DATES[int(rng.integers(0, len(vocab.BAD_DATES)))]
            return Fault(kind, self.names[i])
        if kind in ("fullwidth_name", "traditional_name"):
            if self.name is None or not row[self.name]:
                return None
            value = row[self.name]
            if kind == "fullwidth_name" and not _ASCII_VISIBLE.search(value):
                return None
            new = to_fullwidth(value) if kind == "fullwidth_name" else to_traditional(value)
            if new == value:
                return None
            row[self.name] = new
            return Fault(kind, self.names[self.name])
        if kind == "unknown_code":
            cand = self._filled(row, self.codes)
            if not cand:
                return None
            i = cand[int(rng.integers(0, len(cand)))]
            bad = vocab.UNKNOWN_CODES.get(self.names[i], vocab.UNKNOWN_CODE_FALLBACK)
            if bad in self.enums[i]:
                return None
            row[i] = bad
            return Fault(kind, self.names[i])
        raise ValueError(f"unknown fault kind {kind!r}")
