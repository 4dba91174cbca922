"""Benchmark the supervisors' console over HTTP: p50 / p95 / p99 per page and for the interception API.

    python benchmarks/bench_console.py --home DIR [--requests 500]

Against a built workspace (``cwh run`` / ``cwh build`` published its serving snapshot), starts the real server
(``cwh serve`` in a child process, uvicorn, on a free port), adds a benchmark user and an API token to the workspace
(``--replace``: run it on a workspace of its own), signs in, then times each workload one request at a time on one
warm connection (``--warm-up`` requests first, not counted): search by a name prefix, search by four characters from
inside a name (a contains-search), the enterprise record, the lists page, the why-this-class page (when the record page links to one) and the interception JSON API (half USCCs, half
ID numbers of legal representatives, as of the snapshot's date). Inputs are drawn from the snapshot with a fixed seed.
Every look-up is written to the workspace's audit log, as in production (written before the answer, fsynced by a
group commit: console/audit.py): that cost is in
the figures. Writes/updates the "## Console" section of benchmarks/RESULTS.md (one row per scale and workload; other
sections untouched). Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import secrets
import socket
import subprocess
import sys
import time
from datetime import datetime
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import httpx  # noqa: E402

from console import current_snapshot  # noqa: E402
from console.serving import connect_snapshot  # noqa: E402
from creditwh import jobs  # noqa: E402
from ground.settings import Workspace  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Console"
TABLE_HEAD = (
    "| enterprises | workload | requests | p50 | p95 | p99 | max | goal | met | load avg | run at |\n"
    "|---:|---|---:|---:|---:|---:|---:|---|---|---:|---|"
)
# issue 27: every page ≤ 300 ms at p95; the interception API p99 ≤ 5 ms (over HTTP, on this machine)
PAGE_P95_MS = 300.0
API_P99_MS = 5.0
WORKLOADS = (
    "search by name prefix",
    "search by name fragment",
    "enterprise record",
    "lists page",
    "why this class",
    "interception API",
)
USER = "bench-supervisor"
SYSTEM = "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "creditwh.cli", "serve", "--home", str(home), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"cwh serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"cwh serve did not answer within 120 s:\n{log.read_text()}")


def inputs(ws: Workspace, n: int, rng: random.Random) -> dict[str, list]:
    """Name prefixes, USCCs (some with a risk class) and identifiers for the API, drawn from the snapshot."""
    with connect_snapshot(current_snapshot(ws).path) as con:
        names = [
            r[0]
            for r in con.execute(
                "select enterprise_name from enterprise using sample reservoir(2000 rows) repeatable (27)"
            ).fetchall()
        ]
        usccs = [
            r[0]
            for r in con.execute(
                "select uscc from enterprise using sample reservoir(2000 rows) repeatable (27)"
            ).fetchall()
        ]
        classed = [
            r[0]
            for r in con.execute(
                "select uscc from risk_class using sample reservoir(2000 rows) repeatable (27)"
            ).fetchall()
        ]
    landed = ws.landing / "registry"
    with duckdb.connect() as con:
        ids = [
            r[0]
            for r in con.execute(
                "select distinct legal_rep_id_number from read_parquet(?) where legal_rep_id_number is not null "
                "order by 1 limit 2000",
                [str(landed / "**" / "*.parquet")],
            ).fetchall()
        ]
    # a user types part of a name: its first half (at least four characters)
    prefixes = [name[: max(4, len(name) // 2)] for name in names]
    # or four characters from inside it, without the region it starts with (a contains-search over every name)
    fragments = [name[2:6] if len(name) >= 8 else name[1:3] for name in names]
    api = [rng.choice(usccs) if i % 2 else rng.choice(ids or usccs) for i in range(n)]
    return {
        "prefixes": [rng.choice(prefixes) for _ in range(n)],
        "fragments": [rng.choice(fragments) for _ in range(n)],
        "usccs": [rng.choice(usccs) for _ in range(n)],
        "classed": [rng.choice(classed) for _ in range(n)] if classed else [],
        "api": api,
    }


def timed(send, args: list, warm_up: int) -> list[float]:
    for a in args[:warm_up]:
        send(a)
    times = []
    for a in args:
        t = time.perf_counter()
        send(a)
        times.append((time.perf_counter() - t) * 1000)
    return sorted(times)


def pct(times: list[float], p: float) -> float:
    return times[min(len(times) - 1, int(p * len(times)))]


def link(html: str, pattern: str) -> str | None:
    m = re.search(pattern, html)
    return unescape(m.group(1)) if m else None


def measure(home: Path, requests: int, warm_up: int) -> tuple[int, list[dict]]:
    ws = Workspace(home)
    info = current_snapshot(ws)
    if info is None:
        raise SystemExit(f"{home} 没有服务快照：先运行 `cwh run --home {home}`（或 `cwh build`）")
    password = secrets.token_urlsafe(18)
    jobs.console_add_user(ws, USER, "supervisor", password, replace=True)
    token = jobs.console_add_token(ws, SYSTEM, replace=True)
    data = inputs(ws, requests, random.Random(27))
    port = free_port()
    proc = start_server(home, port, home / "console" / "bench_serve.log")
    results = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            r = client.post("/login", data={"username": USER, "password": password})
            if r.status_code != 303:  # signed in: redirected to the search page
                raise SystemExit(f"sign-in failed: {r.status_code}")

            def get(path: str, params: dict | None = None) -> httpx.Response:
                r = client.get(path, params=params)
                if r.status_code != 200:
                    raise SystemExit(f"GET {r.url} → {r.status_code}")
                return r

            workloads: list[tuple[str, str, object, list]] = [
                ("search by name prefix", "page", lambda q: get("/search", {"q": q}), data["prefixes"]),
                ("search by name fragment", "page", lambda q: get("/search", {"q": q}), data["fragments"]),
                ("enterprise record", "page", lambda u: get(f"/enterprise/{u}"), data["usccs"]),
            ]
            lists = link(get("/search").text, r'<a href="([^"]+)"[^>]*>[^<]*名单[^<]*</a>')
            if lists:
                workloads.append(("lists page", "page", lambda _: get(lists), [None] * requests))
            else:
                print("no lists page linked from the navigation: not measured", flush=True)
            why = None
            if data["classed"]:
                tag = link(get(f"/enterprise/{data['classed'][0]}").text, r'(<a [^>]*id="why-class-link"[^>]*>)')
                why = tag and link(tag, r'href="([^"]+)"')
            if why:
                template = why.replace(data["classed"][0], "{uscc}")
                workloads.append(("why this class", "page", lambda u: get(template.format(uscc=u)), data["classed"]))
            else:
                print("the record page has no #why-class-link: the why-this-class page is not measured", flush=True)
            auth = {"Authorization": f"Bearer {token}"}
            day = info.as_of_date.isoformat()

            def api(identifier: str) -> None:
                r = client.post("/api/v1/interception", json={"identifier": identifier, "as_of": day}, headers=auth)
                if r.status_code != 200:
                    raise SystemExit(f"POST /api/v1/interception → {r.status_code}: {r.text}")

            workloads.append(("interception API", "api", api, data["api"]))
            for name, kind, send, args in workloads:
                times = timed(send, args, warm_up)
                goal, value = (
                    (f"p99 ≤ {API_P99_MS:g} ms", pct(times, 0.99))
                    if kind == "api"
                    else (f"p95 ≤ {PAGE_P95_MS:g} ms", pct(times, 0.95))
                )
                limit = API_P99_MS if kind == "api" else PAGE_P95_MS
                row = {
                    "workload": name,
                    "requests": len(times),
                    "p50": pct(times, 0.50),
                    "p95": pct(times, 0.95),
                    "p99": pct(times, 0.99),
                    "max": times[-1],
                    "goal": goal,
                    "met": value <= limit,
                    "loadavg": os.getloadavg()[0],
                }
                print(
                    f"{name}: p50 {row['p50']:.2f} ms, p95 {row['p95']:.2f} ms, p99 {row['p99']:.2f} ms, "
                    f"max {row['max']:.1f} ms ({goal}: {'met' if row['met'] else 'NOT met'})",
                    flush=True,
                )
                results.append(row)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return info.rows.get("enterprise", 0), results


def _order(workload: str) -> int:
    return WORKLOADS.index(workload) if workload in WORKLOADS else len(WORKLOADS)


def record(enterprises: int, results: list[dict], warm_up: int) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    existing: dict[tuple[int, str], str] = {}
    if f"\n{HEADING}\n" in text:  # the whole heading line: "## Console" starts other headings too
        start = text.index(f"\n{HEADING}\n") + 1
        end = text.find("\n## ", start + 1)
        for line in text[start : end if end >= 0 else None].splitlines():
            m = re.match(r"\| ([\d,]+) \| ([^|]+?) \|", line)
            if m:
                existing[(int(m.group(1).replace(",", "")), m.group(2))] = line
    now = datetime.now().strftime("%Y-%m-%d %H:%M")
    for r in results:
        existing[(enterprises, r["workload"])] = (
            f"| {enterprises:,} | {r['workload']} | {r['requests']:,} | {r['p50']:.2f} ms | {r['p95']:.2f} ms | "
            f"{r['p99']:.2f} ms | {r['max']:.1f} ms | {r['goal']} | {'yes' if r['met'] else '**no**'} | "
            f"{r['loadavg']:.1f} | {now} |"
        )
    body = (
        f"{HEADING}\n\n`python benchmarks/bench_console.py --home DIR` — the real server (`cwh serve`, uvicorn, one "
        f"process) on a built workspace's serving snapshot, measured over HTTP from one client (httpx), one request "
        f"at a time on a warm connection after {warm_up} uncounted requests; inputs drawn from the snapshot "
        f"(seed 27). Pages as a signed-in supervisor; every look-up appends to the audit log (group commit) as in "
        f"production. Goals (issue 27): every page p95 ≤ {PAGE_P95_MS:g} ms, the interception API p99 ≤ "
        f"{API_P99_MS:g} ms. *load avg*: the machine's 1-minute load after the workload (2 cores, shared).\n\n"
        f"{TABLE_HEAD}\n"
        + "\n".join(existing[k] for k in sorted(existing, key=lambda k: (k[0], _order(k[1]))))
        + f"\n\nMachine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}, httpx {httpx.__version__}.\n"
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
    ap.add_argument("--home", type=Path, required=True, help="a built workspace (cwh run --home DIR)")
    ap.add_argument("--requests", type=int, default=500, help="timed requests per workload")
    ap.add_argument("--warm-up", type=int, default=50, help="uncounted requests before each workload")
    ap.add_argument("--no-results", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    enterprises, results = measure(args.home.resolve(), args.requests, args.warm_up)
    if not args.no_results:
        record(enterprises, results, args.warm_up)
        print(f"updated {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
