"""Render one pandera (polars) schema module per feed contract: ``ingestion/schemas/<feed>.py``.

No pandera exporter exists upstream, so this small generator writes plain Python that a reviewer can read:
one ``pa.Column`` per contract field with the checks the contract asks for (required ⇒ not nullable, enum,
pattern, minimum, maximum length, identifier check digits, code tables, parseable dates and finite, unambiguous
numbers) and the date window of ``contracts/dates.yml`` (earliest date, receipt date or long term, date order),
one nullable String
column per ``<field>__raw`` original, and ``_row_number``. The schema is **strict**: a column the contract
does not name is schema drift and fails validation by name — never passes silently.
"""

from __future__ import annotations

from contracts.dates import date_rules
from contracts.model import FeedContract, Field

POLARS_TYPES = {"string": "pl.String", "date": "pl.Date", "number": "pl.Float64", "integer": "pl.Int64"}
HEADER = "# GENERATED from {source} by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`)."


def _plausibility_checks(c: FeedContract) -> list[str]:
    """One DataFrame-level check per plausibility rule, over every field it applies to: the contract's maxLength;
    the date window of contracts/dates.yml — not before the earliest date; not after the batch's receipt date, or
    for a date that may lie in the future, not after the long-term value; orders wherever both dates are here."""
    rules = date_rules()
    out = []
    if lengths := {f.name: f.max_length for f in c.fields if f.max_length is not None}:
        out += ["    checks.max_length({", *(f"        {k!r}: {v!r}," for k, v in lengths.items()), "    }),"]
    dates = [f.name for f in c.fields if f.logical_type == "date"]
    if dates:
        out.append(f"    checks.not_before({rules.earliest.isoformat()!r}, {tuple(dates)!r}),")
    if now := tuple(d for d in dates if d not in rules.may_be_future):
        out.append(f"    checks.not_after_receipt({now!r}),")
    if future := tuple(d for d in dates if d in rules.may_be_future):
        out.append(f"    checks.not_after({rules.long_term.isoformat()!r}, {future!r}),")
    if pairs := tuple((o.earlier, o.later) for o in rules.orders_within(list(c.field_names))):
        out.append(f"    checks.date_order({pairs!r}),")
    return out


def _checks(f: Field) -> list[str]:
    out: list[str] = []
    if f.logical_type == "date":
        out.append("checks.parses('bad_date')")
    elif f.logical_type in ("number", "integer"):
        out.append("checks.parses('bad_number')")  # its reasons say why: bad_number, not_finite, ambiguous_number
    if f.enum:
        sep = f", separator={f.list_separator!r}" if f.list_separator else ""
        out.append(f"checks.enum({tuple(f.enum)!r}{sep})")
    if f.pattern:
        out.append(f"checks.pattern({f.pattern!r})")
    if f.minimum is not None:
        out.append(f"checks.minimum({f.minimum!r})")
    if f.check == "decision_number":
        out.append("checks.decision_number()")
    elif f.check:
        out.append(f"checks.identifier({f.check!r})")
    if f.code_table and f.on_unknown == "quarantine":
        out.append(f"checks.in_code_table({f.code_table!r})")
    return out


def _column(f: Field) -> list[str]:
    checks = _checks(f)
    head = f"    {f.name!r}: pa.Column({POLARS_TYPES[f.logical_type]}, nullable={not f.required}"
    comment = f"  # {f.label}{'（必填）' if f.required else ''}"
    if not checks:
        return [head + ")," + comment]
    if len(checks) == 1 and len(head) + len(checks[0]) < 100:
        return [head + f", checks=[{checks[0]}]),{comment}"]
    return [head + f", checks=[{comment}", *(f"        {c}," for c in checks), "    ]),"]


def render_schema_module(c: FeedContract, source: str) -> str:
    lines = [
        HEADER.format(source=source),
        f'"""{c.title}（{c.name} v{c.version}）：入库校验的 pandera 模式，由数据合同生成。"""',
        "",
        "from __future__ import annotations",
        "",
        "import pandera.polars as pa",
        "import polars as pl",
        "",
        "from ingestion import checks",
        "",
        f"FEED = {c.name!r}",
        f"CONTRACT_VERSION = {c.version!r}",
        f"FIELDS = {c.field_names!r}",
        "",
        "COLUMNS = {",
    ]
    for f in c.fields:
        lines += _column(f)
    lines += [
        "    # originals as received, kept next to every cleaned value",
        *(f"    {f.name + '__raw'!r}: pa.Column(pl.String, nullable=True)," for f in c.fields),
        "    '_row_number': pa.Column(pl.Int64, nullable=False),",
        "}",
        "",
        "",
        "# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)",
        "CHECKS = [",
        *_plausibility_checks(c),
        "]",
        "",
        "# strict: a column outside the contract is schema drift, reported by name",
        "schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)",
    ]
    return "\n".join(lines) + "\n"
