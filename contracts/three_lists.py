"""The "three lists" (三张清单) as documents people read, rendered from the feed contracts in Chinese.

- 数据需求清单 (data demand list): per feed, every field with its Chinese name, type, required-ness, format,
  pattern or code table, the column names accepted for it, and its description;
- 责任清单 (responsibility list): per feed, who produces and provides it, and by when;
- 负面清单 (negative list): every field that is never published (negative) or restricted, with its treatment.

They are Markdown tables a supervisor can circulate; generated and committed like the other artefacts, so they
can never disagree with the checks the pipeline runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.dates import date_rules
from contracts.model import CLASSIFICATION_TREATMENT, FeedContract, Field
from contracts.redaction import load_patterns

TYPE_LABELS = {"string": "文本", "date": "日期", "number": "数值", "integer": "整数"}
CHECK_LABELS = {
    "uscc": "统一社会信用代码（GB 32100 校验位，含 GB 11714 组织机构代码校验）",
    "ric": "公民身份号码（GB 11643 校验位与出生日期）",
    "licence_number": "许可证编号（SC/JY 食品类 ISO 7064 MOD 11,10 校验位；XK、TS、药品按格式）",
    "decision_number": "文书号格式：机关简称〔年份〕序号号（[]、()、【】 等括号自动统一为〔〕）",
}
CODE_TABLE_LABELS = {
    "ref_region_codes": "行政区划代码表 ref_region_codes（GB/T 2260）",
    "ref_industry_codes": "国民经济行业分类小类 ref_industry_codes（GB/T 4754-2017）",
    "ref_licence_types": "许可证件名称表 ref_licence_types",
}
FILES = {"demand": "demand-list.md", "responsibility": "responsibility-list.md", "negative": "negative-list.md"}
_GENERATED = "<!-- GENERATED from contracts/feeds/*.odcs.yaml by contracts/codegen.py — do not edit by hand. -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
        *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows),
    ]


def field_format(f: Field) -> str:
    """What a valid value looks like, in words: code table, pattern, identifier check, bounds."""
    parts = []
    if f.logical_type == "date":
        parts.append("日期（YYYY-MM-DD；亦接受 YYYY/MM/DD、YYYYMMDD、YYYY年MM月DD日）")
        dates = date_rules()  # contracts/dates.yml, as ingestion checks it
        latest = f"{dates.long_term.isoformat()}（长期）" if f.name in dates.may_be_future else "接收日期"
        parts.append(f"不早于 {dates.earliest.isoformat()}，不晚于{latest}")
    if f.logical_type in ("number", "integer"):
        parts.append("数值：小数点用“.”，千位分隔符（“,”或空格）须三位一组；不得为 NaN 或无穷大")
    if f.max_length is not None:
        parts.append(f"最长 {f.max_length} 字")
    if f.enum:
        sep = f"（可多项，以“{f.list_separator}”分隔）" if f.list_separator else ""
        parts.append("代码：" + "、".join(f.enum) + sep)
    if f.code_table:
        note = "（未知代码仅警告）" if f.on_unknown == "warn" else ""
        parts.append(CODE_TABLE_LABELS.get(f.code_table, f.code_table) + note)
    if f.check:
        parts.append(CHECK_LABELS[f.check])
    if f.pattern:
        parts.append(f"格式 `{f.pattern}`")
    if f.minimum is not None:
        parts.append(f"不小于 {f.minimum:g}")
    return "；".join(parts) or "—"


def _aliases(f: Field) -> str:
    others = [a for a in f.aliases if a not in (f.name, f.label)]
    return "、".join(f"`{a}`" for a in [f.name, *others])


def render_demand(contracts: dict[str, FeedContract]) -> str:
    lines = [
        _GENERATED,
        "",
        "# 数据需求清单",
        "",
        "各数据项必须报送的字段、类型与格式。列名按中文名称、字段名或下表所列别名识别（按名称，不按位置）；"
        "必填字段为空、格式或代码不符的行进入隔离区并逐条说明原因；出现清单以外的列时整批退回（schema drift）。",
        "",
    ]
    for c in contracts.values():
        lines += [
            f"## {c.title}（{c.name}，合同版本 {c.version}）",
            "",
            c.purpose,
            "",
            f"业务主键：{'、'.join(c.record_key)}；报送单位：{c.producer.department}。",
            "",
        ]
        rows = [
            [
                i,
                f"`{f.name}`",
                f.label,
                TYPE_LABELS[f.logical_type],
                "是" if f.required else "否",
                field_format(f),
                _aliases(f),
                f.description or f.label,
            ]
            for i, f in enumerate(c.fields, 1)
        ]
        lines += _table(["序号", "字段名", "中文名称", "类型", "必填", "格式 / 代码表", "可接受的列名", "说明"], rows)
        lines.append("")
        lines += _templates(c)
    return "\n".join(lines)


DEFAULT_LABELS = {"value": "取值 {}", "column": "取 `{}`", "macro": "按代码推定（dbt 宏 `{}`）"}


def _templates(c: FeedContract) -> list[str]:
    """The national template generations a feed accepts: each column, the field it fills, whether it is mandatory
    in that generation, its value codes; then what the warehouse reads where a field is missing (its default)."""
    if not c.templates:
        return []
    lines = [
        f"### {c.title}：双公示模板",
        "",
        "按表头识别所用版本（只在一个版本中出现的列名）；按列名（中文名称、去掉括号说明的名称或编码表头，全角/半角括号、"
        "有无空格均可）对应字段，不按位置。括号说明不同而编号相同的列（如 2016 版的代码_2 是组织机构代码，2021 版的"
        "代码_2 是工商注册号）不带括号时按识别出的版本理解；无法识别版本时整批退回（ambiguous_column）。"
        "模板以外的地方扩展列均非必填。",
        "",
    ]
    for t in c.templates:
        rows = [
            [
                i,
                col.label,
                f"`{col.code}`" if col.code else "—",
                f"`{col.field}`",
                "是" if col.required else "否",
                "；".join(f"{k} → {v}" for k, v in col.codes) or "—",
            ]
            for i, col in enumerate(t.columns, 1)
        ]
        state = "现行" if t.in_force else "旧版，仍接收"
        lines += [f"**{t.title}**（{state}；{t.source}）", ""]
        lines += _table(["序号", "列名", "编码表头", "字段", "必填", "代码"], rows)
        lines.append("")
    defaults = [
        [f"`{f.name}`", f.label, DEFAULT_LABELS[f.default[0]].format(f.default[1])] for f in c.fields if f.default
    ]
    if defaults:
        lines += ["为空（或所用模板没有该列）时，数据仓库读取的缺省值（在生成的 staging 模型中取用）：", ""]
        lines += _table(["字段名", "中文名称", "缺省"], defaults)
        lines.append("")
    return lines


def render_responsibility(contracts: dict[str, FeedContract]) -> str:
    lines = [
        _GENERATED,
        "",
        "# 责任清单",
        "",
        "谁产生、谁提供、谁负责：各数据项的生产部门、提供系统与报送时限。工作日按国务院办公厅公布的节假日安排计算"
        "（调休上班日计入，当年安排未公布时按周一至周五估算并标注）；逾期到达的批次记为迟报。",
        "",
    ]
    rows = []
    for c in contracts.values():
        deadline = f"{c.field(c.latency_field).label}（`{c.latency_field}`）起 {c.latency_working_days} 个工作日内"
        rows.append(
            [
                f"{c.title}（`{c.name}`）",
                c.producer.department,
                c.producer.department_uscc,
                c.producer.providing_system,
                f"`{c.producer.code}`",
                deadline,
                c.latency_note,
                c.frequency_note or f"每 {c.frequency_days} 天",
            ]
        )
    lines += _table(
        [
            "数据项",
            "生产部门",
            "部门统一社会信用代码",
            "提供系统",
            "报送目录",
            "报送时限（起算日期）",
            "时限依据",
            "报送频率",
        ],
        rows,
    )
    return "\n".join(lines) + "\n"


def render_negative(contracts: dict[str, FeedContract]) -> str:
    lines = [
        _GENERATED,
        "",
        "# 负面清单",
        "",
        "以下字段不得公示、不得共享。负面清单字段只在内部用于关联（以加盐哈希代替原值），任何对外产品均不含原值；"
        "内部展示时须脱敏。限制字段仅限内部使用。",
        "",
    ]
    treatment = {k: v for k, v in CLASSIFICATION_TREATMENT.items() if k in ("negative", "restricted")}
    lines += _table(["分类", "处理方式"], [[label, how] for label, how in treatment.values()])
    lines.append("")
    rows = [
        [
            f"{c.title}（`{c.name}`）",
            f"`{f.name}`",
            f.label,
            treatment[f.classification][0],
            treatment[f.classification][1],
            f.description or f.label,
        ]
        for c in contracts.values()
        for f in c.fields
        if f.classification in treatment
    ]
    lines += _table(["数据项", "字段名", "中文名称", "分类", "处理方式", "说明"], rows)
    patterns = load_patterns()
    lines += [
        "",
        "## 公示文件中的证件号码",
        "",
        "公示文件（`contracts/publication.yml` 的全部记录类型）不含任何证件号码列，脱敏形式也不含："
        "脱敏后的号码仍显示地址码与出生日期。法定代表人只公示姓名；内部展示时方可脱敏显示。",
        "",
        "## 内容负面清单（`contracts/redaction.yml`）",
        "",
        "自由文本中出现的下列信息，发布时替换为标记"
        f"「{patterns.marker.format(label='…')}」并在 manifest 中计数；质量闸门再对每个公示文件的每一列独立扫描，"
        "命中即不发布。",
        "",
    ]
    sources = {n["name"]: n["source"] for n in patterns.raw["numbers"] + patterns.raw["texts"]}
    sources[patterns.invisible_name] = patterns.raw["invisible"]["source"] + "（从所有文本列中删除，不加标记）"
    lines += _table(["类别", "名称", "出处"], [[label, f"`{name}`", sources[name]] for name, label in patterns.kinds])
    return "\n".join(lines) + "\n"


def render_three_lists(contracts: dict[str, FeedContract]) -> dict[str, str]:
    """File name (under docs/three-lists/) → Markdown."""
    return {
        FILES["demand"]: render_demand(contracts),
        FILES["responsibility"]: render_responsibility(contracts),
        FILES["negative"]: render_negative(contracts),
    }
