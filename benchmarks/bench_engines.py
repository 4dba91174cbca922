"""Benchmark the same dbt project on both engines, DuckDB and local Apache Spark, at growing scale (issue 28's sizing).

    python benchmarks/bench_engines.py --entities 20000 100000 --home benchmarks/out/engines --spark-master 'local[2]'

For each ``--entities`` value (its own workspace ``<home>_<N>``): generate (default period, seed 42) and ingest once,
then build the warehouse from scratch on each engine — DuckDB (``dbt build --full-refresh``) and Spark (target
``spark``, dbt from ``.venv-spark``; its catalogue and tables in the workspace) — seeds, every model and the
snapshot, as of the same date. Data tests are left out on both: on local Spark each test is a job of its own whose
start-up outweighs the rows at these scales, and the sizing is about the models. Per engine: wall time, the CPU
seconds of the whole process tree (dbt, and on Spark its JVM: each process's utime + stime, sampled from /proc every
0.2 s, so a process's last fraction of a second may be missed) and the tree's peak resident memory.

With two or more scales, the per-row cost is the slope between the smallest and the largest (CPU seconds per
million landed rows): the fixed cost of starting dbt and of ~140 nodes cancels out. Writes/updates the
"## Engines: DuckDB and local Spark" section of benchmarks/RESULTS.md (one row per scale and engine; other sections
untouched). Needs Java and ``.venv-spark`` (``./dev spark-env``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_build import landed_rows  # noqa: E402
from bench_generate import human_bytes, machine_facts  # noqa: E402

from ground.settings import SPARK_TARGET, Workspace, spark_env_dir  # noqa: E402
from warehouse.runner import dbt_env  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Engines: DuckDB and local Spark"
AS_OF = "2026-11-23"
BUILD = ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
TABLE_HEAD = (
    "| entities | landed rows | engine | settings | wall | CPU (process tree) | peak RSS (tree) | models | run at |\n"
    "|---:|---:|---|---|---:|---:|---:|---:|---|\n"
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    entities: int
    rows: int  # landed rows
    engine: str
    settings: str
    wall: float  # seconds
    cpu: float  # CPU seconds of the process tree
    peak: int  # peak RSS of the process tree, bytes
    models: int  # models built


def _tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc/<pid>/task/<pid>/children)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            continue
    return out


def _cpu_and_rss(pid: int) -> tuple[float, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # after the command's closing parenthesis: state is field 3, utime 14, stime 15, rss 24 (proc(5), 1-based)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS, int(fields[21]) * PAGE


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Run one step; return (wall seconds, CPU seconds of its process tree, peak RSS of the tree in bytes)."""
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    cpu: dict[int, float] = {}
    peak = 0
    while proc.poll() is None:
        rss = 0
        for pid in _tree(proc.pid):
            sample = _cpu_and_rss(pid)
            if sample:
                cpu[pid] = max(cpu.get(pid, 0.0), sample[0])
                rss += sample[1]
        peak = max(peak, rss)
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"step failed (exit {proc.returncode}): {' '.join(cmd)}")
    return wall, sum(cpu.values()), peak


def dbt_cmd(exe: Path, target: str, *args: str) -> list[str]:
    project = str(ROOT / "dbt_project")
    vars_ = json.dumps({"as_of_date": AS_OF})
    return [str(exe), *args, "--target", target, "--project-dir", project, "--profiles-dir", project, "--vars", vars_]


def models_built(results_file: Path) -> int:
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    return sum(1 for r in results if r["unique_id"].startswith("model.") and r["status"] == "success")


def measure(entities: int, home: Path, spark_master: str, spark_memory: str) -> list[Measured]:
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    ws = Workspace(home)
    env = dbt_env(ws)
    bin_dir = Path(sys.executable).parent
    subprocess.run([sys.executable, "-m", "feedgen", "--entities", str(entities), str(ws.feeds)], env=env, check=True)
    subprocess.run([str(bin_dir / "cwh"), "ingest"], env=env, check=True, stdout=subprocess.DEVNULL)
    rows = landed_rows(home)

    settings = ws.duckdb_settings()
    wall, cpu, peak = run(dbt_cmd(bin_dir / "dbt", "dev", *BUILD, "--full-refresh"), env, ROOT)
    built = models_built(home / "dbt" / "target" / "run_results.json")
    label = f"{settings['memory_limit']} memory, {settings['threads']} threads"
    duck = Measured(entities, rows, "DuckDB", label, wall, cpu, peak, built)

    spark = Workspace(home, SPARK_TARGET)
    spark_env = dbt_env(spark)
    spark_env.update(CWH_SPARK_MASTER=spark_master, CWH_SPARK_DRIVER_MEMORY=spark_memory)
    spark_env["DBT_TARGET_PATH"] = str(home / "dbt-spark" / "target")
    spark_env["DBT_LOG_PATH"] = str(home / "dbt-spark" / "logs")
    spark.spark.mkdir(parents=True, exist_ok=True)
    wall, cpu, peak = run(dbt_cmd(spark_env_dir() / "bin" / "dbt", "spark", *BUILD), spark_env, spark.spark)
    built = models_built(home / "dbt-spark" / "target" / "run_results.json")
    on_spark = Measured(entities, rows, "Spark", f"{spark_master}, driver {spark_memory}", wall, cpu, peak, built)
    print(duck, on_spark, sep="\n", flush=True)
    return [duck, on_spark]


def _row(m: Measured, at: str) -> str:
    return (
        f"| {m.entities:,} | {m.rows:,} | {m.engine} | {m.settings} | {m.wall:.0f} s | {m.cpu:.0f} s "
        f"| {human_bytes(m.peak)} | {m.models} | {at} |"
    )


def per_row_costs(measured: list[Measured]) -> list[str]:
    """CPU and wall seconds per million landed rows, per engine: the slope between the smallest and largest scale."""
    lines = []
    for engine in ("DuckDB", "Spark"):
        points = sorted((m for m in measured if m.engine == engine), key=lambda m: m.rows)
        if len(points) < 2 or points[-1].rows == points[0].rows:
            continue
        low, high = points[0], points[-1]
        million = (high.rows - low.rows) / 1e6
        lines.append(
            f"- {engine}: {(high.cpu - low.cpu) / million:.0f} CPU s and {(high.wall - low.wall) / million:.0f} wall s "
            f"per million landed rows (between {low.rows:,} and {high.rows:,} rows); fixed part at the smallest "
            f"scale: {low.wall:.0f} s wall"
        )
    return lines


def update_results(measured: list[Measured], facts: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    at = f"{datetime.now():%Y-%m-%d %H:%M}"
    rows = "\n".join(_row(m, at) for m in measured)
    section = (
        f"{HEADING}\n\n`python benchmarks/bench_engines.py --entities N [N …] --home DIR --spark-master 'local[K]'` — "
        f"per scale: generate (seed 42), ingest, then seeds, every model and the snapshot (no data tests) built from "
        f"scratch on each engine as of {AS_OF}; wall time, the CPU seconds of the process tree (dbt and Spark's JVM, "
        "sampled from /proc) and its peak RSS. Spark: dbt-spark in session mode on local pyspark.\n\n"
        + TABLE_HEAD
        + rows
        + "\n\nPer-row cost (slope between the smallest and the largest scale of this run):\n\n"
        + ("\n".join(per_row_costs(measured)) or "- one scale only: no slope")
        + f"\n\nMachine: {facts} Other work may have shared the machine during the runs.\n\n"
    )
    old = pattern.search(text)
    if old:
        text = pattern.sub(lambda _: section, text)
    else:  # a new section goes before the hand-written notes
        notes = text.find("\n## Notes")
        text = text[: notes + 1] + section + text[notes + 1 :] if notes >= 0 else text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, nargs="+", default=[20_000, 100_000], help="one or more scales")
    ap.add_argument("--home", type=Path, default=ROOT / "benchmarks" / "out" / "engines", help="workspaces: <home>_<N>")
    ap.add_argument("--spark-master", default="local[2]", help="Spark's master for the run (CWH_SPARK_MASTER)")
    ap.add_argument("--spark-driver-memory", default="8g", help="the driver's heap (CWH_SPARK_DRIVER_MEMORY)")
    ap.add_argument("--no-results", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    base = args.home.resolve()
    measured: list[Measured] = []
    for entities in args.entities:
        home = base.with_name(f"{base.name}_{entities}")
        measured += measure(entities, home, args.spark_master, args.spark_driver_memory)
    for line in per_row_costs(measured):
        print(line)
    if not args.no_results:
        update_results(measured, machine_facts())
        print(f"updated {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
