"""企业检索: by USCC, current or former name, or 注册号 — exact, then prefix, then contains (names only).

The snapshot's ``search_key`` table is sorted by key, so an exact or prefix match is a range its zone maps narrow to
a few row groups. A contains match runs only when those found nothing, and over the names alone (``name_search``: a
code is typed from its start, so codes match exactly or by prefix). It goes through the snapshot's bigram index
(``name_bigram``: every two adjacent characters of every name, sorted, so one bigram's names are one range): the
fragment's bigrams are looked up in ``name_bigram_count``; one that no name has means no name contains the fragment;
otherwise the posting lists of its rarest bigrams are intersected and only those names are checked for the whole
fragment, in name order until enough are found (so the names shown are the first ones in key order). When even the
rarest bigram is common (有限, 公司…) the fragment is too, and a scan that stops as soon as it has found enough answers
sooner; which of the many matches it shows is not fixed. When the search stopped early the page says so and asks for
more of the name.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from console.normalise import search_key
from console.snapshot import key_bigrams

KIND_TITLES = {"uscc": "统一社会信用代码", "name": "现名称", "former_name": "曾用名", "registration_number": "注册号"}
MIN_CONTAINS = 2  # characters a contains-search needs (one character matches half the register)
# The contains plan (the numbers from measurements on 12 M synthetic names, benchmarks/bench_search_index.py):
# - the rarest of the fragment's bigrams is in more names than COMMON_BIGRAM_NAMES: every bigram of the fragment is
#   common, so is the fragment, and a scan finds enough of it within the first rows;
# - otherwise the posting lists of its INTERSECT_BIGRAMS rarest bigrams are intersected (in numpy: 3–10× faster
#   than a group-by in DuckDB), leaving out one longer than COMMON_BIGRAM_NAMES (reading 1 M name ids costs ~20 ms),
#   and the candidates are checked for the whole fragment in name order until the limit.
COMMON_BIGRAM_NAMES = 1_000_000
INTERSECT_BIGRAMS = 3
SCAN_SQL = (
    "select uscc, if(is_current, 'name', 'former_name'), search_key from name_search "
    "where contains(search_key, ?) limit ?"  # no order by: the scan may stop at the limit; the caller sorts
)
POSTING_SQL = "select name_id from name_bigram where bigram = ?"
CANDIDATES_SQL = "select uscc, is_current, search_key from name_search where rowid = any(?::bigint[]) order by rowid"


@dataclass(frozen=True)
class Hit:
    uscc: str
    enterprise_name: str
    region_name: str | None
    registration_status: str | None
    matched_kind: str
    matched_text: str
    match: str  # exact | prefix | contains


def search(cur: duckdb.DuckDBPyConnection, text: str, limit: int = 50) -> list[Hit]:
    key = search_key(text)
    if not key:
        return []
    found: dict[str, tuple] = {}
    upper = key + "\U0010ffff"
    stages = [
        ("exact", "select uscc, kind, search_key from search_key where search_key = ? order by all limit ?", [key]),
        (
            "prefix",
            "select uscc, kind, search_key from search_key where search_key >= ? and search_key < ? "
            "order by search_key, uscc limit ?",
            [key, upper],
        ),
        ("contains", None, [key]),
    ]
    for match, sql, params in stages:
        if len(found) >= limit or (match == "contains" and (found or len(key) < MIN_CONTAINS)):
            break  # a contains-search only when the key is no name's (or code's) start
        rows = contains(cur, key, limit * 2) if sql is None else cur.execute(sql, [*params, limit * 2]).fetchall()
        for uscc, kind, matched in sorted(rows, key=lambda r: (r[2], r[0], r[1])):
            if uscc not in found and len(found) < limit:
                found[uscc] = (kind, matched, match)
    if not found:
        return []
    # one equality per code: each reads the one row group its code sorts into (an IN list of codes spread over the
    # register made DuckDB read most of the table's row groups: ~0.2 s at 10 M enterprises)
    usccs = list(found)
    names = {
        r[0]: r[1:]
        for r in cur.execute(
            " union all ".join(
                ["select uscc, enterprise_name, region_name, registration_status from enterprise where uscc = ?"]
                * len(usccs)
            ),
            usccs,
        ).fetchall()
    }
    return [
        Hit(uscc, *names.get(uscc, ("（未登记）", None, None)), kind, matched, match)
        for uscc, (kind, matched, match) in found.items()
    ]


def contains(cur: duckdb.DuckDBPyConnection, key: str, limit: int) -> list[tuple[str, str, str]]:
    """Up to ``limit`` (uscc, kind, name key) of names containing ``key`` (at least two characters): the first in
    name order found through the bigram index or, for a fragment whose every bigram is common, any found by a scan
    that stops at the limit."""
    grams = key_bigrams(key)
    marks = ", ".join("?" * len(grams))
    names = dict(
        cur.execute(f"select bigram, names from name_bigram_count where bigram in ({marks})", grams).fetchall()
    )
    if len(names) < len(grams):
        return []  # a bigram no name has: no name contains the fragment
    rarest = sorted(grams, key=names.__getitem__)[:INTERSECT_BIGRAMS]
    if names[rarest[0]] > COMMON_BIGRAM_NAMES:
        return cur.execute(SCAN_SQL, [key, limit]).fetchall()
    candidates = None
    for gram in rarest:
        if candidates is not None and not len(candidates):
            return []
        if names[gram] > COMMON_BIGRAM_NAMES:
            break  # nearly every name has it: reading it would cost more than checking the candidates it removes
        posting = np.sort(cur.execute(POSTING_SQL, [gram]).fetchnumpy()["name_id"])
        if candidates is None:
            candidates = posting
        else:  # both sorted: keep the candidates the posting list holds
            at = np.minimum(np.searchsorted(posting, candidates), len(posting) - 1)
            candidates = candidates[posting[at] == candidates]
    found: list[tuple[str, str, str]] = []
    at, step = 0, limit
    while at < len(candidates) and len(found) < limit:  # in name order, a growing window at a time
        # name_search is stored in name_id order: a candidate is read by its row number, not looked for
        rows = cur.execute(CANDIDATES_SQL, [candidates[at : at + step].tolist()]).fetchall()
        found += [(uscc, "name" if current else "former_name", name) for uscc, current, name in rows if key in name]
        at, step = at + step, step * 2
    return found[:limit]
