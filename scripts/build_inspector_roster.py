"""Write the synthetic inspector roster (执法检查人员名录库) seed for the double-random inspection plan.

    python scripts/build_inspector_roster.py [--province 31] [--per-district 8] [--provincial 12]

Units and their USCCs are the same market-supervision bureaus the feed generator uses (feedgen.reference), so
the rule "no inspector is assigned to an enterprise their own unit penalised in the last year" can be checked
against the generated penalties. Names come from Faker (zh_CN) with a fixed seed: the file is reproducible.
Inspector ids follow the inspections feed (<region code><5-digit number>). The provincial bureau's inspectors
cover the whole province (jurisdiction = the province code + 0000).
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from faker import Faker

from feedgen.reference import load_geo
from ground.files import atomic_write_text

SEED_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "risk" / "ref_inspectors.csv"
COLUMNS = ("inspector_id", "inspector_name", "unit_name", "unit_uscc", "jurisdiction_code", "valid_from", "valid_to")
ROSTER_FROM = "2022-01-01"


def roster(province: str, per_district: int, provincial: int) -> list[dict[str, str]]:
    geo = load_geo(province)
    fake = Faker("zh_CN")
    fake.seed_instance(int(province))
    rows = []
    units = [(i, per_district) for i in range(geo.n_regions)] + [(geo.provincial, provincial)]
    for unit, count in units:
        region = geo.auth_region[unit]
        for k in range(1, count + 1):
            rows.append(
                {
                    "inspector_id": f"{region}{k:05d}",
                    "inspector_name": fake.name(),
                    "unit_name": geo.auth_names[unit],
                    "unit_uscc": geo.auth_usccs[unit],
                    "jurisdiction_code": region,
                    "valid_from": ROSTER_FROM,
                    "valid_to": "",
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="31")
    parser.add_argument("--per-district", type=int, default=8)
    parser.add_argument("--provincial", type=int, default=12)
    args = parser.parse_args()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(roster(args.province, args.per_district, args.provincial))
    atomic_write_text(SEED_FILE, buf.getvalue())
    print(f"{SEED_FILE.name}: {buf.getvalue().count(chr(10)) - 1} 名检查人员")


if __name__ == "__main__":
    main()
