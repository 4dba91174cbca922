"""Vectorised identifier construction: USCC, resident ID, SC/JY check digits, unique sequences.

Why not call :mod:`ground.identifiers` per row: at 10 M entities the per-row stdnum calls dominate the
run time. The functions here compute the same check characters on whole numpy arrays; the test suite
asserts they agree with the scalar reference implementations (``make_uscc``, ``make_ric``,
``food_licence_check_digit``) on random samples.

Uniqueness without memory: organisation codes and ID numbers are *bijective* functions of a global
counter (an affine permutation ``(a·i + b) mod M`` with ``gcd(a, M) = 1``), so no set of issued numbers is
ever kept; per-key running sequences (decision numbers, licence numbers …) live in
:class:`SequenceCounter`, whose state is one integer per key.
"""

from __future__ import annotations

import zlib
from math import gcd

import numpy as np

from ground.identifiers import ORG_CODE_ALPHABET, ORG_CODE_WEIGHTS, RIC_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS

_USCC_VAL = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_VAL[ord(_c)] = _i
_ORG_VAL = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate(ORG_CODE_ALPHABET):
    _ORG_VAL[ord(_c)] = _i
_USCC_CHARS = np.array(list(USCC_ALPHABET))
_ORG_CHECK = np.array(list("0123456789X0"))  # index = 11 - total % 11, 10 → X, 11 → 0
_RIC_CHECK = np.array(list("0123456789X"))


def char_matrix(values, width: int) -> np.ndarray:
    """Fixed-width ASCII strings → (n, width) array of code points."""
    arr = np.asarray(values, dtype=f"S{width}")
    return np.frombuffer(arr.tobytes(), dtype=np.uint8).reshape(len(arr), width).astype(np.int64)


def org_check_chars(bodies8) -> np.ndarray:
    """GB 11714 check character of each 8-character organisation-code body."""
    m = _ORG_VAL[char_matrix(bodies8, 8)]
    total = (m * np.array(ORG_CODE_WEIGHTS)).sum(axis=1)
    return _ORG_CHECK[11 - total % 11]


def uscc_check_chars(first17) -> np.ndarray:
    """GB 32100 MOD-31 check character of each 17-character USCC prefix."""
    m = _USCC_VAL[char_matrix(first17, 17)]
    if (m < 0).any():
        raise ValueError("character outside the USCC alphabet")
    total = (m * np.array(USCC_WEIGHTS)).sum(axis=1)
    return _USCC_CHARS[(31 - total % 31) % 31]


def build_usccs(prefix2, regions, bodies8) -> np.ndarray:
    """Valid USCCs from department+kind ('91'), issuing region (6 digits) and organisation body (8 chars)."""
    first = [f"{p}{r}{b}{c}" for p, r, b, c in zip(prefix2, regions, bodies8, org_check_chars(bodies8))]
    checks = uscc_check_chars(first)
    return np.array([f + c for f, c in zip(first, checks)], dtype=object)


def ric_check_chars(first17) -> np.ndarray:
    """GB 11643 check character (0–9/X) of each 17-digit resident-ID prefix."""
    m = char_matrix(first17, 17) - 48
    total = (m * np.array(RIC_WEIGHTS)).sum(axis=1)
    return _RIC_CHECK[(12 - total % 11) % 11]


def mod_11_10_check_digits(digit_strings, width: int) -> np.ndarray:
    """ISO 7064 MOD 11,10 check digit of equal-length digit strings (the SC/JY licence rule)."""
    m = char_matrix(digit_strings, width) - 48
    check = np.full(len(m), 5, dtype=np.int64)
    for j in range(width):
        check = (((np.where(check == 0, 10, check)) * 2) % 11 + m[:, j]) % 10
    return ((1 - (np.where(check == 0, 10, check) * 2) % 11) % 10).astype(str)


def _coprime_multiplier(modulus: int, start: int) -> int:
    a = start
    while gcd(a, modulus) != 1:
        a += 2
    return a


class AffinePermutation:
    """A bijection on [0, modulus): i → (a·i + b) mod modulus — unique codes from a counter, no state."""

    def __init__(self, modulus: int, seed: int, salt: int, multiplier: int = 7_368_787):
        self.modulus = modulus
        self.a = _coprime_multiplier(modulus, multiplier)
        self.b = (seed * 2_654_435_761 + salt * 40_503) % modulus
        if self.a * modulus >= 2**62:
            raise ValueError("modulus too large for int64 arithmetic")

    def __call__(self, i: np.ndarray) -> np.ndarray:
        i = np.asarray(i, dtype=np.int64)
        if i.size and (i.min() < 0 or i.max() >= self.modulus):
            raise ValueError(f"index outside the permutation range [0, {self.modulus})")
        return (self.a * i + self.b) % self.modulus


def base_n(values: np.ndarray, alphabet: str, width: int) -> list[str]:
    """Integers → fixed-width strings in the given alphabet (most significant first)."""
    chars = np.array(list(alphabet))
    n = len(alphabet)
    v = np.asarray(values, dtype=np.int64).copy()
    cols = []
    for _ in range(width):
        cols.append(chars[v % n])
        v //= n
    mat = np.stack(cols[::-1], axis=1)
    return ["".join(row) for row in mat]


class SequenceCounter:
    """Running sequence numbers per key, continued across chunks (chunks are processed in order).

    ``take(keys)`` returns, for each element, the next number for its key in order of appearance;
    ``gaps`` (≥ 1) lets numbers skip, as real registers do when other cases use numbers in between.
    """

    def __init__(self, start: int = 1, spread: int = 0):
        self.start, self.spread = start, spread
        self.next: dict = {}

    def _first(self, key) -> int:
        """First number of a key: ``start`` plus a stable per-key offset below ``spread`` (the register
        already holds numbers issued to entities outside the simulation)."""
        if not self.spread:
            return self.start
        return self.start + zlib.crc32(str(key).encode("utf-8")) % self.spread

    def take(self, keys, gaps: np.ndarray | None = None) -> np.ndarray:
        keys = np.asarray(keys)
        n = len(keys)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        inc = np.ones(n, dtype=np.int64) if gaps is None else np.asarray(gaps, dtype=np.int64)
        uniq, inv = np.unique(keys, return_inverse=True)
        order = np.argsort(inv, kind="stable")
        inc_sorted = inc[order]
        csum = np.cumsum(inc_sorted)
        counts = np.bincount(inv, minlength=len(uniq))
        group_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
        before = np.concatenate(([0], csum))[group_start]  # cumulative sum before each group
        within = csum - np.repeat(before, counts) - inc_sorted  # 0 for the first element of a group
        py = [k.item() if hasattr(k, "item") else k for k in uniq]
        base = np.array([self.next[k] if k in self.next else self._first(k) for k in py], dtype=np.int64)
        out = np.empty(n, dtype=np.int64)
        out[order] = np.repeat(base, counts) + within
        totals = np.add.reduceat(inc_sorted, group_start) if n else np.zeros(0)
        for k, b, t in zip(py, base, totals):
            self.next[k] = int(b + t)
        return out
