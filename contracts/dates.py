"""When a record's dates are plausible (``contracts/dates.yml``): the earliest date, which columns may lie in the
future, and which dates must not precede which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

DATES_FILE = Path(__file__).resolve().parent / "dates.yml"


@dataclass(frozen=True)
class DateOrder:
    earlier: str
    later: str
    meaning: str  # 中文说明


@dataclass(frozen=True)
class DateRules:
    earliest: date
    earliest_source: str
    may_be_future: frozenset[str]
    long_term: date
    latest_source: str
    order: tuple[DateOrder, ...]

    def latest(self, column: str, as_of: date) -> date:
        """The latest plausible value of ``column`` in a warehouse built as of ``as_of``."""
        return self.long_term if column in self.may_be_future else as_of

    def orders_within(self, columns: list[str]) -> list[DateOrder]:
        return [o for o in self.order if o.earlier in columns and o.later in columns]


def as_number(day: date) -> int:
    """yyyymmdd: how the gate compares dates (its suites are JSON, which has no date type)."""
    return day.year * 10000 + day.month * 100 + day.day


@cache
def date_rules(path: Path = DATES_FILE) -> DateRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    latest = data["latest"]
    if latest["default"] != "as_of":
        raise ValueError(f"{path.name}: latest.default must be as_of")
    return DateRules(
        earliest=data["earliest"]["date"],
        earliest_source=data["earliest"]["source"],
        may_be_future=frozenset(latest["may_be_future"]),
        long_term=latest["long_term"],
        latest_source=latest["source"],
        order=tuple(DateOrder(o["earlier"], o["later"], o["meaning"]) for o in data["order"]),
    )
