"""The pandera schema of a feed, built from its contract: the row-level check at ingestion.

Each rule has a stable name (``required``, ``enum``, ``pattern``, ``minimum``, ``bad_date``,
``bad_number``, ``uscc_check``, ``ric_check``, ``licence_number_check``, ``decision_number_format``,
``unknown_code``) so quarantine reasons can be counted by rule. pandera runs with ``lazy=True`` so every
failure of every row is collected, not just the first.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from contracts import FeedContract, Field
from creditwh import identifiers
from creditwh.settings import SEEDS_DIR

_DTYPES = {"string": pl.String, "date": pl.Date, "number": pl.Float64, "integer": pl.Int64}

# code_table name → (seed file, key column, optional filter column=value)
CODE_TABLES: dict[str, tuple[str, str, tuple[str, str] | None]] = {
    "ref_region_codes": ("reference/ref_region_codes.csv", "region_code", None),
    "ref_industry_codes": ("reference/ref_industry_codes.csv", "code", ("level", "4")),
    "ref_licence_types": ("reference/ref_licence_types.csv", "certificate_name", None),
}

_SCALAR_CHECKS = {
    "uscc": ("uscc_check", identifiers.is_valid_uscc),
    "ric": ("ric_check", identifiers.is_valid_ric),
    "licence_number": ("licence_number_check", identifiers.is_valid_licence_number),
}


@lru_cache(maxsize=None)
def code_table(name: str) -> frozenset[str]:
    path, key, where = CODE_TABLES[name]
    with (SEEDS_DIR / path).open(encoding="utf-8") as fh:
        return frozenset(r[key] for r in csv.DictReader(fh) if where is None or r[where[0]] == where[1])


def _valid_by(func, name: str):
    """Run a scalar validator (python-stdnum based) once per distinct value, then join back."""

    def check(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        distinct = data.lazyframe.select(col.drop_nulls().unique()).collect().to_series()
        good = [v for v in distinct.to_list() if func(v)]
        return data.lazyframe.select(col.is_null() | col.is_in(good))

    return pa.Check(check, name=name)


def _parses(rule: str):
    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_not_null() | pl.col(f"{data.key}__raw").str.strip_chars().is_in(["", None]).fill_null(True))

    return pa.Check(check, name=rule)


def _enum(values: tuple[str, ...], separator: str | None):
    allowed = list(values)

    def check(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        if separator:
            items = col.str.split(separator).list.eval(pl.element().str.strip_chars().is_in(allowed)).list.all()
            return data.lazyframe.select(col.is_null() | items)
        return data.lazyframe.select(col.is_null() | col.is_in(allowed))

    return pa.Check(check, name="enum")


def _in_table(table: str, rule: str):
    def check(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        return data.lazyframe.select(col.is_null() | col.is_in(list(code_table(table))))

    return pa.Check(check, name=rule)


def field_checks(f: Field) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if f.logical_type == "date":
        checks.append(_parses("bad_date"))
    elif f.logical_type in ("number", "integer"):
        checks.append(_parses("bad_number"))
    if f.enum:
        checks.append(_enum(f.enum, f.list_separator))
    if f.pattern:
        checks.append(pa.Check(lambda d, p=f.pattern: d.lazyframe.select(pl.col(d.key).is_null() | pl.col(d.key).str.contains(p)),
                               name="pattern"))
    if f.minimum is not None:
        checks.append(pa.Check(lambda d, m=f.minimum: d.lazyframe.select(pl.col(d.key).is_null() | (pl.col(d.key) >= m)),
                               name="minimum"))
    if f.check in _SCALAR_CHECKS:
        rule, func = _SCALAR_CHECKS[f.check]
        checks.append(_valid_by(func, rule))
    elif f.check == "decision_number":
        pattern = identifiers.DECISION_NUMBER_PATTERN.pattern
        checks.append(pa.Check(lambda d: d.lazyframe.select(pl.col(d.key).is_null() | pl.col(d.key).str.contains(pattern)),
                               name="decision_number_format"))
    if f.code_table and f.on_unknown == "quarantine":
        checks.append(_in_table(f.code_table, "unknown_code"))
    return checks


def build_schema(contract: FeedContract) -> pa.DataFrameSchema:
    """One pandera column per contract field; required ⇒ not nullable. ``strict=False`` because the frame
    also carries ``__raw`` and provenance columns; missing contract columns are caught before (schema drift)."""
    columns = {
        f.name: pa.Column(_DTYPES[f.logical_type], nullable=not f.required, checks=field_checks(f), required=True)
        for f in contract.fields
    }
    return pa.DataFrameSchema(columns, name=contract.name, strict=False, coerce=False)


def warning_columns(contract: FeedContract) -> list[tuple[Field, frozenset[str]]]:
    """Fields whose unknown codes are only warned about (e.g. region codes: an entity keeps its old code)."""
    return [(f, code_table(f.code_table)) for f in contract.fields if f.code_table and f.on_unknown == "warn"]
