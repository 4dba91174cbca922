"""企业检索: by USCC, current or former name, or 注册号 — exact, then prefix, then contains.

The snapshot's ``search_key`` table is sorted by key, so an exact or prefix match is a range its zone maps narrow to
a few row groups; a contains match scans the keys, and runs only when the others found fewer than ``limit``.
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
        ("exact", "k.search_key = ?", [key]),
        ("prefix", "k.search_key >= ? and k.search_key < ?", [key, upper]),
    ]
    if len(key) >= MIN_CONTAINS:
        stages.append(("contains", "contains(k.search_key, ?)", [key]))
    for match, where, params in stages:
        if len(found) >= limit:
            break
        rows = cur.execute(
            f"""select k.uscc, k.kind, k.search_key from search_key k where {where}
                order by k.search_key, k.uscc limit ?""",
            [*params, limit * 2],
        ).fetchall()
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
