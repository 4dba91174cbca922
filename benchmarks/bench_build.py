"""Benchmark the warehouse build: generate N entities, ingest them, then time `dbt build` and its peak memory.

    python benchmarks/bench_build.py --entities 1000000 --home benchmarks/out/home_1m

Steps, each in its own child process so that its peak RSS (``os.wait4`` rusage) is its own: feed generation
(``python -m feedgen``), ingestion (``cwh ingest``), a full ``dbt build`` (seeds, models, snapshots, data tests,
unit tests; ``--full-refresh``), then an incremental ``dbt run`` of the event timeline with no new batches.
Writes/updates the "## Warehouse build" section of benchmarks/RESULTS.md (one row per entity count; other
sections untouched), with the row counts of the main marts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_generate import human_bytes, machine_facts  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Warehouse build"
TABLE_HEAD = (
    "| entities | landed rows | generate | ingest (peak RSS) | dbt build (peak RSS) | incremental timeline "
    "| warehouse file | dbt nodes | run at |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
)
MARTS = (
    "dim_enterprise",
    "fct_credit_events",
    "dim_person",
    "mart_key_sector_enterprise_history",
    "mart_abnormal_list_history",
    "mart_serious_list_history",
    "mart_list_candidates",
    "mart_repeat_offenders",
    "mart_unlinked_records",
    "mart_campaign_work_status",
)
BIN = Path(sys.executable).parent


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run one step; return (wall seconds, peak RSS bytes of that child and its waited-for children)."""
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"step failed (exit {code}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss * 1024


def dbt_cmd(*args: str) -> list[str]:
    return [
        str(BIN / "dbt"),
        *args,
        "--project-dir",
        str(ROOT / "dbt_project"),
        "--profiles-dir",
        str(ROOT / "dbt_project"),
        "--vars",
        '{"as_of_date": "2026-11-23"}',
    ]


def mart_counts(warehouse: Path, env: dict[str, str]) -> dict[str, int]:
    code = (
        "import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(json.dumps({t: c.sql(f'select count(*) from {t}').fetchall()[0][0] for t in sys.argv[2:]}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(warehouse), *MARTS], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def landed_rows(home: Path) -> int:
    total = 0
    for ledger in (home / "landing" / "_ledger").rglob("*.json"):
        total += json.loads(ledger.read_text(encoding="utf-8")).get("rows_landed", 0) or 0
    return total


def update_results(row: str, entities: int, counts: dict[str, int], facts: str) -> None:
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
        f"{HEADING}\n\n`python benchmarks/bench_build.py --entities N --home DIR` — generate (default period, "
        "seed 42), ingest, `dbt build --full-refresh` with `as_of_date` 2026-11-23, then an incremental "
        "`dbt run -s fct_credit_events` with no new batches. Peak RSS per step (`os.wait4`).\n\n"
        + TABLE_HEAD
        + "\n".join(rows[k] for k in sorted(rows))
        + "\n\n"
        + f"Mart rows in the latest run ({entities:,} entities): "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + "\n\n"
        + f"Machine: {facts} DuckDB uses both cores; other work shared the machine during the runs.\n\n"
    )
    text = pattern.sub(lambda _: section, text) if old else text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--home", type=Path, default=ROOT / "benchmarks" / "out" / "home")
    ap.add_argument("--no-results", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    home = args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        CWH_HOME=str(home),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET_PATH=str(home / "dbt" / "target"),
        DBT_LOG_PATH=str(home / "dbt" / "logs"),
    )

    t_gen, _ = run([sys.executable, "-m", "feedgen", "--entities", str(args.entities), str(home / "feeds")], env)
    t_ing, rss_ing = run([str(BIN / "cwh"), "ingest"], env)
    t_build, rss_build = run(dbt_cmd("build", "--full-refresh"), env)
    target = home / "dbt" / "target"
    (target / "run_results_build.json").write_bytes((target / "run_results.json").read_bytes())
    t_inc, _ = run(dbt_cmd("run", "--select", "fct_credit_events"), env)

    warehouse = home / "warehouse" / "warehouse.duckdb"
    counts = mart_counts(warehouse, env)
    manifest = json.loads((home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = f"{len(manifest['nodes']) + len(manifest.get('unit_tests', {})):,}"
    rows = landed_rows(home)
    row = (
        f"| {args.entities:,} | {rows:,} | {t_gen:.0f} s | {t_ing:.0f} s ({human_bytes(rss_ing)}) "
        f"| {t_build:.0f} s ({human_bytes(rss_build)}) | {t_inc:.0f} s | {human_bytes(warehouse.stat().st_size)} "
        f"| {nodes} | {datetime.now():%Y-%m-%d %H:%M} |"
    )
    build = json.loads((target / "run_results_build.json").read_text(encoding="utf-8"))["results"]
    slowest = sorted(build, key=lambda r: -r["execution_time"])[:8]
    print(row)
    print(counts)
    print("slowest nodes:", ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.0f} s" for r in slowest))
    if not args.no_results:
        update_results(row, args.entities, counts, machine_facts())
        print(f"updated {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
