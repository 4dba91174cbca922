"""The working-day calendar table (ref_calendar) that every SQL deadline joins on: it must give exactly the
deadlines of ground.workdays, across Spring Festival, National Day (with its make-up Saturday) and the 2027
estimate, which still excludes the statutory holidays (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆). The closed-loop
deadlines (push, receive/forward, monthly feedback, objection adjustment) are checked with the SQL the dbt macros
use: due = the working day whose workday_index is the start's + N."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import duckdb
import pytest

from ground.workdays import (
    Deadline,
    add_working_days,
    calendar_rows,
    is_statutory_holiday,
    working_day,
    working_days_between,
)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute(
        "create table ref_calendar (calendar_date date, is_working_day boolean, is_estimated boolean, "
        "workday_index bigint, estimate_index bigint)"
    )
    c.executemany("insert into ref_calendar values (?, ?, ?, ?, ?)", calendar_rows(2023, 2028))
    yield c
    c.close()


def sql_due(con, start: date, n: int) -> tuple[date, bool]:
    """The macros working_days_after / working_days_after_is_estimated, written out."""
    return con.execute(
        """
        select due.calendar_date, due.estimate_index > s.estimate_index
        from ref_calendar s, ref_calendar due
        where s.calendar_date = ? and due.is_working_day and due.workday_index = s.workday_index + ?""",
        [start, n],
    ).fetchone()


def sql_between(con, a: date, b: date) -> int:
    return con.execute(
        "select (select workday_index from ref_calendar where calendar_date = ?) - "
        "(select workday_index from ref_calendar where calendar_date = ?)",
        [b, a],
    ).fetchone()[0]


@pytest.mark.parametrize(
    "start,n,due,what",
    [
        (date(2024, 3, 5), 3, date(2024, 3, 8), "push: 3 working days after a Tuesday decision"),
        (date(2025, 1, 27), 3, date(2025, 2, 7), "push across Spring Festival 2025 (Jan 28 – Feb 4 off)"),
        (date(2025, 1, 27), 15, date(2025, 2, 24), "push with consultation (15 WD) across Spring Festival 2025"),
        (date(2025, 9, 30), 3, date(2025, 10, 11), "push across National Day 2025: the make-up Saturday Oct 11 counts"),
        (date(2025, 10, 3), 3, date(2025, 10, 11), "start on a holiday: the start day is not counted"),
        (date(2025, 9, 30), 5, date(2025, 10, 14), "feedback: first 5 working days of October 2025 after month end"),
        (
            date(2026, 2, 13),
            3,
            date(2026, 2, 25),
            "objection adjustment across Spring Festival 2026 (Sat Feb 14 works)",
        ),
        (date(2024, 6, 10), 3, date(2024, 6, 13), "objection adjustment after the Dragon Boat Festival weekend"),
    ],
)
def test_deadlines_from_the_calendar_table_match_workdays(con, start, n, due, what):
    assert sql_due(con, start, n) == (due, False), what
    assert add_working_days(start, n).due == due, what


def test_2027_deadlines_are_estimated_not_a_crash(con):
    due, estimated = sql_due(con, date(2026, 12, 30), 3)
    assert (due, estimated) == (date(2027, 1, 5), True)  # Dec 31, (Jan 1 元旦, weekend), Jan 4, Jan 5
    assert add_working_days(date(2026, 12, 30), 3) == Deadline(date(2027, 1, 5), True)
    assert sql_due(con, date(2026, 12, 1), 3) == (date(2026, 12, 4), False)  # 2026 is published: not estimated
    rows = {r[0]: r for r in calendar_rows(2027, 2027)}
    assert rows[date(2027, 1, 4)][1:3] == (True, True) and rows[date(2027, 1, 2)][1:3] == (False, True)


@pytest.mark.parametrize(
    "day,works,estimated,what",
    [
        (date(2026, 12, 31), True, False, "last day of the published 2026 schedule"),
        (date(2027, 1, 1), False, True, "元旦 2027 (a Friday): a statutory holiday, not a Mon–Fri working day"),
        (date(2027, 1, 4), True, True, "the first Monday of 2027 works (estimate)"),
        (date(2027, 2, 5), False, True, "春节 2027: 农历除夕 (calendar_overrides)"),
        (date(2027, 2, 8), False, True, "春节 2027: 正月初三, a Monday"),
        (date(2027, 2, 9), True, True, "the day after 春节's four days (bridging days unknown: estimate)"),
        (date(2027, 4, 5), False, True, "清明节 2027, a Monday"),
        (date(2027, 5, 1), False, True, "劳动节 2027: two days since 2025 (a Saturday)"),
        (date(2027, 5, 3), True, True, "no substitute day in the estimate: make-up rules are unpublished"),
        (date(2027, 6, 9), False, True, "端午节 2027, a Wednesday"),
        (date(2027, 9, 15), False, True, "中秋节 2027, a Wednesday"),
        (date(2027, 9, 30), True, True, "the Thursday before 国庆节"),
        (date(2027, 10, 1), False, True, "国庆节 2027: Oct 1–3"),
        (date(2027, 10, 4), True, True, "the Monday after 国庆节's three days (estimate)"),
        (date(2028, 5, 2), False, True, "a fixed-date holiday in a later unpublished year (劳动节 2028, 2nd day)"),
    ],
)
def test_unpublished_year_estimate_excludes_statutory_holidays(con, day, works, estimated, what):
    assert working_day(day) == (works, estimated), what
    assert con.execute(
        "select is_working_day, is_estimated from ref_calendar where calendar_date = ?", [day]
    ).fetchone() == (works, estimated), what


@pytest.mark.parametrize(
    "start,n,due,what",
    [
        (date(2026, 12, 31), 1, date(2027, 1, 4), "from the last day of 2026: 元旦 and the weekend skipped"),
        (date(2027, 1, 1), 1, date(2027, 1, 4), "start on 元旦: the start day is not counted"),
        (date(2027, 2, 4), 1, date(2027, 2, 9), "across 春节 2027 (Feb 5–8)"),
        (date(2027, 9, 30), 3, date(2027, 10, 6), "across 国庆节 2027 (Oct 1–3, then Mon 4, Tue 5, Wed 6)"),
        (date(2027, 10, 1), 1, date(2027, 10, 4), "start on 国庆节"),
    ],
)
def test_deadlines_across_estimated_holidays_stay_estimated(con, start, n, due, what):
    assert sql_due(con, start, n) == (due, True), what
    assert add_working_days(start, n) == Deadline(due, True), what


def test_published_years_are_untouched_by_the_holiday_rules():
    # the fixed-date rules only feed the estimate: in 2026 (published) the make-up Sunday Jan 4 works
    assert working_day(date(2026, 1, 4)) == (True, False)
    assert working_day(date(2026, 10, 1)) == (False, False)
    assert is_statutory_holiday(date(2024, 5, 2)) is False  # one day of 劳动节 until the 2024 revision (valid_to)
    assert is_statutory_holiday(date(2025, 5, 2)) is True


def test_table_agrees_with_workdays_on_random_starts(con):
    rng = random.Random(3)
    for _ in range(300):
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(365 * 5))
        n = rng.choice((1, 3, 5, 15, 20))
        expected = add_working_days(start, n)
        assert sql_due(con, start, n) == (expected.due, expected.estimated), (start, n)


def test_late_by_working_days_matches_workdays(con):
    # pushed on Oct 13 against a due date of Oct 11 (make-up Saturday): one working day late
    assert (
        sql_between(con, date(2025, 10, 11), date(2025, 10, 13))
        == 1
        == working_days_between(date(2025, 10, 11), date(2025, 10, 13))
    )
    assert sql_between(con, date(2025, 9, 30), date(2025, 10, 8)) == 0  # the whole holiday is not late
    assert sql_between(con, date(2025, 1, 27), date(2025, 2, 10)) == working_days_between(
        date(2025, 1, 27), date(2025, 2, 10)
    )


def test_index_is_monotonic_and_counts_only_working_days():
    rows = calendar_rows(2025, 2025)
    assert len(rows) == 365
    assert sum(r[1] for r in rows) == rows[-1][3] - rows[0][3] + rows[0][1]
    assert all(b[3] - a[3] == int(b[1]) for a, b in itertools.pairwise(rows))
