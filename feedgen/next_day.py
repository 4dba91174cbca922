"""The next day's deliveries for an inbox :func:`feedgen.generate` wrote: one more day after the last receipt.

What a day brings (``NEXT_DAY_SHARE`` of each feed's rows, at least one row per feed): new penalties, licences,
inspections, commitments … of enterprises already in the inbox — each made from a record the inbox already holds
(its subject, names and codes kept, so it touches an enterprise the warehouse knows), with a fresh record number and its
dates moved so that its latency date (the contract's ``latency_field``) is the day; registry changes (an existing
enterprise's row with that day's approval date) and new registrations (a new valid USCC, established that day); list
entries and removals of entries not yet removed (the oldest first). Source records are drawn from the rows without
planted faults; the new rows get the generator's row-level faults at the run's ``fault_rate``
(``_generator/faults_<YYYYMMDD>.jsonl``). Each file ``<feed>_<YYYYMMDD>`` has its ``.done`` marker declaring its
receipt on that day, 09:00–18:00 Beijing time. Deterministic: the same inbox and seed give the same files.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import numpy as np

from contracts import FeedContract, load_contracts
from feedgen.config import DEFAULT_CONFIG, FEED_FORMATS, NEXT_DAY_SHARE
from feedgen.faults import FaultPlanter
from feedgen.generator import FAULTS, FEED_ORDER, MANIFEST_DIR, SUMMARY
from feedgen.ids import build_usccs
from feedgen.reference import headers
from feedgen.writer import BOM, MARKER, FaultSink
from ground.identifiers import food_licence_check_digit

BEIJING = timezone(timedelta(hours=8))
_DECISION_YEAR = re.compile(r"〔(19|20)\d{2}〕")
_DIGITS = re.compile(r"\d+")
_RECEIVED = re.compile(r"^received_at:\s*(\S+)", re.M)


@dataclass
class NextDayReport:
    """What :func:`next_day` wrote. Paths are relative to the inbox."""

    day: date
    files: list[Path]
    rows_by_feed: dict[str, int]
    faults_by_kind: dict[str, int]
    received_at: dict[str, str] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_feed.values())


def last_receipt(feeds_dir: Path) -> datetime:
    """The latest receipt any delivery marker in the inbox declares."""
    latest = None
    for marker in feeds_dir.rglob(f"*{MARKER}"):
        m = _RECEIVED.search(marker.read_text(encoding="utf-8"))
        if m:
            when = datetime.fromisoformat(m.group(1))
            latest = when if latest is None or when > latest else latest
    if latest is None:
        raise FileNotFoundError(f"{feeds_dir} 中没有带交付标记（{MARKER}）的文件：先运行 `cwh generate`")
    return latest


def next_day(feeds_dir: Path, *, share: float = NEXT_DAY_SHARE, fault_rate: float | None = None) -> NextDayReport:
    """Write the deliveries of the day after the inbox's last receipt; see the module's docstring."""
    feeds_dir = Path(feeds_dir)
    summary_path = feeds_dir / MANIFEST_DIR / SUMMARY
    if not summary_path.is_file():
        raise FileNotFoundError(f"{feeds_dir} 不是生成器写的接收目录（缺少 {MANIFEST_DIR}/{SUMMARY}）")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    if not summary.get("complete"):
        raise ValueError(f"{summary_path}: the generator run did not complete; generate again")
    seed = int(summary["seed"])
    rate = float(summary["fault_rate"] if fault_rate is None else fault_rate)
    day = last_receipt(feeds_dir).astimezone(BEIJING).date() + timedelta(days=1)
    templated = set(summary.get("templates", {}))
    faulty = _fault_rows(feeds_dir / MANIFEST_DIR)
    contracts = load_contracts()
    sink = FaultSink(feeds_dir / MANIFEST_DIR / f"faults_{day:%Y%m%d}.jsonl")
    files, rows_by_feed, received = [], {}, {}
    for no, name in enumerate(FEED_ORDER):
        c = contracts[name]
        rng = np.random.default_rng([seed, day.toordinal(), 700 + no])
        pool, total = _sample(feeds_dir, c, templated, faulty, share, rng)
        k = max(1, round(total * share)) if total else 0
        rows = _records(c, pool, k, day, rng)
        rel, when, written = _write(feeds_dir, c, rows, day, rate, sink, rng)
        files.append(rel)
        rows_by_feed[name] = written
        received[rel.as_posix()] = when.isoformat()
    sink.close()
    report = NextDayReport(day, files, rows_by_feed, dict(sorted(sink.by_kind.items())), received)
    (feeds_dir / MANIFEST_DIR / f"next_day_{day:%Y%m%d}.json").write_text(
        json.dumps(
            {
                "day": day.isoformat(),
                "seed": seed,
                "share": share,
                "fault_rate": rate,
                "rows_by_feed": rows_by_feed,
                "faults_by_kind": report.faults_by_kind,
                "received_at": received,
                "faults_file": f"{MANIFEST_DIR}/{sink.path.name}",
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return report


# ---- reading what the inbox holds ------------------------------------------------------------------------------


def _fault_rows(manifest: Path) -> set[tuple[str, int]]:
    out = set()
    for path in [manifest / FAULTS, *sorted(manifest.glob("faults_*.jsonl"))]:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                f = json.loads(line)
                if f.get("row") is not None:
                    out.add((f["file"], int(f["row"])))
    return out


def _layout(c: FeedContract, fmt: str) -> list[list[str]]:
    """The header rows a local-layout file of this feed may start with (label or 双公示-coded; JSON keys)."""
    if fmt == "jsonl":
        return [headers(c, "json")]
    return [headers(c, "label"), headers(c, "code")]


def _sample(
    feeds_dir: Path, c: FeedContract, templated: set[str], faulty: set[tuple[str, int]], share: float, rng
) -> tuple[list[list], int]:
    """A random pool of fault-free rows (contract field order) from the feed's local-layout batch files, large
    enough to pick this day's records from (every row of the lists: removals need to know what was removed);
    and how many rows the feed has."""
    fmt, enc = FEED_FORMATS[c.name]
    folder = feeds_dir / c.producer.code / c.name
    files = sorted(
        p
        for p in folder.glob(f"{c.name}_*.{'jsonl' if fmt == 'jsonl' else 'csv'}")
        if "_supplement" not in p.name and p.relative_to(feeds_dir).as_posix() not in templated
    )
    counts = []
    for p in files:
        lines = p.read_bytes().count(b"\n")
        counts.append(max(0, lines - (0 if fmt == "jsonl" else 1)))
    total = sum(counts)
    if not total:
        return [], 0
    everything = c.name in ("abnormal_list", "serious_list")
    want = total if everything else min(total, 3 * max(1, round(total * share)) + 20)
    picks = np.sort(rng.choice(total, size=want, replace=False)) if want < total else np.arange(total)
    layouts = _layout(c, fmt)
    pool: list[list] = []
    start = 0
    for p, n in zip(files, counts):
        end = start + n
        chosen = set((picks[(picks >= start) & (picks < end)] - start + 1).tolist())  # data row numbers, 1-based
        start = end
        if not chosen:
            continue
        rel = p.relative_to(feeds_dir).as_posix()
        text_enc = "utf-8-sig" if enc in ("utf-8", "utf-8-sig") else enc
        with p.open(encoding=text_enc, newline="") as fh:
            if fmt == "jsonl":
                keys = layouts[0]
                for row_no, line in enumerate(fh, 1):
                    if row_no in chosen and (rel, row_no) not in faulty and line.strip():
                        obj = json.loads(line)
                        pool.append([obj.get(k) for k in keys])
                continue
            reader = csv.reader(fh)
            head = next(reader, None)
            if head not in layouts:
                continue
            for row_no, row in enumerate(reader, 1):
                if row_no in chosen and (rel, row_no) not in faulty and len(row) == len(head):
                    pool.append(row)
    return pool, total


# ---- making the day's records ----------------------------------------------------------------------------------


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def fresh_number(value: str, day: date, i: int) -> str:
    """A record number of the same shape that no earlier record has: the year of a 文书号 becomes the day's, and the
    tail of its last run of digits (a food licence's: before its check digit) becomes 9, the day, a counter."""
    value = _DECISION_YEAR.sub(f"〔{day.year}〕", value)
    food = value[:2] in ("SC", "JY") and value[2:].isdigit()
    body = value[:-1] if food else value
    runs = list(_DIGITS.finditer(body))
    if not runs:
        return f"{value}-{day:%Y%m%d}{i:05d}"
    m = runs[-1]
    tail = min(len(m.group()), 6 if food else 7)
    counter = i % 10 ** max(1, tail - 3) if food else i  # a food licence keeps its length (its pattern)
    digits = f"9{day.toordinal() % 100:02d}{counter:0{max(1, tail - 3)}d}"
    body = body[: m.end() - tail] + digits + body[m.end() :]
    return body + food_licence_check_digit(body) if food else body


def _records(c: FeedContract, pool: list[list], k: int, day: date, rng) -> list[list]:
    if not pool or not k:
        return []
    names = list(c.field_names)
    ix = {n: i for i, n in enumerate(names)}
    if c.name == "registry":
        return _registry(pool, ix, k, day, rng)
    version = ix.get(c.version_field) if c.version_field else None
    if c.name in ("abnormal_list", "serious_list"):
        return _lists(pool, ix, k, day, rng)
    if version is not None:  # a record's first version: empty, or the most common value (正常, 有效, 未核查 …)
        common = Counter(r[version] for r in pool).most_common(1)[0][0]
        first = [r for r in pool if r[version] in (None, "", common)]
        pool = first or pool
    chosen = [pool[j] for j in rng.choice(len(pool), size=min(k, len(pool)), replace=False)]
    return [_new_record(c, r, ix, day, i) for i, r in enumerate(chosen)]


def _new_record(c: FeedContract, source: list, ix: dict[str, int], day: date, i: int) -> list:
    row = list(source)
    for key in c.record_key:
        if key != c.subject_field and isinstance(row[ix[key]], str) and row[ix[key]]:
            row[ix[key]] = fresh_number(row[ix[key]], day, i)
    latency = _date(row[ix[c.latency_field]])
    shift = day - latency if latency else timedelta(0)
    for f in c.fields:
        d = _date(row[ix[f.name]])
        if f.logical_type == "date" and d is not None:
            row[ix[f.name]] = (d + shift).isoformat()
    row[ix[c.latency_field]] = day.isoformat()
    return row


def _registry(pool: list[list], ix: dict[str, int], k: int, day: date, rng) -> list[list]:
    status = Counter(r[ix["status"]] for r in pool).most_common(1)[0][0]  # 存续: the live enterprises
    live = list({r[ix["uscc"]]: r for r in pool if r[ix["status"]] == status}.values())
    if not live:
        return []
    n_new = max(1, k // 3) if k > 1 else 1
    n_change = min(len(live), k - n_new)
    picks = rng.choice(len(live), size=min(len(live), n_new + n_change), replace=False)
    out = []
    for r in (live[j] for j in picks[:n_change]):  # a change: the row again, approved that day
        row = list(r)
        row[ix["approval_date"]] = day.isoformat()
        out.append(row)
    news = [live[j] for j in picks[n_change:]]
    if news:
        taken = {r[ix["uscc"]] for r in pool}
        alphabet = np.array(list("0123456789"))
        bodies = ["".join(rng.choice(alphabet, 8)) for _ in news]
        usccs = build_usccs([r[ix["uscc"]][:2] for r in news], [r[ix["uscc"]][2:8] for r in news], bodies)
        donors = [live[j] for j in rng.choice(len(live), size=len(news))]
        for r, uscc, donor in zip(news, usccs, donors):
            if uscc in taken:
                continue
            row = list(r)
            name, other = row[ix["enterprise_name"]], donor[ix["enterprise_name"]]
            row[ix["uscc"]] = str(uscc)
            row[ix["registration_number"]] = "" if isinstance(row[ix["registration_number"]], str) else None
            row[ix["enterprise_name"]] = name[:2] + other[2:4] + name[4:] if len(name) > 4 else name
            row[ix["established_date"]] = row[ix["approval_date"]] = day.isoformat()
            out.append(row)
    return out


def _lists(pool: list[list], ix: dict[str, int], k: int, day: date, rng) -> list[list]:
    """Entries (an open entry's row, a new decision number, listed that day) and removals (the oldest open entries)."""
    number, removal = ix["list_decision_number"], ix["removal_date"]
    removed = {r[number] for r in pool if r[removal] not in (None, "")}
    donors = [r for r in pool if r[removal] not in (None, "")]
    open_ = sorted(
        {r[number]: r for r in pool if r[removal] in (None, "") and r[number] not in removed}.values(),
        key=lambda r: (r[ix["list_date"]] or "", r[number]),
    )
    if not open_:
        return []
    n_remove = k // 2 if donors else 0
    out = []
    for r in open_[:n_remove]:
        row = list(r)
        donor = donors[int(rng.integers(len(donors)))]
        for name, i in ix.items():
            if name.startswith("removal_") and name != "removal_date":
                row[i] = donor[i]
        if "removal_authority" in ix and "list_authority" in ix:
            row[ix["removal_authority"]] = r[ix["list_authority"]]
        row[removal] = day.isoformat()
        out.append(row)
    entries = [open_[j] for j in rng.choice(len(open_), size=min(len(open_), k - n_remove), replace=False)]
    for i, r in enumerate(entries):
        row = list(r)
        row[number] = fresh_number(row[number], day, i)
        listed = _date(row[ix["list_date"]])
        shift = day - listed if listed else timedelta(0)
        for name in ("list_date",):
            row[ix[name]] = day.isoformat()
        for name, j in ix.items():
            d = _date(row[j])
            if name not in ("list_date", "removal_date") and d is not None and name.endswith("_date"):
                row[j] = (d + shift).isoformat()
        out.append(row)
    return out


# ---- writing ---------------------------------------------------------------------------------------------------


def _write(
    feeds_dir: Path, c: FeedContract, rows: list[list], day: date, rate: float, sink: FaultSink, rng
) -> tuple[Path, datetime, int]:
    fmt, enc = FEED_FORMATS[c.name]
    rel = Path(c.producer.code) / c.name / f"{c.name}_{day:%Y%m%d}.{'jsonl' if fmt == 'jsonl' else 'csv'}"
    path = feeds_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    blank = "" if fmt == "csv" else None
    rows = [[blank if v in (None, "") else v for v in r] for r in rows]
    faults = FaultPlanter(c, DEFAULT_CONFIG, rate, blank).plan(rows, rng) if rate > 0 and rows else {}
    out: list[list] = []
    for pos, row in enumerate(rows):
        out.append(row)
        f = faults.get(pos)
        if f is None:
            continue
        if f.kind == "duplicate":
            out.append(row)
        sink.record(c.name, rel.as_posix(), len(out), f.kind, f.field)
    with path.open("w", encoding="utf-8" if enc == "utf-8-sig" else enc, newline="") as fh:
        if enc == "utf-8-sig":
            fh.write(BOM)
        if fmt == "jsonl":
            keys = headers(c, "json")
            fh.write("".join(json.dumps(dict(zip(keys, r)), ensure_ascii=False) + "\n" for r in out))
        else:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(headers(c, "code" if c.name == "penalties" and day.month % 2 == 1 else "label"))
            w.writerows(out)
    minutes = int(rng.integers(0, 9 * 60))
    when = datetime.combine(day, time(9, 0), BEIJING) + timedelta(minutes=minutes, seconds=int(rng.integers(60)))
    path.with_name(path.name + MARKER).write_text(f"received_at: {when.isoformat()}\n", encoding="utf-8")
    ts = when.astimezone(UTC).timestamp()
    os.utime(path, (ts, ts))
    return rel, when, len(out)
