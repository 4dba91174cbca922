"""Benchmark the warehouse build at growing scale: full build, one day's deliveries, the incremental build.

    python benchmarks/bench_build.py --entities 1000000 2000000 --home benchmarks/out/home

For each ``--entities`` value (its own workspace ``<home>_<N>``), each step in its own child process so that its
peak RSS (``os.wait4`` rusage) is its own: feed generation (``python -m feedgen``), ingestion (``cwh ingest``), the
**full** ``dbt build --full-refresh`` as of one day (seeds, models, snapshots, data tests; the models' unit tests are
left out as in every warehouse build: ``warehouse.runner.build``); then the next day as the pipeline lives it: the
daily release at 00:30 (``dbt build --select tag:daily_release`` as of the new day: what changes with the calendar,
the as-of date's risk classification for every enterprise among it), "the next day's deliveries" (``python -m
feedgen --next-day``: ≈ 0.1 % of each feed's rows, about enterprises already there), their ingestion, the build the
pipeline runs on them (``dbt build`` as of the new day, no ``--full-refresh``: what a day's deliveries cost), and what
every build does after dbt: the restriction index and the console's serving snapshot
(``creditwh.jobs.publish_serving``), timed on its own. The business date reaches dbt as the pipeline passes it, in
the environment (``CWH_AS_OF_DATE``): a new date keeps dbt's partial parse.
dbt runs with the workspace's DuckDB settings (``warehouse.runner.dbt_env``: memory limit, threads, spill folder).
Writes/updates the "## Warehouse build: growth curve" section of benchmarks/RESULTS.md (one row per entity count,
the ten slowest nodes of each full build from ``run_results.json``; other sections untouched).
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

from ground.settings import AS_OF_DATE_ENV, Workspace  # noqa: E402
from warehouse.runner import dbt_env  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Warehouse build: growth curve"
AS_OF = "2026-11-23"
NEXT_DAY = "2026-11-24"  # the daily release and the build on the next day's deliveries
TABLE_HEAD = (
    "| entities | landed rows | generate | ingest (peak RSS) | full build (peak RSS) | next day: rows, ingest "
    "| incremental build (peak RSS) | incremental / full | warehouse file | dbt nodes | DuckDB settings | run at "
    "| after each build: index + serving snapshot | next day's daily release (peak RSS) | CPU |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---|\n"
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
BUILD_ARGS = ("--exclude-resource-type", "unit_test")  # as warehouse.runner.build runs it
SERVE = (  # what a build does after dbt, in a child process of its own (its peak RSS)
    "from datetime import date; from ground.settings import Workspace; from creditwh.jobs import publish_serving; "
    f"publish_serving(Workspace.from_env(), date.fromisoformat('{NEXT_DAY}'))"
)


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
    ]


def on(env: dict[str, str], day: str) -> dict[str, str]:
    """The environment of a build as of ``day`` (how warehouse.runner.build passes the business date)."""
    return {**env, AS_OF_DATE_ENV: day}


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


def slowest(results_file: Path, n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` nodes of a dbt run with the longest ``execution_time``."""
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:n]
    out = []
    for r in ranked:
        kind, _, *name = r["unique_id"].split(".")
        out.append((name[0] if kind == "test" else ".".join(name), r["execution_time"]))  # a test: without its hash
    return out


def cpu_model() -> str:
    """The processor's model name: rows of the growth curve measured on different machines are told apart by it."""
    return machine_facts().split(",", 1)[0]


def update_results(
    row: str,
    entities: int,
    nodes: dict[str, list[tuple[str, float]]],
    counts: dict[str, int],
    facts: str,
) -> None:
    """One row per (entity count, CPU): a scale measured again on the same kind of machine replaces its row, on
    another kind it stands beside it (the same scale on two machines shows what the machine accounts for)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    old = pattern.search(text)
    cpu = cpu_model()
    rows: dict[tuple[int, str], str] = {}
    slow: dict[tuple[int, str, str], str] = {}
    if old:
        machine = re.search(r"^Machine(?: of the latest run)?: ([^,\n]+)", old.group(0), re.M)
        old_cpu = machine.group(1) if machine else "?"
        for line in old.group(0).splitlines():
            m = re.match(r"^\| ([\d,]+) \|", line)
            if m:
                cells = line.count("|")
                if cells == 13:  # a row from before the serving column: not measured
                    line += " — |"
                if cells <= 14:  # a row from before the CPU column: the CPU of the section's machine line
                    line += f" {old_cpu} |"
                if line.count("|") == 15:  # a row from before the daily-release column: not measured
                    head, cpu_cell = line[:-1].rsplit("|", 1)
                    line = f"{head}| — |{cpu_cell}|"
                rows[(int(m.group(1).replace(",", "")), line.rsplit("|", 2)[1].strip())] = line
            m = re.match(r"^- ([\d,]+) entities(?: \(([^)]*)\))?(, incremental)?: ", line)
            if m:
                if m.group(2) is None:  # a line from before the CPU label
                    line = line.replace(" entities", f" entities ({old_cpu})", 1)
                slow[(int(m.group(1).replace(",", "")), m.group(2) or old_cpu, m.group(3) or "")] = line
    rows[(entities, cpu)] = row
    for kind, ranked in nodes.items():
        label = f"- {entities:,} entities ({cpu}){', incremental' if kind == 'incremental' else ''}: "
        slow[(entities, cpu, ", incremental" if kind == "incremental" else "")] = label + ", ".join(
            f"{name} {t:.0f} s" for name, t in ranked
        )
    section = (
        f"{HEADING}\n\n`python benchmarks/bench_build.py --entities N [N …] --home DIR` — per scale: generate "
        f"(default period, seed 42), ingest, the full `dbt build --full-refresh` (`as_of_date` {AS_OF}); then the next "
        f"day ({NEXT_DAY}) as the pipeline lives it: the daily release (`dbt build --select tag:daily_release`, the "
        "date-driven part, the as-of date's risk classification for every enterprise among it), the next day's "
        "deliveries (`python -m feedgen --next-day`, ≈ 0.1 % of each feed's rows), their ingestion, and the build the "
        "pipeline runs on them (`dbt build`, no `--full-refresh`; *incremental build*), each without the models' unit "
        "tests as every warehouse build; then, timed on its own, what every build does after dbt (the "
        "restriction index and the console's serving snapshot, `creditwh.jobs.publish_serving`). Peak RSS per step "
        "(`os.wait4`); DuckDB's memory limit, threads and spill folder from the workspace settings "
        "(`CWH_DUCKDB_*`, docs/stack.md).\n\n"
        + TABLE_HEAD
        + "\n".join(rows[k] for k in sorted(rows))
        + "\n\nThe ten slowest nodes of each full build, and of the incremental build where measured "
        "(`run_results.json`, `execution_time`):\n\n"
        + "\n".join(slow[k] for k in sorted(slow))
        + "\n\n"
        + f"Mart rows in the latest run ({entities:,} entities): "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + "\n\n"
        + f"Machine of the latest run: {facts} Other work may have shared the machine during the runs.\n\n"
    )
    if old:
        text = pattern.sub(lambda _: section, text)
    else:  # a new section goes before the hand-written notes
        notes = text.find("\n## Notes")
        text = text[: notes + 1] + section + text[notes + 1 :] if notes >= 0 else text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def measure(entities: int, home: Path, results: bool) -> None:
    home.mkdir(parents=True, exist_ok=True)
    ws = Workspace(home)
    env = dbt_env(ws)
    settings = ws.duckdb_settings()
    target = home / "dbt" / "target"

    t_gen, _ = run([sys.executable, "-m", "feedgen", "--entities", str(entities), str(ws.feeds)], env)
    t_ing, rss_ing = run([str(BIN / "cwh"), "ingest"], env)
    rows = landed_rows(home)
    t_full, rss_full = run(dbt_cmd("build", "--full-refresh", *BUILD_ARGS), on(env, AS_OF))
    (target / "run_results_full.json").write_bytes((target / "run_results.json").read_bytes())
    t_daily, rss_daily = run(dbt_cmd("build", "--select", "tag:daily_release", *BUILD_ARGS), on(env, NEXT_DAY))
    t_next, _ = run([sys.executable, "-m", "feedgen", "--next-day", str(ws.feeds)], env)
    t_ing2, _ = run([str(BIN / "cwh"), "ingest"], env)
    day_rows = landed_rows(home) - rows
    t_inc, rss_inc = run(dbt_cmd("build", *BUILD_ARGS), on(env, NEXT_DAY))
    (target / "run_results_incremental.json").write_bytes((target / "run_results.json").read_bytes())
    t_serve, rss_serve = run([sys.executable, "-c", SERVE], env)

    counts = mart_counts(ws.warehouse, env)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    nodes = f"{len(manifest['nodes']) + len(manifest.get('unit_tests', {})):,}"
    full_nodes = slowest(target / "run_results_full.json")
    incremental_nodes = slowest(target / "run_results_incremental.json")
    row = (
        f"| {entities:,} | {rows:,} | {t_gen:.0f} s | {t_ing:.0f} s ({human_bytes(rss_ing)}) "
        f"| {t_full:.0f} s ({human_bytes(rss_full)}) | {day_rows:,} rows, {t_next + t_ing2:.0f} s "
        f"| {t_inc:.0f} s ({human_bytes(rss_inc)}) | {100 * t_inc / t_full:.0f} % "
        f"| {human_bytes(ws.warehouse.stat().st_size)} | {nodes} "
        f"| {settings['memory_limit']}, {settings['threads']} threads | {datetime.now():%Y-%m-%d %H:%M} "
        f"| {t_serve:.0f} s ({human_bytes(rss_serve)}) | {t_daily:.0f} s ({human_bytes(rss_daily)}) | {cpu_model()} |"
    )
    print(row)
    print(counts)
    print("slowest nodes (full):", ", ".join(f"{n} {t:.0f} s" for n, t in full_nodes))
    print(
        "slowest nodes (incremental):",
        ", ".join(f"{n} {t:.0f} s" for n, t in incremental_nodes),
    )
    if results:
        update_results(row, entities, {"full": full_nodes, "incremental": incremental_nodes}, counts, machine_facts())
        print(f"updated {RESULTS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, nargs="+", default=[1_000_000], help="one or more scales")
    ap.add_argument("--home", type=Path, default=ROOT / "benchmarks" / "out" / "home", help="workspaces: <home>_<N>")
    ap.add_argument("--no-results", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    base = args.home.resolve()
    for entities in args.entities:
        home = base if len(args.entities) == 1 else base.with_name(f"{base.name}_{entities}")
        measure(entities, home, not args.no_results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
