"""Effective-dated rules: every rule table carries ``valid_from`` and ``valid_to`` (inclusive; empty = open-ended),
and the row that applies to a case is the one in force on the case's date. SQL models use the ``rule_in_force`` macro
(``dbt_project/macros/rule_in_force.sql``) with the same convention."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

Row = TypeVar("Row", bound=Mapping[str, Any])


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def is_in_force(row: Mapping[str, Any], day: date) -> bool:
    start, end = _as_date(row.get("valid_from")), _as_date(row.get("valid_to"))
    return (start is None or start <= day) and (end is None or day <= end)


def in_force(rows: Iterable[Row], day: date) -> list[Row]:
    """The rows in force on ``day``, in their original order."""
    return [r for r in rows if is_in_force(r, day)]


def the_one_in_force(rows: Iterable[Row], day: date, what: str) -> Row:
    """The single row in force on ``day``; a gap or an overlap in the rule table is an error naming ``what``."""
    found = in_force(rows, day)
    if len(found) != 1:
        raise LookupError(f"规则 {what} 在 {day} 应有且只有一条有效记录，实有 {len(found)} 条")
    return found[0]


def read_rule_table(path: Path) -> list[dict[str, str]]:
    """A rule seed (CSV, UTF-8, header row) as a list of rows."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
