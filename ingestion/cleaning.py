"""Cleaning steps a contract may name per field (``customProperties.clean``), as polars expressions.

Cleaning never overwrites: the landed row keeps ``<field>__raw`` next to the cleaned value
(OpenSanctions' original_value). Steps: strip (trim, empty → null), nfkc (full-width → half-width),
t2s (traditional → simplified, OpenCC), brackets (〔YYYY〕 in document numbers, （） elsewhere), upper.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from typing import NamedTuple

import polars as pl

from contracts import Field

_WORKERS = max(2, min(4, os.cpu_count() or 2))

# Accepted date spellings seen in real feeds; anything else is a bad_date rejection.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y.%m.%d")
_YEAR_BRACKETS = r"[\[【(〔]\s*((?:19|20)\d{2})\s*[\]】)〕]"  # after NFKC: ［］→[] （）→()


_OPENCC_LOCK = threading.Lock()  # columns are cleaned on threads; one converter, used by one at a time


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


_T2S_SEEN: dict[str, str] = {}  # text → simplified, for values met before (names recur from chunk to chunk)
T2S_MEMO = 500_000  # entries kept at most (~100 MB); then the memo starts afresh


def to_simplified(values: pl.Series) -> pl.Series:
    """Traditional → simplified over the distinct non-ASCII values only: those converted before are looked up,
    the others converted in one OpenCC call (a pure function of the text, so remembering it is safe)."""
    distinct = values.drop_nulls().unique()
    distinct = distinct.filter(~distinct.str.contains(r"^[\x00-\x7f]*$"))
    if distinct.is_empty():
        return values
    texts = distinct.to_list()
    with _OPENCC_LOCK:
        known = {t: _T2S_SEEN[t] for t in texts if t in _T2S_SEEN}
        if new := [t for t in texts if t not in known]:
            converted = dict(zip(new, _opencc().convert("\n".join(t.replace("\n", " ") for t in new)).split("\n")))
            if len(_T2S_SEEN) + len(converted) > T2S_MEMO:
                _T2S_SEEN.clear()
            _T2S_SEEN.update(converted)
            known.update(converted)
    changed = {t: simple for t, simple in known.items() if simple != t}
    return values.replace(changed) if changed else values


# Characters NFKC leaves as they are (printable ASCII, CJK ideographs, the CJK brackets and stops used in names and
# document numbers; tests/unit/test_ingestion.py checks every one). Only values with some other character are normalised.
NFKC_STABLE = ((0x20, 0x7E), (0x3001, 0x3002), (0x3008, 0x3011), (0x3014, 0x301B), (0x3400, 0x4DBF), (0x4E00, 0x9FFF))
_NEEDS_NFKC = "[^" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in NFKC_STABLE) + "]"
_BRACKET_CHARS = "[]()【】"  # what the bracket step rewrites: anything but 〔YYYY〕 and （）, the forms it writes
_NEEDS_BRACKETS = "[" + re.escape(_BRACKET_CHARS) + r"]|〔\s|\s〕"


def _only_where(values: pl.Series, needs: str, step) -> pl.Series:
    """Apply ``step`` (Expr → Expr) to the values matching regex ``needs`` only: most values need nothing, and the
    costly steps (NFKC, bracket rewriting) then touch a few per cent of a column instead of all of it."""
    idx = values.str.contains(needs).fill_null(False).arg_true()
    if idx.is_empty():
        return values
    changed = values.gather(idx).to_frame("v").select(step(pl.col("v"))).to_series()
    return values.clone().scatter(idx, changed)  # a copy: scatter writes in place, and values is the caller's


def _brackets(e: pl.Expr) -> pl.Expr:
    return e.str.replace_all(_YEAR_BRACKETS, "〔$1〕").str.replace_all(r"\(", "（").str.replace_all(r"\)", "）")


def clean_series(values: pl.Series, f: Field) -> pl.Series:
    """The contract's clean steps, in order, then trim; empty → null. The raw value is kept by the caller."""
    for step in f.clean:
        if step == "strip":
            values = values.str.strip_chars()
        elif step == "nfkc":
            values = _only_where(values, _NEEDS_NFKC, lambda e: e.str.normalize("NFKC"))
        elif step == "t2s":
            values = to_simplified(values)
        elif step == "brackets":
            values = _only_where(values, _NEEDS_BRACKETS, _brackets)
        elif step == "upper":
            values = values.str.to_uppercase()
    if "strip" not in f.clean:
        values = values.str.strip_chars()
    if f.codes:  # a template generation's value codes (当前状态 0 → 正常): contract.for_template sets them per batch
        values = values.replace(dict(f.codes))
    return values.set(values == "", None).alias(f.name)


# Which values some step could change, as one regex: a value of characters that every step of the field leaves as
# they are (and not empty) comes through all of them unchanged, so the steps run on the other values only. Trimming
# (always applied) keeps any character but whitespace; nfkc keeps NFKC_STABLE; brackets keeps all but the brackets it
# rewrites; upper keeps all but a–z (none of NFKC_STABLE has another case mapping; without nfkc only printable
# ASCII is kept). t2s has no such test (OpenCC converts phrases as well as characters).


def _without(ranges: tuple[tuple[int, int], ...], chars: str) -> tuple[tuple[int, int], ...]:
    out = []
    for a, b in ranges:
        for cut in sorted(ord(ch) for ch in chars if a <= ord(ch) <= b):
            if a < cut:
                out.append((a, cut - 1))
            a = cut + 1
        if a <= b:
            out.append((a, b))
    return tuple(out)


@cache
def _needs_cleaning(steps: tuple[str, ...]) -> str | None:
    if not set(steps) <= {"strip", "nfkc", "brackets", "upper"}:
        return None
    if "nfkc" in steps:
        kept = NFKC_STABLE
    elif "upper" in steps:
        kept = ((0x20, 0x7E),)
    else:  # any character is kept but whitespace at either end and what the bracket step rewrites
        return r"^\s|\s$|^$" + ("|" + _NEEDS_BRACKETS if "brackets" in steps else "")
    kept = _without(
        kept,
        " "
        + (_BRACKET_CHARS if "brackets" in steps else "")
        + ("abcdefghijklmnopqrstuvwxyz" if "upper" in steps else ""),
    )
    return "^$|[^" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in kept) + "]"


def needs_cleaning(f: Field) -> str | None:
    """One regex matching every value the field's steps could change; None when some step has no such test."""
    return None if f.codes else _needs_cleaning(f.clean)


def clean_rows(values: pl.Series, f: Field) -> tuple[pl.Series, bool]:
    """:func:`clean_series` for a column of mostly distinct values, and whether every value came through as it was:
    one regex pass (:func:`needs_cleaning`) finds the values some step would change, and only those are cleaned."""
    needs = needs_cleaning(f)
    if needs is None:
        return clean_series(values, f), False
    idx = values.str.contains(needs).fill_null(False).arg_true()
    if idx.is_empty():
        return values.alias(f.name), True
    return values.clone().scatter(idx, clean_series(values.gather(idx), f)).alias(f.name), False  # not in place


def parse_series(values: pl.Series, f: Field) -> pl.Series:
    """Cast a cleaned string to the field's logical type; unparseable → null (the raw value stays)."""
    if f.logical_type == "date":
        parsed = values.str.strptime(pl.Date, DATE_FORMATS[0], strict=False)
        rest = (parsed.is_null() & values.is_not_null()).arg_true()
        if rest.is_empty():
            return parsed
        other = (
            values.gather(rest)
            .to_frame("v")
            .select(
                pl.coalesce(
                    [
                        pl.col("v").str.strptime(pl.Date, fmt, strict=False)
                        for fmt in DATE_FORMATS[1:4] + DATE_FORMATS[5:]
                    ]
                    + [pl.col("v").str.strptime(pl.Datetime, DATE_FORMATS[4], strict=False).dt.date()]
                )
            )
            .to_series()
        )
        return parsed.scatter(rest, other)
    if f.logical_type in ("number", "integer"):
        return parse_numbers(values, pl.Float64 if f.logical_type == "number" else pl.Int64)
    return values


# How a number may be written (docs/contracts.md, "Amounts"): digits with "." as the decimal point, an optional sign
# and exponent; the integer part either plain or grouped in threes by "," or by spaces (GB/T 15835: 千分撇, 千分空),
# one kind throughout. Full-width digits and separators are read after NFKC. Anything else does not parse: "1,5"
# (a decimal comma, or a misplaced thousands separator?) is ambiguous, NaN and infinities are no amounts.
_INTEGER_PART = r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+)"
NUMBER_TEXT = {
    pl.Float64: rf"^[+-]?(?:{_INTEGER_PART}(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$",
    pl.Int64: rf"^[+-]?{_INTEGER_PART}$",
}
NOT_FINITE_TEXT = r"(?i)^[+-]?(?:nan|inf|infinity|∞)$"  # spellings polars (or a producer) uses for no finite number
# digits broken by "," or spaces (and perhaps "."), in no grouping NUMBER_TEXT accepts: "1,5", "1.234,5", "12,34,567"
AMBIGUOUS_TEXT = r"^[+-]?[0-9]+(?:[., ][0-9]+)+$"


def _number_text(values: pl.Series) -> pl.Series:
    """Values as a number reader takes them: NFKC (full-width digits, ，．and the ideographic space) where not ASCII,
    trimmed, every space one plain space."""
    values = _only_where(values, r"[^\x00-\x7f]", lambda e: e.str.normalize("NFKC"))
    return values.str.strip_chars().str.replace_all(r"\s", " ")


def parse_numbers(values: pl.Series, dtype: type[pl.Float64] | type[pl.Int64]) -> pl.Series:
    """Cleaned text → finite numbers, null where the text is no number written as NUMBER_TEXT allows. Most values
    parse as they are; only those that do not (grouped, full-width, malformed) are looked at again, and a
    non-finite result (NaN, inf, an overflow such as 1e400) is null."""
    parsed = values.cast(dtype, strict=False)
    if dtype == pl.Float64:
        parsed = parsed.set(~parsed.is_finite().fill_null(True), None)
    rest = (parsed.is_null() & values.is_not_null()).arg_true()
    if rest.is_empty():
        return parsed
    text = _number_text(values.gather(rest))
    grouped = text.str.contains(NUMBER_TEXT[dtype]).fill_null(False)
    again = text.set(~grouped, None).str.replace_all(r"[, ]", "").cast(dtype, strict=False)
    if dtype == pl.Float64:
        again = again.set(~again.is_finite().fill_null(True), None)
    return parsed.scatter(rest, again)


def number_failure(raw: pl.Expr) -> pl.Expr:
    """Why a non-blank raw value did not parse as a number: ``not_finite`` (NaN, an infinity, an overflow),
    ``ambiguous_number`` (digits broken by commas or spaces in no thousands grouping) or ``bad_number``."""
    text = raw.str.normalize("NFKC").str.strip_chars().str.replace_all(r"\s", " ")
    plain = text.str.replace_all(r"[, ]", "")
    non_finite = text.str.contains(NOT_FINITE_TEXT) | ~plain.cast(pl.Float64, strict=False).is_finite().fill_null(True)
    return (
        pl.when(non_finite)
        .then(pl.lit("not_finite"))
        .when(text.str.contains(AMBIGUOUS_TEXT) & text.str.contains("[, ]"))
        .then(pl.lit("ambiguous_number"))
        .otherwise(pl.lit("bad_number"))
    )


def as_received_text(values: pl.Series | pl.Expr) -> pl.Series | pl.Expr:
    """A landed value as the text it would have been received as, to tell whether cleaning changed it: the value
    itself, as text, and null as an empty field (a CSV has no other way to send "no value", so an empty field that
    lands as null is not a change, and keeps no ``<f>__raw``)."""
    return values.cast(pl.String).fill_null("")


# A column whose distinct values are at most this share of its rows is cleaned (and checked) once per distinct value
# and mapped back: code-table columns, authorities and dates repeat their values, and cleaning is the costly part.
DISTINCT_SHARE = 0.05


SAMPLE_BLOCKS = 10  # few_distinct looks at this many contiguous blocks, spread evenly over the column


def few_distinct(values: pl.Series) -> bool:
    """True when the column's distinct values are at most DISTINCT_SHARE of its rows, counted on a tenth of them:
    SAMPLE_BLOCKS contiguous blocks spread over the column (a lower bound of the true count; a mid-sized set of
    values shows up in the sample too). Blocks, not every 10th row: slicing is free and the CSV reader's column
    comes in pieces, so a strided sample cost five times as much (1.2 ms per 250 000-row column)."""
    n = values.len()
    if n < 10 * SAMPLE_BLOCKS:
        return values.n_unique() <= DISTINCT_SHARE * n
    step, size = n // SAMPLE_BLOCKS, n // (10 * SAMPLE_BLOCKS)
    sample = pl.concat([values.slice(i * step, size) for i in range(SAMPLE_BLOCKS)], rechunk=False)
    return sample.n_unique() <= DISTINCT_SHARE * n


def _coded(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The column as codes (a Categorical whose categories are this column's values alone, so the codes are
    0 … k-1) and its k distinct non-null values, code i ↔ distinct[i]. Read from the column's own distinct codes:
    ``Categories.to_series()`` walks the categories one by one in Python, holding the GIL; ``unique()`` of the
    Categorical sorts every row's code (2.7 ms per 250 000-row column), the first row of each code is found by
    hashing (1.5 ms)."""
    coded = values.cast(pl.Categorical(pl.Categories.random()))
    codes = coded.to_physical()
    first = codes.arg_unique()
    present = codes.gather(first)
    first, present = first.filter(present.is_not_null()), present.drop_nulls()
    if present.len() and present.max() != present.len() - 1:  # categories shared with other data: not a code table
        raise RuntimeError(f"{values.name}: codes are not 0 … {present.len() - 1}")
    return coded, values.gather(first.gather(present.arg_sort()))


def clean_column(values: pl.Series, f: Field) -> tuple[pl.Series, bool]:
    """The field's cleaned, typed value for every raw value (same length and order), and whether every value, as
    text, is still exactly what was received (then no row needs its raw value kept)."""
    cleaned = _clean_column(values, f)
    return cleaned.values, cleaned.same


Codes = tuple[pl.Series, pl.Series]  # (code of each row, UInt32, null for null; the distinct values, code i ↔ [i])


class _Cleaned(NamedTuple):
    values: pl.Series  # clean and typed
    same: bool  # every value, as text, is what was received
    coded: pl.Series | None = None  # the column as landed, dictionary-coded, where it can be
    raw: Codes | None = None  # the raw values as codes, where the column was cleaned once per distinct value
    raw_kept: pl.Series | None = None  # per row: cleaning changed the value (its raw value is kept), where known


@cache
def _typed_dtype(f: Field) -> pl.DataType:
    """The dtype of the field's clean, typed values."""
    return parse_series(clean_series(pl.Series(f.name, [], dtype=pl.String), f), f).dtype


def _no_values(values: pl.Series, f: Field) -> _Cleaned:
    """A column without a single value (a template column the producer leaves empty, as most do): what the general
    path below gives, without its per-column cost (about 2 ms a column and chunk; ten such columns are 7 % of the
    ingestion of a national-template file, benchmarks/RESULTS.md)."""
    coded = values.cast(pl.Categorical(pl.Categories.random()))
    raw = (coded.to_physical(), pl.Series(f.name, [], dtype=pl.String))
    if f.logical_type == "string":
        return _Cleaned(values.alias(f.name), True, coded, raw)
    return _Cleaned(pl.repeat(None, values.len(), dtype=_typed_dtype(f), eager=True).alias(f.name), True, None, raw)


def _clean_column(values: pl.Series, f: Field) -> _Cleaned:
    """:func:`clean_column`, with what else cleaning learnt of the column (:class:`_Cleaned`)."""
    if values.len() and values.null_count() == values.len():
        return _no_values(values, f)
    if values.len() and few_distinct(values):
        # one pass over the rows gives each its code; the distinct values are cleaned and the rows take theirs by code
        coded, distinct = _coded(values)
        codes = coded.to_physical()
        raw = (codes, distinct)
        cleaned = parse_series(clean_series(distinct, f), f)
        if f.logical_type == "string":
            same = cleaned.eq_missing(distinct)
            if same.all():  # nothing to change (code tables, as a rule): landed as it came, and coded (the
                return _Cleaned(values.alias(f.name), True, coded, raw)  # Parquet writer then encodes codes)
            empty = distinct == ""
            if empty.any() and (same | empty).all():  # only an empty value changes: it lands as null
                blank = codes == empty.arg_true()[0]
                return _Cleaned(
                    cleaned.gather(codes).alias(f.name),
                    True,
                    coded.to_frame().select(pl.when(~blank).then(pl.col(f.name))).to_series(),
                    raw,
                )
        # asked of the distinct values: dates and amounts written the way they are landed need no raw copy; where
        # some are not, the rows whose raw value is kept are known by code, and landing does not format every date
        # and amount as text again to find them
        kept = as_received_text(cleaned).ne_missing(distinct)
        as_received = not kept.any()
        return _Cleaned(
            cleaned.gather(codes).alias(f.name),
            as_received,
            None,
            raw,
            None if as_received else kept.gather(codes).fill_null(False),
        )
    cleaned, same = clean_rows(values, f)
    return _Cleaned(parse_series(cleaned, f), same and f.logical_type == "string")


class CleanChunk(NamedTuple):
    frame: pl.DataFrame  # ``<f>`` clean and typed, ``<f>__raw`` as received
    unchanged: frozenset[str]  # fields whose every value came through as received
    coded: dict[str, pl.Series]  # fields to land dictionary-coded (Categorical), same rows as ``frame``
    raw_codes: dict[str, Codes]  # fields cleaned once per distinct value: their raw values as codes
    raw_kept: dict[str, pl.Series]  # fields some of whose values cleaning changed, known per row: which rows


def clean_chunk(frame: pl.DataFrame, fields: tuple[Field, ...]) -> CleanChunk:
    """Raw columns (canonical names, String) → adds ``<f>__raw`` and replaces ``<f>`` by its clean, typed value;
    also the names of the fields whose every value came through unchanged, and the columns to land coded.

    Columns are cleaned on a small thread pool: polars releases the GIL, so both cores work on a chunk.
    """
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        cleaned = list(pool.map(lambda f: _clean_column(frame[f.name], f), fields))
    frame = frame.with_columns([pl.col(f.name).alias(f"{f.name}__raw") for f in fields])
    return CleanChunk(
        frame.with_columns([c.values for c in cleaned]),
        frozenset(f.name for f, c in zip(fields, cleaned) if c.same),
        {f.name: c.coded for f, c in zip(fields, cleaned) if c.coded is not None},
        {f.name: c.raw for f, c in zip(fields, cleaned) if c.raw is not None},
        {f.name: c.raw_kept for f, c in zip(fields, cleaned) if c.raw_kept is not None},
    )


def apply_cleaning(frame: pl.DataFrame, fields: tuple[Field, ...]) -> pl.DataFrame:
    """:func:`clean_chunk`, the frame only."""
    return clean_chunk(frame, fields).frame
