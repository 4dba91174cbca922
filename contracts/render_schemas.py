"""Render one pandera (polars) schema module per feed contract: ``ingestion/schemas/<feed>.py``.

No pandera exporter exists upstream, so this small generator writes plain Python that a reviewer can read:
one ``pa.Column`` per contract field with the checks the contract asks for (required ⇒ not nullable, enum,
pattern, minimum, identifier check digits, code tables, parseable dates and numbers), one nullable String
column per ``<field>__raw`` original, and ``_row_number``. The schema is **strict**: a column the contract
does not name is schema drift and fails validation by name — never passes silently.
"""

from __future__ import annotations

from contracts.model import FeedContract, Field

POLARS_TYPES = {"string": "pl.String", "date": "pl.Date", "number": "pl.Float64", "integer": "pl.Int64"}
HEADER = "# GENERATED from {source} by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`)."


def _checks(f: Field) -> list[str]:
    out: list[str] = []
    if f.logical_type == "date":
        out.append("checks.parses('bad_date')")
    elif f.logical_type in ("number", "integer"):
        out.append("checks.parses('bad_number')")
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
        "# strict: a column outside the contract is schema drift, reported by name",
        "schema = pa.DataFrameSchema(COLUMNS, name=FEED, strict=True, ordered=False, coerce=False)",
    ]
    return "\n".join(lines) + "\n"
