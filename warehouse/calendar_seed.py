"""The working-day calendar seed ``ref_calendar``, generated from ``ground.workdays`` (``python -m warehouse.calendar_seed``).

Every "N working days" deadline in SQL joins this table on ``workday_index`` (``macros/working_days.sql``). It is a
seed, not a Python model, so that every dbt adapter reads it the same way (Spark's session mode runs no Python
models). Its rows come from the one calendar component, ``ground.workdays`` (chinesecalendar, the override seed
``calendar_overrides``, the fixed-date statutory holidays ``rule_statutory_holidays`` and the Monday-to-Friday
estimate), for the years below::

    python -m warehouse.calendar_seed            # rewrite dbt_project/seeds/reference/ref_calendar.csv
    python -m warehouse.calendar_seed --check    # exit 1 if the seed is stale; write nothing

Run it after changing either seed it reads, the years, or chinesecalendar's version (the hook in
``.pre-commit-config.yaml`` runs ``--check``).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

from ground.files import sync_generated
from ground.settings import PROJECT_ROOT, SEEDS_DIR
from ground.workdays import calendar_rows

# The years the calendar covers (formerly the model's first_year / last_year). A date outside gives no due date (null),
# never a wrong one.
FIRST_YEAR = 2010
LAST_YEAR = 2040

SEED = SEEDS_DIR / "reference" / "ref_calendar.csv"
COLUMNS = ("calendar_date", "is_working_day", "is_estimated", "workday_index", "estimate_index")


def render() -> str:
    """The seed's CSV text (dates ISO, flags true/false, LF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for day, works, guess, worked, guessed in calendar_rows(FIRST_YEAR, LAST_YEAR):
        writer.writerow((day.isoformat(), str(works).lower(), str(guess).lower(), worked, guessed))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.calendar_seed", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the seed is stale")
    args = parser.parse_args(argv)
    name = SEED.relative_to(PROJECT_ROOT).as_posix()
    return sync_generated(SEED, render(), check=args.check, name=name, command="python -m warehouse.calendar_seed")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
