"""The publication spec (``contracts/publication.yml``): which record types are published, from which model, and
which columns beyond the contract's public fields each may carry (and why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import yaml

SPEC_FILE = Path(__file__).resolve().parent / "publication.yml"
DerivedKind = Literal["provenance", "computed", "lookup", "masked"]
_KINDS = ("provenance", "computed", "lookup", "masked")


@dataclass(frozen=True)
class DerivedColumn:
    name: str
    label: str  # 中文列名
    kind: DerivedKind
    of: str | None = None  # masked: the negative-list field it masks


@dataclass(frozen=True)
class RecordType:
    name: str
    title: str
    relation: str
    feed: str
    key: tuple[str, ...]
    derived: dict[str, DerivedColumn] = field(default_factory=dict)
    states: str | None = None  # intermediate model with publication_state per record


def _derived(items: dict[str, dict[str, str]] | None) -> dict[str, DerivedColumn]:
    out = {}
    for name, d in (items or {}).items():
        if d["kind"] not in _KINDS:
            raise ValueError(f"{SPEC_FILE.name}: derived column {name!r} has unknown kind {d['kind']!r}")
        if d["kind"] == "masked" and not d.get("of"):
            raise ValueError(f"{SPEC_FILE.name}: masked column {name!r} must name the field it masks (of:)")
        out[name] = DerivedColumn(name, d["label"], cast(DerivedKind, d["kind"]), d.get("of"))
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
