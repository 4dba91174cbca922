"""The main job through the command line, as in production (`cwh run`, then `cwh publish` and `cwh ingest` again),
with a leak scan: canary values planted in every negative-list, restricted and internal field of the generated feeds
must not appear anywhere under the publication folder — in any file, as UTF-8, GBK or JSON \\uXXXX escapes.

The feeds come from feedgen; each file is rewritten in its own format and encoding (and keeps its delivery time),
with a distinct canary per row and field. Resident-ID fields get valid, distinctive ID numbers (born 1900-1901 in
110101) so that they pass the contract and land; free-text fields get Chinese + ASCII canaries. The pipeline then
runs through the command line, as in production.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import cwh, files_of, read_landed

from contracts import load_contracts
from contracts.model import normalise_header
from feedgen import generate
from feedgen.config import FEED_FORMATS
from ground.identifiers import make_ric
from ground.settings import Workspace
from ingestion.ledger import all_entries

pytestmark = pytest.mark.e2e

RELEASE = "2026-07-01"
LINK_FIELDS = {"record_number"}  # internal, but it must keep pointing at a real record for holds to apply


def canary_fields() -> dict[str, list]:
    """feed → fields that must never be published and can carry a planted value (strings, no code list)."""
    out = {}
    for name, c in load_contracts().items():
        fields = [
            f
            for f in c.fields
            if f.classification != "public"
            and f.logical_type == "string"
            and not f.enum
            and not f.primary_key
            and f.check in (None, "ric")
            and f.name not in LINK_FIELDS
        ]
        if fields:
            out[name] = fields
    return out


class Planter:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], list[str]] = {}
        self.n = 0

    def __call__(self, feed: str, field) -> str:
        self.n += 1
        if field.check == "ric":
            value = make_ric("110101", date(1900, 1, 1) + timedelta(days=self.n), f"{900 + self.n % 97:03d}")
        else:
            value = f"金丝雀{field.label}{self.n:06d}CANARY"
        self.values.setdefault((feed, field.name), []).append(value)
        return value


def _rewrite_csv(path: Path, encoding: str, columns: dict[int, object], feed: str, plant: Planter) -> None:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    for row in rows[1:]:
        for i, field in columns.items():
            if i < len(row):
                row[i] = plant(feed, field)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def plant_canaries(ws: Workspace) -> Planter:
    plant = Planter()
    contracts = load_contracts()
    for feed, fields in canary_fields().items():
        c = contracts[feed]
        aliases = c.alias_map()
        wanted = {f.name: f for f in fields}
        fmt, encoding = FEED_FORMATS[feed]
        for path in sorted((ws.feeds / c.producer.code / feed).glob("*")):
            stat = path.stat()
            if fmt == "csv":
                header = next(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")), [])
                columns = {
                    i: wanted[aliases[normalise_header(h)]]
                    for i, h in enumerate(header)
                    if aliases.get(normalise_header(h)) in wanted
                }
                _rewrite_csv(path, encoding, columns, feed, plant)
            else:
                lines = []
                for line in path.read_text(encoding=encoding).splitlines():
                    record = json.loads(line)
                    for key in record:
                        if aliases.get(normalise_header(key)) in wanted:
                            record[key] = plant(feed, wanted[aliases[normalise_header(key)]])
                    lines.append(json.dumps(record, ensure_ascii=False))
                path.write_text("".join(x + "\n" for x in lines), encoding=encoding)
            os.utime(path, (stat.st_atime, stat.st_mtime))  # the delivery time stays the simulated one
    return plant


def encoded_forms(value: str) -> set[bytes]:
    forms = {value.encode("utf-8")}
    with contextlib.suppress(UnicodeEncodeError):
        forms.add(value.encode("gbk"))
    escaped = json.dumps(value, ensure_ascii=True)[1:-1]
    forms |= {escaped.encode(), re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), escaped).encode()}
    return forms


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("leak") / "home").ensure()
    generate(ws.feeds, entities=200, seed=23, start=date(2025, 1, 1), end=date(2026, 6, 30), fault_rate=0.0)
    plant = plant_canaries(ws)
    result = cwh("run", "--skip-generate", "--release-date", RELEASE, home=ws.home, timeout=1200)
    return ws, plant, result


def test_summary_is_printed(scanned):
    _, _, result = scanned
    for heading in ("入库汇总", "数据集市", "公示发布", "pub_penalties", "dim_enterprise", "manifest.json"):
        assert heading in result.stdout


def test_every_restricted_field_got_canaries_that_landed(scanned):
    ws, plant, _ = scanned
    planted = {k for k, v in plant.values.items() if v}
    for feed, fields in canary_fields().items():  # a feed with rows got a canary in every such field
        if any(f == feed for f, _ in planted):
            assert {(feed, f.name) for f in fields} <= planted, feed
    for feed, field in [
        ("registry", "legal_rep_id_number"),
        ("registry", "contact_phone"),
        ("registry", "address"),
        ("penalties", "legal_rep_id_number"),
        ("licences", "legal_rep_id_number"),
    ]:
        landed = set(read_landed(ws, feed)[field].drop_nulls())
        assert landed & set(plant.values[(feed, field)]), (feed, field)


def test_no_canary_appears_under_the_publication_folder(scanned):
    ws, plant, _ = scanned
    files = [p for p in ws.publication.rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in files) and any(p.parent.name == "delta" for p in files)
    forms = sorted(
        {f for values in plant.values.values() for v in values for f in encoded_forms(v)}, key=len, reverse=True
    )
    pattern = re.compile(b"|".join(re.escape(f) for f in forms))
    leaks = [
        (p.relative_to(ws.publication).as_posix(), m.group().decode("utf-8", "replace"))
        for p in files
        for m in [pattern.search(p.read_bytes())]
        if m
    ]
    assert leaks == []


def test_id_numbers_appear_only_masked(scanned):
    ws, plant, _ = scanned
    text = "".join(p.read_text(encoding="utf-8") for p in (ws.publication / "releases").rglob("*.jsonl"))
    ids = plant.values[("penalties", "legal_rep_id_number")] + plant.values[("licences", "legal_rep_id_number")]
    masked = {i[:10] + "****" + i[-4:] for i in ids}
    assert any(m in text for m in masked)  # the masked form is what a sole trader's record shows


# --- the commands run again on the same workspace (last: they would change it if they were wrong) ----------------


def test_republishing_unchanged_data_is_byte_identical(scanned):
    ws, _, _ = scanned
    release = ws.publication / "releases" / RELEASE
    before = files_of(release)
    cwh("publish", "--release-date", RELEASE, home=ws.home)
    assert files_of(release) == before


def test_rerunning_ingestion_adds_nothing(scanned):
    ws, _, _ = scanned
    before = len(all_entries(ws.ledger))
    result = cwh("ingest", home=ws.home)
    assert "新批次 0 个" in result.stdout
    assert len(all_entries(ws.ledger)) == before
