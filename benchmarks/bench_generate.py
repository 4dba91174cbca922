"""Benchmark the synthetic feed generator: wall time and peak memory for N entities.

    python benchmarks/bench_generate.py --entities 1000000 --out benchmarks/out/feeds_1m

Writes/updates the "## Feed generator" section of benchmarks/RESULTS.md (other sections are left
untouched): one table row per entity count (the latest run for that count wins), the per-feed row counts
of the latest run, and the machine facts. Peak RSS is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of
this process, which runs the generator and nothing else.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedgen import generate  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Feed generator"
TABLE_HEAD = (
    "| entities | seed | period | wall time | entities/s | data rows | rows/s | files | size on disk "
    "| peak RSS | run at |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
)


def machine_facts() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import numpy

    return (
        f"{cpu}, {cores} cores available, {mem} RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}."
    )


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"


def update_results(row: str, entities: int, per_feed: str, facts: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    old = pattern.search(text)
    rows: dict[int, str] = {}
    if old:
        for line in old.group(0).splitlines():
            m = re.match(r"^\| ([\d,]+) \|", line)
            if m:
                rows[int(m.group(1).replace(",", ""))] = line
    rows[entities] = row
    section = (
        f"{HEADING}\n\n`python benchmarks/bench_generate.py --entities N --out DIR` — `feedgen.generate()` with "
        "the default period (2023-07-01 → 2026-10-31), province 31, fault rate 1 %, chunks of 50 000 entities. "
        "Peak RSS is the process's `ru_maxrss`.\n\n"
        + TABLE_HEAD
        + "\n".join(rows[k] for k in sorted(rows))
        + "\n\n"
        + f"Rows per feed in the latest run ({entities:,} entities): {per_feed}\n\n"
        + f"Machine: {facts}\n\n"
    )
    text = pattern.sub(lambda _: section, text) if old else text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "feeds")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2023, 7, 1))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31))
    ap.add_argument("--no-results", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)

    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  {done:>12,}/{total:,} entities  {now - t0:7.1f} s  peak RSS {rss:,.0f} MiB", flush=True)

    t0 = time.perf_counter()
    report = generate(
        args.out, entities=args.entities, seed=args.seed, start=args.start, end=args.end, progress=progress
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    rows = report.total_rows
    size = dir_size(args.out)
    row = (
        f"| {args.entities:,} | {args.seed} | {args.start}→{args.end} | {wall:.1f} s | {args.entities / wall:,.0f} "
        f"| {rows:,} | {rows / wall:,.0f} | {len(report.files):,} | {human_bytes(size)} | {human_bytes(peak)} "
        f"| {datetime.now():%Y-%m-%d %H:%M} |"
    )
    per_feed = ", ".join(f"{k} {v:,}" for k, v in report.rows_by_feed.items())
    print(
        f"{args.entities:,} entities: {wall:.1f} s, {rows:,} rows ({rows / wall:,.0f}/s), {len(report.files)} files, "
        f"{human_bytes(size)}, peak RSS {human_bytes(peak)}; faults {report.total_faults:,}"
    )
    print(per_feed)
    if not args.no_results:
        update_results(row, args.entities, per_feed, machine_facts())
        print(f"updated {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
