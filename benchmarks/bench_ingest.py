"""Benchmark ingestion + validation of one large penalty batch against DuckDB loading the same file.

    python benchmarks/bench_ingest.py --rows 10000000 --out benchmarks/out/ingest

In one run: writes a penalty CSV of ``--rows`` rows (vectorised, polars; realistic identifiers with valid check
characters, Chinese headers, ~1 % planted faults), then times, each in its own child process,
(a) ``ingestion.ingest_file`` — read, clean, validate every row against the generated pandera schema, land
Parquet with provenance, quarantine with every reason, ledger — and (b) DuckDB
``CREATE TABLE t AS SELECT * FROM read_csv(...)`` into a database file. The pair is timed ``--repeat`` times on the
same file (the machine's speed drifts within minutes). Reports wall time and peak RSS (``ru_maxrss`` of each child,
from ``os.wait4``) and the ratio of each pair, and writes the median pair to
benchmarks/RESULTS.md ("## Ingestion vs DuckDB read_csv"). Not a test: timings are never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_generate import human_bytes, machine_facts  # noqa: E402
from contracts import load_contracts  # noqa: E402
from feedgen.ids import build_usccs, ric_check_chars  # noqa: E402
from ground.identifiers import USCC_ALPHABET  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Ingestion vs DuckDB read_csv"
TABLE_HEAD = (
    "| rows | file size | faults planted | ingest + validate | peak RSS | DuckDB read_csv | peak RSS "
    "| ratio | landed | quarantined | run at |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
)
POOL = 200_000  # distinct enterprises the penalties are drawn from
CHUNK = 500_000
FAULT_RATE = 0.01

DISTRICTS = [
    "黄浦",
    "徐汇",
    "长宁",
    "静安",
    "普陀",
    "虹口",
    "杨浦",
    "闵行",
    "宝山",
    "嘉定",
    "浦东",
    "金山",
    "松江",
    "青浦",
    "奉贤",
    "崇明",
]
ZIHAO = list("鑫达华瑞祥泰恒丰源盛嘉禾宏宇兴隆永安佳美新锐博德信诚和润海川")
TRADES = ["餐饮管理", "食品销售", "贸易", "商务咨询", "科技", "建筑装饰", "物业管理", "医药", "服装", "汽车维修"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚")
VIOLATIONS = [
    ("食品安全", "经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    ("质量安全", "生产不符合保障人体健康的产品", "《中华人民共和国产品质量法》第四十九条"),
    ("侵害消费者权益", "虚假宣传", "《中华人民共和国反不正当竞争法》第二十条"),
    ("其他", "未按规定公示年度报告", "《企业信息公示暂行条例》第十七条"),
]
PENALTY_TYPES = ["罚款", "警告", "没收违法所得;罚款", "警告;罚款", "罚款;吊销许可证件"]


def _pick(rng: np.random.Generator, values: list[str], n: int) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(rng.integers(0, len(values), n))


def enterprise_pool(rng: np.random.Generator) -> pl.DataFrame:
    alphabet = np.array(list(USCC_ALPHABET))
    bodies = ["".join(r) for r in alphabet[rng.integers(0, 31, (POOL, 8))]]
    regions = [f"3101{x:02d}" for x in rng.integers(1, 20, POOL)]
    usccs = build_usccs(["91"] * POOL, regions, bodies)
    born = rng.integers(date(1955, 1, 1).toordinal(), date(2000, 12, 31).toordinal(), POOL)
    first17 = [
        f"{r}{date.fromordinal(int(b)):%Y%m%d}{s:03d}" for r, b, s in zip(regions, born, rng.integers(0, 999, POOL))
    ]
    rics = [f + c for f, c in zip(first17, ric_check_chars(first17))]
    names = pl.concat_str(
        [pl.lit("上海"), _pick(rng, ZIHAO, POOL), _pick(rng, ZIHAO, POOL), _pick(rng, TRADES, POOL), pl.lit("有限公司")]
    )
    reps = pl.concat_str([_pick(rng, SURNAMES, POOL), _pick(rng, GIVEN, POOL), _pick(rng, GIVEN, POOL)])
    return pl.DataFrame({"uscc": usccs.tolist(), "legal_rep_id_number": rics}).with_columns(
        party_name=names, legal_rep_name=reps
    )


def penalty_chunk(rng: np.random.Generator, pool: pl.DataFrame, start: int, n: int) -> tuple[pl.DataFrame, int]:
    ent = pool[rng.integers(0, POOL, n)]
    district = _pick(rng, DISTRICTS, n)
    year = rng.integers(2023, 2027, n)
    decided = (
        rng.integers(date(2023, 1, 1).toordinal(), date(2026, 10, 31).toordinal(), n) - date(1970, 1, 1).toordinal()
    )
    v = rng.integers(0, len(VIOLATIONS), n)
    fine = np.round(np.exp(rng.normal(0.3, 1.25, n)).clip(0.05, 200), 2)
    frame = pl.DataFrame(
        {
            "party_name": ent["party_name"],
            "party_category": "法人及非法人组织",
            "uscc": ent["uscc"],
            "legal_rep_name": ent["legal_rep_name"],
            "legal_rep_id_type": "身份证",
            "legal_rep_id_number": ent["legal_rep_id_number"],
            "district": district,
            "year": year,
            "seq": np.arange(start, start + n),
            "violation_type": pl.Series([x[0] for x in VIOLATIONS]).gather(v),
            "violation_facts": pl.Series([x[1] for x in VIOLATIONS]).gather(v),
            "legal_basis": pl.Series([x[2] for x in VIOLATIONS]).gather(v),
            "penalty_types": _pick(rng, PENALTY_TYPES, n),
            "fine": fine,
            "decision_date": pl.Series(decided).cast(pl.Date),
        }
    ).with_columns(
        decision_number=pl.format(
            "沪市监{}处〔{}〕{}号", "district", "year", pl.col("seq").cast(pl.String).str.zfill(9)
        ),
        penalty_content=pl.format("罚款{}万元", "fine"),
        fine_amount_wan=pl.col("fine").cast(pl.String),
        confiscation_amount_wan=pl.lit(""),
        revoked_licence=pl.lit(""),
        valid_until=pl.col("decision_date").dt.offset_by("3y").cast(pl.String),
        publicity_end=pl.lit(""),
        authority_name=pl.format("上海市{}区市场监督管理局", "district"),
        authority_uscc=pl.lit("11310000MB2F29521E"),
        domain_code="violation_type",
        heavier_discretion=pl.lit("否"),
        procedure_type=pl.lit("普通程序"),
        record_status=pl.lit("正常"),
        source_unit=pl.format("上海市{}区市场监督管理局", "district"),
        source_unit_uscc=pl.lit("11310000MB2F29521E"),
        remarks=pl.lit(""),
        decision_date=pl.col("decision_date").cast(pl.String),
    )
    # ~1 % faults, one kind per row: bad check character, bad date, missing party name, unknown code, exact copy
    kind = np.where(rng.random(n) < FAULT_RATE, rng.integers(1, 6, n), 0)
    kind[0] = 0
    fields = [f.name for f in load_contracts()["penalties"].fields]
    frame = (
        frame.with_columns(
            _kind=pl.Series(kind),
            _shift=pl.Series(rng.integers(1, 31, n)),  # a different character of the 31, never the right one
        )
        .with_columns(
            _last=(
                pl.col("uscc")
                .str.slice(17, 1)
                .replace_strict(list(USCC_ALPHABET), list(range(31)), return_dtype=pl.Int64)
                + pl.col("_shift")
            )
            % 31,
        )
        .with_columns(
            _last=pl.col("_last").replace_strict(list(range(31)), list(USCC_ALPHABET), return_dtype=pl.String),
        )
        .with_columns(
            uscc=pl.when(pl.col("_kind") == 1)
            .then(pl.col("uscc").str.slice(0, 17) + pl.col("_last"))
            .otherwise("uscc"),
            decision_date=pl.when(pl.col("_kind") == 2).then(pl.lit("2025-13-45")).otherwise("decision_date"),
            party_name=pl.when(pl.col("_kind") == 3).then(pl.lit("")).otherwise("party_name"),
            party_category=pl.when(pl.col("_kind") == 4).then(pl.lit("法人")).otherwise("party_category"),
        )
    )
    copy = pl.col("_kind") == 5
    # every contract field, in order (the local layout): the ones not drawn here (secondary identifiers, the
    # party's own ID) are empty, as they mostly are for organisations
    frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in fields if c not in frame.columns])
    frame = frame.select([pl.when(copy).then(pl.col(c).shift(1)).otherwise(pl.col(c)).alias(c) for c in fields])
    return frame, int((kind > 0).sum())


def write_csv(path: Path, rows: int, seed: int) -> tuple[int, float]:
    rng = np.random.default_rng(seed)
    pool = enterprise_pool(rng)
    contract = load_contracts()["penalties"]
    labels = {f.name: f.label for f in contract.fields}
    path.parent.mkdir(parents=True, exist_ok=True)
    faults, t0 = 0, time.perf_counter()
    with path.open("wb") as fh:
        for start in range(0, rows, CHUNK):
            frame, k = penalty_chunk(rng, pool, start, min(CHUNK, rows - start))
            faults += k
            frame.rename(labels).write_csv(fh, include_header=start == 0)
    return faults, time.perf_counter() - t0


INGEST = """
import json, sys
from pathlib import Path
from ground.runtime import configure_allocator
configure_allocator()
from contracts import load_contracts
from ground.settings import Workspace
from ingestion import ingest_file
ws = Workspace(Path(sys.argv[1])).ensure()
r = ingest_file(ws, load_contracts()["penalties"], Path(sys.argv[2]))
print(json.dumps({"status": r.status, "read": r.rows_read, "landed": r.rows_landed, "quarantined": r.rows_quarantined,
                  "by_rule": r.rejects_by_rule}))
"""
DUCKDB = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("set enable_progress_bar = false")
con.execute("create table t as select * from read_csv(?)", [sys.argv[2]])
print(con.execute("select count(*) from t").fetchone()[0])
"""


def timed(code: str, *args: str) -> tuple[float, int, str]:
    """Run ``code`` in a child Python; return (wall seconds, peak RSS bytes of that child, its stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {out[-2000:]}")
    return wall, usage.ru_maxrss * 1024, out.strip()


def update_results(row: str, detail: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    old = pattern.search(text)
    rows: dict[int, str] = {}
    if old:
        for line in old.group(0).splitlines():
            if m := re.match(r"^\| ([\d,]+) \|", line):
                rows[int(m.group(1).replace(",", ""))] = line
    rows[int(row.split("|")[1].strip().replace(",", ""))] = row
    section = (
        f"{HEADING}\n\n`python benchmarks/bench_ingest.py --rows N` — one penalty CSV (UTF-8, Chinese headers, "
        f"~{FAULT_RATE:.0%} planted faults), timed in the same run: (a) `ingest_file` (read, clean, validate every "
        "row with the generated pandera schema, land Parquet + provenance, quarantine, ledger), (b) DuckDB "
        "`CREATE TABLE t AS SELECT * FROM read_csv(...)` into a database file. Each in its own child process; "
        "peak RSS is that child's `ru_maxrss`. Ratio = (a) / (b); the goal is ≤ 1.5×. The pair is timed "
        "`--repeat` times (default 3) on the same file and the median pair is reported.\n\n"
        + TABLE_HEAD
        + "\n".join(rows[k] for k in sorted(rows))
        + "\n\n"
        + detail
        + "\n\n"
    )
    text = pattern.sub(lambda _: section, text) if old else text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "ingest")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed pairs (ingest, then DuckDB) on the same file; the row reports the median pair",
    )
    ap.add_argument("--no-results", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)

    import shutil

    shutil.rmtree(args.out, ignore_errors=True)
    home = args.out / "home"
    csv = home / "feeds" / "amr_enforcement" / "penalties" / "penalties_bench.csv"
    faults, gen_s = write_csv(csv, args.rows, args.seed)
    size = csv.stat().st_size
    os.sync()  # the file's pages written back first: neither timed step should pay for that writeback
    print(f"wrote {args.rows:,} rows ({human_bytes(size)}, {faults:,} faults) in {gen_s:.1f} s", flush=True)

    pairs = []
    for k in range(args.repeat):  # a shared 2-core VM drifts by a tenth or more within minutes: pair and repeat
        for done in ("landing", "quarantine"):  # the ledger is under landing/: every pair ingests the file anew
            shutil.rmtree(home / done, ignore_errors=True)
        ours_s, ours_rss, out = timed(INGEST, str(home), str(csv))
        result = json.loads(out.splitlines()[-1])
        assert result["read"] == result["landed"] + result["quarantined"] == args.rows, result
        (args.out / "duck.duckdb").unlink(missing_ok=True)
        duck_s, duck_rss, out = timed(DUCKDB, str(args.out / "duck.duckdb"), str(csv))
        pairs.append((ours_s / duck_s, ours_s, ours_rss, duck_s, duck_rss))
        print(
            f"pair {k + 1}: (a) ingest + validate {ours_s:.1f} s, peak RSS {human_bytes(ours_rss)}; "
            f"(b) DuckDB read_csv {duck_s:.1f} s, peak RSS {human_bytes(duck_rss)} ({out} rows); "
            f"ratio {ours_s / duck_s:.2f}×",
            flush=True,
        )
    ratio, ours_s, ours_rss, duck_s, duck_rss = sorted(pairs)[len(pairs) // 2]
    ratios = ", ".join(f"{p[0]:.2f}×" for p in pairs)
    print(f"{result}\nmedian pair: ratio {ratio:.2f}× (all: {ratios})")

    if not args.no_results:
        import duckdb

        row = (
            f"| {args.rows:,} | {human_bytes(size)} | {faults:,} | {ours_s:.1f} s | {human_bytes(ours_rss)} "
            f"| {duck_s:.1f} s | {human_bytes(duck_rss)} | {ratio:.2f}× | {result['landed']:,} "
            f"| {result['quarantined']:,} | {datetime.now():%Y-%m-%d %H:%M} |"
        )
        rules = ", ".join(f"{k} {v:,}" for k, v in sorted(result["by_rule"].items()))
        detail = (
            f"Latest run ({args.rows:,} rows): {len(pairs)} pairs, ratios {ratios}; the row shows the median pair. "
            f"Quarantined by rule: {rules}.\n\n"
            f"Machine: {machine_facts()} "
            f"polars {pl.__version__}, duckdb {duckdb.__version__}."
        )
        update_results(row, detail)
    shutil.rmtree(args.out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
