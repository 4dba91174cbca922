"""``python -m feedgen OUT_DIR [--entities N] [--seed S] …`` — generate() from a shell; ``--next-day``: next_day()."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from feedgen import generate, next_day
from feedgen.config import MAX_DEFAULT_WORKERS, WORKERS_ENV, default_workers
from ground.errors import ActionableError


def _workers(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"进程数应为不小于 1 的整数，收到 {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m feedgen", description="生成模拟的部门报送数据（synthetic producer feeds）"
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--entities", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2023, 7, 1))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31))
    ap.add_argument("--province", default="31")
    ap.add_argument("--fault-rate", type=float, default=0.01)
    ap.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help=f"使用的进程数（默认：环境变量 {WORKERS_ENV}，否则本机可用 CPU 数，至多 {MAX_DEFAULT_WORKERS}）；结果与进程数无关",
    )
    ap.add_argument(
        "--next-day", action="store_true", help="在已生成的接收目录中追加最后一次接收之后一天的报送（约 0.1%% 的行）"
    )
    args = ap.parse_args(argv)
    if args.next_day:
        nd = next_day(args.out_dir)
        print(f"{len(nd.files)} files, {nd.total_rows:,} rows received on {nd.day} → {args.out_dir}")
        return 0
    try:
        workers = args.workers if args.workers is not None else default_workers()
    except ActionableError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    report = generate(
        args.out_dir,
        entities=args.entities,
        seed=args.seed,
        start=args.start,
        end=args.end,
        province=args.province,
        fault_rate=args.fault_rate,
        workers=workers,
        progress=lambda done, total: print(f"\r{done:,}/{total:,}", end="", file=sys.stderr),
    )
    print(file=sys.stderr)
    print(
        f"{len(report.files)} files, {report.total_rows:,} rows, {report.total_faults:,} planted faults, "
        f"{report.seconds:.1f} s → {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
