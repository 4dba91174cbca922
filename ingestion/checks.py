"""The row rules of the ingestion schemas, as vectorised polars expressions wrapped in pandera checks.

Why expressions: a province's penalty feed has millions of rows; a check that calls Python once per value
(python-stdnum) takes minutes there, the same rule as column arithmetic takes a fraction of a second. The
scalar validators in :mod:`creditwh.identifiers` (python-stdnum) stay the reference: tests compare both on
many generated values.

The generated schemas (``ingestion/schemas/<feed>.py``) call the factories at the bottom; each check has a
stable rule name (``enum``, ``pattern``, ``uscc_check`` …) that quarantine reasons are counted by.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from creditwh import identifiers

_USCC_SHAPE = r"^[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}$"  # GB 32100 alphabet: no I O S V Z
_RIC_SHAPE = r"^[0-9]{17}[0-9X]$"
_FOOD_LICENCE_SHAPE = "|".join(p.pattern for p in (identifiers.SC_PATTERN, identifiers.JY_PATTERN))
_OTHER_LICENCE_SHAPE = "|".join(
    p.pattern for p in (identifiers.XK_PATTERN, identifiers.TS_PATTERN, identifiers.DRUG_PATTERN))
_BASE36_SKIPPED = (18, 24, 28, 31)  # I O S V: letters GB 32100 leaves out (Z, 35, is last and never valid)


def _base36_digits(e: pl.Expr, start: int, width: int, base: int = 36) -> list[pl.Expr]:
    """Values of ``width`` characters from ``start``, by one integer parse and arithmetic (no per-char slices)."""
    n = e.str.slice(start, width).str.to_integer(base=base, strict=False)
    return [(n // base ** (width - 1 - j)) % base for j in range(width)]


def uscc_valid(e: pl.Expr) -> pl.Expr:
    """GB 32100 (ISO 7064 MOD 31-3 check character) and GB 11714 (organisation code in positions 9–17).

    Null in, null out; any other malformed value is False.
    """
    b36 = _base36_digits(e, 0, 6) + _base36_digits(e, 6, 6) + _base36_digits(e, 12, 6)
    # base-36 value → position in the 31-character alphabet (subtract the skipped letters below it)
    values = [b - sum((b > s).cast(pl.Int64) for s in _BASE36_SKIPPED) for b in b36]
    mod31 = (sum(v * w for v, w in zip(values[:17], identifiers.USCC_WEIGHTS)) + values[17]) % 31 == 0
    org_total = sum(b * w for b, w in zip(b36[8:16], identifiers.ORG_CODE_WEIGHTS))
    org_check = 11 - org_total % 11  # 10 → X (base 36: 33), 11 → 0
    org_expected = pl.when(org_check == 10).then(33).when(org_check == 11).then(0).otherwise(org_check)
    valid = e.str.contains(_USCC_SHAPE) & mod31 & (b36[16] == org_expected)
    return pl.when(e.is_null()).then(None).otherwise(valid.fill_null(False))


def ric_valid(e: pl.Expr, today: date | None = None) -> pl.Expr:
    """GB 11643 resident ID: ISO 7064 MOD 11-2 check character and a real birth date (1900-01-01 … today)."""
    digits = _base36_digits(e, 0, 9, base=10) + _base36_digits(e, 9, 8, base=10)
    total = sum(d * w for d, w in zip(digits, identifiers.RIC_WEIGHTS))
    last = e.str.slice(17, 1)
    actual = pl.when(last == "X").then(10).otherwise(last.str.to_integer(strict=False))
    born = e.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    valid = (e.str.contains(_RIC_SHAPE) & ((12 - total % 11) % 11 == actual)
             & born.is_between(date(1900, 1, 1), today or date.today()))
    return pl.when(e.is_null()).then(None).otherwise(valid.fill_null(False))


def mod_11_10_valid(e: pl.Expr, start: int, width: int) -> pl.Expr:
    """ISO 7064 MOD 11,10 over ``width`` digits from ``start`` (checksum must come out as 1)."""
    first = min(width, 9)
    digits = _base36_digits(e, start, first, base=10) + (
        _base36_digits(e, start + first, width - first, base=10) if width > first else [])
    check: pl.Expr = pl.lit(5, pl.Int64)
    for d in digits:  # (check or 10): 0 → 10, 1…9 unchanged, written so each step uses ``check`` once
        check = ((((check + 9) % 10 + 1) * 2) % 11 + d) % 10
    return check == 1


def licence_number_valid(e: pl.Expr) -> pl.Expr:
    """SC/JY food licences: shape and MOD 11,10 check digit; 生产许可 XK, 特种设备 TS, 药品 numbers: shape only."""
    food = e.str.starts_with("SC") | e.str.starts_with("JY")
    food_ok = e.str.contains(_FOOD_LICENCE_SHAPE) & mod_11_10_valid(e, 2, 14)
    valid = pl.when(food).then(food_ok).otherwise(e.str.contains(_OTHER_LICENCE_SHAPE))
    return pl.when(e.is_null()).then(None).otherwise(valid.fill_null(False))


IDENTIFIER_RULES = {"uscc": ("uscc_check", uscc_valid), "ric": ("ric_check", ric_valid),
                    "licence_number": ("licence_number_check", licence_number_valid)}


# ---- pandera checks (called by the generated schemas) ------------------------------------------------------

# A column whose distinct values are at most this share of its rows is checked value by value, not row by row.
DISTINCT_SHARE = 0.05


def passing_values(frame: pl.LazyFrame, key: str, valid) -> pl.Series:
    """The distinct non-null values of column ``key`` for which ``valid`` holds."""
    values = frame.select(pl.col(key).drop_nulls().unique()).collect()
    return values.lazy().filter(valid(pl.col(key)).fill_null(False)).collect().to_series()


def _row_check(rule: str, valid, *, costly: bool = False) -> pa.Check:
    """A check whose ``valid(column_expr)`` is True/False per row; nulls pass (``required`` is nullable=False).

    ``costly`` rules (check characters, lists of codes) are evaluated once per distinct value when a column repeats
    its values (authorities, enterprises with several records): the same answer for every row, at a fraction of
    the work. A column of mostly distinct values (one registry row per enterprise) is checked row by row.
    """

    def check(data: PolarsData) -> pl.LazyFrame:
        col, frame = pl.col(data.key), data.lazyframe
        if costly:
            counts = frame.select(pl.len(), col.approx_n_unique()).collect().row(0)
            if counts[1] <= DISTINCT_SHARE * counts[0]:
                return frame.select(col.is_null() | col.is_in(passing_values(frame, data.key, valid).implode()))
        return frame.select((col.is_null() | valid(col)).fill_null(False))

    return pa.Check(check, name=rule)


def identifier(kind: str) -> pa.Check:
    rule, valid = IDENTIFIER_RULES[kind]
    return _row_check(rule, valid, costly=True)


def enum(values: tuple[str, ...], separator: str | None = None) -> pa.Check:
    """Allowed values (the contract's code table); a list field holds several, each must be allowed."""
    allowed = pl.Series(values, dtype=pl.String)
    if separator:
        return _row_check("enum", lambda c: c.str.split(separator).list.eval(
            pl.element().str.strip_chars().is_in(allowed.implode())).list.all(), costly=True)
    return _row_check("enum", lambda c: c.is_in(allowed.implode()))


def pattern(regex: str, rule: str = "pattern") -> pa.Check:
    return _row_check(rule, lambda c: c.str.contains(regex))


def decision_number() -> pa.Check:
    return pattern(identifiers.DECISION_NUMBER_PATTERN.pattern, "decision_number_format")


def minimum(bound: float) -> pa.Check:
    return _row_check("minimum", lambda c: c >= bound)


def parses(rule: str) -> pa.Check:
    """The typed value is null only where the raw value was empty: otherwise the raw text did not parse."""

    def check(data: PolarsData) -> pl.LazyFrame:
        raw_empty = pl.col(f"{data.key}__raw").str.strip_chars().is_in(["", None]).fill_null(True)
        return data.lazyframe.select(pl.col(data.key).is_not_null() | raw_empty)

    return pa.Check(check, name=rule)


@lru_cache(maxsize=None)
def _codes(table: str) -> pl.Series:
    from ingestion.schema import code_table

    return pl.Series(sorted(code_table(table)), dtype=pl.String)


def in_code_table(table: str) -> pa.Check:
    """Codes that must exist in a reference seed (``dbt_project/seeds/reference``)."""
    return _row_check("unknown_code", lambda c: c.is_in(_codes(table).implode()))
