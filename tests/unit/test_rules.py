"""Unit tests for identifier rules and the working-day calendar (dates around Chinese holidays)."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from ground import identifiers as ids
from ground.workdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    "number", ["91350100M000100Y43", "914403001922038216", "91110108551385082Q", "91370000728611939A"]
)
def test_real_usccs_validate(number):
    assert ids.is_valid_uscc(number)


def test_mod31_alone_is_not_enough():
    assert not ids.is_valid_uscc("123456789012345678")  # passes MOD-31, fails GB 11714


def test_made_usccs_validate_and_a_changed_check_char_fails():
    number = ids.make_uscc("9", "1", "310110", "MA1FL2X3")
    assert ids.is_valid_uscc(number)
    wrong = number[:-1] + ("A" if number[-1] != "A" else "B")
    assert not ids.is_valid_uscc(wrong)


def test_resident_id_check_digit_and_birth_date():
    number = ids.make_ric("320923", date(1969, 5, 6), "151")
    assert ids.is_valid_ric(number) and number[-1] == ric.calc_check_digit(number)
    assert not ids.is_valid_ric(number[:6] + "19691306" + number[14:])  # month 13
    assert ids.mask_id_number("320923196905061513") == "3209231969****1513"


@pytest.mark.parametrize("body", ["SC1063101150012", "JY1310110001234"])
def test_food_licence_mod_11_10(body):
    number = body + ids.food_licence_check_digit(body)
    assert ids.is_valid_licence_number(number)
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not ids.is_valid_licence_number(bad)


@pytest.mark.parametrize("number", ["XK13-014-00123", "(鄂)XK13-014-00123", "TS2210123-2027", "沪20150123"])
def test_other_licence_formats(number):
    assert ids.is_valid_licence_number(number)


@pytest.mark.parametrize(
    "start,n,due",
    [
        (date(2025, 1, 27), 3, date(2025, 2, 7)),  # Spring Festival 2025: Jan 28–Feb 4 off, Sat Feb 8 works
        (date(2025, 2, 6), 2, date(2025, 2, 8)),  # ... and the make-up Saturday counts
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # National Day 2025: Oct 1–8 off, Sat Oct 11 works
        (date(2025, 10, 3), 1, date(2025, 10, 9)),  # starting on a holiday: the first working day after it
        (date(2024, 4, 30), 3, date(2024, 5, 8)),  # Labour Day 2024: May 1–5 off
    ],
)
def test_deadlines_across_holidays(start, n, due):
    result = add_working_days(start, n)
    assert result.due == due and not result.estimated


def test_make_up_weekend_is_a_working_day():
    assert is_working_day(date(2025, 9, 28))  # Sunday, make-up for National Day
    assert not is_working_day(date(2025, 10, 6))  # Monday inside the holiday


def test_unpublished_year_is_estimated_not_a_crash():
    result = add_working_days(date(2026, 12, 30), 3)
    assert result.estimated and result.due == date(2027, 1, 5)  # Mon–Fri estimate less 元旦 (Fri Jan 1)
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
