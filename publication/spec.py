"""The publication spec (``publication/spec.yml``): which record types are published, from which model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SPEC_FILE = Path(__file__).resolve().parent / "spec.yml"


@dataclass(frozen=True)
class RecordType:
    name: str
    title: str
    relation: str
    feed: str
    key: tuple[str, ...]


def record_types(path: Path = SPEC_FILE) -> list[RecordType]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [RecordType(r["name"], r["title"], r["relation"], r["feed"], tuple(r["key"])) for r in data["record_types"]]
