"""The rule catalogue ``docs/rules.md``, generated from the seeds (``python -m warehouse.rule_catalogue``).

Every business rule of the warehouse is a row of a dbt seed (``dbt_project/seeds/**.csv``, declared with its
description in ``_*__seeds.yml``) or part of a data contract (``contracts/``). The catalogue lists every rule row once
— id, value with its unit, validity, citation — under its seed, with the models that ``ref()`` the seed, grouped by
area, with a table of contents, an anchor per rule id and an index of what changed on which date. Code tables
(``ref_*`` seeds) are not rules: they are listed by name, size and source only.

Run after changing a seed, a seed's declaration or which models read a seed::

    python -m warehouse.rule_catalogue            # rewrite docs/rules.md
    python -m warehouse.rule_catalogue --check    # exit 1 if docs/rules.md is stale; write nothing

The readers are found in the model and macro files themselves (``ref('seed')`` inside Jinja, in the model or in a
macro it calls, at any depth; ``dbt.ref("seed")`` in Python models): the dependencies ``dbt parse`` records, without a
parse, a target folder or a warehouse, in well under a second (the hook runs in pre-commit). Which column of a seed is
its id, value, validity or citation is decided in one place, the ``*_COLUMNS`` tuples below; a rule seed with no
recognisable id or citation column stops generation with its name, so that no new seed is silently left out.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from ground.files import sync_generated
from ground.settings import PROJECT_ROOT

CATALOGUE = Path("docs") / "rules.md"
DBT_DIR = Path("dbt_project")
GENERATED_HEADER = (
    "<!-- GENERATED from dbt_project/seeds by `python -m warehouse.rule_catalogue` — do not edit by hand. -->"
)

# --- which column plays which part: the one place for every seed's column names ----------------------------------
# The rule's id: the first of these a seed has (several names: a composite id) …
ID_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("rule_id",),
    ("rule_code",),
    ("trigger_id",),
    ("measure_id",),
    ("parameter_code",),
    ("derivation_code",),
    ("criterion_code",),
    ("indicator_code",),
    ("risk_class",),
    ("model_id",),
    ("link_method",),
    ("penalty_type",),
    ("domain_code",),
    ("stage_code",),
    ("calendar_date",),
)
# … else the key its _*__seeds.yml declares (a column tested `unique`, or `unique_combination_of_columns` without the
# validity columns); else its first column when that is named like an id; else generation stops.
ID_SUFFIXES = ("_id", "_code")
SOURCE_COLUMNS = ("source", "legal_basis")  # the citation: the first present; a rule seed without one stops generation
VALID_FROM, VALID_TO = "valid_from", "valid_to"  # first and last day the row applies (macros/rule_in_force.sql)
UNIT_COLUMN = "unit"
QUANTITY_COLUMNS = ("value", "rule_value", "quantity")  # the number `unit` measures: shown first, with the unit
LABEL_COLUMNS = (  # what the rule says in words (说明), with every column named *_label, in the seed's order
    "stage_label",
    "measure_name",
    "derivation_name",
    "indicator_name",
    "model_name",
    "risk_class_name",
    "description",
    "note",
)
# Every other column is part of the value, shown as column=value. Unit codes of the `unit` column, and units implied
# by a column name's ending:
UNITS = {
    "year": "年",
    "years": "年",
    "month": "个月",
    "months": "个月",
    "day": "日",
    "days": "日",
    "working_day": "个工作日",
    "working_days": "个工作日",
}
UNIT_SUFFIXES = (("_yuan", "元"), ("_years", "年"), ("_months", "个月"), ("_days", "天"))
COLUMN_UNITS = {"min_count": "次", "min_penalty_count": "次", "day_count": "天"}
BOOLEANS = {"true": "是", "false": "否"}
REFERENCE_PREFIX = "ref_"  # code tables: listed by name, size and source only
# Areas: the seed's folder under seeds/, in this order; a folder not named here is shown under its own name, last.
AREAS = {
    "lists": "名录与清单",
    "publication": "信息公示",
    "punishment": "失信联合惩戒",
    "risk": "信用风险分类与双随机抽查",
    "rules": "日历与通用规则",
    "reference": "参考与日历",
}
MAX_REFERENCE_SOURCES = 5


class RuleCatalogueError(ValueError):
    """A seed the catalogue cannot read as rules: the message names the seed and what is missing."""


@dataclass(frozen=True)
class Seed:
    name: str
    path: str  # relative to the project root
    area: str  # its folder under seeds/
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (line number in the CSV, row)
    declared_key: tuple[str, ...]

    @property
    def is_reference(self) -> bool:
        return self.name.startswith(REFERENCE_PREFIX)


@dataclass(frozen=True)
class RuleRow:
    seed: str
    line: int
    rule_id: str
    anchor: str
    label: str
    value: str
    valid_from: date | None
    valid_to: date | None
    source: str

    @property
    def validity(self) -> str:
        return _validity(self.valid_from, self.valid_to)


# --- reading the seeds ---------------------------------------------------------------------------------------------


def _declarations(seeds_dir: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(seeds_dir.rglob("_*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("seeds") or ():
            out[entry["name"]] = entry
    return out


def _test_name(test: object) -> str:
    return test if isinstance(test, str) else next(iter(test)) if isinstance(test, dict) and test else ""


def _declared_key(entry: dict[str, Any]) -> tuple[str, ...]:
    """The key a seed's declaration tests: a `unique` column, else a unique combination less the validity columns."""
    for column in entry.get("columns") or ():
        if any(_test_name(t) == "unique" for t in column.get("data_tests") or column.get("tests") or ()):
            return (column["name"],)
    for test in entry.get("data_tests") or entry.get("tests") or ():
        if _test_name(test) == "unique_combination_of_columns":
            args = test["unique_combination_of_columns"]
            args = args.get("arguments", args)
            return tuple(c for c in args["combination_of_columns"] if c not in (VALID_FROM, VALID_TO))
    return ()


def load_seeds(root: Path = PROJECT_ROOT) -> list[Seed]:
    seeds_dir = root / DBT_DIR / "seeds"
    declared = _declarations(seeds_dir)
    seeds = []
    for path in sorted(seeds_dir.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            rows = []
            for row in reader:
                if None in row:  # more values than the header names
                    raise RuleCatalogueError(
                        f"种子表 {path.stem}（{path.name}）第 {reader.line_num} 行的值多于表头的列"
                    )
                rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
            columns = tuple(reader.fieldnames or ())
        entry = declared.get(path.stem, {})
        relative = path.relative_to(seeds_dir)
        seeds.append(
            Seed(
                name=path.stem,
                path=path.relative_to(root).as_posix(),
                area=relative.parts[0] if len(relative.parts) > 1 else "",
                description=" ".join(str(entry.get("description") or "").split()),
                columns=columns,
                rows=tuple(rows),
                declared_key=_declared_key(entry) if entry else (),
            )
        )
    return seeds


def id_columns(seed: Seed) -> tuple[str, ...]:
    for candidate in ID_COLUMNS:
        if all(c in seed.columns for c in candidate):
            return candidate
    if seed.declared_key and all(c in seed.columns for c in seed.declared_key):
        return seed.declared_key
    if seed.columns and seed.columns[0].endswith(ID_SUFFIXES):
        return seed.columns[:1]
    raise RuleCatalogueError(
        f"种子表 {seed.name}（{seed.path}）没有可识别的规则编号列：列为 {', '.join(seed.columns)}；"
        f"请在 warehouse/rule_catalogue.py 的 ID_COLUMNS 中登记其编号列，或在其 _*__seeds.yml 中以 unique 测试声明主键，"
        f"或以 {'、'.join(ID_SUFFIXES)} 结尾的列作为第一列"
    )


def source_column(seed: Seed) -> str:
    for name in SOURCE_COLUMNS:
        if name in seed.columns:
            return name
    raise RuleCatalogueError(
        f"种子表 {seed.name}（{seed.path}）没有出处列（{' 或 '.join(SOURCE_COLUMNS)}）：每条规则须注明法规出处；"
        f"代码表请以 {REFERENCE_PREFIX} 开头命名"
    )


def _date(seed: Seed, line: int, column: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleCatalogueError(f"种子表 {seed.name}（{seed.path}）第 {line} 行 {column} 不是日期：{text!r}") from None


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _unit(code: str) -> str:
    return UNITS.get(code, code)


def _shown(column: str, text: str) -> str:
    if text.lower() in BOOLEANS:
        return BOOLEANS[text.lower()]
    unit = COLUMN_UNITS.get(column) or next((u for suffix, u in UNIT_SUFFIXES if column.endswith(suffix)), None)
    return f"{text} {unit}" if unit else text


def _anchor(*parts: str) -> str:
    return ".".join(re.sub(r"[^\w.-]+", "-", p).strip("-").lower() for p in parts)


def rule_rows(seed: Seed) -> list[RuleRow]:
    """One entry per row of a rule seed, in the CSV's order."""
    ids = id_columns(seed)
    source = source_column(seed)
    quantity = next((c for c in QUANTITY_COLUMNS if c in seed.columns), None) if UNIT_COLUMN in seed.columns else None
    labels = [c for c in seed.columns if c not in ids and (c in LABEL_COLUMNS or c.endswith("_label"))]
    roles = {*ids, source, VALID_FROM, VALID_TO, *labels, *((UNIT_COLUMN, quantity) if quantity else ())}
    value_columns = [c for c in seed.columns if c not in roles]
    out = []
    anchors: dict[str, str] = {}  # anchor → rule id: two ids that read alike get anchors of their own
    for line, row in seed.rows:
        parts = [f"{row[quantity]} {_unit(row[UNIT_COLUMN])}".strip()] if quantity and row[quantity] else []
        parts += [f"{c}={_shown(c, row[c])}" for c in value_columns if row[c]]
        rule_id = " / ".join(row[c] for c in ids)
        anchor = base = _anchor(seed.name, rule_id)
        n = 1
        while anchors.setdefault(anchor, rule_id) != rule_id:
            n += 1
            anchor = f"{base}-{n}"
        out.append(
            RuleRow(
                seed=seed.name,
                line=line,
                rule_id=rule_id,
                anchor=anchor,
                label="：".join(row[c] for c in labels if row[c]),
                value="；".join(parts),
                valid_from=_date(seed, line, VALID_FROM, row.get(VALID_FROM, "")),
                valid_to=_date(seed, line, VALID_TO, row.get(VALID_TO, "")),
                source=row[source],
            )
        )
    return out


# --- which models read a seed ----------------------------------------------------------------------------------------

_JINJA_COMMENT = re.compile(r"{#.*?#}", re.S)
_JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.S)
_REF = re.compile(r"""\bref\(\s*['"]([^'"]+)['"](?:\s*,\s*['"]([^'"]+)['"])?""")
_MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\((.*?){%-?\s*endmacro\s*-?%}", re.S)


def _refs(jinja: str) -> set[str]:
    return {m.group(2) or m.group(1) for m in _REF.finditer(jinja)}


def _jinja(text: str) -> str:
    return "\n".join(_JINJA.findall(_JINJA_COMMENT.sub("", text)))


def readers(root: Path = PROJECT_ROOT) -> dict[str, list[str]]:
    """Node name → the models that ref() it, directly or through macros (as dbt's manifest records them)."""
    dbt_dir = root / DBT_DIR
    macro_refs: dict[str, set[str]] = {}
    macro_jinja: dict[str, str] = {}
    for path in sorted((dbt_dir / "macros").rglob("*.sql")):
        for m in _MACRO.finditer(_JINJA_COMMENT.sub("", path.read_text(encoding="utf-8"))):
            body = _jinja(m.group(0))
            macro_jinja[m.group(1)] = body
            macro_refs[m.group(1)] = _refs(body)
    calls = {
        name: {other for other in macro_jinja if other != name and re.search(rf"\b{other}\s*\(", body)}
        for name, body in macro_jinja.items()
    }

    def reached(jinja: str) -> set[str]:
        seen: set[str] = set()
        todo = [name for name in macro_jinja if re.search(rf"\b{name}\s*\(", jinja)]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += calls[name]
        return _refs(jinja).union(*(macro_refs[name] for name in seen))

    out: dict[str, set[str]] = defaultdict(set)
    for path in sorted((dbt_dir / "models").rglob("*")):
        if path.suffix == ".sql":
            refs = reached(_jinja(path.read_text(encoding="utf-8")))
        elif path.suffix == ".py":
            refs = _refs(path.read_text(encoding="utf-8"))
        else:
            continue
        for name in refs:
            out[name].add(path.stem)
    return {name: sorted(models) for name, models in out.items()}


# --- rendering ---------------------------------------------------------------------------------------------------


def _validity(valid_from: date | None, valid_to: date | None) -> str:
    if valid_from is None and valid_to is None:
        return "未设生效区间"
    start = valid_from.isoformat() if valid_from else "—"
    return f"{start} 至 {valid_to.isoformat()}" if valid_to else f"{start} 起"


def _models(names: Iterable[str]) -> str:
    names = list(names)
    return "、".join(f"`{n}`" for n in names) if names else "（没有 dbt 模型读取）"


def _area_title(area: str) -> str:
    return AREAS.get(area, f"`{area or 'seeds'}`")


def _area_order(area: str) -> tuple[int, str]:
    return (list(AREAS).index(area) if area in AREAS else len(AREAS), area)


@dataclass(frozen=True)
class _Change:
    rows_before: tuple[RuleRow, ...]
    rows_after: tuple[RuleRow, ...]

    @property
    def kind(self) -> str:
        return "修订" if self.rows_before and self.rows_after else "新增" if self.rows_after else "停止适用"


def _changes(rows: list[RuleRow]) -> dict[date, list[_Change]]:
    """Per date, per rule id: the rows that stop applying that day (valid_to the day before) and those that start."""
    started: dict[date, dict[str, list[RuleRow]]] = defaultdict(lambda: defaultdict(list))
    ended: dict[date, dict[str, list[RuleRow]]] = defaultdict(lambda: defaultdict(list))
    order: dict[str, int] = {}
    for r in rows:
        order.setdefault(r.anchor, len(order))
        if r.valid_from:
            started[r.valid_from][r.anchor].append(r)
        if r.valid_to:
            ended[r.valid_to + timedelta(days=1)][r.anchor].append(r)
    out = {}
    for day in sorted(set(started) | set(ended), reverse=True):
        anchors = sorted(set(started[day]) | set(ended[day]), key=order.__getitem__)
        out[day] = [_Change(tuple(ended[day][a]), tuple(started[day][a])) for a in anchors]
    return out


def _values(rows: tuple[RuleRow, ...]) -> str:
    return "<br>".join(_cell(f"{r.value or '—'}（{r.validity}）") for r in rows) or "—"


def _reference_source(seed: Seed) -> str:
    column = next((c for c in SOURCE_COLUMNS if c in seed.columns), None)
    if column is None:
        return _cell(seed.description) or "—"
    values = list(dict.fromkeys(row[column] for _, row in seed.rows if row[column]))
    more = [f"（等 {len(values)} 种）"] if len(values) > MAX_REFERENCE_SOURCES else []
    return "<br>".join(_cell(v) for v in values[:MAX_REFERENCE_SOURCES] + more) or "—"


def render(root: Path = PROJECT_ROOT) -> str:
    seeds = load_seeds(root)
    read_by = readers(root)
    rule_seeds = sorted((s for s in seeds if not s.is_reference), key=lambda s: (_area_order(s.area), s.name))
    reference = sorted((s for s in seeds if s.is_reference), key=lambda s: s.name)
    rows = {s.name: rule_rows(s) for s in rule_seeds}
    all_rows = [r for s in rule_seeds for r in rows[s.name]]
    changes = _changes(all_rows)
    areas = list(dict.fromkeys(s.area for s in rule_seeds))
    contracts = sorted((root / "contracts" / "feeds").glob("*.odcs.yaml"))
    contract_files = sorted((root / "contracts").glob("*.yml"))
    three_lists = sorted((root / "docs" / "three-lists").glob("*.md"))

    out = [
        GENERATED_HEADER,
        "",
        "# 规则目录",
        "",
        "本仓库的每条业务规则（期限、时限、门槛、列入与公示标准、措施、权重）都是种子表（`dbt_project/seeds/`）中的一行，"
        "或写在数据合同（`contracts/`）中。本目录由种子表生成，每条规则行只列一次：编号、取值（含单位）、生效区间、出处，"
        "以及读取该表的模型；修改规则请改种子表（带 `valid_from` / `valid_to` 与 `source`），再运行 "
        "`python -m warehouse.rule_catalogue`。",
        "",
        "生效区间：`valid_from` ≤ 判断日期 ≤ `valid_to`（两端都含；`valid_to` 为最后适用日，空为现行有效；"
        "`macros/rule_in_force.sql`）。记录按其决定日期（或事件日期）当日有效的规则行判断。"
        "找一条规则：在本页搜索其编号，或从目录进入所属领域；某日起有什么变化，见「按日期的变化索引」。",
        "",
        f"共 {len(rule_seeds)} 张规则表、{len(all_rows)} 条规则行；另有 {len(reference)} 张参考代码表（非规则）。",
        "",
        "## 目录",
        "",
    ]
    for area in areas:
        listed = "、".join(
            f"[`{s.name}`](#{_anchor(s.name)})（{len(s.rows)} 行）" for s in rule_seeds if s.area == area
        )
        out.append(f"- [{_area_title(area)}](#{_anchor('area', area)})：{listed}")
    dates = " · ".join(f"[{d.isoformat()}](#{_anchor('changes', d.isoformat())})" for d in changes)
    out += [
        f"- [按日期的变化索引](#changes)：{dates}",
        "- [数据合同中的规则](#contracts)",
        f"- [参考代码表（非规则）](#reference)（{len(reference)} 张）",
        "",
    ]

    for area in areas:
        out += [f'## {_area_title(area)} <a id="{_anchor("area", area)}"></a>', ""]
        for seed in (s for s in rule_seeds if s.area == area):
            out += [f'### `{seed.name}` <a id="{_anchor(seed.name)}"></a>', ""]
            if seed.description:
                out += [seed.description, ""]
            out += [
                f"文件 [`{seed.path}`](../{seed.path}) · {len(seed.rows)} 行 · 读取模型：{_models(read_by.get(seed.name, ()))}",
                "",
            ]
            if not seed.rows:
                out += ["（暂无规则行）", ""]
                continue
            out += ["| 编号 | 说明 | 取值 | 生效区间 | 出处 | CSV 行号 |", "|---|---|---|---|---|---|"]
            anchored: set[str] = set()
            for r in rows[seed.name]:
                anchor = f'<a id="{r.anchor}"></a>' if r.anchor not in anchored else ""
                anchored.add(r.anchor)
                out.append(
                    f"| {anchor}`{_cell(r.rule_id)}` | {_cell(r.label) or '—'} | {_cell(r.value) or '—'} "
                    f"| {r.validity} | {_cell(r.source)} | {r.line} |"
                )
            out.append("")

    out += [
        '## 按日期的变化索引 <a id="changes"></a>',
        "",
        "规则生效区间的起止日即规则变化之日（从新到旧）：「新增」为当日起适用的行，「停止适用」为前一日为最后适用日的行，"
        "同一编号当日既有停止又有新增的为「修订」（换了编号的新版本显示为一条「停止适用」与一条「新增」）。",
        "",
    ]
    by_anchor = {r.anchor: r for r in all_rows}
    for day, items in changes.items():
        out += [
            f'### {day.isoformat()} 起的变化 <a id="{_anchor("changes", day.isoformat())}"></a>',
            "",
            "| 规则 | 变化 | 此前 | 此后 | 出处 |",
            "|---|---|---|---|---|",
        ]
        for c in items:
            first = (c.rows_after or c.rows_before)[0]
            rule = by_anchor[first.anchor]
            source = "<br>".join(dict.fromkeys(_cell(r.source) for r in (c.rows_after or c.rows_before)))
            out.append(
                f"| [`{rule.seed}` · `{_cell(rule.rule_id)}`](#{rule.anchor}) | {c.kind} "
                f"| {_values(c.rows_before)} | {_values(c.rows_after)} | {source} |"
            )
        out.append("")

    out += [
        '## 数据合同中的规则 <a id="contracts"></a>',
        "",
        "数据项、字段、代码表、报送时限与负面清单写在数据合同中（不在种子表里），"
        "由 `python -m contracts.codegen` 生成 pandera 校验、dbt 数据源、staging 模型与三个清单：",
        "",
    ]
    out += [f"- [{_title(p)}](three-lists/{p.name})" for p in three_lists]
    out += [
        f"- 数据合同（{len(contracts)} 份）："
        + "、".join(f"[`{p.name}`](../contracts/feeds/{p.name})" for p in contracts)
    ]
    out += [f"- [`contracts/{p.name}`](../contracts/{p.name})" for p in contract_files]
    out += [
        "",
        '## 参考代码表（非规则） <a id="reference"></a>',
        "",
        "代码表不是规则：只列名称、行数与来源。",
        "",
        "| 代码表 | 行数 | 来源 |",
        "|---|---|---|",
    ]
    out += [
        f'| <a id="{_anchor(s.name)}"></a>[`{s.name}`](../{s.path}) | {len(s.rows)} | {_reference_source(s)} |'
        for s in reference
    ]
    return "\n".join(out) + "\n"


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.rule_catalogue", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if docs/rules.md is stale")
    args = parser.parse_args(argv)
    try:
        text = render()
    except RuleCatalogueError as e:
        print(f"rule catalogue: {e}", file=sys.stderr)
        return 2
    return sync_generated(
        PROJECT_ROOT / CATALOGUE,
        text,
        check=args.check,
        name=CATALOGUE.as_posix(),
        command="python -m warehouse.rule_catalogue",
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
