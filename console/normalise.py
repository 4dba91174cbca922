"""Search input as the snapshot's search keys are written: full-width → half-width (NFKC), traditional → simplified
(OpenCC), every kind of bracket one form, no spaces, upper case — so "上海鑫達（餐飲）" finds 上海鑫达(餐饮).

The snapshot writes the same key for names with :data:`SQL_SEARCH_KEY` (names are already NFKC and simplified at
ingestion, contracts' ``clean`` steps); this module is the Python side for what a user types.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

# Brackets of any width → ASCII; the SQL expression below does the same translation.
BRACKETS_FROM = "（）【】〔〕［］｛｝〈〉《》"
BRACKETS_TO = "()[][][]{}<><>"
_BRACKETS = str.maketrans(BRACKETS_FROM, BRACKETS_TO)
_SPACES = re.compile(r"\s+")
_LOCK = threading.Lock()  # one OpenCC converter, shared by the server's threads


def sql_search_key(column: str) -> str:
    """The DuckDB expression of :func:`search_key` for a column already NFKC-normalised and simplified; empty where
    the column holds only whitespace (keep those rows out with :func:`sql_has_search_key`)."""
    return f"upper(regexp_replace(translate({column}, '{BRACKETS_FROM}', '{BRACKETS_TO}'), '\\s+', '', 'g'))"


def sql_has_search_key(column: str) -> str:
    """The DuckDB condition that :func:`sql_search_key` of the column is neither null nor empty: it holds a character
    other than whitespace (the translation maps no character to or from whitespace). A condition on the column
    itself: DuckDB pushes a filter on the key into the table scan, where it computed the key once more than the
    projection (twice through ``nullif``): at 10 M names, 57 s of the search keys' copy into the serving snapshot
    instead of 36 s (benchmarks/RESULTS.md)."""
    return f"regexp_matches({column}, '\\S')"


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def search_key(text: str) -> str:
    """What a user typed → the key it is searched by (may be empty)."""
    text = unicodedata.normalize("NFKC", text or "")
    if not text.isascii():
        with _LOCK:
            text = _t2s().convert(text)
    return _SPACES.sub("", text.translate(_BRACKETS)).upper()
