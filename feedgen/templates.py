"""Batch files in a national 双公示 template generation (2016, 2021), as district systems export them.

A feed's contract lists its template generations (customProperties ``templates``: every column, the field it
fills, its coded header, its value codes). A producer writing one of them sends that generation's columns only,
in its order, labelled as the standard prints them or with the coded headers (CF_… / XK_…); a field the template
splits (2016: 处罚类别1, 处罚类别2) goes to its columns item by item; a coded field (当前状态) is written as the
generation's code. ``local`` is this warehouse's own layout: every contract field (feedgen/writer.py).

Which generation a batch file is written in is drawn per file from ``GeneratorConfig.templates`` with its own
random stream (seed, feed, period): the same arguments give the same files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from contracts import FeedContract

LOCAL = "local"
_STREAM = 0x7E3  # the random stream of the per-file draw (apart from every record stream)

# How a producer writes a contract value its generation has no code for (a template's codes go the other way).
ENCODE_FALLBACK: Mapping[tuple[str, str, str], Mapping[str, str]] = {
    ("penalties", "2016", "record_status"): {"变更": "0"},  # a corrected decision is in force: 0 正常
    ("licences", "2021", "licence_status"): {"注销": "2", "撤销": "2", "吊销": "2"},  # 2 无效
    ("licences", "2016", "licence_status"): {"注销": "1", "吊销": "1"},  # 1 撤销: no longer valid
}
# Rows a generation cannot carry: the 2021 penalty template has no status column, so a withdrawal (撤销) is not
# re-sent in it (it reaches the warehouse through the objections feed, or not at all).
NOT_SENT: Mapping[tuple[str, str, str], frozenset[str]] = {
    ("penalties", "2021", "record_status"): frozenset({"撤销"}),
}


class Layout:
    """One template generation of one feed: its header row and how a row (contract field order) is written."""

    def __init__(self, contract: FeedContract, generation: str):
        self.contract, self.generation = contract, generation
        self.template = t = contract.template(generation)
        index = {name: i for i, name in enumerate(contract.field_names)}
        self.carried = frozenset(t.fields)
        # per column: (field position, position among the field's columns, how many columns the field has)
        self._columns = []
        for col in t.columns:
            same = t.columns_of(col.field)
            self._columns.append((index[col.field], same.index(col), len(same)))
        self._encode = [
            {**{v: k for k, v in col.codes}, **ENCODE_FALLBACK.get((contract.name, generation, col.field), {})}
            for col in t.columns
        ]
        self._not_sent = [
            (index[field], values)
            for (feed, gen, field), values in NOT_SENT.items()
            if feed == contract.name and gen == generation
        ]
        self._separators = [contract.field(col.field).list_separator or ";" for col in t.columns]

    def header(self, style: str) -> list[str]:
        """``label``: the columns as the standard prints them; ``code``: the coded headers."""
        return [(col.code or col.label) if style == "code" else col.label for col in self.template.columns]

    def row(self, values: Sequence) -> list | None:
        """The template's columns of one row (contract field order), or None where the template cannot carry it."""
        if any(values[i] in not_sent for i, not_sent in self._not_sent):
            return None
        out = []
        for (i, part, parts), encode, sep in zip(self._columns, self._encode, self._separators):
            v = values[i]
            if parts > 1:  # a field split over several columns: the first item, …, the rest in the last
                items = v.split(sep) if isinstance(v, str) and v else []
                v = sep.join(items[part:] if part == parts - 1 else items[part : part + 1])
            elif isinstance(v, str) and v in encode:
                v = encode[v]
            out.append("" if v is None else v)
        return out


def draw_generation(mix: Mapping[str, float] | None, seed: int, feed_no: int, period_index: int) -> str:
    """The generation one batch file is written in: drawn from ``mix`` (generation → share of files)."""
    if not mix:
        return LOCAL
    names = sorted(mix)
    p = np.array([mix[n] for n in names], dtype=float)
    u = np.random.default_rng([seed, _STREAM, feed_no, period_index]).random()
    return names[min(int(np.searchsorted(np.cumsum(p / p.sum()), u, side="right")), len(names) - 1)]


def read_rows(contract: FeedContract, generation: str, rows: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """Data rows of a batch file written in ``generation`` (columns in the template's order) as contract field →
    value, as the warehouse reads them: split columns joined again, codes back to the contract's values (what
    :meth:`Layout.row` wrote), a field the template lacks empty, or its documented default where that is a value
    (当前状态 → 正常)."""
    t = contract.template(generation)
    absent = {
        f.name: f.default[1] if f.default and f.default[0] == "value" else ""
        for f in contract.fields
        if f.name not in t.fields
    }
    out = []
    for values in rows:
        row: dict[str, str] = dict(absent)
        for col, v in zip(t.columns, values):
            codes = dict(col.codes)
            v = codes.get(v, v)
            if col.field in row and v:
                sep = contract.field(col.field).list_separator or ";"
                row[col.field] = sep.join(x for x in (row[col.field], v) if x)
            else:
                row.setdefault(col.field, v)
        out.append(row)
    return out
