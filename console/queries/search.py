"""企业检索: by USCC, current or former name, or 注册号 — exact, then prefix, then contains (names only).

The snapshot's ``search_key`` table is sorted by key, so an exact or prefix match is a range its zone maps narrow to
a few row groups. A contains match runs only when those found nothing; it scans the names alone
(``name_search``: a code is typed from its start, so codes match exactly or by prefix) and stops as soon as it has
found enough, so a common fragment answers at once and only a rare one reads every name. When it stopped early the
page says so and asks for more of the name; which of the many matches are shown is then not fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from console.normalise import search_key

KIND_TITLES = {"uscc": "统一社会信用代码", "name": "现名称", "former_name": "曾用名", "registration_number": "注册号"}
MIN_CONTAINS = 2  # characters a contains-search needs (one character matches half the register)


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
    ]
    if len(key) >= MIN_CONTAINS:
        # no order by: the scan may stop at the limit; what it found is sorted below
        stages.append(
            (
                "contains",
                "select uscc, if(is_current, 'name', 'former_name'), search_key from name_search "
                "where contains(search_key, ?) limit ?",
                [key],
            )
        )
    for match, sql, params in stages:
        if len(found) >= limit or (match == "contains" and found):
            break  # a contains-search scans every name: only when the key is no name's (or code's) start
        rows = sorted(cur.execute(sql, [*params, limit * 2]).fetchall(), key=lambda r: (r[2], r[0], r[1]))
        for uscc, kind, matched in rows:
            if uscc not in found and len(found) < limit:
                found[uscc] = (kind, matched, match)
    if not found:
        return []
    names = {
        r[0]: r[1:]
        for r in cur.execute(
            "select uscc, enterprise_name, region_name, registration_status from enterprise where uscc in (select unnest(?))",
            [list(found)],
        ).fetchall()
    }
    return [
        Hit(uscc, *names.get(uscc, ("（未登记）", None, None)), kind, matched, match)
        for uscc, (kind, matched, match) in found.items()
    ]
