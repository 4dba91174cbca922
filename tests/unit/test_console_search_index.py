"""The console's contains-search through the snapshot's bigram index (``name_bigram``), on a small snapshot written
here by the snapshot's own SQL and index builder: what it finds, what its check rejects, when it scans instead, and
the index's own consistency."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise, product

import duckdb
import pytest

from console import snapshot
from console.normalise import sql_has_search_key, sql_search_key
from console.queries import search as search_query
from console.queries.search import search
from console.snapshot import NAME_SEARCH, key_bigrams, write_name_index

# (uscc, name as the warehouse holds it: NFKC, simplified, is_current)
NAMED = [
    ("91310000MA1K000001", "上海鑫达餐饮管理有限公司", True),
    ("91330100MA2K000002", "杭州云栖茶业有限公司", True),
    ("91330100MA2K000002", "杭州龙井茶叶有限公司", False),  # its former name
    ("91310000MA1K000003", "上海KTC电子科技有限公司", True),
    ("91440100MA5K000004", "广州𠀀𠀁科技有限公司", True),  # CJK extension B: outside the BMP
    ("91110000MA0K000005", "北京甲乙丙乙甲商贸有限公司", True),
    ("91110000MA0K000006", "北京(朝阳)丙丁物流有限公司", True),
    ("91110000MA0K000007", "Q", True),  # a one-character key has no bigram
    ("91420100MA4K000008", "武汉乙丙丁商行", True),  # 乙丙 also in 北京甲乙丙乙甲…, which sorts first
    ("91310000MA1K000009", "上海哈哈哈哈哈哈玩具有限公司", True),  # 哈哈 five times: indexed once
]
# filler: enough names that 有限 is common (a two-character trade name each)
FILLER = [
    (f"9132000000000{i:05d}", f"南京{a}{b}贸易有限公司", True)
    for i, (a, b) in enumerate(product("华盛源恒泰德信和佳瑞", "兴昌隆丰宏宇豪亿金鼎"))
]
ROWS = NAMED + FILLER


def write_snapshot(path) -> None:
    """enterprise, search_key, name_search and the index, as publish_snapshot writes them (from these rows)."""
    con = duckdb.connect()
    con.execute(f"attach '{path}' as snap")
    con.execute(
        "create table names as select * from (select unnest(?) as uscc, unnest(?) as name, unnest(?) as is_current)",
        [[r[0] for r in ROWS], [r[1] for r in ROWS], [r[2] for r in ROWS]],
    )
    con.execute(
        """create table snap.enterprise as select uscc, name as enterprise_name, '某区' as region_name,
           '存续' as registration_status from names where is_current order by uscc"""
    )
    con.execute(
        f"""create table snap.search_key as select distinct search_key, uscc, kind from (
                select uscc as search_key, uscc, 'uscc' as kind from snap.enterprise
                union all
                select {sql_search_key("name")}, uscc, if(is_current, 'name', 'former_name') from names
                where {sql_has_search_key("name")}
            ) order by search_key, uscc"""
    )
    con.execute(f"create table snap.name_search as {NAME_SEARCH}")
    write_name_index(con, "snap")
    con.close()


@pytest.fixture
def snap(tmp_path):
    path = tmp_path / "snapshot.duckdb"
    write_snapshot(path)
    with duckdb.connect(str(path)) as con:
        yield con


def contains_hits(con, text: str, limit: int = 50) -> dict[str, tuple[str, str]]:
    hits = search(con, text, limit)
    assert all(h.match == "contains" for h in hits), hits
    return {h.uscc: (h.matched_kind, h.matched_text) for h in hits}


def name_id(con, uscc: str, key: str) -> int:
    return con.execute("select name_id from name_search where uscc = ? and search_key = ?", [uscc, key]).fetchone()[0]


@pytest.mark.parametrize("fragment", ["鑫达", "鑫达餐", "鑫达餐饮管"])
def test_a_fragment_of_two_three_or_five_characters_is_found(snap, fragment):
    assert contains_hits(snap, fragment) == {"91310000MA1K000001": ("name", "上海鑫达餐饮管理有限公司")}


def test_a_fragment_that_repeats_a_bigram_is_found(snap):
    assert contains_hits(snap, "哈哈哈玩") == {"91310000MA1K000009": ("name", "上海哈哈哈哈哈哈玩具有限公司")}
    assert contains_hits(snap, "哈哈哈哈哈哈哈") == {}


def test_the_index_is_what_finds_a_fragment(snap):
    """Without the name's postings the search no longer finds it (a scan would)."""
    target = name_id(snap, "91310000MA1K000001", "上海鑫达餐饮管理有限公司")
    snap.execute("delete from name_bigram where name_id = ?", [target])
    assert contains_hits(snap, "鑫达餐") == {}
    assert snap.execute(search_query.SCAN_SQL, ["鑫达餐", 10]).fetchall()  # the name is still there


def test_a_former_name_is_found(snap):
    assert contains_hits(snap, "龙井茶") == {"91330100MA2K000002": ("former_name", "杭州龙井茶叶有限公司")}


def test_traditional_full_width_and_lower_case_input_is_normalised(snap):
    assert contains_hits(snap, "鑫達餐飲") == {"91310000MA1K000001": ("name", "上海鑫达餐饮管理有限公司")}
    assert contains_hits(snap, "ＫＴＣ電子") == {"91310000MA1K000003": ("name", "上海KTC电子科技有限公司")}
    assert contains_hits(snap, "ktc电") == {"91310000MA1K000003": ("name", "上海KTC电子科技有限公司")}
    assert contains_hits(snap, "（朝阳）丙丁") == {"91110000MA0K000006": ("name", "北京(朝阳)丙丁物流有限公司")}


def test_astral_characters_and_mixed_ascii(snap):
    expected = {"91440100MA5K000004": ("name", "广州𠀀𠀁科技有限公司")}
    assert contains_hits(snap, "𠀀𠀁") == expected
    assert contains_hits(snap, "州𠀀") == expected
    assert contains_hits(snap, "𠀁科技") == expected
    assert contains_hits(snap, "TC电子科") == {"91310000MA1K000003": ("name", "上海KTC电子科技有限公司")}
    assert contains_hits(snap, "𠀁𠀀") == {}


def test_bigrams_that_never_stand_together_find_nothing(snap):
    """甲乙 and 乙甲 are both in 北京甲乙丙乙甲商贸有限公司, so the index proposes it; the check turns it down."""
    grams = key_bigrams("甲乙甲")
    candidates = snap.execute(
        "select name_id from name_bigram where bigram in (?, ?) group by name_id having count(*) = 2", grams
    ).fetchall()
    assert candidates == [(name_id(snap, "91110000MA0K000005", "北京甲乙丙乙甲商贸有限公司"),)]
    assert contains_hits(snap, "甲乙甲") == {}
    assert set(contains_hits(snap, "甲乙丙乙")) == {"91110000MA0K000005"}


@pytest.mark.parametrize("bigrams", [1, 3])  # the rarest posting list alone, or intersected with the next ones
def test_candidates_are_checked_a_growing_window_at_a_time_until_enough(snap, monkeypatch, bigrams):
    monkeypatch.setattr(search_query, "INTERSECT_BIGRAMS", bigrams)
    assert search_query.contains(snap, "乙丙丁", 1) == [("91420100MA4K000008", "name", "武汉乙丙丁商行")]
    assert search_query.contains(snap, "乙丙", 1) == [("91110000MA0K000005", "name", "北京甲乙丙乙甲商贸有限公司")]
    assert search_query.contains(snap, "甲乙甲", 5) == []


def test_a_bigram_no_name_has_answers_nothing_without_reading_a_name(snap):
    snap.execute("drop table name_bigram")
    snap.execute("drop table name_search")
    assert contains_hits(snap, "鑫茶") == {}  # both characters occur, never side by side
    assert contains_hits(snap, "餐龘") == {}  # a character no name has


def test_a_fragment_of_common_bigrams_is_scanned(snap, monkeypatch):
    """有限 is in more names than the threshold: the scan answers (it needs no posting list) and stops at the limit."""
    snap.execute("drop table name_bigram")
    with pytest.raises(duckdb.CatalogException):  # by default 有限 is rare enough here for the index
        search(snap, "有限", 5)
    monkeypatch.setattr(search_query, "COMMON_BIGRAM_NAMES", 50)
    hits = contains_hits(snap, "有限", 5)
    assert len(hits) == 5 and all("有限" in text for _, text in hits.values())


def test_a_common_fragment_through_the_index_returns_the_first_names_in_order(snap):
    hits = search(snap, "限公司", 7)
    keys = [h.matched_text for h in hits]
    assert len(hits) == 7 and keys == sorted(keys)
    first = snap.execute(
        "select search_key from name_search where contains(search_key, '限公司') order by name_id limit 7"
    ).fetchall()
    assert keys == [k for (k,) in first]


@pytest.mark.parametrize(("names_per_batch", "rows_per_part"), [(200_000, 2_000_000), (3, 7), (1, 2)])
def test_the_index_holds_every_bigram_of_every_name_once_in_order(
    tmp_path, monkeypatch, names_per_batch, rows_per_part
):
    monkeypatch.setattr(snapshot, "INDEX_NAMES_PER_BATCH", names_per_batch)
    monkeypatch.setattr(snapshot, "INDEX_ROWS_PER_PART", rows_per_part)
    path = tmp_path / "snapshot.duckdb"
    write_snapshot(path)
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("select name_id, search_key, uscc from name_search order by rowid").fetchall()
        index = con.execute("select bigram, name_id from name_bigram order by rowid").fetchall()
        counts = con.execute("select bigram, names from name_bigram_count order by rowid").fetchall()
    assert [n[0] for n in names] == list(range(len(names)))  # dense, in key order
    assert [n[1:] for n in names] == sorted(n[1:] for n in names)
    expected = sorted({(ord(a) * snapshot.BIGRAM_BASE + ord(b), i) for i, key, _ in names for a, b in pairwise(key)})
    assert index == expected  # each once, sorted by (bigram, name_id)
    assert counts == sorted(Counter(b for b, _ in expected).items())
    assert len(names) == len(ROWS) and len(index) > len(names)
