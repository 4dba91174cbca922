"""Working days under China's statutory holidays and make-up working days (调休), one component for all.

"N 个工作日" deadlines skip weekends and statutory holidays but count make-up working weekends; the start
day itself is not counted (DOMAIN.md §9). ``chinesecalendar`` knows the published schedules and raises for
years not yet published. For those years this module never crashes: it first consults the project's
override table (``dbt_project/seeds/rules/calendar_overrides.csv``, for schedules published after the
package release) and otherwise estimates Mon–Fri, marking every result that relied on an estimate.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar

from ground.settings import SEEDS_DIR

OVERRIDES_CSV = SEEDS_DIR / "rules" / "calendar_overrides.csv"


@dataclass(frozen=True)
class Deadline:
    due: date
    estimated: bool  # True when any day counted came from a Mon–Fri estimate


@lru_cache(maxsize=1)
def _overrides() -> dict[date, bool]:
    if not OVERRIDES_CSV.exists():
        return {}
    with OVERRIDES_CSV.open(encoding="utf-8") as fh:
        return {
            date.fromisoformat(r["calendar_date"]): r["is_working_day"].strip().lower() == "true"
            for r in csv.DictReader(fh)
        }


@cache
def _override_years() -> frozenset[int]:
    return frozenset(d.year for d in _overrides())


@lru_cache(maxsize=65536)
def working_day(day: date) -> tuple[bool, bool]:
    """(is it a working day, is that an estimate)."""
    overrides = _overrides()
    if day in overrides:
        return overrides[day], False
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        if day.year in _override_years():  # a published schedule: days not listed follow Mon–Fri
            return day.weekday() < 5, False
        return day.weekday() < 5, True


def is_working_day(day: date) -> bool:
    return working_day(day)[0]


def add_working_days(start: date, n: int) -> Deadline:
    """The date ``n`` working days after ``start`` (start not counted). ``n == 0`` returns ``start``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day, counted, estimated = start, 0, False
    while counted < n:
        day += timedelta(days=1)
        works, guess = working_day(day)
        estimated |= guess
        if works:
            counted += 1
    return Deadline(day, estimated)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start. Used for 'late by N working days'."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for i in range(1, (end - start).days + 1) if working_day(start + timedelta(days=i))[0])


def known_years() -> range:
    """Years whose schedule chinesecalendar has published."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


def calendar_rows(first_year: int, last_year: int) -> list[tuple[date, bool, bool, int, int]]:
    """The calendar as a table, for SQL: (date, is working day, is estimate, workday index, estimate index).

    ``workday index`` counts working days up to and including the date, so "N working days after d" is the
    working day whose index is index(d) + N (d itself not counted, also when d is a holiday); ``estimate index``
    counts estimated days, so a deadline relied on an estimate when the index grew between start and due date.
    """
    rows, worked, guessed = [], 0, 0
    day, last = date(first_year, 1, 1), date(last_year, 12, 31)
    while day <= last:
        works, guess = working_day(day)
        worked += works
        guessed += guess
        rows.append((day, works, guess, worked, guessed))
        day += timedelta(days=1)
    return rows
