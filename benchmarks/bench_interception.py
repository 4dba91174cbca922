"""Benchmark the registration interception lookup: p50 / p99 per lookup on a synthetic restriction index.

    python benchmarks/bench_interception.py --entities 1000000 10000000 --lookups 20000

For each entity count, builds in DuckDB SQL a restriction index shaped like the real one
(``interception.write_index``: sorted by subject key): a share of enterprises carry
restrictions (``--restricted-share``, default 5 %; the 10 M generator run lists ~5 % of entities on the two
lists), each with ``--measures`` measures, and their legal representatives carry person-level ones (keys are
SHA-256 hex, as person_key). Then times ``Interceptor.lookup`` on random identifiers — half hits, half misses
(valid USCCs and ID numbers that are in no list), on one read-only connection, one lookup at a time.
Writes/updates the "## Interception lookup" section of benchmarks/RESULTS.md. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

from ground.identifiers import make_ric, make_uscc  # noqa: E402
from interception import Interceptor, person_key, write_index  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Interception lookup"
TABLE_HEAD = (
    "| entities | index rows | restricted enterprises | build | load | lookups | p50 | p99 | max | p99 CPU | load avg | index size | "
    "peak RSS | run at |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)
ALNUM = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_body(i: int) -> str:
    """A distinct 8-character organisation-code body for entity i (base 31 over the USCC alphabet)."""
    out = []
    for _ in range(8):
        i, r = divmod(i, 31)
        out.append(ALNUM[r])
    return "".join(reversed(out))


def entity_uscc(i: int) -> str:
    return make_uscc("9", "1", "310110", org_body(i))


def entity_ric(i: int) -> str:
    """A distinct resident ID number for entity i's legal representative (20,000 birth dates × 1,000 sequence
    numbers: distinct up to 20 M entities)."""
    born = date(1950, 1, 1).toordinal() + i % 20000
    return make_ric("310110", date.fromordinal(born), f"{(i // 20000) % 1000:03d}")


def build(path: Path, entities: int, share: float, measures: int) -> tuple[int, int, float]:
    """Index rows for a deterministic 'share' of entities: enterprise rows keyed by USCC, person rows by hash.

    USCCs and ID numbers are made in Python for the restricted entities only (the check characters need
    GB 32100 / GB 11643 arithmetic), then the rows are multiplied out in DuckDB SQL."""
    t0 = time.perf_counter()
    step = round(1 / share)
    restricted = list(range(0, entities, step))
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        subjects = pa.table(
            {
                "i": restricted,
                "uscc": [entity_uscc(i) for i in restricted],
                "pkey": [person_key(entity_ric(i)) for i in restricted],
            }
        )
        con.register("subjects", subjects)
        select_sql = f"""
            select s.uscc as subject_key, 'enterprise' as subject_type, 'enterprise' as object_role, s.uscc,
                   'SX-' || lpad(cast(m as varchar), 3, '0') as measure_id, '措施' || m as measure_name,
                   '失信惩戒措施清单' as measure_list, '上海市杨浦区市场监督管理局' as source_agency,
                   '因从重处罚等较重行政处罚列入' as reason, '《市场监督管理严重违法失信名单管理办法》第十二条' as legal_basis,
                   '沪市监杨严列〔2025〕' || s.i || '号' as basis_number,
                   date '2024-01-01' + cast(s.i % 900 as integer) as start_date,
                   date '2027-01-01' + cast(s.i % 900 as integer) as end_date
            from subjects s, range(1, {measures} + 1) t(m)
            union all
            select s.pkey, 'person', 'legal_rep', s.uscc, 'QH-007', '穿透式审查', '强化监管措施清单',
                   '上海市杨浦区市场监督管理局', '因从重处罚等较重行政处罚列入', '国市监信发〔2023〕48号',
                   '沪市监杨严列〔2025〕' || s.i || '号', date '2024-01-01' + cast(s.i % 900 as integer), null
            from subjects s"""
        rows = write_index(con, select_sql, path)
    return rows, len(restricted), time.perf_counter() - t0


def run(entities: int, lookups: int, share: float, measures: int, workdir: Path) -> dict:
    path = workdir / f"restriction_index_{entities}.duckdb"
    rows, restricted, seconds = build(path, entities, share, measures)
    rng = random.Random(7)
    step = round(1 / share)
    probes = []
    for n in range(lookups):
        i = rng.randrange(0, entities // step) * step  # a restricted entity
        if n % 2:  # miss: an unrestricted entity
            i += 1 + rng.randrange(step - 1)
        probes.append(entity_uscc(i) if n % 4 < 2 else entity_ric(i))
    times, cpu, hits = [], [], 0
    t_load = time.perf_counter()
    with Interceptor(path) as icp:
        load = time.perf_counter() - t_load
        for ident in probes[:200]:  # warm-up
            icp.lookup(ident, date(2025, 6, 1))
        for ident in probes:
            t, c = time.perf_counter(), time.thread_time()
            found = icp.lookup(ident, date(2025, 6, 1))
            times.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
            hits += bool(found)
    times.sort()
    cpu.sort()
    pct = lambda p, xs=times: xs[min(len(xs) - 1, int(p * len(xs)))] * 1000  # noqa: E731
    load_avg = os.getloadavg()[0]
    return {
        "entities": entities,
        "rows": rows,
        "restricted": restricted,
        "build": seconds,
        "lookups": lookups,
        "hits": hits,
        "load": load,
        "p50": pct(0.50),
        "p99": pct(0.99),
        "cpu_p99": pct(0.99, cpu),
        "loadavg": load_avg,
        "max": times[-1] * 1000,
        "size": path.stat().st_size,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def record(results: list[dict], share: float, measures: int) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    existing = {}
    if HEADING in text:
        section = text[text.index(HEADING) :]
        for line in section.splitlines():
            m = re.match(r"\| ([\d,]+) \|", line)
            if m:
                existing[int(m.group(1).replace(",", ""))] = line
    now = datetime.now().strftime("%Y-%m-%d %H:%M")
    for r in results:
        existing[r["entities"]] = (
            f"| {r['entities']:,} | {r['rows']:,} | {r['restricted']:,} | {r['build']:.1f} s | {r['load']:.1f} s | {r['lookups']:,} "
            f"({r['hits']:,} hits) | {r['p50']:.3f} ms | {r['p99']:.3f} ms | {r['max']:.2f} ms | "
            f"{r['cpu_p99']:.3f} ms | {r['loadavg']:.1f} | "
            f"{r['size'] / 2**20:.1f} MiB | {r['rss'] / 2**20:.1f} MiB | {now} |"
        )
    body = (
        f"{HEADING}\n\n`python benchmarks/bench_interception.py --entities N …` — `interception.Interceptor.lookup` "
        f"(identifier check, hash for ID numbers, binary search in the index loaded once into memory) on a synthetic index: "
        f"{share:.0%} of enterprises restricted with {measures} measures each, plus one person-level measure on their "
        f"legal representative. Lookups: random, half hits, half misses, USCC and ID numbers alternately, as of 2025-06-01; "
        f"one at a time after 200 warm-up lookups. Target: p99 ≤ 5 ms at 10 M. *p99 CPU* is the lookup's own CPU time (`time.thread_time`), which excludes waiting for a core; *load avg* is the machine's 1-minute load when the run ended (2 cores, shared).\n\n{TABLE_HEAD}\n"
        + "\n".join(existing[k] for k in sorted(existing))
        + f"\n\nMachine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}.\n"
    )
    if HEADING in text:
        start = text.index(HEADING)
        nxt = text.find("\n## ", start + 1)
        text = text[:start] + body + (text[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--lookups", type=int, default=20_000)
    ap.add_argument("--restricted-share", type=float, default=0.05)
    ap.add_argument("--measures", type=int, default=8)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        results = []
        for n in args.entities:
            r = run(n, args.lookups, args.restricted_share, args.measures, Path(tmp))
            print(
                f"{n:,} entities: {r['rows']:,} rows, build {r['build']:.1f} s, p50 {r['p50']:.3f} ms, "
                f"p99 {r['p99']:.3f} ms, max {r['max']:.2f} ms, hits {r['hits']:,}/{r['lookups']:,}",
                flush=True,
            )
            results.append(r)
    record(results, args.restricted_share, args.measures)


if __name__ == "__main__":
    main()
