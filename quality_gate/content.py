"""The gate's content scan: every published column of every record type, against the content-level negative list
(``contracts/redaction.yml``), independently of the redaction publication applied before it.

Publication redacts free text; keys, codes and names are not rewritten. Provenance columns (``kind: provenance`` in
contracts/publication.yml: the pipeline's own batch identifiers, hex digests whose digit runs can look like a phone
number) are not scanned: the gate checks each of their values against the batches the ingestion ledger committed,
which is stricter. Whatever still matches here — a redaction
that missed, a column nobody thought was free text, an identifier typed into a decision number — fails the gate.
Cells are pre-selected in DuckDB with the pattern set's candidate regex and its invisible-character class (RE2), so
only a few reach the Python check.
The failure names record type, column, kind and count, never the value.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pandas as pd

from contracts.publication import RecordType
from contracts.redaction import PatternSet, load_patterns


def scan(frame: pd.DataFrame, patterns: PatternSet | None = None) -> dict[str, Counter[str]]:
    """Column → kind → matches, for every text column of ``frame`` (only columns with a hit are returned)."""
    patterns = patterns or load_patterns()
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    found: dict[str, Counter[str]] = {}
    if not text or frame.empty:
        return found
    with duckdb.connect() as con:
        con.register("extract", frame[text])
        for column in text:
            cells = con.execute(
                f'select "{column}" from extract '
                f'where regexp_matches("{column}"::varchar, ?) or regexp_matches("{column}"::varchar, ?)',
                [patterns.candidate_regex, patterns.invisible_re2],
            ).fetchall()
            hits = Counter(h.kind for (value,) in cells for h in patterns.find(str(value)))
            if hits:
                found[column] = hits
    return found


def content_failures(record: RecordType, frame: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """One readable failure per column holding what the content-level negative list forbids."""
    patterns = load_patterns()
    names = dict(patterns.kinds)
    provenance = [c for c, d in record.derived.items() if d.kind == "provenance" and c in frame.columns]
    frame = frame.drop(columns=provenance)
    return [
        f"{record.title}（{record.relation}）：「{labels.get(column, column)}」含内容负面清单所列信息"
        f"（contracts/redaction.yml）—— " + "、".join(f"{names[k]} {n} 处" for k, n in sorted(hits.items()))
        for column, hits in scan(frame, patterns).items()
    ]
