"""Benchmark the console's contains-search index: its build, and the searches that go through it.

    python benchmarks/bench_search_index.py [--names 12000000] [--searches 500] [--workdir DIR]

Writes a synthetic serving snapshot's search tables into a temporary DuckDB file (in a child process): about N names
of N / 1.2 enterprises with realistic
names (region + a 字号 of 2–4 characters, mostly common trade-name characters, some rare ones, a few Latin letters +
an industry word + 有限公司 or another form), 20 % of the enterprises with a former name as well, their USCCs; ``search_key`` and
``name_search`` are written by the snapshot's own SQL (``console.snapshot``). Then, in a child process (wall time and
peak RSS of that child, ``os.wait4``, DuckDB with the workspace's ``CWH_DUCKDB_*`` settings), the index the snapshot
builds after ``name_search`` (``console.snapshot.write_name_index``). Then times ``--searches`` contains-searches
through ``console.queries.search.search`` on a read-only connection as the console opens it (``--warm-up`` first,
not counted): fragments of 2, 3 and 4 characters from inside drawn names (a region never starts them, so no key starts
with them and the contains stage runs), one in ten made of two rare characters no name puts side by side; and, for
comparison, the plain scan the search used before (``--scan-searches`` of the same fragments). Writes/updates the
"## Console: contains-search index" section of benchmarks/RESULTS.md (one row per scale). Timings are never
asserted in tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from benchmarks.bench_generate import human_bytes, machine_facts  # noqa: E402
from console.normalise import search_key, sql_search_key  # noqa: E402
from console.queries import search as search_query  # noqa: E402
from console.serving import connect_snapshot  # noqa: E402
from console.snapshot import NAME_SEARCH  # noqa: E402
from feedgen import vocab  # noqa: E402
from feedgen.reference import short_place  # noqa: E402
from ground.settings import SEEDS_DIR, duckdb_memory_limit, duckdb_settings, duckdb_threads  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Console: contains-search index"
TABLE_HEAD = (
    "| enterprises | names | index rows | bigrams | build | build peak RSS | index on disk | searches | p50 | p95 "
    "| p99 | max | found | scan before: p50 / p95 | goal | met | load avg | run at |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|"
)
PAGE_P95_MS = 300.0  # issue 27: every page p95 ≤ 300 ms
FORMER_SHARE = 0.20
CHUNK = 1_000_000  # enterprises generated at a time
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "合伙企业(有限合伙)")
FORM_P = (0.82, 0.10, 0.04, 0.04)


def pools() -> dict[str, np.ndarray]:
    """Region prefixes (from the region seed), trade-name characters (common ones and GB2312's second level as the
    rare ones), Latin trade names and industry words (the generator's vocabulary)."""
    with (SEEDS_DIR / "reference" / "ref_region_codes.csv").open(encoding="utf-8") as fh:
        regions = [r for r in csv.DictReader(fh) if r["is_current"] == "true"]
    provinces = {short_place(r["province_name"]) for r in regions if r["province_name"]}
    prefixes = sorted(
        provinces
        | {short_place(r["region_name"]) for r in regions}
        | {short_place(r["province_name"]) + short_place(r["region_name"]) for r in regions if r["province_name"]}
    )
    common = list(dict.fromkeys(vocab.ZIHAO_CHARS))
    # (a name holds simplified characters: ingestion converts them, as the search converts what is typed)
    rare = [
        ch
        for hi in range(0xD8, 0xF8)
        for lo in range(0xA1, 0xFF)
        if (ch := _gb2312(hi, lo)) and ch not in set(common) and search_key(ch) == ch
    ]
    words = sorted({w for ws in vocab.INDUSTRY_WORDS.values() for w in ws})
    return {
        "region_codes": np.array(sorted({r["region_code"] for r in regions})),
        "prefixes": np.array(prefixes),
        "common": np.array([ord(c) for c in common], dtype=np.uint32),
        "rare": np.array([ord(c) for c in rare], dtype=np.uint32),
        "latin": np.array(vocab.LATIN_ZIHAO),
        "words": np.array(words),
    }


def _gb2312(hi: int, lo: int) -> str | None:
    try:
        return bytes((hi, lo)).decode("gb2312")
    except UnicodeDecodeError:
        return None


def names(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> tuple[pl.Series, pl.Series]:
    """n enterprise names and their region prefixes (vectorised: no loop over names)."""
    prefix = p["prefixes"][rng.integers(0, len(p["prefixes"]), n)]
    # 字号: 2–4 characters; common characters by a Zipf-like weight, one in seven a rare one
    length = rng.choice([2, 3, 4], n, p=[0.35, 0.45, 0.20])
    weights = 1.0 / (np.arange(len(p["common"])) + 20.0)
    codes = p["common"][rng.choice(len(p["common"]), (n, 4), p=weights / weights.sum())]
    rare = rng.random((n, 4)) < 1 / 7
    codes[rare] = p["rare"][rng.integers(0, len(p["rare"]), int(rare.sum()))]
    codes[np.arange(4) >= length[:, None]] = 0
    zihao = np.ascontiguousarray(codes).view("<U4").ravel()
    latin = rng.random(n) < 0.02
    zihao[latin] = p["latin"][rng.integers(0, len(p["latin"]), int(latin.sum()))]
    word = p["words"][rng.integers(0, len(p["words"]), n)]
    form = np.array(FORMS)[rng.choice(len(FORMS), n, p=FORM_P)]
    frame = pl.DataFrame({"prefix": prefix, "zihao": zihao, "word": word, "form": form})
    full = frame.select(pl.concat_str(["prefix", "zihao", "word", "form"]).alias("name"))["name"]
    return full, frame["prefix"]


def write_tables(path: Path, enterprises: int, seed: int) -> int:
    """The snapshot's enterprise, search_key and name_search tables for ``enterprises`` synthetic enterprises."""
    rng = np.random.default_rng(seed)
    p = pools()
    con = duckdb.connect(config=duckdb_settings(path))
    con.execute(f"attach '{path}' as snap")
    con.execute("create table snap.raw_names (uscc varchar, name varchar, prefix varchar, is_current boolean)")
    for start in range(0, enterprises, CHUNK):
        n = min(CHUNK, enterprises - start)
        # 91 + a registration region + a serial + a check character: shaped like a USCC, so DuckDB's zone maps
        # (the first 8 bytes of a string) tell row groups apart as they do on real codes
        region = p["region_codes"][rng.integers(0, len(p["region_codes"]), n)]
        serial = np.char.zfill(np.arange(start, start + n).astype(str), 9)
        uscc = pl.Series(np.char.add(np.char.add(np.char.add("91", region), serial), "X"))
        current, prefix = names(rng, p, n)
        former_rows = np.flatnonzero(rng.random(n) < FORMER_SHARE)
        former, former_prefix = names(rng, p, len(former_rows))
        chunk = pl.concat(
            [
                pl.DataFrame({"uscc": uscc, "name": current, "prefix": prefix, "is_current": True}),
                pl.DataFrame(
                    {"uscc": uscc.gather(former_rows), "name": former, "prefix": former_prefix, "is_current": False}
                ),
            ]
        )
        con.register("chunk", chunk.to_arrow())
        con.execute("insert into snap.raw_names select * from chunk")
        con.unregister("chunk")
    con.execute(
        """create table snap.enterprise as
           select uscc, name as enterprise_name, prefix as region_name, '存续' as registration_status
           from snap.raw_names where is_current order by uscc"""
    )
    name_key = sql_search_key("name")
    con.execute(
        f"""create table snap.search_key as
            select distinct search_key, uscc, kind from (
                select uscc as search_key, uscc, 'uscc' as kind from snap.enterprise
                union all
                select {name_key}, uscc, case when is_current then 'name' else 'former_name' end from snap.raw_names
            ) where search_key is not null order by search_key, uscc"""
    )
    con.execute("checkpoint snap")
    con.execute("set enable_progress_bar = false")
    con.execute("set force_compression = 'uncompressed'")  # as publish_snapshot writes it (UNCOMPRESSED_TABLES)
    con.execute(f"create table snap.name_search as {NAME_SEARCH}")
    con.execute("checkpoint snap")
    con.execute("reset force_compression")
    con.execute("drop table snap.raw_names")
    con.execute("checkpoint snap")
    total = con.execute("select count(*) from snap.name_search").fetchone()[0]
    con.close()
    return total


WRITE = """
import json, sys
from pathlib import Path
from benchmarks.bench_search_index import write_tables
print(json.dumps(write_tables(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
"""
BUILD = """
import json, sys, time
from pathlib import Path
import duckdb
from console.snapshot import write_name_index
from ground.settings import duckdb_settings
path = Path(sys.argv[1])
con = duckdb.connect(config=duckdb_settings(path))
con.execute(f"attach '{path}' as snap")
t0 = time.perf_counter()
rows = write_name_index(con, "snap")
con.execute("checkpoint snap")
rows["seconds"] = time.perf_counter() - t0
rows["size"] = con.execute(
    "select count(distinct block_id) * any_value(b.block_size) from (select block_id from pragma_storage_info('snap.name_bigram')"
    " union all select block_id from pragma_storage_info('snap.name_bigram_count')), "
    "(select block_size from pragma_database_size() where database_name = 'snap') b where block_id >= 0"
).fetchall()[0][0]
con.close()
print(json.dumps(rows))
"""


def child(code: str, *args: str) -> tuple[dict, float, int]:
    """Run ``code`` in a child Python (a parent that grew would pass on its peak RSS through fork); return its JSON
    answer, wall seconds and peak RSS (``os.wait4``)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"the child process failed: {out[-2000:]}")
    return json.loads(out.strip().splitlines()[-1]), time.perf_counter() - t0, usage.ru_maxrss * 1024


def write_tables_apart(path: Path, enterprises: int, seed: int) -> int:
    return child(WRITE, str(path), str(enterprises), str(seed))[0]


def build_index(path: Path) -> dict:
    """The index built in a child process: its rows and size, the child's wall time and peak RSS."""
    result, wall, rss = child(BUILD, str(path))
    result.update(wall=wall, rss=rss)
    return result


def fragments(path: Path, n: int, seed: int) -> list[str]:
    """Fragments of 2, 3 and 4 characters from inside drawn names (after their region prefix), and one in ten made
    of two rare characters that no name puts side by side."""
    rng = np.random.default_rng(seed + 1)
    p = pools()
    with duckdb.connect(str(path), read_only=True) as con:
        drawn = con.execute(
            f"""select enterprise_name, region_name from enterprise
                using sample reservoir({n} rows) repeatable ({seed})"""
        ).fetchall()
        out: list[str] = []
        for i, (name, region) in enumerate(drawn):
            if i % 10 == 9:
                while True:
                    a, b = (chr(int(c)) for c in p["rare"][rng.integers(0, len(p["rare"]), 2)])
                    if not con.execute(
                        "select count(*) from name_search where contains(search_key, ?)", [a + b]
                    ).fetchone()[0]:
                        break
                out.append(a + b)
            else:
                size = 2 + i % 3
                start = len(region) + int(rng.integers(0, max(1, len(name) - len(region) - size - 4)))
                out.append(name[start : start + size])
    rng.shuffle(out)
    return out


def pct(times: list[float], p: float) -> float:
    return times[min(len(times) - 1, int(p * len(times)))]


def time_searches(path: Path, queries: list[str], warm_up: int) -> tuple[list[float], int]:
    con = connect_snapshot(path)
    cur = con.cursor()
    for q in queries[:warm_up]:
        search_query.search(cur, q)
    times, found = [], 0
    for q in queries:
        t = time.perf_counter()
        hits = search_query.search(cur, q)
        times.append((time.perf_counter() - t) * 1000)
        found += bool(hits)
    con.close()
    return sorted(times), found


def time_scans(path: Path, queries: list[str]) -> list[float]:
    """The contains stage as it was: a scan of every name that stops at twice the page."""
    con = connect_snapshot(path)
    cur = con.cursor()
    times = []
    for q in queries:
        t = time.perf_counter()
        cur.execute(search_query.SCAN_SQL, [q, 100]).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    con.close()
    return sorted(times)


def record(row: str, detail: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    existing: dict[int, str] = {}
    if f"\n{HEADING}\n" in text:  # the whole heading line: "## Console" starts other headings too
        start = text.index(f"\n{HEADING}\n") + 1
        end = text.find("\n## ", start + 1)
        for line in text[start : end if end >= 0 else None].splitlines():
            if m := re.match(r"\| ([\d,]+) \|", line):
                existing[int(m.group(1).replace(",", ""))] = line
    existing[int(row.split("|")[1].strip().replace(",", ""))] = row
    body = (
        f"{HEADING}\n\n`python benchmarks/bench_search_index.py --names N` — synthetic names in the serving "
        "snapshot's layout (region + 2–4 character 字号 + industry word + 有限公司 or another form; 20 % of the "
        "enterprises with a former name as well), `search_key` and `name_search` written by the snapshot's SQL. "
        "*build*: `console.snapshot.write_name_index` (the bigram index `name_bigram` and its posting lengths "
        "`name_bigram_count`) in a child process, wall time and that child's peak RSS (`os.wait4`), DuckDB with "
        "`CWH_DUCKDB_*` (*DuckDB settings* below); *index on disk*: the two tables' blocks. Searches: "
        "`console.queries.search.search` one at a time on a read-only connection as the console opens it, after "
        "50 uncounted ones; fragments of 2, 3 and 4 characters from inside drawn names (a contains-search: no key "
        "starts with them), one in ten two rare characters that no name holds side by side; *found*: searches with "
        "a hit. *scan before*: the same fragments by the scan the contains stage ran before the index. Goal (issue "
        f"27): p95 ≤ {PAGE_P95_MS:g} ms per page. *load avg*: the machine's 1-minute load after the searches "
        "(2 cores, shared).\n\n"
        f"{TABLE_HEAD}\n" + "\n".join(existing[k] for k in sorted(existing)) + f"\n\n{detail}\n"
    )
    if f"\n{HEADING}\n" in text:  # the whole heading line: "## Console" starts other headings too
        start = text.index(f"\n{HEADING}\n") + 1
        nxt = text.find("\n## ", start + 1)
        text = text[:start] + body + ("\n" + text[nxt + 1 :] if nxt >= 0 else "")
    else:  # a new section goes before the hand-written notes
        notes = text.find("\n## Notes")
        text = text[: notes + 1] + body + "\n" + text[notes + 1 :] if notes >= 0 else text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=12_000_000, help="names (current and former: 1.2 per enterprise)")
    ap.add_argument("--searches", type=int, default=500)
    ap.add_argument("--scan-searches", type=int, default=100, help="of the same fragments, by the old scan")
    ap.add_argument("--warm-up", type=int, default=50)
    ap.add_argument("--seed", type=int, default=27)
    ap.add_argument("--workdir", type=Path, default=None, help="where the temporary DuckDB file goes")
    ap.add_argument("--no-results", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        path = Path(tmp) / "snapshot.duckdb"
        t0 = time.perf_counter()
        enterprises = round(args.names / (1 + FORMER_SHARE))
        total = write_tables_apart(path, enterprises, args.seed)
        print(f"{total:,} names of {enterprises:,} enterprises written in {time.perf_counter() - t0:.0f} s")
        built = build_index(path)
        print(
            f"index: {built['name_bigram']:,} rows, {built['name_bigram_count']:,} bigrams, "
            f"{built['wall']:.1f} s, peak RSS {human_bytes(built['rss'])}, {human_bytes(built['size'])} on disk",
            flush=True,
        )
        queries = fragments(path, args.searches, args.seed)
        times, found = time_searches(path, queries, args.warm_up)
        load = os.getloadavg()[0]
        scans = time_scans(path, queries[: args.scan_searches]) if args.scan_searches else []
    p50, p95, p99 = pct(times, 0.5), pct(times, 0.95), pct(times, 0.99)
    print(
        f"searches: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms, "
        f"{found}/{len(times)} found; scan before: "
        + (f"p50 {pct(scans, 0.5):.0f} ms, p95 {pct(scans, 0.95):.0f} ms" if scans else "not run")
    )
    if not args.no_results:
        now = datetime.now().strftime("%Y-%m-%d %H:%M")
        scan = f"{pct(scans, 0.5):.0f} / {pct(scans, 0.95):.0f} ms ({len(scans)})" if scans else "—"
        row = (
            f"| {enterprises:,} | {total:,} | {built['name_bigram']:,} | {built['name_bigram_count']:,} | "
            f"{built['wall']:.1f} s | {human_bytes(built['rss'])} | {human_bytes(built['size'])} | {len(times):,} | "
            f"{p50:.1f} ms | {p95:.1f} ms | {p99:.1f} ms | {times[-1]:.1f} ms | {found:,} | {scan} | "
            f"p95 ≤ {PAGE_P95_MS:g} ms | {'yes' if p95 <= PAGE_P95_MS else '**no**'} | {load:.1f} | {now} |"
        )
        detail = (
            f"DuckDB settings: memory_limit {duckdb_memory_limit()}, threads {duckdb_threads()} for the build; "
            f"the searches on a read-only connection with DuckDB's defaults, as `console.serving` opens it; "
            f"duckdb {duckdb.__version__}.\n\nMachine: {machine_facts()}"
        )
        record(row, detail)
        print(f"updated {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
