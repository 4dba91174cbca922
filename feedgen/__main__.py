"""``python -m feedgen OUT_DIR [--entities N] [--seed S] …`` — generate() from a shell; ``--next-day``: next_day()."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from feedgen import generate, next_day


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
        "--next-day", action="store_true", help="在已生成的接收目录中追加最后一次接收之后一天的报送（约 0.1% 的行）"
    )
    args = ap.parse_args(argv)
    if args.next_day:
        nd = next_day(args.out_dir)
        print(f"{len(nd.files)} files, {nd.total_rows:,} rows received on {nd.day} → {args.out_dir}")
        return 0
    report = generate(
        args.out_dir,
        entities=args.entities,
        seed=args.seed,
        start=args.start,
        end=args.end,
        province=args.province,
        fault_rate=args.fault_rate,
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
