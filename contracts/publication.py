"""The publication spec (``contracts/publication.yml``): which record types are published, from which model, and
which columns beyond the contract's public fields each may carry (and why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import yaml

from contracts.model import FeedContract

SPEC_FILE = Path(__file__).resolve().parent / "publication.yml"
DerivedKind = Literal["provenance", "computed", "lookup"]
_KINDS = ("provenance", "computed", "lookup")


@dataclass(frozen=True)
class DerivedColumn:
    name: str
    label: str  # 中文列名
    kind: DerivedKind


@dataclass(frozen=True)
class RecordType:
    name: str
    title: str
    relation: str
    feed: str
    key: tuple[str, ...]
    derived: dict[str, DerivedColumn] = field(default_factory=dict)
    states: str | None = None  # intermediate model with publication_state per record

    def free_text(self, contract: FeedContract, columns: list[str]) -> list[str]:
        """The published columns the content-level negative list redacts (contracts/redaction.yml): every text field
        of the contract that is neither coded (enum), nor format-checked (USCC, decision number…), nor part of the
        record's key. Keys, codes and derived columns are not rewritten — the gate still scans them, and refuses."""
        fields = {f.name: f for f in contract.fields}
        return [
            c
            for c in columns
            if c in fields
            and fields[c].logical_type == "string"
            and not fields[c].enum
            and fields[c].check is None
            and c not in self.key
        ]


def _derived(items: dict[str, dict[str, str]] | None) -> dict[str, DerivedColumn]:
    out = {}
    for name, d in (items or {}).items():
        if d["kind"] not in _KINDS:
            raise ValueError(f"{SPEC_FILE.name}: derived column {name!r} has unknown kind {d['kind']!r}")
        out[name] = DerivedColumn(name, d["label"], cast(DerivedKind, d["kind"]))
    return out


def record_types(path: Path = SPEC_FILE) -> list[RecordType]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    common = _derived(data.get("derived"))
    return [
        RecordType(
            r["name"],
            r["title"],
            r["relation"],
            r["feed"],
            tuple(r["key"]),
            {**common, **_derived(r.get("derived"))},
            r.get("states"),
        )
        for r in data["record_types"]
    ]
