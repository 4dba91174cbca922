"""Every rate, mix and threshold the feed generator uses, in one frozen dataclass.

Why one place: the synthetic feeds are only useful if a reviewer can see, and a test can change, what
"realistic" means here (how many entities are penalised, how often a producer is late, how dirty the
raw data is). Nothing in the generator modules hard-codes a rate; they all read :data:`DEFAULT_CONFIG`
(or a ``dataclasses.replace`` of it). Rates that depend on the length of the simulated period are
given *per year* and scaled by the number of years between ``start`` and ``end``; shares quoted for
the default period (2023-07-01 → 2026-10-31, ~3.3 years) are noted in the comments.

Word pools and text templates (names, roads, violations) live in :mod:`feedgen.vocab`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ground.errors import ActionableError


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class GeneratorConfig:
    # ---- scale -------------------------------------------------------------------------------------
    chunk_size: int = 50_000  # entities per chunk; each chunk has its own RNG streams
    max_entities: int = 20_000_000  # the org-code and ID-number permutations are sized for this

    # ---- entity mix (DOMAIN §2: USCC pos 2 = 1 enterprise, 2 个体工商户, 3 农民专业合作社) -------------
    kind_mix: Mapping[int, float] = field(default_factory=lambda: _frozen({1: 0.85, 2: 0.12, 3: 0.03}))
    # entity_type of enterprises (kind 1)
    enterprise_type_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"有限责任公司": 0.82, "股份有限公司": 0.03, "合伙企业": 0.04, "个人独资企业": 0.04, "分公司": 0.07}
        )
    )
    # GB/T 4754 section weights for enterprises (skewed to F, H, C, I, M, L as in real registers)
    section_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "F": 0.30,
                "L": 0.12,
                "M": 0.12,
                "C": 0.10,
                "I": 0.09,
                "H": 0.06,
                "E": 0.05,
                "G": 0.04,
                "K": 0.025,
                "R": 0.025,
                "O": 0.02,
                "J": 0.01,
                "A": 0.01,
                "N": 0.01,
                "P": 0.005,
                "Q": 0.005,
                "D": 0.003,
                "B": 0.001,
            }
        )
    )
    # classes that get extra weight inside their section (food trade, pharmacies, food manufacturing …)
    class_boost: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "5211": 8,
                "5212": 8,
                "5213": 10,
                "5219": 4,
                "5121": 4,
                "5122": 3,
                "5123": 4,
                "5124": 4,
                "5127": 4,
                "5129": 3,
                "5221": 3,
                "5222": 3,
                "5223": 4,
                "5224": 3,
                "5226": 3,
                "5229": 3,
                "5251": 6,
                "5252": 3,
                "5151": 2,
                "5152": 1,
                "5181": 6,
                "5199": 4,
                "5174": 3,
                "5176": 3,
                "1411": 4,
                "1419": 2,
                "1432": 2,
                "1469": 2,
                "1492": 2,
                "1495": 2,
                "1499": 2,
                "1524": 2,
                "3411": 2,
                "3431": 2,
                "3435": 3,
                "3332": 2,
                "3831": 2,
                "2926": 2,
                "3011": 1,
                "3039": 1,
                "6210": 4,
                "6220": 4,
                "6291": 3,
                "6232": 2,
                "6241": 1,
                "6513": 6,
                "6519": 2,
                "6520": 2,
                "6531": 3,
                "7249": 3,
                "7243": 4,
                "7212": 2,
                "7224": 3,
                "7251": 3,
                "7259": 2,
                "7517": 3,
                "7519": 3,
                "7320": 2,
                "7340": 2,
            }
        )
    )
    # shares used to build enterprise names (DOMAIN §2 行政区划 + 字号 + 行业 + 组织形式)
    name_prefix_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"city": 0.80, "province": 0.08, "city_district": 0.07, "bracket": 0.05})
    )  # bracket: 字号（上海）行业…
    three_char_zihao: float = 0.5  # share of 3-character 字号 (2-character ones are scarce in big cities)
    latin_zihao: float = 0.02  # registered Latin-letter 字号 (e.g. 上海KTC电子科技有限公司)
    ascii_brackets_in_register: float = 0.4  # share of bracketed names the register writes with ASCII ( )
    youxian_zeren: float = 0.10  # 有限责任公司 names ending 有限责任公司 instead of 有限公司
    soletrader_form_suffix: float = 0.5  # 个体户 registered since 2022 named …小吃店（个体工商户）
    soletrader_uses_person_name: float = 0.5  # 个体户 字号 = operator's name (上海市杨浦区张伟小吃店)
    # Shanghai district weights (others default to 1.0) — registration is concentrated in the suburbs
    region_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "310115": 4.0,
                "310112": 1.8,
                "310114": 1.6,
                "310117": 1.6,
                "310120": 1.8,
                "310151": 1.5,
                "310113": 1.3,
                "310118": 1.3,
                "310116": 1.0,
                "310104": 0.9,
                "310110": 0.8,
                "310106": 0.9,
                "310107": 0.7,
                "310105": 0.7,
                "310101": 0.8,
                "310109": 0.6,
            }
        )
    )
    # USCC region (pos 3–8) is the issuing authority's: provincial bureau for some, a historical code
    # for entities of a merged district (闸北 → 静安, 2015) that got their code before the merger
    uscc_provincial_region: float = 0.10
    historical_uscc_regions: Mapping[str, str] = field(default_factory=lambda: _frozen({"310106": "310108"}))
    historical_uscc_share: float = 0.3  # of pre-2016 entities of such a district
    ma_body_share_after_2016: float = 0.45  # new-style "MA1…" organisation codes (most bodies stay all-digit)
    # establishment dates: 1995 … end, yearly weight growing by this factor (entity counts grew fast)
    first_establishment_year: int = 1995
    establishment_growth: float = 1.13

    # ---- persons ----------------------------------------------------------------------------------
    local_person_share: float = 0.55  # legal reps whose ID region lies in the same province
    shared_rep_share: float = 0.03  # entities whose legal rep is also rep of another entity
    birth_first_year: int = 1950
    birth_last_year: int = 2003

    # ---- registry ---------------------------------------------------------------------------------
    name_change_per_year: float = 0.009  # ≈ 3 % of entities change name over the default period
    termination_per_year: float = 0.006  # ≈ 2 %: status → 注销 / 吊销 / 迁出
    termination_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"注销": 0.65, "吊销": 0.30, "迁出": 0.05})
    )
    soletrader_status_zaiye: float = 0.5  # 个体户 shown as 在业 instead of 存续
    registry_date_styles: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"iso": 0.88, "slash": 0.10, "chinese": 0.02})
    )  # accepted formats, not faults
    phone_missing: float = 0.10
    capital_missing_soletrader: float = 0.5

    # ---- licences ---------------------------------------------------------------------------------
    # probability that an entity of a licence group holds its primary licence
    licence_take_up: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "food_mfg": 0.9,
                "additive_mfg": 0.9,
                "special_eq": 0.6,
                "xk_mfg": 0.3,
                "food_trade": 0.9,
                "catering": 0.95,
                "pharmacy": 0.95,
                "general_trade": 0.4,
            }
        )
    )
    licence_count_mix: Mapping[int, float] = field(default_factory=lambda: _frozen({1: 0.75, 2: 0.20, 3: 0.05}))
    licence_validity_years: int = 5
    licence_renewal_share: float = 0.7  # licences expiring inside the period that are renewed (same number)
    licence_status_change: float = 0.03  # 注销/撤销 arriving in a later batch
    licence_status_mix: Mapping[str, float] = field(default_factory=lambda: _frozen({"注销": 0.8, "撤销": 0.2}))
    licence_province_prefix: float = 0.5  # XK numbers written with '(沪)'

    # ---- penalties (SAMR Order 45; DOMAIN §3) ------------------------------------------------------
    penalised_per_year: float = 0.026  # ≈ 7 % of entities penalised at least once over the default period
    extra_penalty_p: float = 0.35  # P(one more penalty) — geometric long tail
    repeat_offender_share: float = 0.001  # ≥ 10 penalties within 3 years (seed 004)
    repeat_offender_min_chunk: int = 200  # chunks at least this big get ≥ 1 repeat offender …
    repeat_offender_min_period_days: int = 180  # … if the period is long enough to make one plausible
    repeat_offender_penalties: tuple[int, int] = (10, 18)
    repeat_offender_window_days: int = 1000  # < 3 years
    penalty_type_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "罚款": 0.55,
                "警告": 0.10,
                "没收违法所得;罚款": 0.17,
                "警告;罚款": 0.06,
                "没收非法财物;罚款": 0.04,
                "没收违法所得;没收非法财物;罚款": 0.03,
                "通报批评": 0.01,
                "罚款;吊销许可证件": 0.015,
                "罚款;责令停产停业": 0.01,
                "罚款;暂扣许可证件": 0.005,
                "罚款;限制从业": 0.004,
                "没收违法所得;罚款;限制开展生产经营活动": 0.003,
                "罚款;降低资质等级": 0.002,
                "责令关闭": 0.001,
            }
        )
    )
    fine_lognormal: tuple[float, float] = (0.3, 1.25)  # ln(万元) mean/sigma → median ≈ 1.35 万元
    fine_bounds_wan: tuple[float, float] = (0.05, 200.0)
    heavier_share: float = 0.05
    simple_procedure_share: float = 0.10  # only warnings / fines ≤ 0.3 万元 can use 简易程序
    bracket_variant_share: float = 0.05  # decision numbers with [] ［］ () （） 【】 instead of 〔〕
    correction_change_share: float = 0.02  # re-sent later with 变更 and a changed amount
    correction_revoke_share: float = 0.005  # re-sent later with 撤销
    provincial_case_share: float = 0.10  # cases handled by the provincial 执法总队
    publicity_lower_amount_wan: float = 5.0  # Shanghai: ≤ 50 000 yuan for organisations → 3 months
    holiday_cluster_weight: float = 4.0  # decision-date weight on WD around 春节 / 国庆
    holiday_cluster_days: int = 3  # working days before/after the holiday block that are boosted
    non_working_day_weight: float = 0.03
    publicity_end_filled: float = 0.8
    rep_fields_filled: float = 0.9
    registration_number_only_share: float = 0.1  # of 个体工商户 penalties with an old 注册号: USCC left blank

    # ---- inspections, lists ------------------------------------------------------------------------
    inspected_per_year: float = 0.15
    inspection_type_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"双随机抽查": 0.62, "专项检查": 0.14, "监督抽检": 0.10, "日常检查": 0.09, "投诉举报核查": 0.05}
        )
    )
    inspection_result_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "未发现问题": 0.74,
                "发现问题已责令改正": 0.08,
                "未发现开展本次抽查涉及的经营活动": 0.05,
                "通过登记的住所（经营场所）无法联系": 0.035,
                "未按规定公示应当公示的信息": 0.03,
                "不合格": 0.03,
                "发现问题待后续处理": 0.02,
                "公示信息隐瞒真实情况弄虚作假": 0.005,
            }
        )
    )
    tasks_per_district_month: int = 4
    unreachable_to_abnormal: float = 0.8  # inspection "无法联系" → abnormal listing
    annual_report_listing_per_year: float = 0.007  # enterprises listed each July for a missing report
    other_listing_per_year: float = 0.001
    abnormal_removal_share: float = 0.40
    serious_from_heavier_penalty: float = 0.5  # heavier penalties in named domains that are listed
    serious_fraud_per_year: float = 0.00005  # 提交虚假材料取得登记
    serious_repair_share: float = 0.25  # listed ≥ 1 year → credit repair → early removal

    # ---- external, remedies, commitments -----------------------------------------------------------
    court_per_year: float = 0.0012
    court_without_uscc: float = 0.20
    court_person_with_uscc: float = 0.4
    court_type_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"execution": 0.45, "judgment": 0.25, "arbitration": 0.05, "tax": 0.12, "safety": 0.07, "environment": 0.06}
        )
    )
    repair_penalty_share: float = 0.10  # eligible published penalties with a repair application
    repair_abnormal_share: float = 0.30  # removed abnormal listings with a repair record
    repair_granted: float = 0.85
    objection_penalty_share: float = 0.01
    objection_abnormal_share: float = 0.01
    objection_outcome_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"维持": 0.70, "变更": 0.15, "撤销": 0.10, "确认无效": 0.05})
    )
    commitment_per_year: float = 0.03  # ≈ 10 % of entities over the default period
    commitment_type_mix: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"证明事项告知承诺": 0.4, "涉企经营许可告知承诺": 0.4, "主动公示型承诺": 0.2})
    )
    commitment_verified: float = 0.65
    commitment_false: float = 0.06  # of verified: 承诺不实

    # ---- risk warnings (feedgen/risk.py) ----------------------------------------------------------------
    risk_warning_penalty_share: float = 0.10  # penalties in the named domains that lead to a warning
    risk_warning_heavy_penalty_share: float = 0.6  # … heavier / heavy penalties
    risk_warning_unreachable_share: float = 0.3  # inspections finding the address unreachable
    risk_warning_levels: Mapping[str, float] = field(default_factory=lambda: _frozen({"黄色": 0.7, "蓝色": 0.3}))
    risk_warning_heavy_levels: Mapping[str, float] = field(default_factory=lambda: _frozen({"红色": 0.4, "橙色": 0.6}))
    risk_warning_lift_share: float = 0.4  # lifted before the end date by the issuing unit
    risk_warning_foreign_lift_share: float = 0.05  # … of those, lifted by another unit (refused by the warehouse)

    # ---- national 双公示 templates (feedgen/templates.py) -------------------------------------------------
    # Per feed: the share of its batch files written in each template generation of its contract — "local" is this
    # warehouse's own layout (every contract field), "2016" / "2021" the national templates' columns only (coded
    # headers in odd months, printed labels otherwise). A feed not named here is written "local" throughout.
    templates: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: _frozen(
            {
                "penalties": _frozen({"local": 0.8, "2021": 0.1, "2016": 0.1}),
                "licences": _frozen({"local": 0.8, "2021": 0.1, "2016": 0.1}),
            }
        )
    )

    # ---- delivery (file mtimes) --------------------------------------------------------------------
    delivery_on_time_wd: tuple[int, int] = (1, 3)
    delivery_late_wd: tuple[int, int] = (5, 15)
    delivery_late_share: float = 0.12
    delivery_hours: tuple[int, int] = (9, 18)

    # ---- planted faults ----------------------------------------------------------------------------
    fault_kind_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "bad_check_char": 1.0,
                "missing_mandatory": 1.0,
                "bad_date": 1.0,
                "duplicate": 1.0,
                "fullwidth_name": 1.0,
                "traditional_name": 1.0,
                "unknown_code": 1.0,
            }
        )
    )
    supplement_rows: int = 6  # rows moved into each batch-level fault file
    renamed_column_feed: str = "penalties"
    renamed_column_field: str = "decision_number"
    renamed_column_alias: str = "处罚决定书号"  # NOT a contract alias
    truncated_feed: str = "licences"


DEFAULT_CONFIG = GeneratorConfig()


# Processes a generate() run uses (feedgen/generator.py): the main one builds the chunks in order (names and register
# sequence numbers run across chunks), the others render the built chunks into file bytes. The files are the same for
# every count. Default: the CPUs this process may use, at most MAX_DEFAULT_WORKERS — building is ~40 % of the work, so
# beyond two or three rendering processes the in-order building is the bottleneck and more only cost memory.
WORKERS_ENV = "CWH_GENERATOR_WORKERS"
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """``$CWH_GENERATOR_WORKERS``, else the CPUs this process may run on, at most ``MAX_DEFAULT_WORKERS``."""
    text = os.environ.get(WORKERS_ENV)
    if text is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return max(1, min(cpus, MAX_DEFAULT_WORKERS))
    if not text.strip().isdigit() or int(text) < 1:
        raise ActionableError(f"环境变量 {WORKERS_ENV} 应为不小于 1 的整数（生成数据使用的进程数），收到 {text!r}")
    return int(text)


ROW_FAULT_KINDS = (
    "bad_check_char",
    "missing_mandatory",
    "bad_date",
    "duplicate",
    "fullwidth_name",
    "traditional_name",
    "unknown_code",
)
BATCH_FAULT_KINDS = ("truncated_last_line", "renamed_column")

# Delivery formats: how each producer actually sends its files.
# "The next day's deliveries" (feedgen/next_day.py): the share of each feed's rows one more day brings.
NEXT_DAY_SHARE = 0.001

FEED_FORMATS: Mapping[str, tuple[str, str]] = _frozen(
    {
        "registry": ("csv", "utf-8"),
        "licences": ("csv", "gbk"),
        "penalties": ("csv", "utf-8-sig"),
        "inspections": ("jsonl", "utf-8"),
        "abnormal_list": ("csv", "utf-8"),
        "serious_list": ("jsonl", "utf-8"),
        "court_judgments": ("jsonl", "utf-8"),
        "credit_repairs": ("csv", "gbk"),
        "objections": ("csv", "utf-8-sig"),
        "credit_commitments": ("jsonl", "utf-8"),
        "punishment_feedback": ("csv", "utf-8"),
        "risk_warnings": ("jsonl", "utf-8"),
        "disclosure_holds": ("csv", "utf-8"),
    }
)
JSON_KEY_SOURCES = ("GSXT", "信用平台", "审批系统")
CODE_HEADER_SOURCES = ("双公示编码", "地方扩展")  # odd-month penalty batches
