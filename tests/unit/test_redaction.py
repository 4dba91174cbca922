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
    for h in hits:
        assert PATTERNS.marker.format(label=h.label) in redacted


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
