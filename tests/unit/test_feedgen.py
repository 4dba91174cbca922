"""Feed generator: determinism, valid identifiers, producer formats, planted faults, relationships.

One small run (2 000 entities, the default period) is generated once per module and inspected by most
tests; a second identical run checks byte-for-byte determinism, a chunked run checks uniqueness across
chunk boundaries.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import opencc
import pytest

from contracts import load_contracts
from contracts.model import normalise_header
from feedgen import GenerationReport, generate, generator
from feedgen.config import (
    BATCH_FAULT_KINDS,
    DEFAULT_CONFIG,
    FEED_FORMATS,
    MAX_DEFAULT_WORKERS,
    ROW_FAULT_KINDS,
    WORKERS_ENV,
    default_workers,
)
from feedgen.entities import NameSet
from feedgen.generator import run
from feedgen.ids import build_usccs, mod_11_10_check_digits, ric_check_chars
from feedgen.templates import Layout, read_rows
from feedgen.timeline import Timeline
from ground.clock import LOCAL_TZ
from ground.errors import ActionableError
from ground.identifiers import (
    food_licence_check_digit,
    is_valid_licence_number,
    is_valid_ric,
    is_valid_uscc,
    make_ric,
    make_uscc,
)
from ground.settings import SEEDS_DIR
from ground.workdays import add_working_days, is_working_day

ENTITIES = 2000
SEED = 7
CONTRACTS = load_contracts()
T2S = opencc.OpenCC("t2s")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")


# ---- helpers ---------------------------------------------------------------------------------------------


def feed_of(rel: str) -> str:
    return Path(rel).parts[1]


def read_file(root: Path, rel: str) -> tuple[list[str], list[list]]:
    """(header as written, data rows as lists); JSONL rows are the values in key order."""
    feed = feed_of(rel)
    fmt, enc = FEED_FORMATS[feed]
    raw = (root / rel).read_bytes()
    text = raw.decode("utf-8-sig" if enc == "utf-8-sig" else enc)
    if fmt == "jsonl":
        objs = [json.loads(line) for line in text.splitlines()]
        keys = list(objs[0]) if objs else []
        return keys, [list(o.values()) for o in objs]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return (rows[0], rows[1:]) if rows else ([], [])


def canonical_rows(root: Path, rel: str) -> list[dict]:
    feed = feed_of(rel)
    amap = CONTRACTS[feed].alias_map()
    header, rows = read_file(root, rel)
    summary = json.loads((root / "_generator" / "summary.json").read_text(encoding="utf-8"))
    if generation := summary["templates"].get(rel):  # a national template's columns (feedgen/templates.py)
        return read_rows(CONTRACTS[feed], generation, rows)
    names = [amap.get(normalise_header(h), h) for h in header]
    return [dict(zip(names, r)) for r in rows]


def parses_as_date(value: str) -> bool:
    for fmt in DATE_FORMATS:
        try:
            datetime.strptime(value, fmt)
            return True
        except ValueError:
            pass
    return False


def canonical_number(s: str) -> str:
    for a, b in (
        ("[", "〔"),
        ("]", "〕"),
        ("［", "〔"),
        ("］", "〕"),
        ("(", "〔"),
        (")", "〕"),
        ("（", "〔"),
        ("）", "〕"),
        ("【", "〔"),
        ("】", "〕"),
    ):
        s = s.replace(a, b)
    return s


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> tuple[Path, GenerationReport]:
    out = tmp_path_factory.mktemp("feeds") / "a"
    return out, generate(out, entities=ENTITIES, seed=SEED)


@pytest.fixture(scope="module")
def data(gen) -> dict:
    """All rows by feed (canonical names) plus the fault index {(file, row): fault}."""
    out, report = gen
    rows = defaultdict(list)
    where = {}
    for rel in report.files:
        rel = rel.as_posix()
        for i, r in enumerate(canonical_rows(out, rel), start=1):
            rows[feed_of(rel)].append(r)
            where[(rel, i)] = r
    faults = [
        json.loads(line) for line in (out / "_generator" / "faults.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return {
        "rows": rows,
        "where": where,
        "faults": faults,
        "fault_at": {(f["file"], f["row"]): f for f in faults if f["row"] is not None},
    }


# ---- API, manifest, determinism ----------------------------------------------------------------------------


def test_report_and_manifest(gen, data):
    out, report = gen
    summary = json.loads((out / "_generator" / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == SEED and summary["entities"] == ENTITIES and summary["province"] == "31"
    assert summary["files"] == [p.as_posix() for p in report.files]
    assert all(not p.is_absolute() and (out / p).is_file() for p in report.files)
    assert set(summary["producers"]) == {c.producer.code for c in CONTRACTS.values()}
    assert summary["rows_by_feed"] == report.rows_by_feed
    assert set(report.rows_by_feed) == set(CONTRACTS)
    for feed, n in report.rows_by_feed.items():  # data rows written = rows found in the files
        assert n == len(data["rows"][feed]), feed
    assert report.seconds > 0
    assert report.rows_by_feed["registry"] >= ENTITIES


def test_same_arguments_give_identical_files_and_mtimes(gen, tmp_path):
    out, report = gen
    again = generate(tmp_path / "b", entities=ENTITIES, seed=SEED)
    assert again.files == report.files
    for rel in [*report.files, Path("_generator/summary.json"), Path("_generator/faults.jsonl")]:
        assert (out / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    for rel in report.files:
        assert (out / rel).stat().st_mtime == (tmp_path / "b" / rel).stat().st_mtime, rel


def test_other_seed_differs(gen, tmp_path):
    out, report = gen
    other = generate(tmp_path / "c", entities=ENTITIES, seed=SEED + 1)
    first = next(p for p in report.files if p.name.startswith("registry_"))
    assert first in other.files
    assert (tmp_path / "c" / first).read_bytes() != (out / first).read_bytes()


def test_layout_periods_and_delivery_times(gen):
    out, report = gen
    start, end = date(2023, 7, 1), date(2026, 10, 31)
    by_feed = defaultdict(list)
    for rel in report.files:
        producer, feed, name = rel.parts
        c = CONTRACTS[feed]
        assert producer == c.producer.code
        m = re.fullmatch(rf"{feed}_(\d{{8}})(_supplement)?\.(csv|jsonl)", name)
        assert m, name
        assert m.group(3) == ("jsonl" if FEED_FORMATS[feed][0] == "jsonl" else "csv")
        period_end = datetime.strptime(m.group(1), "%Y%m%d").date()
        if not m.group(2):
            by_feed[feed].append(period_end)
        delivered = datetime.fromtimestamp((out / rel).stat().st_mtime, LOCAL_TZ)
        assert 9 <= delivered.hour < 18
        assert delivered.date() > period_end and is_working_day(delivered.date())
        assert delivered.date() <= add_working_days(period_end, 17).due
    for feed, ends in by_feed.items():
        f = CONTRACTS[feed].frequency_days
        expected, first = [], start
        while first <= end:
            expected.append(min(first + timedelta(days=f - 1), end))
            first += timedelta(days=f)
        assert sorted(ends) == expected, feed


# ---- identifiers ------------------------------------------------------------------------------------------

USCC_FIELDS = ("uscc", "authority_uscc", "source_unit_uscc", "inspecting_unit_uscc")


def test_every_uscc_valid_except_planted(data):
    bad = {(f["file"], f["row"]) for f in data["faults"] if f["kind"] == "bad_check_char"}
    checked = 0
    for key, row in data["where"].items():
        for fld in USCC_FIELDS:
            v = row.get(fld)
            if not v:
                continue
            checked += 1
            if key in bad and fld == "uscc":
                assert not is_valid_uscc(v), key
            else:
                assert is_valid_uscc(v), (key, fld, v)
    assert checked > 5000


def test_uscc_mix_and_uniqueness(data):
    initial = list(data["rows"]["registry"])
    usccs = {r["uscc"] for r in initial if is_valid_uscc(r["uscc"])}
    assert len(usccs) >= ENTITIES - 5  # a few planted bad check chars
    kinds = Counter(u[:2] for u in usccs)
    assert 0.80 < kinds["91"] / len(usccs) < 0.90
    assert 0.08 < kinds["92"] / len(usccs) < 0.16
    assert 0.01 < kinds["93"] / len(usccs) < 0.06
    assert any(u[8:11] == "MA1" for u in usccs) and any(u[8:16].isdigit() for u in usccs)


def test_every_id_number_valid(data):
    n = 0
    for row in data["where"].values():
        for fld in ("legal_rep_id_number", "person_id_number"):
            if row.get(fld):
                n += 1
                assert is_valid_ric(row[fld]), row[fld]
    assert n > 2000
    reps = Counter(r["legal_rep_id_number"] for r in data["rows"]["registry"] if r.get("legal_rep_id_number"))
    assert any(c > 1 for c in reps.values())  # some persons represent several entities


def test_every_licence_number_valid(data):
    cut = {(f["file"], f["row"]) for f in data["faults"] if f["kind"] == "truncated_last_line"}
    numbers = [
        r["licence_number"]
        for k, r in data["where"].items()
        if feed_of(k[0]) == "licences" and k not in cut and r.get("licence_number")
    ]
    assert numbers
    assert all(is_valid_licence_number(x) for x in numbers)
    prefixes = Counter(x[:2] for x in numbers)
    assert prefixes["SC"] and prefixes["JY"]


def test_vectorised_identifiers_match_reference():
    rng = np.random.default_rng(1)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    bodies = ["".join(alphabet[i] for i in rng.integers(0, 31, 8)) for _ in range(300)]
    regions = [f"31{x:04d}" for x in rng.integers(0, 10000, 300)]
    assert list(build_usccs(["91"] * 300, regions, bodies)) == [
        make_uscc("9", "1", r, b) for r, b in zip(regions, bodies)
    ]
    born = [date(1950, 1, 1) + timedelta(days=int(x)) for x in rng.integers(0, 19000, 300)]
    first = [f"310110{b:%Y%m%d}{s:03d}" for b, s in zip(born, rng.integers(0, 1000, 300))]
    assert [f + c for f, c in zip(first, ric_check_chars(first))] == [
        make_ric(f[:6], b, f[14:17]) for f, b in zip(first, born)
    ]
    digits = [f"{x:013d}" for x in rng.integers(0, 10**13, 300)]
    assert list(mod_11_10_check_digits(digits, 13)) == [food_licence_check_digit("SC" + d) for d in digits]


def test_name_set_remembers_names_across_merges(monkeypatch):
    monkeypatch.setattr(NameSet, "MERGE_AT", 8)
    ns, seen = NameSet(), set()
    rng = np.random.default_rng(0)
    for _ in range(40):
        batch = [f"上海{x}贸易有限公司" for x in rng.integers(0, 300, 9)]
        expected, local = [], set()
        for b in batch:
            expected.append(b in seen or b in local)
            local.add(b)
        assert ns.taken(batch).tolist() == expected
        ns.add(batch)
        seen |= set(batch)


def test_timeline_working_days_match_creditwh():
    tl = Timeline(date(2023, 7, 1), date(2026, 10, 31), DEFAULT_CONFIG)
    days = np.arange(tl.start, tl.end, 37)
    for n in (1, 3, 7, 20):
        got = tl.add_wd(days, n)
        for d, g in zip(days, got):
            assert tl.fmt([g])[0] == add_working_days(date(1970, 1, 1) + timedelta(days=int(d)), n).due.isoformat()


# ---- formats and headers --------------------------------------------------------------------------------------


def test_encodings(gen):
    out, report = gen
    seen = set()
    for rel in report.files:
        feed = rel.parts[1]
        raw = (out / rel).read_bytes()
        if not raw:
            continue
        enc = FEED_FORMATS[feed][1]
        seen.add(enc)
        if enc == "gbk":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            raw.decode("gbk")
        elif enc == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
        else:
            assert not raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
        if FEED_FORMATS[feed][0] == "csv" and "_supplement" not in rel.name:
            assert b"\r\n" not in raw and raw.endswith(b"\n")
    assert seen == {"utf-8", "gbk", "utf-8-sig"}


def test_headers_are_contract_aliases(gen):
    out, report = gen
    renamed = 0
    for rel in report.files:
        feed = rel.parts[1]
        c = CONTRACTS[feed]
        amap = c.alias_map()
        header, rows = read_file(out, rel.as_posix())
        if FEED_FORMATS[feed][0] == "jsonl" and not rows:
            continue
        if generation := report.templates.get(rel.as_posix()):  # a national template: its columns, in its order
            assert header in (Layout(c, generation).header("label"), Layout(c, generation).header("code")), rel
            continue
        unknown = [h for h in header if normalise_header(h) not in amap]
        if "_supplement" in rel.name and unknown:
            renamed += 1
            assert unknown == [DEFAULT_CONFIG.renamed_column_alias]
            continue
        assert not unknown, (rel, unknown)
        assert [amap[normalise_header(h)] for h in header] == list(c.field_names)  # every field, contract order
        if FEED_FORMATS[feed][0] == "csv":
            english = [h for h in header if h in c.field_names]
            assert not english, (rel, english)  # never the canonical English names
        if FEED_FORMATS[feed][0] == "csv" and not (feed == "penalties" and header[0] == "CF_XDR_MC"):
            assert header == [f.label for f in c.fields]
    assert renamed == 1


def test_penalty_header_styles_by_month(gen):
    out, report = gen
    styles = set()
    for rel in report.files:
        if rel.parts[1] != "penalties" or "_supplement" in rel.name or rel.as_posix() in report.templates:
            continue
        header, _ = read_file(out, rel.as_posix())
        month = int(rel.name.split("_")[1][4:6])
        if month % 2:
            assert "CF_WSH" in header and "CF_XDR_SHXYM" in header and "行政处罚决定书文号" not in header
        else:
            assert "行政处罚决定书文号" in header and "CF_WSH" not in header
        styles.add(month % 2)
    assert styles == {0, 1}


# ---- planted faults -----------------------------------------------------------------------------------------


def test_fault_counts_match_manifest(gen, data):
    out, report = gen
    summary = json.loads((out / "_generator" / "summary.json").read_text(encoding="utf-8"))
    kinds = Counter(f["kind"] for f in data["faults"])
    assert summary["faults_by_kind"] == dict(kinds) == report.faults_by_kind
    per_feed = defaultdict(Counter)
    for f in data["faults"]:
        per_feed[f["feed"]][f["kind"]] += 1
    assert summary["faults_by_feed"] == {k: dict(v) for k, v in per_feed.items()}
    assert set(kinds) == set(ROW_FAULT_KINDS) | set(BATCH_FAULT_KINDS)
    assert kinds["truncated_last_line"] == 1 and kinds["renamed_column"] == 1
    rows = sum(report.rows_by_feed.values())
    row_faults = sum(v for k, v in kinds.items() if k in ROW_FAULT_KINDS)
    assert 0.005 * rows < row_faults < 0.02 * rows
    assert len({(f["file"], f["row"]) for f in data["faults"] if f["row"] is not None}) == sum(
        1 for f in data["faults"] if f["row"] is not None
    )  # never two faults on one row


def test_faults_are_in_the_files(gen, data):
    out, _ = gen
    for f in data["faults"]:
        kind, rel, row, fld = f["kind"], f["file"], f["row"], f["field"]
        c = CONTRACTS[f["feed"]]
        if kind == "renamed_column":
            header, _ = read_file(out, rel)
            assert row is None and fld == DEFAULT_CONFIG.renamed_column_field
            assert DEFAULT_CONFIG.renamed_column_alias in header
            continue
        if kind == "truncated_last_line":
            raw = (out / rel).read_bytes()
            assert not raw.endswith(b"\n")
            _, rows = read_file(out, rel)
            assert len(rows) == row and len(rows[-1]) < len(c.fields)
            continue
        r = data["where"][(rel, row)]
        if kind == "duplicate":
            assert r == data["where"][(rel, row - 1)]
        elif kind == "bad_check_char":
            assert not is_valid_uscc(r["uscc"]) and len(r["uscc"]) == 18
        elif kind == "missing_mandatory":
            assert c.field(fld).required and r[fld] in ("", None)
        elif kind == "bad_date":
            assert c.field(fld).logical_type == "date" and not parses_as_date(r[fld])
        elif kind == "fullwidth_name":
            assert unicodedata.normalize("NFKC", r[fld]) != r[fld]
        elif kind == "traditional_name":
            assert T2S.convert(r[fld]) != r[fld]
        elif kind == "unknown_code":
            fdef = c.field(fld)
            assert r[fld] not in fdef.enum and (fdef.enum or fdef.code_table)
        else:
            raise AssertionError(kind)


def test_clean_rows_pass_contract_rules(data):
    """Outside planted faults: required fields present, enums respected, dates parse."""
    fault_keys = set(data["fault_at"])
    industry = {
        r.split(",")[0]
        for r in (SEEDS_DIR / "reference" / "ref_industry_codes.csv").read_text(encoding="utf-8").splitlines()[1:]
    }
    for (rel, i), row in data["where"].items():
        if (rel, i) in fault_keys or "_supplement" in rel:
            continue
        c = CONTRACTS[feed_of(rel)]
        for f in c.fields:
            v = row.get(f.name)
            if f.required:
                assert v not in ("", None), (rel, i, f.name)
            if v in ("", None):
                continue
            if f.enum:
                values = v.split(f.list_separator) if f.list_separator else [v]
                assert all(x in f.enum for x in values), (rel, i, f.name, v)
            if f.logical_type == "date":
                assert parses_as_date(v), (rel, i, f.name, v)
                if c.name != "registry":
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", v), (rel, i, f.name, v)
            if f.logical_type == "number":
                assert re.fullmatch(r"\d+(\.\d+)?", v), (rel, i, f.name, v)
            if f.pattern:
                assert re.search(f.pattern, v), (rel, i, f.name, v)
            if f.code_table == "ref_industry_codes":
                assert v in industry


# ---- content and relationships ------------------------------------------------------------------------------


def test_repeat_offenders_exist(data):
    by_uscc = defaultdict(list)
    for r in data["rows"]["penalties"]:
        if (
            r.get("record_status") == "正常"
            and is_valid_uscc(r.get("uscc") or "")
            and parses_as_date(r["decision_date"])
        ):
            by_uscc[r["uscc"]].append(date.fromisoformat(r["decision_date"]))
    offenders = [
        u
        for u, ds in by_uscc.items()
        if any(sum(1 for d in ds if x <= d < x + timedelta(days=3 * 365)) >= 10 for x in ds)
    ]
    assert offenders
    clean_share = 1 - len(by_uscc) / ENTITIES
    assert 0.88 < clean_share < 0.97


def test_penalty_content_is_realistic(data):
    pens = [r for r in data["rows"]["penalties"] if r.get("record_status") == "正常"]
    numbers = [canonical_number(r["decision_number"]) for r in pens if r.get("decision_number")]
    assert len(numbers) == len(set(numbers)) + sum(
        1
        for f in data["faults"]
        if f["feed"] == "penalties"
        and f["kind"] == "duplicate"
        and data["where"][(f["file"], f["row"])].get("record_status") == "正常"
    )
    assert all(re.fullmatch(r"沪市监.处〔20\d\d〕\d{12}号", n) for n in numbers)
    variants = sum(1 for r in pens if r.get("decision_number") and "〔" not in r["decision_number"])
    assert 0 < variants < 0.15 * len(pens)
    types = Counter(r["penalty_types"] for r in pens)
    assert types.most_common(1)[0][0] == "罚款" and types["警告"] > 0
    statuses = Counter(r["record_status"] for r in data["rows"]["penalties"])
    assert statuses["变更"] > 0
    fines = [float(r["fine_amount_wan"]) for r in pens if r.get("fine_amount_wan")]
    assert min(fines) >= 0.05 and max(fines) <= 200 * 2.5
    # decisions cluster on the working days around 春节 and 国庆
    tl = Timeline(date(2023, 7, 1), date(2026, 10, 31), DEFAULT_CONFIG)
    days = np.array(
        [
            (date.fromisoformat(r["decision_date"]) - date(1970, 1, 1)).days
            for r in pens
            if re.fullmatch(r"\d{4}-\d\d-\d\d", r.get("decision_date") or "")
        ]
    )
    span = np.arange(tl.start, tl.end + 1)
    working = span[tl.work[span - tl.base]]
    assert tl.around_holidays(days).mean() > 2 * tl.around_holidays(working).mean()


def test_references_point_at_real_records(data):
    rows = data["rows"]
    registry = {r["uscc"][:17] for r in rows["registry"] if r["uscc"]}  # [:17]: planted bad check characters
    lost = sum(
        1
        for f in data["faults"]
        if f["feed"] == "registry" and f["field"] == "uscc" and f["kind"] == "missing_mandatory"
    )
    alias = DEFAULT_CONFIG.renamed_column_alias  # the supplement with a renamed column still carries the numbers
    penalties = {canonical_number(r.get("decision_number") or r.get(alias) or "") for r in rows["penalties"]}
    lost_numbers = sum(
        1
        for f in data["faults"]
        if f["field"] in ("decision_number", "list_decision_number") and f["kind"] == "missing_mandatory"
    )
    listings = {
        r["list_decision_number"] for r in rows["abnormal_list"] + rows["serious_list"] if r.get("list_decision_number")
    }
    bad = {(f["file"], f["row"]) for f in data["faults"] if f["kind"] in ("bad_check_char", "missing_mandatory")}
    unknown = set()
    for (rel, i), r in data["where"].items():
        if (rel, i) in bad or feed_of(rel) == "registry":
            continue
        if r.get("uscc") and r["uscc"][:17] not in registry:
            unknown.add(r["uscc"])
    assert len(unknown) <= lost, unknown  # only entities whose registry row lost its USCC
    dangling = {
        r["related_penalty_number"] for r in rows["serious_list"] if r.get("related_penalty_number")
    } - penalties
    dangling |= (
        {
            r["related_record_number"]
            for r in rows["credit_repairs"] + rows["objections"]
            if r.get("related_record_number")
        }
        - penalties
        - listings
    )
    assert len(dangling) <= lost_numbers, dangling  # only records whose own number was blanked by a fault
    assert rows["serious_list"] and rows["credit_repairs"] and rows["court_judgments"]


def test_court_rows_without_uscc_carry_name_region_and_person(data):
    rows = data["rows"]["court_judgments"]
    without = [r for r in rows if not r.get("uscc")]
    for r in without:
        if r.get("party_name") and r.get("region_code"):
            assert r["person_name"] and is_valid_ric(r["person_id_number"])


def test_registry_initial_load_and_dates(gen, data):
    out, report = gen
    first = next(p for p in report.files if p.name == "registry_20230730.csv")
    rows = canonical_rows(out, first.as_posix())
    assert len(rows) > 0.6 * ENTITIES  # entities established before start are in the first batch
    styles = Counter(
        "iso"
        if re.fullmatch(r"\d{4}-\d\d-\d\d", r["approval_date"])
        else "slash"
        if "/" in r["approval_date"]
        else "cn"
        for r in rows
        if parses_as_date(r["approval_date"])
    )
    assert styles["iso"] > styles["slash"] > styles["cn"] > 0
    statuses = Counter(r["status"] for r in data["rows"]["registry"])
    assert statuses["注销"] + statuses["吊销"] > 0
    names = Counter(r["uscc"] for r in data["rows"]["registry"])
    assert any(v >= 2 for v in names.values())  # name changes / status changes re-send the entity


def test_records_are_in_the_batch_of_their_date(gen, data):
    out, report = gen
    for rel in report.files:
        feed = rel.parts[1]
        if feed != "penalties" or "_supplement" in rel.name:
            continue
        end = datetime.strptime(rel.name.split("_")[1][:8], "%Y%m%d").date()
        for r in canonical_rows(out, rel.as_posix()):
            if r["record_status"] == "正常" and re.fullmatch(r"\d{4}-\d\d-\d\d", r["decision_date"]):
                d = date.fromisoformat(r["decision_date"])
                assert end - timedelta(days=6) <= d <= end


# ---- output folder handling ------------------------------------------------------------------------------------


def test_refuses_foreign_folder_and_regenerates_own(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate(foreign, entities=50, start=date(2025, 1, 1), end=date(2025, 2, 28))
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"

    own = tmp_path / "own"
    first = generate(own, entities=50, seed=1, start=date(2025, 1, 1), end=date(2025, 2, 28))
    second = generate(own, entities=60, seed=2, start=date(2025, 1, 1), end=date(2025, 3, 31))
    summary = json.loads((own / "_generator" / "summary.json").read_text(encoding="utf-8"))
    assert summary["entities"] == 60 and summary["files"] == [p.as_posix() for p in second.files]
    on_disk = sorted(
        p.relative_to(own).as_posix()
        for p in own.rglob("*")
        if p.is_file() and p.parts[-2] != "_generator" and "_generator" not in p.relative_to(own).parts
    )
    assert on_disk == sorted(summary["files"] + [f"{f}.done" for f in summary["files"]])  # each with its marker
    assert first.files != second.files

    (own / "stray.csv").write_text("x", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate(own, entities=50)


def test_chunked_run_keeps_identifiers_unique(tmp_path):
    cfg = replace(DEFAULT_CONFIG, chunk_size=400)
    seen = []
    report = run(
        tmp_path / "chunks",
        entities=1000,
        seed=3,
        start=date(2024, 1, 1),
        end=date(2025, 6, 30),
        province="31",
        fault_rate=0.0,
        progress=lambda d, t: seen.append((d, t)),
        config=cfg,
    )
    assert seen == [(400, 1000), (800, 1000), (1000, 1000)]
    assert report.faults_by_kind == {}
    rows = defaultdict(list)
    for rel in report.files:
        rows[rel.parts[1]] += canonical_rows(tmp_path / "chunks", rel.as_posix())
    usccs = {r["uscc"] for r in rows["registry"]}
    assert len(usccs) == 1000 and all(is_valid_uscc(u) for u in usccs)
    owners = defaultdict(set)
    for r in rows["registry"]:
        owners[r["enterprise_name"]].add(r["uscc"])
    assert all(len(v) == 1 for v in owners.values())  # a name is never issued twice, also across chunks
    ids = [r["legal_rep_id_number"] for r in rows["registry"]]
    assert all(is_valid_ric(x) for x in ids)
    orig = [r["decision_number"] for r in rows["penalties"] if r["record_status"] == "正常"]
    assert len({canonical_number(x) for x in orig}) == len(orig)
    # (a 2016-template licence has no 许可编号: keyed by its 决定书文号 downstream)
    lic = [
        (r["licence_number"], r["decision_date"], r["licence_status"]) for r in rows["licences"] if r["licence_number"]
    ]
    assert len(set(lic)) == len(lic)
    # repeat offenders: at least one per chunk
    per = Counter(r["uscc"] for r in rows["penalties"] if r["record_status"] == "正常")
    assert sum(1 for v in per.values() if v >= 10) >= 3


def _tree(root: Path) -> dict[str, tuple[bytes, float]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime) for p in root.rglob("*") if p.is_file()}


def test_worker_count_does_not_change_the_files(tmp_path, monkeypatch):
    """Chunks rendered in forked processes and committed in order: the same bytes and mtimes as one process."""
    parallel = []
    render_in_parallel = generator._render_in_parallel
    monkeypatch.setattr(generator, "_render_in_parallel", lambda *a: parallel.append(a[1]) or render_in_parallel(*a))
    cfg = replace(DEFAULT_CONFIG, chunk_size=300)
    kw = dict(seed=11, start=date(2024, 1, 1), end=date(2025, 6, 30), province="31", fault_rate=0.05, config=cfg)
    trees = {}
    for workers in (1, 2, 3):
        seen: list[int] = []
        run(tmp_path / f"w{workers}", entities=1100, workers=workers, progress=lambda d, t, s=seen: s.append(d), **kw)
        assert seen == [300, 600, 900, 1100], workers
        trees[workers] = _tree(tmp_path / f"w{workers}")
    assert parallel == [1, 2]  # rendering processes besides the building one
    one = trees[1]
    assert len(one) > 100 and any(rel.endswith("_supplement.csv") for rel in one)  # batch faults come from chunk 0
    for workers in (2, 3):
        assert trees[workers].keys() == one.keys()
        for rel, (content, mtime) in one.items():
            assert trees[workers][rel][0] == content, (workers, rel)
            if not rel.startswith("_generator/") and not rel.endswith(".done"):  # a data file: mtime = delivery
                assert trees[workers][rel][1] == mtime, (workers, rel)


def test_a_failing_rendering_process_fails_the_run(tmp_path, monkeypatch):
    render = generator._render

    def broken(writers, c, name, *a):
        if c == 1 and name == "penalties":
            raise ValueError("模拟的渲染错误")
        return render(writers, c, name, *a)

    monkeypatch.setattr(generator, "_render", broken)
    cfg = replace(DEFAULT_CONFIG, chunk_size=200)
    with pytest.raises(ValueError, match="模拟的渲染错误"):
        run(
            tmp_path / "x",
            entities=600,
            seed=1,
            start=date(2025, 1, 1),
            end=date(2025, 3, 31),
            province="31",
            fault_rate=0.0,
            progress=None,
            config=cfg,
            workers=2,
        )
    summary = json.loads((tmp_path / "x" / "_generator" / "summary.json").read_text(encoding="utf-8"))
    assert summary["complete"] is False


def test_workers_setting(monkeypatch, tmp_path):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert 1 <= default_workers() <= MAX_DEFAULT_WORKERS
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_workers() == 3
    for bad in ("0", "two", "-1", ""):
        monkeypatch.setenv(WORKERS_ENV, bad)
        with pytest.raises(ActionableError, match=WORKERS_ENV):
            default_workers()
    with pytest.raises(ValueError, match="进程数"):
        generate(tmp_path / "w0", entities=10, workers=0)
    assert not (tmp_path / "w0").exists()


@pytest.mark.parametrize(
    "province, cities",
    [
        ("33", ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水", "浙江")),
        (
            "44",
            (
                "广州",
                "深圳",
                "珠海",
                "汕头",
                "佛山",
                "韶关",
                "湛江",
                "肇庆",
                "江门",
                "茂名",
                "惠州",
                "梅州",
                "汕尾",
                "河源",
                "阳江",
                "清远",
                "潮州",
                "揭阳",
                "云浮",
                "广东",
            ),
        ),
    ],
)
def test_other_province(tmp_path, province, cities):
    report = generate(
        tmp_path / province, entities=300, province=province, start=date(2025, 1, 1), end=date(2025, 6, 30)
    )
    rows = canonical_rows(tmp_path / province, next(p for p in report.files if p.parts[1] == "registry").as_posix())
    assert rows and all(re.fullmatch(rf"{province}\d{{4}}", r["region_code"]) for r in rows if r["region_code"])
    assert all(r["registration_authority"].startswith(cities) for r in rows if r["registration_authority"])


def test_unknown_province_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path / "xx", entities=10, province="99")
    assert not (tmp_path / "xx").exists()
