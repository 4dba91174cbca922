"""The row rules of the ingestion schemas, as vectorised polars expressions wrapped in pandera checks.

Why expressions: a province's penalty feed has millions of rows; a check that calls Python once per value
(python-stdnum) takes minutes there, the same rule as column arithmetic takes a fraction of a second. Check
characters are computed over the identifiers' bytes in numpy (a fixed-width matrix, a few operations per character).
The scalar validators in :mod:`ground.identifiers` (python-stdnum) stay the reference: tests compare both on
many generated values.

The generated schemas (``ingestion/schemas/<feed>.py``) call the factories at the bottom; each check has a
stable rule name (``enum``, ``pattern``, ``uscc_check`` …) that quarantine reasons are counted by.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache

import numpy as np
import pandera.polars as pa
import polars as pl
import pyarrow as pa_arrow
from pandera.api.polars.types import PolarsData

from ground import identifiers
from ingestion.cleaning import few_distinct
from ingestion.reading import ROW_INDEX
from ingestion.schema import code_table, validated_receipt_date

_FOOD_LICENCE_SHAPE = "|".join(p.pattern for p in (identifiers.SC_PATTERN, identifiers.JY_PATTERN))
_OTHER_LICENCE_SHAPE = "|".join(
    p.pattern for p in (identifiers.XK_PATTERN, identifiers.TS_PATTERN, identifiers.DRUG_PATTERN)
)


def _base36_digits(e: pl.Expr, start: int, width: int, base: int = 36) -> list[pl.Expr]:
    """Values of ``width`` characters from ``start``, by one integer parse and arithmetic (no per-char slices)."""
    n = e.str.slice(start, width).str.to_integer(base=base, strict=False)
    return [(n // base ** (width - 1 - j)) % base for j in range(width)]


def _byte_table(alphabet: str) -> bytes:
    """Byte → position of that character in ``alphabet``; 99 for any other byte (a ``bytes.translate`` table)."""
    table = np.full(256, 99, dtype=np.uint8)
    table[[ord(ch) for ch in alphabet]] = np.arange(len(alphabet))
    return table.tobytes()


def _lookup(m: np.ndarray, table: bytes) -> np.ndarray:
    """``table[m]`` for a byte matrix, by ``bytes.translate``: one pass over the bytes, where numpy's ``take``
    first widens every byte to a 64-bit index (a 250 000-row USCC column: 1.9 ms against 9.6 ms)."""
    return np.frombuffer(m.tobytes().translate(table), dtype=np.uint8).reshape(m.shape)


_USCC_POSITION = _byte_table(identifiers.USCC_ALPHABET)
_ORG_CODE_VALUE = _byte_table(identifiers.ORG_CODE_ALPHABET)
_DIGIT = _byte_table("0123456789")
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _fixed_width(values: pl.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The values exactly ``width`` bytes long, as a (width, rows) byte matrix (one contiguous row per character
    position), and the mask of those rows.

    Identifiers are fixed-width ASCII: arithmetic over the bytes, character position by position in numpy, costs
    a few operations per character for a whole chunk, where string slicing and parsing in polars cost dozens.
    """
    arrow = values.to_arrow(compat_level=pl.CompatLevel.oldest())
    if isinstance(arrow, pa_arrow.ChunkedArray):
        arrow = arrow.combine_chunks()
    n = len(arrow)
    _, offsets_buf, data_buf = arrow.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arrow.offset : arrow.offset + n + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    rows = lengths == width
    if arrow.null_count:
        rows &= arrow.is_valid().to_numpy(zero_copy_only=False)
    good = int(rows.sum())
    if good and lengths[~rows].sum() == 0 and offsets[-1] - offsets[0] == good * width:
        matrix = data[offsets[0] : offsets[-1]].reshape(good, width)  # every non-empty value fits: no copy
    else:
        matrix = data[offsets[:-1][rows][:, None] + np.arange(width)]
    return np.ascontiguousarray(matrix.T), rows


def _per_row(values: pl.Series, width: int, valid_rows) -> pl.Series:
    """``valid_rows(matrix)`` for the values of the right width, False for others, null for nulls."""
    matrix, rows = _fixed_width(values, width)
    out = np.zeros(len(values), dtype=bool)
    if matrix.shape[1]:
        out[rows] = valid_rows(matrix)
    return pl.Series(values.name, out).set(values.is_null(), None)


def _weighted_sum(columns: np.ndarray, weights: tuple[int, ...]) -> np.ndarray:
    """Σ columns[j] · weights[j] of a (positions, rows) matrix of small values (≤ 99: digits, alphabet positions, or
    99 for a byte outside the alphabet), one position at a time; ten times cheaper than an int64 matmul. In uint16
    where no sum can overflow it (the check-character sums: 99 · Σ weights < 65 536), four times cheaper than
    uint32; uint32 otherwise (weights < 1000, at most 18 positions)."""
    dtype = np.uint16 if 99 * sum(weights) < 1 << 16 else np.uint32
    total = np.zeros(columns.shape[1], dtype=dtype)
    for column, weight in zip(columns, weights):
        total += column * dtype(weight)
    return total


def _uscc_rows(m: np.ndarray) -> np.ndarray:
    position = _lookup(m, _USCC_POSITION)
    shape = (position.max(axis=0) < 31) & (position[:8].max(axis=0) < 10)  # 8 digits, then the GB 32100 alphabet
    mod31 = (_weighted_sum(position[:17], identifiers.USCC_WEIGHTS) + position[17]) % 31 == 0
    org = _lookup(m[8:17], _ORG_CODE_VALUE)
    check = 11 - (_weighted_sum(org[:8], identifiers.ORG_CODE_WEIGHTS) % 11).astype(np.int64)  # 10 → X (33), 11 → 0
    expected = np.where(check == 10, 33, np.where(check == 11, 0, check))
    return shape & mod31 & (org[8] == expected)


def uscc_valid(e: pl.Expr) -> pl.Expr:
    """GB 32100 (ISO 7064 MOD 31-3 check character) and GB 11714 (organisation code in positions 9–17).

    Null in, null out; any other malformed value is False.
    """
    return e.map_batches(lambda s: _per_row(s, 18, _uscc_rows), return_dtype=pl.Boolean, is_elementwise=True)


def _ric_rows(m: np.ndarray, today: date) -> np.ndarray:
    digits = _lookup(m[:17], _DIGIT)
    last = m[17]
    actual = np.where(last == ord("X"), 10, _lookup(last, _DIGIT))
    shape = (digits.max(axis=0) < 10) & (actual < 11)
    check = (12 - (_weighted_sum(digits, identifiers.RIC_WEIGHTS) % 11).astype(np.int64)) % 11 == actual
    year = _weighted_sum(digits[6:10], (1000, 100, 10, 1)).astype(np.int64)
    month = digits[10].astype(np.int64) * 10 + digits[11]
    day = digits[12].astype(np.int64) * 10 + digits[13]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + (leap & (month == 2))
    real_day = (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    born = year * 10_000 + month * 100 + day
    in_range = (born >= 19_000_101) & (born <= today.year * 10_000 + today.month * 100 + today.day)
    return shape & check & real_day & in_range


def ric_valid(e: pl.Expr, today: date | None = None) -> pl.Expr:
    """GB 11643 resident ID: ISO 7064 MOD 11-2 check character and a real birth date (1900-01-01 … today)."""
    return e.map_batches(
        lambda s: _per_row(s, 18, lambda m: _ric_rows(m, today or date.today())),
        return_dtype=pl.Boolean,
        is_elementwise=True,
    )


def mod_11_10_valid(e: pl.Expr, start: int, width: int) -> pl.Expr:
    """ISO 7064 MOD 11,10 over ``width`` digits from ``start`` (checksum must come out as 1)."""
    first = min(width, 9)
    digits = _base36_digits(e, start, first, base=10) + (
        _base36_digits(e, start + first, width - first, base=10) if width > first else []
    )
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


IDENTIFIER_RULES = {
    "uscc": ("uscc_check", uscc_valid),
    "ric": ("ric_check", ric_valid),
    "licence_number": ("licence_number_check", licence_number_valid),
}


# ---- pandera checks (called by the generated schemas) ------------------------------------------------------


def passing_values(frame: pl.LazyFrame, key: str, valid) -> tuple[pl.Series, bool]:
    """The distinct non-null values of column ``key`` for which ``valid`` holds, and whether that is all of them."""
    values = frame.select(pl.col(key).drop_nulls().unique()).collect()
    passing = values.lazy().filter(valid(pl.col(key)).fill_null(False)).collect().to_series()
    return passing, passing.len() == values.height


def _row_check(rule: str, valid, *, costly: bool = False) -> pa.Check:
    """A check whose ``valid(column_expr)`` is True/False per row; nulls pass (``required`` is nullable=False).

    ``costly`` rules (check characters, lists of codes) are evaluated once per distinct value when a column repeats
    its values (authorities, enterprises with several records): the same answer for every row, at a fraction of
    the work, and none per row when every distinct value passes. A column of mostly distinct values (one registry
    row per enterprise) is checked row by row.
    """

    def check(data: PolarsData) -> pl.LazyFrame | bool:
        col, frame = pl.col(data.key), data.lazyframe
        if costly and few_distinct(frame.select(col).collect().to_series()):
            passing, every_one = passing_values(frame, data.key, valid)
            if every_one:  # the whole column passes: pandera takes one bool for it, no per-row lookup needed
                return True
            return frame.select(col.is_null() | col.is_in(passing.implode()))
        return verdict(frame.select((col.is_null() | valid(col)).fill_null(False)))

    return pa.Check(check, name=rule)


def verdict(rows: pl.LazyFrame) -> pl.LazyFrame | bool:
    """A check's answer per row (one Boolean column, no nulls), computed once; one bool when every row passes, as
    a rule: pandera then builds no failure cases and collects nothing more for the check."""
    answer = rows.collect()
    return True if answer.to_series().all() else answer.lazy()


def identifier(kind: str) -> pa.Check:
    rule, valid = IDENTIFIER_RULES[kind]
    return _row_check(rule, valid, costly=True)


def enum(values: tuple[str, ...], separator: str | None = None) -> pa.Check:
    """Allowed values (the contract's code table); a list field holds several, each must be allowed."""
    allowed = pl.Series(values, dtype=pl.String)
    if separator:
        return _row_check(
            "enum",
            lambda c: (
                c.str.split(separator).list.eval(pl.element().str.strip_chars().is_in(allowed.implode())).list.all()
            ),
            costly=True,
        )
    return _row_check("enum", lambda c: c.is_in(allowed.implode()))


def pattern(regex: str, rule: str = "pattern") -> pa.Check:
    return _row_check(rule, lambda c: c.str.contains(regex))


def decision_number() -> pa.Check:
    return pattern(identifiers.DECISION_NUMBER_PATTERN.pattern, "decision_number_format")


def minimum(bound: float) -> pa.Check:
    return _row_check("minimum", lambda c: c >= bound)


def parses(rule: str) -> pa.Check:
    """The typed value is null only where the raw value was empty: otherwise the raw text did not parse. The raw
    text is looked at only where the typed value is null (a few rows of a required date, as a rule). A number's
    reason says why (:func:`ingestion.validation.schema_reasons`): ``bad_number``, ``not_finite`` (NaN, an
    infinity) or ``ambiguous_number`` ("1,5")."""

    def blank(raw: pl.Expr) -> pl.Expr:
        return raw.str.strip_chars().is_in(["", None]).fill_null(True)

    def check(data: PolarsData) -> pl.LazyFrame | bool:
        frame, raw = data.lazyframe, f"{data.key}__raw"
        missing = frame.select(pl.col(data.key).is_null()).collect().to_series()
        if not missing.any():
            return True
        if missing.all():  # an optional field left empty on every row: empty text is blank without trimming it
            if frame.select((pl.col(raw).str.len_bytes() == 0).fill_null(True).all()).collect().item():
                return True
            return frame.select(blank(pl.col(raw)))
        where = missing.arg_true()
        sub = frame.select(pl.col(raw)).collect().to_series().gather(where).to_frame().select(blank(pl.col(raw)))
        return pl.LazyFrame({data.key: (~missing).scatter(where, sub.to_series())})

    return pa.Check(check, name=rule)


# ---- plausibility: one DataFrame-level check per rule, over every field the rule applies to ----------------------
# The contract's maxLength and contracts/dates.yml, written into the schemas by contracts/render_schemas.py. A check
# per column costs pandera two queries and its bookkeeping even where the column passes (as nearly all do); one check
# per rule asks polars one query for all its fields. Which field failed on which row is asked again of the failing
# rows only (``failing``, called by ingestion.validation.schema_reasons): the reasons name the field as ever.

Rules = Callable[[], dict[str, pl.Expr]]  # field (or "earlier,later") → True where a row passes; evaluated per chunk


def _plausibility(
    rule: str,
    exact: Rules,
    suspects: Callable[[pl.LazyFrame, dict[str, pl.Expr]], list[str]] | None = None,
    value: Callable[[str], pl.Expr] | None = None,
):
    """A check of ``rule`` over several fields: ``exact()`` gives each field's rule (null passes: ``required`` says
    whether a value may be missing). ``suspects(frame, rules)``: the fields some row may fail, by a cheaper test
    (by default, each rule asked of every row, in one query); only those are asked row by row. ``value(field)``:
    what a reason shows (the field's value)."""

    def passes(e: pl.Expr) -> pl.Expr:
        return e.fill_null(True)

    def every_row(frame: pl.LazyFrame, exprs: dict[str, pl.Expr]) -> list[str]:
        verdicts = frame.select([passes(e).all().alias(f) for f, e in exprs.items()]).collect().row(0)
        return [f for f, ok in zip(exprs, verdicts) if not ok]

    def check(data: PolarsData) -> pl.LazyFrame | bool:
        exprs = exact()
        failing_fields = (suspects or every_row)(data.lazyframe, exprs)
        if not failing_fields:  # as a rule: one bool for the whole chunk
            return True
        return verdict(data.lazyframe.select(pl.all_horizontal([passes(exprs[f]) for f in failing_fields]).alias(rule)))

    def failing(rows: pl.DataFrame) -> pl.DataFrame:
        """``(_row_number, rule, field, value)`` for each field these rows fail."""
        shown = value or (lambda f: pl.col(f).cast(pl.String))
        parts = [
            rows.filter(~passes(e)).select(ROW_INDEX, rule=pl.lit(rule), field=pl.lit(f), value=shown(f))
            for f, e in exact().items()
        ]
        return pl.concat(parts)

    out = pa.Check(check, name=rule)
    out.fields = tuple(exact())  # type: ignore[attr-defined]
    out.failing = failing  # type: ignore[attr-defined]
    return out


def max_length(limits: dict[str, int]) -> pa.Check:
    """``too_long``: more characters than the contract's maxLength, counted on the cleaned value. A value of at most
    that many bytes has at most that many characters: characters are counted only in a column whose longest value
    has more bytes (one query for every field, read from the values' lengths)."""

    def longer_somewhere(frame: pl.LazyFrame, exprs: dict[str, pl.Expr]) -> list[str]:
        longest = frame.select([pl.col(f).str.len_bytes().max() for f in limits]).collect().row(0)
        return [f for (f, n), most in zip(limits.items(), longest) if (most or 0) > n]

    return _plausibility(
        "too_long", lambda: {f: pl.col(f).str.len_chars() <= n for f, n in limits.items()}, longer_somewhere
    )


def _dates(fields: tuple[str, ...], valid: Callable[[pl.Expr], pl.Expr]) -> Rules:
    return lambda: {f: valid(pl.col(f)) for f in fields}


def not_before(earliest: str, fields: tuple[str, ...]) -> pa.Check:
    """``date_too_early``: before the earliest plausible date (contracts/dates.yml ``earliest``)."""
    day = date.fromisoformat(earliest)
    return _plausibility("date_too_early", _dates(fields, lambda c: c >= day))


def not_after(latest: str, fields: tuple[str, ...]) -> pa.Check:
    """``date_too_late``: a date that may lie in the future, after the "long-term" value (``latest.long_term``)."""
    day = date.fromisoformat(latest)
    return _plausibility("date_too_late", _dates(fields, lambda c: c <= day))


def not_after_receipt(fields: tuple[str, ...]) -> pa.Check:
    """``date_after_receipt``: later than the day the batch was received (:func:`ingestion.schema.receipt_date`)."""
    return _plausibility("date_after_receipt", lambda: _dates(fields, lambda c: c <= validated_receipt_date())())


def date_order(pairs: tuple[tuple[str, str], ...]) -> pa.Check:
    """``date_order``: a date before the one it must follow on the same row (contracts/dates.yml ``order``), reported
    on the pair ``earlier,later`` with the value ``<earlier>|<later>`` (as duplicate_key names its fields)."""
    return _plausibility(
        "date_order",
        lambda: {f"{a},{b}": pl.col(b) >= pl.col(a) for a, b in pairs},
        value=lambda key: pl.concat_str([pl.col(c).cast(pl.String) for c in key.split(",")], separator="|"),
    )


@cache
def _codes(table: str) -> pl.Series:
    return pl.Series(sorted(code_table(table)), dtype=pl.String)


def in_code_table(table: str) -> pa.Check:
    """Codes that must exist in a reference seed (``dbt_project/seeds/reference``)."""
    return _row_check("unknown_code", lambda c: c.is_in(_codes(table).implode()))
