"""Working days under China's statutory holidays and make-up working days (调休), one component for all.

"N 个工作日" deadlines skip weekends and statutory holidays but count make-up working weekends; the start
day itself is not counted (DOMAIN.md §9). ``chinesecalendar`` knows the published schedules and raises for
years not yet published. For those years this module never crashes. It first consults the project's override
table (``dbt_project/seeds/rules/calendar_overrides.csv``): rows with ``is_estimated`` false are a published
schedule (State Council notice, for years published after the package release). Otherwise the day is estimated:
the statutory holidays of the holiday law (全国年节及纪念日放假办法 art. 2) are days off — the fixed-date ones
(元旦, 劳动节, 国庆节) from the recurring rule seed ``rule_statutory_holidays.csv``, the lunar ones (春节, 清明节,
端午节, 中秋节), which no library in the environment computes, from the override table's ``is_estimated`` rows —
and every other day follows Mon–Fri. Bridging days and make-up working weekends of an unpublished year are not
known, so every day of such a year is marked estimated, and so is every deadline counted across one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar

from ground.rules import is_in_force, read_rule_table
from ground.settings import SEEDS_DIR

OVERRIDES_CSV = SEEDS_DIR / "rules" / "calendar_overrides.csv"
STATUTORY_HOLIDAYS_CSV = SEEDS_DIR / "rules" / "rule_statutory_holidays.csv"


@dataclass(frozen=True)
class Deadline:
    due: date
    estimated: bool  # True when any day counted came from a Mon–Fri estimate


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


@lru_cache(maxsize=1)
def _override_rows() -> dict[date, tuple[bool, bool]]:
    """calendar_date → (is working day, is estimated)."""
    if not OVERRIDES_CSV.exists():
        return {}
    return {
        date.fromisoformat(r["calendar_date"]): (_flag(r["is_working_day"]), _flag(r.get("is_estimated")))
        for r in read_rule_table(OVERRIDES_CSV)
    }


def _overrides() -> dict[date, bool]:
    """A published schedule: the days it lists (holidays, make-up working weekends)."""
    return {day: works for day, (works, estimated) in _override_rows().items() if not estimated}


@cache
def _override_years() -> frozenset[int]:
    """Years whose schedule is published in the override table: their unlisted days follow Mon–Fri, not estimated."""
    return frozenset(d.year for d in _overrides())


@cache
def _estimated_holidays() -> frozenset[date]:
    """Statutory holidays of unpublished years known by date (the lunar festivals) from the override table."""
    return frozenset(day for day, (works, estimated) in _override_rows().items() if estimated and not works)


@lru_cache(maxsize=1)
def _fixed_date_holidays() -> tuple[tuple[int, int, int, dict[str, str]], ...]:
    """The recurring fixed-date statutory holidays: (month, first day, number of days, rule row)."""
    if not STATUTORY_HOLIDAYS_CSV.exists():
        return ()
    return tuple(
        (int(r["month"]), int(r["first_day"]), int(r["day_count"]), r) for r in read_rule_table(STATUTORY_HOLIDAYS_CSV)
    )


def is_statutory_holiday(day: date) -> bool:
    """A statutory holiday by the holiday law alone (what an unpublished year's estimate excludes)."""
    if day in _estimated_holidays():
        return True
    return any(
        day.month == month and first <= day.day < first + count and is_in_force(row, day)
        for month, first, count, row in _fixed_date_holidays()
    )


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
        return day.weekday() < 5 and not is_statutory_holiday(day), True


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
