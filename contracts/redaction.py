"""The content-level negative list (``contracts/redaction.yml``): find and redact natural persons' identifiers in text.

Two independent users: publication redacts every published free-text column (:meth:`PatternSet.redact`) and
counts what it replaced; the gate scans every published column again (:meth:`PatternSet.find`) and refuses the
release on any hit. Numbers are found as digit runs in any disguise (separators, full-width or Chinese digits) and
judged by a check per kind — the check, not the regex, tells a resident ID from a decision number or a USCC.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from stdnum import luhn
from stdnum.cn import uscc as uscc_number

PATTERNS_FILE = Path(__file__).resolve().parent / "redaction.yml"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Issuer prefixes of payment cards (ISO/IEC 7812): UnionPay 62, Visa 4, Mastercard 51–55 and 2221–2720, Amex 34/37,
# JCB 35, Discover 6011/644–649/65. A run of dates ("2024.06.01-2025.05.31") or a serial starting otherwise is no card.
_CARD_PREFIX = re.compile(r"^(?:62|4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[457]|6011|64[4-9]|65)")


def _id_check_char(digits17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(digits17, _ID_WEIGHTS)) % 11]


def _valid_birth_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born < date(2100, 1, 1)  # no wall clock: the same text redacts the same way every year


def is_resident_id(number: str, groups: tuple[str, ...] = ()) -> bool:
    """18 characters shaped as GB 11643 (address code 1–8…, a real birth date); a wrong check character still counts
    (a typo or a disguise is still a person's number) unless the string is then a valid USCC."""
    if len(number) != 18 or not number[:17].isdigit() or number[0] not in "12345678":
        return False
    if not _valid_birth_date(number[6:14]):
        return False
    return number[17] == _id_check_char(number[:17]) or not uscc_number.is_valid(number)


def is_bank_card(number: str, groups: tuple[str, ...] = ()) -> bool:
    return (
        number.isdigit()
        and 15 <= len(number) <= 19
        and bool(_CARD_PREFIX.match(number))
        and luhn.is_valid(number)
        and not (len(number) == 18 and uscc_number.is_valid(number))
    )


def _national(number: str) -> str:
    """The number without a leading 0086 / 86 country code."""
    for prefix in ("0086", "86"):
        if number.startswith(prefix) and len(number) - len(prefix) >= 10:
            return number[len(prefix) :]
    return number


def is_mobile(number: str, groups: tuple[str, ...] = ()) -> bool:
    n = _national(number)
    return len(n) == 11 and n.isdigit() and n[0] == "1" and n[1] in "3456789"


def is_landline(number: str, groups: tuple[str, ...] = ()) -> bool:
    """0 + area code + local number (7–8 digits, starting 2–8); area codes are 010, 02x or 0[3-9] + two digits, the
    third not 0. Written in groups, the area code opens a group of its own (a date like 05.31-2026.06.01 is not a
    number whose area code is split)."""
    n = _national(number)
    if n != number:
        n = "0" + n  # +86 571 … is dialled 0571 … at home
        rest = groups[1:] if groups and groups[0] in ("86", "0086") else ()
        groups = ("0" + rest[0], *rest[1:]) if rest else ()
    if groups and (len(groups[0]) < 3 or groups[0][0] not in "08"):
        return False
    return bool(re.fullmatch(r"0(?:10|2\d|[3-9][1-9]\d)[2-8]\d{6,7}", n))


# Each check gets the run's digits and, when written in groups, the groups (a check may require a shape of them).
CHECKS: dict[str, Callable[[str, tuple[str, ...]], bool]] = {
    "resident_id": is_resident_id,
    "bank_card": is_bank_card,
    "mobile": is_mobile,
    "landline": is_landline,
}


@dataclass(frozen=True)
class NumberKind:
    name: str
    label: str
    lengths: frozenset[int]
    check: Callable[[str, tuple[str, ...]], bool]
    serials_exempt: bool = False


@dataclass(frozen=True)
class TextPattern:
    name: str
    label: str
    regex: re.Pattern[str]
    requires: tuple[str, ...]  # a match contains one of these

    def finditer(self, text: str) -> Iterable[re.Match[str]]:
        return self.regex.finditer(text) if any(r in text for r in self.requires) else ()


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    kind: str
    label: str


class PatternSet:
    """The patterns of one ``redaction.yml``; see that file for what they mean."""

    def __init__(self, data: dict[str, Any]):
        self.raw = data
        self.version = str(data["version"])
        self.marker = str(data["marker"])
        self._digit_value: dict[str, str] = {}
        scripts: list[str] = []
        for script in data["digits"].values():
            chars = ""
            for value, forms in script.items():
                for ch in str(forms):
                    self._digit_value[ch] = str(value)
                    chars += ch
            scripts.append("[" + re.escape(chars) + "]")
        digit = "[" + re.escape("".join(self._digit_value)) + "]"
        sep = "[" + re.escape(str(data["separators"])) + "]"
        self.max_separators = int(data["max_separators"])
        self.min_run_digits = int(data["min_run_digits"])
        serial = data.get("document_serial") or {}
        self._serial_after = tuple(serial.get("after", ()))
        self._serial_before = tuple(serial.get("before", ()))
        self._sep_chars = set(str(data["separators"]))
        gap = f"{sep}{{0,{self.max_separators}}}"
        self._runs = [re.compile(f"{d}(?:{gap}{d}){{{self.min_run_digits - 1},}}") for d in scripts]
        # A necessary condition of any match, in the syntax RE2 (DuckDB) and Python share: a long enough digit run,
        # or one of the strings a text pattern requires. Engines use it to skip the (Python) check on most cells.
        self.candidate_regex = "|".join(
            [r.pattern for r in self._runs] + [re.escape(r) for t in data["texts"] for r in t["requires"]]
        )
        self.numbers = [
            NumberKind(
                n["name"],
                n["label"],
                frozenset(int(x) for x in n["lengths"]),
                CHECKS[n["check"]],
                bool(n.get("serials_exempt", False)),
            )
            for n in data["numbers"]
        ]
        self.texts = [
            TextPattern(
                t["name"],
                t["label"],
                re.compile(t["regex"].replace("{digit}", digit).replace("{sep}", sep)),
                tuple(t["requires"]),
            )
            for t in data["texts"]
        ]
        self._max_length = max(max(k.lengths) for k in self.numbers)
        invisible = data["invisible"]
        self.invisible_name, self.invisible_label = str(invisible["name"]), str(invisible["label"])
        ranges = [(int(a), int(b)) for a, b in invisible["ranges"]]
        self.invisible = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")
        # the same class in RE2's syntax (DuckDB): Python's re has no \x{…}, RE2 no \U
        self.invisible_re2 = "[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges) + "]"

    @property
    def kinds(self) -> list[tuple[str, str]]:
        """(name, 中文标签) of every pattern, numbers first."""
        return (
            [(k.name, k.label) for k in self.numbers]
            + [(t.name, t.label) for t in self.texts]
            + [(self.invisible_name, self.invisible_label)]
        )

    # -- finding ---------------------------------------------------------------------------------------------------

    def _groups(self, run_start: int, run: str) -> list[tuple[int, int, str]]:
        """The digit groups of one run: (start, end, digits) in the text's offsets, separators between them."""
        groups: list[tuple[int, int, str]] = []
        start, digits = None, list[str]()
        for i, ch in enumerate(run):
            if ch in self._digit_value:
                if start is None:
                    start, digits = i, []
                digits.append(self._digit_value[ch])
            elif start is not None:
                groups.append((run_start + start, run_start + i, "".join(digits)))
                start = None
        if start is not None:
            groups.append((run_start + start, run_start + len(run), "".join(digits)))
        return groups

    def _is_serial(self, text: str, start: int, end: int) -> bool:
        return text[:start].endswith(self._serial_after) or text[end:].startswith(self._serial_before)

    def _classify(self, groups: tuple[str, ...], serial: bool = False) -> NumberKind | None:
        number = "".join(groups)
        for kind in self.numbers:
            if serial and kind.serials_exempt:
                continue
            if len(number) in kind.lengths and kind.check(number, groups):
                return kind
        return None

    def _numbers(self, text: str) -> Iterable[Hit]:
        for m in (m for run in self._runs for m in run.finditer(text)):
            groups = self._groups(m.start(), m.group())
            if sum(len(g[2]) for g in groups) < self.min_run_digits:
                continue
            taken: list[tuple[int, int]] = []
            spans = [
                (i, j)
                for i in range(len(groups))
                for j in range(i, len(groups))
                if len("".join(g[2] for g in groups[i : j + 1])) <= self._max_length
            ]
            # longest first, then leftmost: a card read as a whole beats the phone-shaped stretch inside it
            spans.sort(key=lambda s: (-(groups[s[1]][1] - groups[s[0]][0]), groups[s[0]][0]))
            for i, j in spans:
                start, end = groups[i][0], groups[j][1]
                if any(start < e and s < end for s, e in taken):
                    continue
                kind = self._classify(tuple(g[2] for g in groups[i : j + 1]), self._is_serial(text, start, end))
                if kind is not None:
                    if start > 0 and text[start - 1] in "+＋":
                        start -= 1
                    taken.append((start, end))
                    yield Hit(start, end, kind.name, kind.label)
            for g_start, _, digits in groups:  # glued runs longer than any kind: check-digit-valid IDs inside
                if len(digits) > self._max_length:
                    yield from self._glued(g_start, digits, taken)

    def _glued(self, start: int, digits: str, taken: list[tuple[int, int]]) -> Iterable[Hit]:
        """Resident IDs with a valid check character inside one long glued group, then whatever the stretches left
        between them are on their own (an ID glued to a phone number yields both)."""
        ids = []
        k = 0
        while k + 18 <= len(digits):
            window = digits[k : k + 18]
            if window[:17].isdigit() and window[17] == _id_check_char(window[:17]) and is_resident_id(window):
                ids.append((k, k + 18))
                k += 18
            else:
                k += 1
        edges = [0] + [e for span in ids for e in span] + [len(digits)]
        rest = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2) if edges[i] < edges[i + 1]]
        for s, e in ids:
            yield self._take(Hit(start + s, start + e, "resident_id", "身份证号码"), taken)
        for s, e in rest:
            kind = self._classify((digits[s:e],))
            if kind is not None:
                yield self._take(Hit(start + s, start + e, kind.name, kind.label), taken)

    @staticmethod
    def _take(hit: Hit, taken: list[tuple[int, int]]) -> Hit:
        taken.append((hit.start, hit.end))
        return hit

    def _found(self, text: str) -> list[Hit]:
        """The numbers and text patterns in ``text``, non-overlapping, in order (numbers win over text patterns)."""
        hits = list(self._numbers(text))
        for pattern in self.texts:
            for m in pattern.finditer(text):
                if not any(m.start() < h.end and h.start < m.end() for h in hits):
                    hits.append(Hit(m.start(), m.end(), pattern.name, pattern.label))
        return sorted(hits, key=lambda h: h.start)

    def find(self, text: str | None) -> list[Hit]:
        """Every match in ``text``: each invisible character, and the numbers and text patterns found in the text
        without them (what a reader sees), at their offsets there."""
        if not text:
            return []
        invisible = [
            Hit(m.start(), m.end(), self.invisible_name, self.invisible_label) for m in self.invisible.finditer(text)
        ]
        return invisible + self._found(self.invisible.sub("", text) if invisible else text)

    def strip_invisible(self, text: str | None) -> tuple[str | None, int]:
        """``text`` without its invisible characters, and how many there were."""
        if not text:
            return text, 0
        return self.invisible.subn("", text)

    def redact(self, text: str | None) -> tuple[str | None, Counter[str]]:
        """``text`` without invisible characters, every match then replaced by the marker; how many of each kind."""
        text, removed = self.strip_invisible(text)
        counts = Counter({self.invisible_name: removed} if removed else {})
        hits = self._found(text) if text else []
        if not hits or text is None:
            return text, counts
        out, last = [], 0
        for h in hits:
            out += [text[last : h.start], self.marker.format(label=h.label)]
            last = h.end
        out.append(text[last:])
        return "".join(out), counts + Counter(h.kind for h in hits)


@cache
def load_patterns(path: Path = PATTERNS_FILE) -> PatternSet:
    return PatternSet(yaml.safe_load(path.read_text(encoding="utf-8")))
