"""Dates as integers: day numbers, working days, weighted date sampling, batch periods, delivery times.

Why integers: every event date is drawn for whole arrays at once, so dates are ``int64`` day numbers
(days since 1970-01-01) and turned into strings only when rows are written, through lookup tables.
Working days come from :mod:`ground.workdays` (statutory holidays and make-up days, with its
Mon–Fri fallback for unpublished years), precomputed once so "N 个工作日" is a ``searchsorted``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
import numpy as np

from feedgen.config import GeneratorConfig
from ground.clock import LOCAL_TZ
from ground.workdays import add_working_days, is_working_day

EPOCH = date(1970, 1, 1)
CLUSTER_HOLIDAYS = ("Spring Festival", "National Day")


def day_number(d: date) -> int:
    return (d - EPOCH).days


def to_date(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


@dataclass(frozen=True)
class Period:
    index: int
    first: int  # day numbers, inclusive
    last: int

    @property
    def end_date(self) -> date:
        return to_date(self.last)


class Timeline:
    """Calendar tables for one run: [1950-01-01, end + 8 years]."""

    def __init__(self, start: date, end: date, cfg: GeneratorConfig):
        if end < start:
            raise ValueError("end must not be before start")
        self.cfg = cfg
        self.start, self.end = day_number(start), day_number(end)
        self.base = day_number(date(1950, 1, 1))
        self.top = day_number(date(max(end.year + 8, 2040), 12, 31))
        days = np.arange(self.base, self.top + 1, dtype="int64")
        iso = np.datetime_as_string(days.astype("datetime64[D]"))
        self.iso = iso.astype(object)
        self.slash = np.array([s.replace("-", "/") for s in iso], dtype=object)
        self.chinese = np.array([f"{s[:4]}年{s[5:7]}月{s[8:10]}日" for s in iso], dtype=object)
        self.cn_natural = np.array([f"{int(s[:4])}年{int(s[5:7])}月{int(s[8:10])}日" for s in iso], dtype=object)
        wd_from = day_number(date(1990, 1, 1))
        work = np.array([d.weekday() < 5 for d in (to_date(x) for x in days)], dtype=bool)
        for i in range(wd_from - self.base, len(days)):  # statutory calendar where it matters
            work[i] = is_working_day(to_date(self.base + i))
        self.work = work
        self.cum_work = np.cumsum(work)
        self.years = (self.end - self.start + 1) / 365.25
        # decision-date weights over [start, end]: working days, boosted around 春节 and 国庆
        span = np.arange(self.start, self.end + 1)
        w = np.where(work[span - self.base], 1.0, cfg.non_working_day_weight)
        self.uniform_cdf = np.cumsum(w)
        self.boost = self._holiday_boost(span)
        self.cluster_cdf = np.cumsum(w * self.boost)

    # ---- conversions ------------------------------------------------------------------------------
    def fmt(self, days, style: str = "iso") -> np.ndarray:
        """Day numbers → date strings (object array); style iso | slash | chinese."""
        table = {"iso": self.iso, "slash": self.slash, "chinese": self.chinese}[style]
        return table[np.asarray(days, dtype=np.int64) - self.base]

    def cn(self, days) -> np.ndarray:
        """2025年3月5日 (as written inside violation facts)."""
        return self.cn_natural[np.asarray(days, dtype=np.int64) - self.base]

    def year(self, days) -> np.ndarray:
        return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970

    def month(self, days) -> np.ndarray:
        return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype(int) % 12 + 1

    # ---- arithmetic ---------------------------------------------------------------------------------
    def add_wd(self, days, n) -> np.ndarray:
        """``n`` working days after each day (the day itself not counted), like add_working_days."""
        days = np.asarray(days, dtype=np.int64)
        target = self.cum_work[days - self.base] + np.asarray(n, dtype=np.int64)
        return np.searchsorted(self.cum_work, target, side="left").astype(np.int64) + self.base

    def add_months(self, days, months) -> np.ndarray:
        """Same day-of-month ``months`` later (clipped to the month's end)."""
        d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
        m = d.astype("datetime64[M]")
        dom = (d - m.astype("datetime64[D]")).astype(np.int64)
        tm = m + np.asarray(months, dtype=np.int64)
        last = ((tm + 1).astype("datetime64[D]") - np.timedelta64(1, "D")).astype(np.int64)
        return np.minimum(tm.astype("datetime64[D]").astype(np.int64) + dom, last)

    def around_holidays(self, days) -> np.ndarray:
        """True for the working days right before/after the 春节 and 国庆 holidays (decision clusters)."""
        return self.boost[np.asarray(days, dtype=np.int64) - self.start] > 1

    def _holiday_boost(self, span: np.ndarray) -> np.ndarray:
        boost = np.ones(len(span))
        k, weight = self.cfg.holiday_cluster_days, self.cfg.holiday_cluster_weight
        work = self.work[span - self.base]
        off = ~work
        i = 0
        while i < len(span):
            if not off[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(span) and off[j + 1]:
                j += 1
            names = set()
            for x in range(i, j + 1):
                with contextlib.suppress(NotImplementedError):
                    names.add(chinese_calendar.get_holiday_detail(to_date(span[x]))[1])
            if names & set(CLUSTER_HOLIDAYS):
                before = np.flatnonzero(work[:i])[-k:]
                after = np.flatnonzero(work[j + 1 :])[:k] + j + 1
                boost[before] = weight
                boost[after] = weight
            i = j + 1
        return boost

    # ---- sampling -----------------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, lo, hi, clustered: bool = False) -> np.ndarray:
        """One date per element in [lo, hi] (inclusive, clipped to [start, end]), mostly working days."""
        cdf = self.cluster_cdf if clustered else self.uniform_cdf
        lo = np.clip(np.asarray(lo, dtype=np.int64), self.start, self.end)
        hi = np.clip(np.asarray(hi, dtype=np.int64), self.start, self.end)
        hi = np.maximum(hi, lo)
        c_lo = np.where(lo > self.start, cdf[np.maximum(lo - self.start - 1, 0)], 0.0)
        c_hi = cdf[hi - self.start]
        u = c_lo + rng.random(len(lo)) * (c_hi - c_lo)
        idx = np.searchsorted(cdf, u, side="right") + self.start
        return np.clip(idx, lo, hi).astype(np.int64)

    # ---- batches and deliveries ---------------------------------------------------------------------
    def periods(self, frequency_days: int) -> list[Period]:
        out, first, i = [], self.start, 0
        while first <= self.end:
            out.append(Period(i, first, min(first + frequency_days - 1, self.end)))
            first += frequency_days
            i += 1
        return out

    def batch_index(self, days, frequency_days: int) -> np.ndarray:
        """Batch of each record date; dates before ``start`` go to the first batch, after ``end`` → -1."""
        days = np.asarray(days, dtype=np.int64)
        idx = np.maximum(days - self.start, 0) // frequency_days
        return np.where(days > self.end, -1, idx)

    def delivery(self, period_end: date, seed: int, feed_no: int, batch: int, extra_wd: int = 0) -> datetime:
        """Simulated delivery: period end + k working days (mostly 1–3, sometimes 5–15), 09:00–18:00."""
        cfg = self.cfg
        rng = np.random.default_rng([seed, 7_000_003, feed_no, batch, extra_wd])
        if rng.random() < cfg.delivery_late_share:
            k = int(rng.integers(cfg.delivery_late_wd[0], cfg.delivery_late_wd[1] + 1))
        else:
            k = int(rng.integers(cfg.delivery_on_time_wd[0], cfg.delivery_on_time_wd[1] + 1))
        day = add_working_days(period_end, k + extra_wd).due
        h0, h1 = cfg.delivery_hours
        seconds = int(rng.integers(0, (h1 - h0) * 3600))
        return datetime.combine(day, time(h0), tzinfo=LOCAL_TZ) + timedelta(seconds=seconds)
