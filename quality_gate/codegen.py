"""Generate the publication gate's expectation suites from the contracts (``python -m quality_gate.codegen``).

One suite per record type of ``contracts/publication.yml``, written as JSON to ``quality_gate/suites/``. Its inputs:

- the record type's dbt model columns (``dbt_project/models/marts/publication/_publication__models.yml``), each of
  which must be a field the feed's contract classifies ``public`` or a column the spec declares ``derived`` — any
  other column (negative-list, restricted, internal, unknown) stops generation with the column named;
- the contract: required fields not null, enum fields within the code list, USCC fields in GB 32100's shape;
- the spec: keys not null and unique, every row naming its source batch;
- the date rules (``contracts/dates.yml``): no date before the earliest plausible one, dates in their order
  (the upper bound, the as-of date, is added at run time by quality_gate.gate).

Content — ID, phone and card numbers, e-mail, addresses in any column — is scanned by the gate at run time with the
content-level negative list (``contracts/redaction.yml``), which regular expressions in a suite cannot express.

The suites are committed; tests regenerate them and fail on any difference (as for contracts/codegen.py), so a
contract change is reviewed together with the gate it changes. Run-time expectations (row-count bounds against the
last healthy release, source batches that exist) are added by quality_gate.gate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from contracts import FeedContract, load_contracts
from contracts.dates import as_number, date_rules
from contracts.publication import RecordType, record_types
from ground.files import atomic_write_text
from ground.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from quality_gate.gate import SOURCE_BATCH_COLUMN, SUITES_DIR

MODELS_YML = DBT_PROJECT_DIR / "models" / "marts" / "publication" / "_publication__models.yml"
USCC_SHAPE = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


class SuiteError(ValueError):
    """A publication model would publish a column the contract does not allow: the message names it."""


def model_columns(path: Path = MODELS_YML) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {m["name"]: [c["name"] for c in m.get("columns", [])] for m in data["models"]}


def date_columns(path: Path = MODELS_YML) -> dict[str, list[str]]:
    """Each model's columns declared ``data_type: date``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        m["name"]: [c["name"] for c in m.get("columns", []) if c.get("data_type") == "date"] for m in data["models"]
    }


def _exp(type_: str, description: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"说明": description}}


def _check_columns(record: RecordType, contract: FeedContract, columns: list[str]) -> None:
    fields = {f.name: f for f in contract.fields}
    bad = []
    for col in columns:
        f = fields.get(col)
        if f is not None and not f.publishable:
            bad.append(f"{col}（{f.label}，合同分类 {f.classification}）")
        elif f is None and col not in record.derived:
            bad.append(f"{col}（合同 {contract.name} 中没有此字段，contracts/publication.yml 也未声明为派生列）")
    for key in record.key:
        if key not in columns:
            bad.append(f"主键 {key} 不在模型 {record.relation} 中")
    if SOURCE_BATCH_COLUMN not in columns:
        bad.append(f"{SOURCE_BATCH_COLUMN}（来源批次）不在模型 {record.relation} 中")
    if bad:
        raise SuiteError(f"公示模型 {record.relation} 含不得公示或未声明的列：" + "；".join(bad))


def build_suite(
    record: RecordType, contract: FeedContract, columns: list[str], dates: tuple[str, ...] | list[str] = ()
) -> dict:
    _check_columns(record, contract, columns)
    fields = {f.name: f for f in contract.fields}
    label = {c: (fields[c].label if c in fields else record.derived[c].label) for c in columns}
    E = []
    E.append(
        _exp(
            "expect_table_columns_to_match_set",
            "公示文件只含合同标为公开（public）的字段与 contracts/publication.yml 声明的派生列，不多不少",
            column_set=list(columns),
            exact_match=True,
        )
    )
    for key in record.key:
        E.append(_exp("expect_column_values_to_not_be_null", f"主键「{label[key]}」不为空", column=key))
    if len(record.key) == 1:
        E.append(_exp("expect_column_values_to_be_unique", f"主键「{label[record.key[0]]}」唯一", column=record.key[0]))
    else:
        E.append(
            _exp(
                "expect_compound_columns_to_be_unique",
                "主键（" + "、".join(label[k] for k in record.key) + "）组合唯一",
                column_list=list(record.key),
            )
        )
    E.append(_exp("expect_column_values_to_not_be_null", "每一行都有来源批次", column=SOURCE_BATCH_COLUMN))
    for col in columns:
        f = fields.get(col)
        if f is None:
            continue
        if f.required and col not in record.key:
            E.append(_exp("expect_column_values_to_not_be_null", f"必填字段「{f.label}」不为空", column=col))
        if f.enum and not f.list_separator:
            E.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    f"「{f.label}」取值在合同代码表内",
                    column=col,
                    value_set=list(f.enum),
                )
            )
        if f.check == "uscc":
            E.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    f"「{f.label}」符合统一社会信用代码格式（GB 32100）",
                    column=col,
                    regex=USCC_SHAPE,
                )
            )
    rules = date_rules()
    for col in dates:
        E.append(
            _exp(
                "expect_column_values_to_be_between",
                f"「{label[col]}」不早于 {rules.earliest.isoformat()}（contracts/dates.yml：{rules.earliest_source}）；"
                "日期按 yyyymmdd 数值比较",
                column=col,
                min_value=as_number(rules.earliest),
            )
        )
    for order in rules.orders_within(dates):
        E.append(
            _exp(
                "expect_column_pair_values_a_to_be_greater_than_b",
                f"{order.meaning}（「{label[order.later]}」≥「{label[order.earlier]}」，contracts/dates.yml）",
                column_A=order.later,
                column_B=order.earlier,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    return {
        "name": f"publication__{record.name}",
        "meta": {
            "record_type": record.name,
            "title": record.title,
            "relation": record.relation,
            "contract": contract.name,
            "contract_version": contract.version,
        },
        "expectations": E,
    }


def render_suites() -> dict[str, str]:
    """File name → JSON text of every suite."""
    contracts = load_contracts()
    columns = model_columns()
    dates = date_columns()
    out = {}
    for record in record_types():
        if record.relation not in columns:
            raise SuiteError(f"{MODELS_YML.name} 中没有模型 {record.relation}")
        suite = build_suite(record, contracts[record.feed], columns[record.relation], dates[record.relation])
        out[f"{suite['name']}.json"] = json.dumps(suite, ensure_ascii=False, indent=2) + "\n"
    return out


def stale_suites(rendered: dict[str, str]) -> list[str]:
    """Suite files that differ from what the contracts give, or should not exist."""
    committed = {p.name: p.read_text(encoding="utf-8") for p in SUITES_DIR.glob("*.json")}
    return sorted(n for n in set(committed) | set(rendered) if committed.get(n) != rendered.get(n))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quality_gate.codegen", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a committed suite is stale")
    args = parser.parse_args(argv)
    rendered = render_suites()
    stale = stale_suites(rendered)
    if args.check:
        if stale:
            print("stale publication-gate suites (run `python -m quality_gate.codegen`): " + ", ".join(stale))
            return 1
        print(f"{len(rendered)} suites up to date")
        return 0
    SUITES_DIR.mkdir(exist_ok=True)
    for name in stale:
        if name in rendered:
            atomic_write_text(SUITES_DIR / name, rendered[name])
        else:
            (SUITES_DIR / name).unlink()
    print(f"wrote {len(stale)} of {len(rendered)} suites to {SUITES_DIR.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
