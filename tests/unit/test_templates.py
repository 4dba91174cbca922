"""Both generations of the national 双公示 templates (DOMAIN.md §10), for penalties and licences: accepted by label
(ASCII or full-width brackets, with or without a space, with or without the bracketed gloss) and by coded header
(CF_… / XK_…), every column mapped to a contract field, 代码_2…_5 read by the generation's own numbering, 当前状态
codes mapped to the contract's code tables, local extensions optional with documented defaults.

The fixtures (tests/fixtures/templates/) are written from DOMAIN.md §10's column lists in the encodings real exports
come in (GBK, UTF-8 with BOM, UTF-8); tests/fixtures/templates/README.md says what each row is for.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from helpers import dbt_ok, generated_faults, read_landed

from contracts import load_contracts
from contracts.model import ContractError, load_contract, normalise_header
from feedgen.config import DEFAULT_CONFIG, FEED_FORMATS
from feedgen.generator import run
from feedgen.templates import Layout
from ground.settings import Workspace
from ingestion import ingest_all
from ingestion.ledger import all_entries

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
CONTRACTS = load_contracts()
PENALTIES, LICENCES = CONTRACTS["penalties"], CONTRACTS["licences"]
A, B = "91310110MA1FL2X377", "92310110MA1FL2X45Y"  # a company, a 个体工商户
ORG_A, REG_A = "MA1FL2X37", "310110000123456"  # A's 组织机构代码 (USCC 9–17), an old 15-digit 注册号
REP, PERSON = "310110198005061230", "310104197511024561"  # the legal representative; a natural person
AUTH = "11310000MB2F29521E"


def deliver(ws: Workspace, *names: str) -> list:
    """Copy fixtures into the producer's inbox and ingest them; the batch results, in the order given."""
    for name in names:
        feed = name.split("_")[0]
        folder = ws.feeds / CONTRACTS[feed].producer.code / feed
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, folder / name)
    by_file = {Path(r.source_file).name: r for r in ingest_all(ws)}
    return [by_file[name] for name in names]


def landed_rows(ws: Workspace, feed: str, name: str) -> dict[int, dict]:
    rows = read_landed(ws, feed).filter(pl.col("_source_file").cast(pl.String).str.ends_with("/" + name))
    return {r["_row_number"]: r for r in rows.iter_rows(named=True)}


def reasons(ws: Workspace, feed: str, name: str) -> dict[int, set[tuple[str, str | None]]]:
    out: dict[int, set[tuple[str, str | None]]] = {}
    for path in ws.quarantine.glob(f"{feed}/batch_id=*/rejects.parquet"):
        for r in pl.read_parquet(path).filter(pl.col("_source_file").str.ends_with("/" + name)).iter_rows(named=True):
            out.setdefault(r["_row_number"], set()).add((r["rule"], r["field"]))
    return out


# ---- penalties -------------------------------------------------------------------------------------------------


def test_a_district_2021_gbk_export_is_read_row_by_row_not_rejected_as_drift(ws):
    """The issue's file: GBK, the 2021 template's 30 columns (行政相对人代码_2…_6, 法定代表人证件类型/号码, no 当前状态)."""
    [result] = deliver(ws, "penalties_2021_district_gbk.csv")
    assert (result.status, result.rows_read, result.rows_landed, result.rows_quarantined) == ("landed", 5, 3, 2)
    assert all_entries(ws.ledger)[0].encoding == "gbk"
    rows = landed_rows(ws, "penalties", "penalties_2021_district_gbk.csv")
    assert set(rows) == {1, 2, 5}
    company, person, soletrader = rows[1], rows[2], rows[5]
    # 代码_3(组织机构代码) and 代码_2 (工商注册号) — ASCII, full-width, a space before the bracket
    assert (company["uscc"], company["party_org_code"], company["party_registration_number"]) == (A, ORG_A, None)
    assert (soletrader["party_registration_number"], soletrader["party_category"]) == (REG_A, "个体工商户")
    assert soletrader["valid_until"] == date(2099, 12, 31)  # 长期
    # two ID fields, two persons: the legal representative's, and the party's own when it is a natural person
    assert (company["legal_rep_id_type"], company["legal_rep_id_number"], company["party_id_number"]) == (
        "身份证",
        REP,
        None,
    )
    assert (person["party_category"], person["party_id_type"], person["party_id_number"]) == (
        "自然人",
        "身份证",
        PERSON,
    )
    assert person["legal_rep_id_number"] is None
    # what the 2021 template lacks lands empty (staging reads the documented default)
    assert {company[f] for f in ("record_status", "domain_code", "heavier_discretion", "procedure_type")} == {None}
    assert reasons(ws, "penalties", "penalties_2021_district_gbk.csv") == {
        3: {("required", "authority_uscc")},  # mandatory in the 2021 template
        4: {("ric_check", "legal_rep_id_number")},  # the party's 证件号码 on that row is valid: a separate field
    }


def test_a_2016_export_reads_its_own_numbering_of_the_codes_and_its_status_codes(ws):
    [result] = deliver(ws, "penalties_2016_bom.csv")
    assert (result.status, result.rows_read, result.rows_landed, result.rows_quarantined) == ("landed", 6, 4, 2)
    rows = landed_rows(ws, "penalties", "penalties_2016_bom.csv")
    # bare 行政相对人代码_2 / _3 / _5 in a 2016 file: 组织机构代码, 工商登记码, 居民身份证号 (2021 numbers them otherwise)
    assert (rows[1]["party_org_code"], rows[1]["party_registration_number"]) == (ORG_A, REG_A)
    assert rows[3]["party_id_number"] == PERSON and rows[3]["party_institution_certificate_number"] is None
    # 当前状态 0 正常, 1 撤销, 2 异议, 3 其他: the contract's values, the received code kept next to them
    assert [(rows[n]["record_status"], rows[n]["record_status__raw"]) for n in (1, 2, 3, 4)] == [
        ("正常", "0"),
        ("撤销", "1"),
        ("异议", "2"),
        ("其他", "3"),
    ]
    # 处罚类别1 + 处罚类别2 → one list field
    assert (rows[1]["penalty_types"], rows[2]["penalty_types"]) == ("罚款;没收违法所得", "罚款")
    first = rows[1]
    assert first["decision_number"] == "沪市监杨处〔2016〕102016000001号"  # [2016] → 〔2016〕
    assert first["decision_date"] == date(2016, 11, 2)  # 2016/11/02
    assert (first["case_name"], first["violation_facts"], first["penalty_content"]) == (
        "上海市杨浦区鑫达餐饮管理有限公司经营超过保质期食品案",
        "经营超过保质期的食品",
        "罚款5000元，没收违法所得200元",
    )
    assert (first["legal_rep_name"], first["local_code"], first["data_updated_at"]) == (
        "张伟",
        "310110",
        "2016-11-05 10:20:00",
    )
    # the 2016 template has no 类别, 违法行为类型, 有效期, 机关代码, 数据来源单位: empty, not a reason
    assert {first[f] for f in ("party_category", "violation_type", "valid_until", "authority_uscc", "source_unit")} == {
        None
    }
    assert reasons(ws, "penalties", "penalties_2016_bom.csv") == {
        5: {("enum", "record_status")},  # code 9 is no 当前状态
        6: {("required", "record_status")},  # mandatory in the 2016 template
    }


@pytest.mark.parametrize(
    "name, generation", [("penalties_2021_coded.csv", "2021"), ("penalties_2016_coded_gbk.csv", "2016")]
)
def test_coded_headers_of_either_generation(ws, name, generation):
    header = (FIXTURES / name).read_bytes().decode("gbk" if "gbk" in name else "utf-8").splitlines()[0].split(",")
    assert PENALTIES.detect_template(header).generation == generation
    [result] = deliver(ws, name)
    assert (result.status, result.rows_landed, result.rows_quarantined) == ("landed", 2, 0)
    rows = landed_rows(ws, "penalties", name)
    if generation == "2021":  # CF_XDR_ZZJG, CF_XDR_GSZC, CF_FR_ZJHM
        assert (rows[1]["party_org_code"], rows[2]["party_registration_number"]) == (ORG_A, REG_A)
        assert rows[1]["legal_rep_id_number"] == REP and rows[1]["authority_uscc"] == AUTH
    else:  # CF_XDR_ZDM, CF_XDR_GSDJ, CF_CFLB1/2, CF_ZT
        assert (rows[1]["party_org_code"], rows[1]["party_registration_number"]) == (ORG_A, REG_A)
        assert (rows[1]["penalty_types"], rows[1]["record_status"], rows[2]["record_status"]) == (
            "罚款;没收违法所得",
            "正常",
            "撤销",
        )


def test_a_generation_dependent_label_without_a_recognisable_generation_stops_the_batch(ws):
    [result] = deliver(ws, "penalties_ambiguous.csv")
    assert result.status == "rejected" and result.error.startswith("[ambiguous_column]")
    assert "2021 版为工商注册号" in result.error and "2016 版为组织机构代码" in result.error
    assert (result.rows_read, result.rows_quarantined) == (1, 1)  # the row is kept in quarantine, never dropped


# ---- licences --------------------------------------------------------------------------------------------------


def test_a_2021_licence_export_with_bare_code_labels_and_status_codes(ws):
    [result] = deliver(ws, "licences_2021_gbk.csv")
    assert (result.status, result.rows_read, result.rows_landed, result.rows_quarantined) == ("landed", 3, 2, 1)
    rows = landed_rows(ws, "licences", "licences_2021_gbk.csv")
    # bare 代码_2 / _3 in a 2021 file: 工商注册号, 组织机构代码
    assert (rows[1]["party_registration_number"], rows[1]["party_org_code"]) == (REG_A, ORG_A)
    # 当前状态 1 有效, 2 无效
    assert [(rows[n]["licence_status"], rows[n]["licence_status__raw"]) for n in (1, 2)] == [
        ("有效", "1"),
        ("无效", "2"),
    ]
    assert (rows[1]["legal_rep_id_type"], rows[1]["legal_rep_id_number"]) == ("身份证", REP)
    assert (rows[1]["source_unit"], rows[1]["source_unit_uscc"]) == ("上海市杨浦区市场监督管理局", AUTH)
    assert reasons(ws, "licences", "licences_2021_gbk.csv") == {3: {("enum", "licence_status")}}


def test_a_2016_licence_export_with_full_width_brackets(ws):
    [result] = deliver(ws, "licences_2016_bom.csv")
    assert (result.status, result.rows_read, result.rows_landed, result.rows_quarantined) == ("landed", 4, 4, 0)
    rows = landed_rows(ws, "licences", "licences_2016_bom.csv")
    # 当前状态 0 正常 → 有效, 1 撤销, 2 异议, 3 其他 (the same codes mean other things in 2021)
    assert [rows[n]["licence_status"] for n in (1, 2, 3, 4)] == ["有效", "撤销", "异议", "其他"]
    first = rows[1]
    assert (first["party_org_code"], first["party_registration_number"]) == (ORG_A, REG_A)
    assert (first["document_number"], first["item_name"], first["licence_category"]) == (
        "沪市监杨许〔2016〕000001号",
        "食品生产许可",
        "普通",
    )
    assert (first["decision_date"], first["valid_to"]) == (date(2016, 5, 10), date(2021, 5, 9))  # 许可截止期
    # no 许可编号, 许可证书名称, 有效期自 in 2016: empty (staging keys the licence by its 决定书文号)
    assert (first["licence_number"], first["certificate_name"], first["valid_from"]) == (None, None, None)


@pytest.mark.parametrize(
    "name, generation, status",
    [("licences_2021_coded.csv", "2021", "有效"), ("licences_2016_coded_gbk.csv", "2016", "有效")],
)
def test_licence_coded_headers_of_either_generation(ws, name, generation, status):
    header = (FIXTURES / name).read_bytes().decode("gbk" if "gbk" in name else "utf-8").splitlines()[0].split(",")
    assert LICENCES.detect_template(header).generation == generation
    [result] = deliver(ws, name)
    assert result.status == "landed" and result.rows_quarantined == 0
    rows = landed_rows(ws, "licences", name)
    assert rows[1]["licence_status"] == status and rows[1]["party_org_code"] == ORG_A


# ---- the contract's template tables ------------------------------------------------------------------------------


def test_only_the_renumbered_code_labels_depend_on_the_generation():
    for c in (PENALTIES, LICENCES):
        assert set(c.generation_headers()) == {"行政相对人代码_2", "行政相对人代码_3", "行政相对人代码_5"}
        # with its gloss a label says what it is, in any spelling
        amap = c.alias_map()
        for header in (
            "行政相对人代码_2(工商注册号)",
            "行政相对人代码_2 （工商注册号）",
            "行政相对人代码_3（工商登记码）",
        ):
            assert amap[normalise_header(header)] == "party_registration_number", header
        assert amap[normalise_header("行政相对人代码_2(组织机构代码)")] == "party_org_code"
        assert amap[normalise_header("证件号码")] == "party_id_number"
        assert amap[normalise_header("法定代表人证件号码")] == "legal_rep_id_number"


def test_every_column_of_every_generation_fills_a_field_and_the_counts_are_the_standards():
    sizes = {("penalties", "2021"): 30, ("penalties", "2016"): 20, ("licences", "2021"): 28, ("licences", "2016"): 18}
    for (feed, gen), n in sizes.items():
        t = CONTRACTS[feed].template(gen)
        assert len(t.columns) == n and len({c.label for c in t.columns}) == n
        assert len({c.code for c in t.columns}) == n  # every column has its own coded header
        assert set(t.fields) <= set(CONTRACTS[feed].field_names)
        # what a producer writes comes back: the header of each style is recognised as this generation
        for style in ("label", "code"):
            assert CONTRACTS[feed].detect_template(Layout(CONTRACTS[feed], gen).header(style)).generation == gen


def test_local_extensions_are_optional_and_required_fields_are_mandatory_in_every_generation():
    for feed, extensions in {
        "penalties": ("record_status", "domain_code", "heavier_discretion", "procedure_type"),
        "licences": ("status_date",),
    }.items():
        c = CONTRACTS[feed]
        assert not any(c.field(f).required for f in extensions)
        for t in c.templates:
            assert {f.name for f in c.required_fields} <= t.mandatory
    assert PENALTIES.field("record_status").default == ("value", "正常")
    # the local layout (every field) is held to the generation in force, as is a file of no recognisable generation
    assert PENALTIES.detect_template(PENALTIES.field("party_name").aliases) is None
    assert PENALTIES.mandatory_fields(None) == PENALTIES.template("2021").mandatory


def test_a_contract_requiring_what_a_generation_lacks_is_refused(tmp_path):
    text = PENALTIES.source_file.read_text(encoding="utf-8")
    block = text.index("      - name: valid_until\n")
    narrowed = text[:block] + text[block:].replace("required: false", "required: true", 1)
    path = tmp_path / "penalties.odcs.yaml"
    path.write_text(narrowed, encoding="utf-8")
    with pytest.raises(ContractError, match=r"template 2016: required field\(s\) \['valid_until'\]"):
        load_contract(path)
    path.write_text(text.replace('"3": 其他}', '"3": 作废}'), encoding="utf-8")
    with pytest.raises(ContractError, match="outside record_status's code table"):
        load_contract(path)


# ---- the generator writes each generation ----------------------------------------------------------------------

TEMPLATED = replace(
    DEFAULT_CONFIG, templates={"penalties": {"2016": 1.0, "2021": 1.0}, "licences": {"2016": 1.0, "2021": 1.0}}
)


def _generate(out: Path, seed: int = 5):
    return run(
        out,
        entities=400,
        seed=seed,
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        province="31",
        fault_rate=0.03,
        progress=None,
        config=TEMPLATED,
    )


def test_the_generator_writes_both_generations_deterministically_and_they_land(tmp_path):
    report = _generate(tmp_path / "a" / "feeds")
    again = _generate(tmp_path / "b")
    assert again.files == report.files and again.templates == report.templates
    for rel in [*report.files, Path("_generator/summary.json"), Path("_generator/faults.jsonl")]:
        assert (tmp_path / "a" / "feeds" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    summary = json.loads((tmp_path / "a" / "feeds" / "_generator" / "summary.json").read_text(encoding="utf-8"))
    assert summary["templates"] == report.templates
    gens = {(rel.split("/")[1], g) for rel, g in report.templates.items()}
    assert gens == {("penalties", "2016"), ("penalties", "2021"), ("licences", "2016"), ("licences", "2021")}
    for rel, gen in report.templates.items():  # the header row is the template's, in its order
        feed = rel.split("/")[1]
        raw = (tmp_path / "a" / "feeds" / rel).read_bytes().decode(FEED_FORMATS[feed][1])
        header = raw.lstrip("\ufeff").splitlines()[0].split(",")
        assert header in (Layout(CONTRACTS[feed], gen).header("label"), Layout(CONTRACTS[feed], gen).header("code"))
        if (feed, gen) == ("penalties", "2021"):
            assert "撤销" not in raw  # no status column: a withdrawal is not re-sent in the 2021 template

    ws = Workspace(tmp_path / "a").ensure()
    results = {r.source_file: r for r in ingest_all(ws, ["penalties", "licences"])}
    planted = {(f["file"], f["row"]) for f in generated_faults(ws) if f["row"] is not None}
    landed_in_templates = 0
    for rel in report.templates:
        r = results[rel]
        assert r.status in ("landed", "skipped") and not r.error, (rel, r)
        quarantined = {(rel, n) for n in reasons(ws, rel.split("/")[1], Path(rel).name)}
        assert quarantined <= planted, rel  # only planted faults are quarantined
        landed_in_templates += r.rows_landed
    assert landed_in_templates > 100
    codes = read_landed(ws, "penalties").filter(pl.col("record_status__raw").is_in(["0", "1"]))
    assert set(codes["record_status"]) <= {"正常", "撤销"} and codes.height > 0


# ---- the documented defaults, where the warehouse reads the fields -----------------------------------------------


def test_staging_reads_the_documented_defaults_of_what_a_template_lacks(ws):
    deliver(ws, "penalties_2016_bom.csv", "penalties_2021_district_gbk.csv", "licences_2016_bom.csv")
    dbt_ok("run", "--select", "+stg_landing__penalties", "+stg_landing__licences", home=ws.home)
    import duckdb

    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        pen = {
            (Path(r[0]).name, r[1]): r[2:]
            for r in con.execute(
                "select _source_file, _row_number, record_status, party_category, violation_type, source_unit, "
                "source_unit_uscc from staging.stg_landing__penalties"
            ).fetchall()
        }
        lic = con.execute(
            "select licence_number, document_number, valid_from, decision_date, party_category "
            "from staging.stg_landing__licences order by document_number"
        ).fetchall()
    dept, dept_uscc = PENALTIES.producer.department, PENALTIES.producer.department_uscc
    case = "上海市杨浦区鑫达餐饮管理有限公司经营超过保质期食品案"
    # 2016: 类别 from the codes reported, 违法行为类型 from 处罚名称, 数据来源单位 = the producing department
    assert pen[("penalties_2016_bom.csv", 1)] == ("正常", "法人及非法人组织", case, dept, dept_uscc)
    assert pen[("penalties_2016_bom.csv", 3)][:2] == ("异议", "自然人")  # only a 居民身份证号
    assert pen[("penalties_2016_bom.csv", 4)][:2] == ("其他", "个体工商户")  # a USCC starting 92
    # 2021: no 当前状态 column → 正常; what it carries is kept
    assert pen[("penalties_2021_district_gbk.csv", 1)] == (
        "正常",
        "法人及非法人组织",
        "经营超过保质期的食品",
        "上海市杨浦区市场监督管理局",
        AUTH,
    )
    # 2016 licences: keyed by the 决定书文号, valid from the decision date
    assert lic[0][0] == lic[0][1] == "沪市监杨许〔2016〕000001号" and lic[0][2] == lic[0][3] == date(2016, 5, 10)
    assert lic[0][4] == "法人及非法人组织" and lic[3][4] == "个体工商户"
