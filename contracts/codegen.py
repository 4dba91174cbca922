"""Generate every artefact the feed contracts drive, and check that the committed copies are current.

The contracts are the single source of truth. Derived from them and committed:

- ``dbt_project/models/staging/_landing__sources.yml`` — dbt sources with the contract's tests;
- ``ingestion/schemas/<feed>.py`` — the pandera schema each batch is validated against;
- ``docs/three-lists/*.md`` — the data demand, responsibility and negative lists (数据需求清单、责任清单、负面清单).

Run after editing a contract::

    python -m contracts.codegen            # rewrite the files
    python -m contracts.codegen --check    # exit 1 if any committed file is stale (or left over); write nothing

Every YAML value is written as a JSON scalar or flow collection, which is valid YAML, so the output needs no YAML
library and stays byte-stable across PyYAML versions.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from contracts.model import CONTRACT_DIR, FeedContract, Field, load_contracts
from ground.files import atomic_write_text

PROJECT_ROOT = CONTRACT_DIR.parents[1]
SOURCES_FILE = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "_landing__sources.yml"

# Paths are rendered by dbt at parse time, so the workspace is chosen by CWH_HOME (default ./var, as settings.py).
HOME = "{{ env_var('CWH_HOME', 'var') }}"
DUCKDB_TYPES = {"string": "varchar", "date": "date", "number": "double", "integer": "bigint"}

# Provenance of every landed row, as the staging models give it (macros/provenance_columns.sql).
PROVENANCE: tuple[tuple[str, str, str], ...] = (
    ("_batch_id", "varchar", "批次编号（<数据项>-<文件 SHA-256 前 16 位>），与台账 batch_id 对应"),
    ("_feed", "varchar", "数据项（合同名称）"),
    ("_producer_code", "varchar", "生产部门代码（谁产生、谁提供、谁负责）"),
    ("_producer_dept", "varchar", "生产部门名称"),
    ("_producer_dept_uscc", "varchar", "生产部门统一社会信用代码"),
    ("_providing_system", "varchar", "提供数据的业务系统"),
    ("_source_file", "varchar", "来源文件（相对于数据接收目录的路径）"),
    ("_row_number", "bigint", "来源文件中的行号（含表头计数）"),
    ("_file_sha256", "varchar", "来源文件 SHA-256"),
    ("_received_at", "timestamp", "接收时间（UTC，文件到达接收目录的时间）"),
    ("_ingested_at", "timestamp", "入库时间（UTC）"),
    ("_due_by", "date", "报送截止日期（按合同时限以工作日计算）"),
    ("_due_by_estimated", "boolean", "截止日期是否为估算（当年节假日安排尚未公布，按周一至周五估算）"),
    ("_is_late", "boolean", "是否迟报（接收日期晚于报送截止日期）"),
    ("_warnings", "varchar", "入库警告（如未知的行政区划代码），多项以分号分隔"),
)
PROVENANCE_NOT_NULL = ("_batch_id", "_source_file", "_row_number", "_received_at", "_ingested_at")
# Two of them are the batch's, not written on its rows: the batch id is the name of the folder the batch is
# published to (landing/<feed>/batch_id=<id>/, read as a hive partition key, ``batch_id``) and the SHA-256 is in
# the batch's ledger entry (``file_sha256``), which staging joins anyway to keep committed batches only.
FROM_BATCH = {"_batch_id": "batch_id", "_file_sha256": "file_sha256"}
# The rest are written by ingestion next to every landed row (ingestion.landing.PROVENANCE).
LANDED_PROVENANCE = tuple(column for column in PROVENANCE if column[0] not in FROM_BATCH)
BATCH_FOLDER_COLUMN = ("batch_id", "varchar", "批次编号：取自批次目录名 batch_id=…（与台账 batch_id 对应）")

# The ingestion log: one JSON object per batch (ingestion.ledger.LedgerEntry). Timestamps are kept as text here
# and cast in staging, so a malformed entry fails loudly in one place.
LEDGER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("batch_id", "VARCHAR", "批次编号"),
    ("feed", "VARCHAR", "数据项（合同名称）"),
    ("producer_code", "VARCHAR", "生产部门代码"),
    ("producer_dept", "VARCHAR", "生产部门名称"),
    ("source_file", "VARCHAR", "来源文件（相对于数据接收目录的路径）"),
    ("file_sha256", "VARCHAR", "来源文件 SHA-256"),
    ("encoding", "VARCHAR", "识别出的文件编码"),
    ("format", "VARCHAR", "文件格式（csv、jsonl）"),
    ("contract_version", "VARCHAR", "入库时适用的合同版本"),
    ("received_at", "VARCHAR", "接收时间（ISO 8601，UTC）"),
    ("ingested_at", "VARCHAR", "入库时间（ISO 8601，UTC）"),
    ("rows_read", "BIGINT", "读取行数"),
    ("rows_landed", "BIGINT", "入库行数"),
    ("rows_quarantined", "BIGINT", "隔离行数"),
    ("status", "VARCHAR", "批次状态：landed 已入库；rejected 整批拒收"),
    ("error", "VARCHAR", "整批拒收的原因（[规则] 说明）"),
    ("rows_late", "BIGINT", "逾期入库行数（晚于责任清单报送时限）"),
)

REJECT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_batch_id", "varchar", "批次编号"),
    ("_feed", "varchar", "数据项（合同名称）"),
    ("_source_file", "varchar", "来源文件"),
    ("_row_number", "bigint", "来源文件中的行号"),
    ("rule", "varchar", "未通过的规则（required、enum、pattern、uscc_check 等）"),
    ("field", "varchar", "字段名（整行问题为空）"),
    ("value", "varchar", "收到的原始值"),
    ("message", "varchar", "问题说明"),
    ("raw_record", "varchar", "整行原始记录（JSON，键为中文字段名）"),
)


def freshness_warn_days(contract: FeedContract) -> int:
    """Warn when one delivery period and half another have passed without a new batch (7 d → 11, 30 d → 45)."""
    return contract.frequency_days + math.ceil(contract.frequency_days / 2)


def _s(value: object) -> str:
    """A JSON scalar or flow collection: valid YAML, unambiguous quoting, CJK kept as is."""
    return json.dumps(value, ensure_ascii=False)


def _column_description(f: Field) -> str:
    """The label, then the description unless it merely repeats the label."""
    if not f.description or f.description == f.label:
        return f.label
    return f.description if f.description.startswith(f.label) else f"{f.label}：{f.description}"


def _field_meta(f: Field) -> dict:
    return {"classification": f.classification, "negative_list": f.is_negative}


def _field_tests(f: Field) -> list[str]:
    tests = []
    if f.required:
        tests.append("              - not_null")
    # a list field (penalty_types "罚款;没收违法所得") holds several enum values: checked item by item at ingestion
    if f.enum and not f.list_separator:
        tests += [
            "              - accepted_values:",
            "                  arguments:",
            f"                    values: {_s(list(f.enum))}",
        ]
    return tests


def _column(name: str, data_type: str, description: str, meta: dict | None, tests: list[str]) -> list[str]:
    lines = [
        f"          - name: {name}",
        f"            description: {_s(description)}",
        f"            data_type: {data_type}",
    ]
    if meta is not None:
        lines += ["            config:", f"              meta: {_s(meta)}"]
    if tests:
        lines += ["            data_tests:", *tests]
    return lines


def _feed_table(c: FeedContract) -> list[str]:
    location = (
        f"read_parquet('{HOME}/landing/{c.name}/batch_id=*/*.parquet', "
        "union_by_name=true, hive_partitioning=true, hive_types_autocast=false)"
    )
    description = (
        f"{c.title}（合同 {c.name} v{c.version}）。{c.purpose.rstrip('。')}。生产部门：{c.producer.department}"
        f"（{c.producer.code}，{c.producer.department_uscc}），提供系统：{c.producer.providing_system}。"
        f"时限：{c.latency_field} 后 {c.latency_working_days} 个工作日内报送；频率：每 {c.frequency_days} 天一批。"
        "含未提交批次，下游须按台账过滤。"
    )
    meta = {
        "external_location": location,
        "contract_id": f"urn:cwh:feed:{c.name}",
        "contract_version": c.version,
        "contract_file": _source_name(c),
        "producer_code": c.producer.code,
        "producer_dept": c.producer.department,
        "producer_dept_uscc": c.producer.department_uscc,
        "providing_system": c.producer.providing_system,
        "record_key": list(c.record_key),
        "subject_field": c.subject_field,
        "version_field": c.version_field,
        "latency_field": c.latency_field,
        "latency_working_days": c.latency_working_days,
        "frequency_days": c.frequency_days,
    }
    lines = [
        f"      - name: {c.name}",
        f"        description: {_s(description)}",
        "        config:",
        "          loaded_at_field: _ingested_at",
        "          freshness:",
        f"            warn_after: {{count: {freshness_warn_days(c)}, period: day}}",
        "          meta:",
        *(f"            {k}: {_s(v)}" for k, v in meta.items()),
        "        columns:",
    ]
    for f in c.fields:
        lines += _column(f.name, DUCKDB_TYPES[f.logical_type], _column_description(f), _field_meta(f), _field_tests(f))
    for f in c.fields:
        lines += _column(
            f"{f.name}__raw",
            "varchar",
            f"{f.label}（收到的原始值：仅在清洗改变了该值时保留，否则为空）",
            _field_meta(f),
            [],
        )
    for name, data_type, description in (BATCH_FOLDER_COLUMN, *LANDED_PROVENANCE):
        tests = ["              - not_null"] if name in (*PROVENANCE_NOT_NULL, BATCH_FOLDER_COLUMN[0]) else []
        lines += _column(name, data_type, description, None, tests)
    return lines


def _ledger_table() -> list[str]:
    columns = ", ".join(f"'{name}': '{data_type}'" for name, data_type, _ in LEDGER_COLUMNS)
    # allow_empty: a new workspace has no ledger entries yet; staging adds the typed columns back.
    location = f"read_json('{HOME}/landing/_ledger/*/*.json', format='auto', allow_empty=true, columns={{{columns}}})"
    lines = [
        "      - name: ledger",
        f"        description: {_s('入库台账：每个批次一条 JSON 记录，最后写入，是批次的提交标志。无台账记录的落地目录为未完成批次。')}",
        "        config:",
        "          freshness: null",
        "          meta:",
        # the column list contains braces: the "template" formatter leaves them alone ($-substitution only)
        "            formatter: template",
        f"            external_location: {_s(location)}",
        "        columns:",
    ]
    for name, data_type, description in LEDGER_COLUMNS:
        lines += _column(name, data_type.lower(), description, None, [])
    return lines


def _rejects_table() -> list[str]:
    location = (
        f"read_parquet('{HOME}/quarantine/*/batch_id=*/rejects.parquet', "
        "union_by_name=true, hive_partitioning=true, hive_types_autocast=false)"
    )
    lines = [
        "      - name: rejects",
        f"        description: {_s('隔离区：未通过合同校验的行，每条原因一行（同一行可有多条原因）。')}",
        "        config:",
        "          freshness: null",
        "          meta:",
        f"            external_location: {_s(location)}",
        "        columns:",
    ]
    for name, data_type, description in REJECT_COLUMNS:
        lines += _column(name, data_type, description, None, [])
    return lines


def render_dbt_sources(contracts: dict[str, FeedContract] | None = None) -> str:
    contracts = contracts if contracts is not None else load_contracts()
    lines = [
        "# GENERATED from contracts/feeds/*.odcs.yaml by contracts/codegen.py — do not edit by hand.",
        "# Regenerate with `python -m contracts.codegen`; tests/test_dbt_project.py fails when this file is stale.",
        "version: 2",
        "",
        "sources:",
        "  - name: landing",
        f"    description: {_s('落地区：经合同校验、带来源信息的 Parquet 批次（每个数据项一张表），以及入库台账和隔离区。')}",
        "    tables:",
    ]
    for contract in contracts.values():
        lines += _feed_table(contract)
    lines += _ledger_table()
    lines += _rejects_table()
    return "\n".join(lines) + "\n"


SCHEMAS_DIR = PROJECT_ROOT / "ingestion" / "schemas"
THREE_LISTS_DIR = PROJECT_ROOT / "docs" / "three-lists"
_SCHEMAS_INIT = '"""Pandera schemas of the feeds, one module per contract, GENERATED by contracts/codegen.py."""\n'


def artefacts(contracts: dict[str, FeedContract] | None = None, root: Path = PROJECT_ROOT) -> dict[Path, str]:
    """Every generated file (path under ``root`` → content) for these contracts."""
    from contracts.render_schemas import render_schema_module
    from contracts.three_lists import render_three_lists

    contracts = contracts if contracts is not None else load_contracts()
    schemas = root / SCHEMAS_DIR.relative_to(PROJECT_ROOT)
    out = {
        root / SOURCES_FILE.relative_to(PROJECT_ROOT): render_dbt_sources(contracts),
        schemas / "__init__.py": _SCHEMAS_INIT,
    }
    for c in contracts.values():
        out[schemas / f"{c.name}.py"] = render_schema_module(c, _source_name(c))
    lists = root / THREE_LISTS_DIR.relative_to(PROJECT_ROOT)
    out.update({lists / name: text for name, text in render_three_lists(contracts).items()})
    return out


def _source_name(c: FeedContract) -> str:
    return (
        c.source_file.relative_to(PROJECT_ROOT).as_posix()
        if c.source_file.is_relative_to(PROJECT_ROOT)
        else f"contracts/feeds/{c.source_file.name}"
    )


def stale(expected: dict[Path, str], root: Path = PROJECT_ROOT) -> list[str]:
    """Generated files that differ from what the contracts give, are missing, or are left over."""
    problems = [
        p.relative_to(root).as_posix()
        for p, text in expected.items()
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    for folder, pattern in (
        (root / SCHEMAS_DIR.relative_to(PROJECT_ROOT), "*.py"),
        (root / THREE_LISTS_DIR.relative_to(PROJECT_ROOT), "*.md"),
    ):
        problems += [
            p.relative_to(root).as_posix() + " (left over)" for p in sorted(folder.glob(pattern)) if p not in expected
        ]
    return problems


def write(expected: dict[Path, str], root: Path = PROJECT_ROOT) -> None:
    for folder in (root / SCHEMAS_DIR.relative_to(PROJECT_ROOT), root / THREE_LISTS_DIR.relative_to(PROJECT_ROOT)):
        for p in folder.glob("*.py" if folder.name == "schemas" else "*.md"):
            if p not in expected:
                p.unlink()
    for path, text in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate dbt sources, pandera schemas and the three lists from the feed contracts."
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file is stale; write nothing")
    args = parser.parse_args(argv)
    expected = artefacts()
    if args.check:
        if problems := stale(expected):
            print(
                "stale generated files (run `python -m contracts.codegen` and commit the result):\n  "
                + "\n  ".join(problems),
                file=sys.stderr,
            )
            return 1
        print(f"{len(expected)} generated files are up to date")
        return 0
    write(expected)
    print(f"wrote {len(expected)} files from {len(load_contracts())} contracts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
