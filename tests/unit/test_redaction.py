"""The content-level negative list (contracts/redaction.yml) against a corpus of disguises and near-misses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from contracts.redaction import PATTERNS_FILE, PatternSet, load_patterns

CORPUS = yaml.safe_load((Path(__file__).parents[1] / "fixtures" / "redaction_corpus.yml").read_text(encoding="utf-8"))
PATTERNS = load_patterns()


@pytest.mark.parametrize("entry", CORPUS["redact"], ids=lambda e: e["text"])
def test_every_disguise_is_found_and_redacted(entry):
    hits = PATTERNS.find(entry["text"])
    assert [h.kind for h in hits] == entry["kinds"]
    redacted, counts = PATTERNS.redact(entry["text"])
    assert sum(counts.values()) == len(entry["kinds"])
    assert PATTERNS.find(redacted) == []  # nothing left, and the marker itself is no match
    for h in hits:  # an invisible character is removed, every other match replaced by its marker
        assert (h.kind == PATTERNS.invisible_name) or PATTERNS.marker.format(label=h.label) in redacted


@pytest.mark.parametrize("text", CORPUS["keep"])
def test_near_misses_are_kept(text):
    assert PATTERNS.redact(text) == (text, {})


def test_every_kind_is_exercised_by_the_corpus():
    exercised = {k for e in CORPUS["redact"] for k in e["kinds"]}
    assert exercised == {name for name, _ in PATTERNS.kinds}


def test_redaction_is_idempotent_and_leaves_the_rest_alone():
    text = (
        "经查，当事人（身份证号 110105 19900307 1239，手机+86 139-1234-5678）于2025年6月1日销售过期食品，罚款1.5万元。"
    )
    once, counts = PATTERNS.redact(text)
    assert counts == {"resident_id": 1, "mobile": 1}
    assert PATTERNS.redact(once) == (once, {})
    assert (
        once
        == "经查，当事人（身份证号 ［已屏蔽：身份证号码］，手机［已屏蔽：手机号码］）于2025年6月1日销售过期食品，罚款1.5万元。"
    )


def test_the_pattern_set_is_data(tmp_path):
    """A kind removed from the file is no longer found: the code holds no pattern of its own."""
    data = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    data["numbers"] = [n for n in data["numbers"] if n["name"] != "mobile"]
    assert [h.kind for h in PatternSet(data).find("手机13912345678")] == []
    assert [h.kind for h in PATTERNS.find("手机13912345678")] == ["mobile"]


INVISIBLE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\u200e", "\u202e", "\u2066", "\ufeff"]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_characters_are_found_removed_and_do_not_hide_a_number(char):
    """Control and invisible format characters (bidi overrides, zero-width) are removed before anything else, so one
    placed inside a phone number neither survives nor hides the number."""
    text = f"上海{char}甲公司，联系电话138{char}0013{char}8000"
    kinds = [h.kind for h in PATTERNS.find(text)]
    assert kinds.count("invisible") == 3 and "mobile" in kinds
    redacted, counts = PATTERNS.redact(text)
    assert redacted == "上海甲公司，联系电话［已屏蔽：手机号码］"
    assert counts == {"invisible": 3, "mobile": 1}


def test_tab_and_line_ends_are_not_invisible_and_both_engines_agree():
    """What a CSV quotes stays; DuckDB's class (RE2) removes exactly what Python's does."""
    import duckdb

    kept = "第一行\t第二列\r\n第二行"
    assert PATTERNS.find(kept) == [] and PATTERNS.strip_invisible(kept) == (kept, 0)
    every = "".join(chr(c) for c in range(0x30000) if not 0xD800 <= c <= 0xDFFF)
    with duckdb.connect() as con:
        sql = con.execute("select regexp_replace(?, ?, '', 'g')", [every, PATTERNS.invisible_re2]).fetchone()[0]
    assert sql == PATTERNS.invisible.sub("", every)
