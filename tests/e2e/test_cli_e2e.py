"""The main job through the command line, as in production (`cwh run`, then `cwh publish` and `cwh ingest` again),
with a leak scan: canary values planted in every negative-list, restricted and internal field of the generated feeds
must not appear anywhere under the publication folder — in any file, as UTF-8, GBK or JSON \\uXXXX escapes.

A hostile corpus goes the same way: public free-text fields of penalties and licences carry ID, phone and card
numbers in disguises, e-mail and home addresses, formula and markup payloads. No published byte may carry one of
those numbers (in any encoding, after folding full-width forms and removing separators), no CSV cell may be a live
formula, every JSON line must parse strictly, and no HTML the run wrote may carry the markup unescaped.

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
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import cwh, files_of, read_landed

from contracts import load_contracts
from contracts.model import normalise_header
from contracts.redaction import load_patterns
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
            if field.max_length is not None and len(value) > field.max_length:  # one the contract lets land
                value = f"C{self.n:0{field.max_length - 1}d}"
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
            if path.name.endswith(".done"):  # a delivery's marker (its declared receipt), not a delivery
                continue
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


def hostile_payloads(n: int) -> tuple[str, list[str]]:
    """Row ``n``'s hostile free text, and the personal numbers in it (as digits) that must never be published."""
    rid = make_ric("330106", date(1970, 1, 1) + timedelta(days=n), f"{n % 997:03d}")
    mobile = f"139{n:08d}"
    spaced_id = f"{rid[:6]} {rid[6:14]} {rid[14:]}"
    full_width = rid.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    kinds = [
        f"经查，当事人身份证号{spaced_id}，手机+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}。",
        f"证件号码{full_width.lower()}，电话{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}，邮箱 canary{n}@example.com",
        f"住址：浙江省杭州市西湖区某路{n}号，身份证{rid[:-1]}{rid[-1].lower()}",
        '=HYPERLINK("http://example.invalid/x","点击")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "<script>alert('xss')</script>",
        '<img src=x onerror="alert(1)">',
        # invisible characters: zero-width inside a phone number, a right-to-left override, terminal escapes, NUL
        f"联系人手机{mobile[:3]}\u200b{mobile[3:7]}\u2060{mobile[7:]}，\u202e反转显示\u202c，\x1b[31m红字\x1b[0m\x00",
        "名称\u2066隔离\u2069与\u200f标记\ufeff\x7f",
    ]  # 13 kinds: prime to 3, so every third row still meets each of them
    k = n % len(kinds)
    return kinds[k], ([rid, mobile] if k < 3 else [mobile] if k == len(kinds) - 2 else [])


HOSTILE_FIELDS = {"penalties": ("violation_facts", "penalty_content"), "licences": ("licence_content",)}


def plant_hostile(ws: Workspace) -> dict[str, list[str]]:
    """Hostile text in the public free-text fields of every third row of the penalties and licences feeds."""
    planted: dict[str, list[str]] = {"numbers": [], "texts": []}
    contracts = load_contracts()
    for feed, field_names in HOSTILE_FIELDS.items():
        c = contracts[feed]
        aliases = c.alias_map()
        fmt, encoding = FEED_FORMATS[feed]
        n = 0
        for path in sorted((ws.feeds / c.producer.code / feed).glob("*")):
            if path.name.endswith(".done"):  # a delivery's marker (its declared receipt), not a delivery
                continue
            stat = path.stat()
            assert fmt == "csv", feed
            rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
            columns = [i for i, h in enumerate(rows[0]) if aliases.get(normalise_header(h)) in field_names]
            for row in rows[1:]:
                n += 1
                if n % 3:
                    continue
                for i in columns:
                    text, numbers = hostile_payloads(n + i)
                    if "GBK" in encoding.upper():
                        text = text.encode(encoding, "ignore").decode(encoding)
                    row[i] = text
                    planted["texts"].append(text)
                    planted["numbers"] += numbers
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            path.write_bytes(buf.getvalue().encode(encoding))
            os.utime(path, (stat.st_atime, stat.st_mtime))
    return planted


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
    plant.hostile = plant_hostile(ws)  # type: ignore[attr-defined]
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


def _folded_cells(release: Path) -> list[str]:
    """What a reader could reassemble from each published cell: NFKC-folded, every non-alphanumeric removed."""
    cells: list[str] = []
    for path in release.rglob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    for path in release.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            cells += [str(v) for v in json.loads(line).values()]
    return [re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", c)).upper() for c in cells]


def test_id_numbers_appear_in_no_form(scanned):
    ws, plant, _ = scanned
    ids = plant.values[("penalties", "legal_rep_id_number")] + plant.values[("licences", "legal_rep_id_number")]
    texts = {p: p.read_bytes() for p in ws.publication.rglob("*") if p.is_file()}
    masked = [i[:10] + "****" + i[-4:] for i in ids]
    assert not [m for m in masked if any(m.encode() in raw for raw in texts.values())]


def test_hostile_free_text_is_published_harmless(scanned):
    ws, plant, _ = scanned
    hostile = plant.hostile
    assert len(hostile["texts"]) > 20 and hostile["numbers"]
    release = ws.publication / "releases" / RELEASE
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    redacted = manifest["content_negative_list"]["redactions"]
    assert redacted["resident_id"] > 0 and redacted["mobile"] > 0 and redacted["email"] > 0
    assert redacted["personal_address"] > 0 and redacted["invisible"] > 0
    published = [p for p in ws.publication.rglob("*") if p.is_file()]
    # no control or invisible format character in any published file (JSON would escape one: none may be left)
    invisible = load_patterns().invisible
    assert [p.name for p in published if invisible.search(p.read_bytes().decode("utf-8"))] == []
    assert [
        p.name for p in published if re.search(rb"\\u(00[01][0-9a-fA-F]|200[b-fB-F]|202[a-eA-E])", p.read_bytes())
    ] == []
    # no planted number, in any byte: as UTF-8 and GBK, and folded (full-width, separators, lower-case x)
    forms = sorted({f for n in hostile["numbers"] for f in encoded_forms(n)}, key=len, reverse=True)
    pattern = re.compile(b"|".join(re.escape(f) for f in forms))
    assert [p.name for p in published if pattern.search(p.read_bytes())] == []
    numbers = set(hostile["numbers"])
    assert [n for cell in _folded_cells(release) for n in numbers if n in cell] == []
    # no live formula: every CSV cell a spreadsheet would evaluate starts with the apostrophe
    live = re.compile(r"^[\t\r]|^\s*[=+\-@]")
    for path in release.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert [c for c in cells if live.match(c)] == [], path.name

    # strict JSON: NaN / Infinity are not JSON
    def refuse(token: str) -> None:
        raise ValueError(token)

    for path in release.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line, parse_constant=refuse)
    # no HTML the run wrote carries the markup unescaped
    html = list(ws.home.rglob("*.html"))
    assert html, "the gate writes its report and Data Docs"
    for p in html:
        raw = p.read_text(encoding="utf-8", errors="replace")
        assert "<script>alert(" not in raw and 'onerror="alert' not in raw, p


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
