"""Cleaning steps a contract may name per field (``customProperties.clean``), as polars expressions.

Cleaning never overwrites: the landed row keeps ``<field>__raw`` next to the cleaned value
(OpenSanctions' original_value). Steps: strip (trim, empty → null), nfkc (full-width → half-width),
t2s (traditional → simplified, OpenCC), brackets (〔YYYY〕 in document numbers, （） elsewhere), upper.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from contracts import Field

# Accepted date spellings seen in real feeds; anything else is a bad_date rejection.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y.%m.%d")
_YEAR_BRACKETS = r"[\[【(〔]\s*((?:19|20)\d{2})\s*[\]】)〕]"  # after NFKC: ［］→[] （）→()


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(values: pl.Series) -> pl.Series:
    """Traditional → simplified over the distinct non-ASCII values only, in one OpenCC call."""
    distinct = values.drop_nulls().unique()
    distinct = distinct.filter(~distinct.str.contains(r"^[\x00-\x7f]*$"))
    if distinct.is_empty():
        return values
    texts = distinct.to_list()
    converted = _opencc().convert("\n".join(t.replace("\n", " ") for t in texts)).split("\n")
    mapping = dict(zip(texts, converted))
    return values.replace(mapping)


def clean_expr(f: Field) -> pl.Expr:
    """Every step except t2s (which needs the Series; see :func:`apply_cleaning`)."""
    e = pl.col(f.name)
    for step in f.clean:
        if step == "strip":
            e = e.str.strip_chars()
        elif step == "nfkc":
            e = e.str.normalize("NFKC")
        elif step == "brackets":
            e = e.str.replace_all(_YEAR_BRACKETS, "〔$1〕").str.replace_all(r"\(", "（").str.replace_all(r"\)", "）")
        elif step == "upper":
            e = e.str.to_uppercase()
    if "strip" not in f.clean:
        e = e.str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e).alias(f.name)


def parse_expr(f: Field) -> pl.Expr:
    """Cast a cleaned string to the field's logical type; unparseable → null (the raw value stays)."""
    e = pl.col(f.name)
    if f.logical_type == "date":
        parts = [e.str.strptime(pl.Date, fmt, strict=False) for fmt in DATE_FORMATS[:4] + DATE_FORMATS[5:]]
        parts.append(e.str.strptime(pl.Datetime, DATE_FORMATS[4], strict=False).dt.date())
        return pl.coalesce(parts).alias(f.name)
    if f.logical_type == "number":
        return e.str.replace_all(",", "").cast(pl.Float64, strict=False).alias(f.name)
    if f.logical_type == "integer":
        return e.str.replace_all(",", "").cast(pl.Int64, strict=False).alias(f.name)
    return e


def apply_cleaning(frame: pl.DataFrame, fields: tuple[Field, ...]) -> pl.DataFrame:
    """Raw columns (canonical names, String) → adds ``<f>__raw`` and replaces ``<f>`` by its clean, typed value."""
    frame = frame.with_columns([pl.col(f.name).alias(f"{f.name}__raw") for f in fields])
    frame = frame.with_columns([clean_expr(f) for f in fields])
    t2s = [f.name for f in fields if "t2s" in f.clean]
    if t2s:
        frame = frame.with_columns([to_simplified(frame[name]).alias(name) for name in t2s])
    return frame.with_columns([parse_expr(f) for f in fields])
