"""Great-expectations checkpoint in front of publication.

GE cannot talk to DuckDB through SQL (see docs/stack.md), so each public extract is read from the warehouse
into a DataFrame and validated with GE's pandas datasource. Each record type's suite is the committed one
generated from its contract (quality_gate/codegen.py) plus run-time invariants:

- the row count lies within the bounds (quality_gate/bounds.yml) of the last healthy release;
- every source batch named by a row is a batch the ingestion ledger committed.

A failing expectation is reported in Chinese (which record type, which rule, how many rows); the values
themselves are not echoed, since a failing row may hold exactly what must not leak. Data Docs (HTML) are rebuilt
for every run under ``<workspace>/gate/``.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from publication.spec import RecordType

BOUNDS_FILE = Path(__file__).resolve().parent / "bounds.yml"
_SHOW_OBSERVED = {"expect_table_columns_to_match_set", "expect_table_row_count_to_be_between"}


class GateFailed(Exception):
    def __init__(self, failures: list[str], docs: Path | None):
        self.failures = failures
        self.docs = docs
        where = f"\n详见 Data Docs：{docs}" if docs else ""
        super().__init__("质量闸门未通过，未发布任何文件。未通过的期望：\n  - " + "\n  - ".join(failures) + where)


@dataclass
class GateResult:
    success: bool
    expectations: int
    failures: list[str] = field(default_factory=list)
    docs: Path | None = None


@dataclass(frozen=True)
class Bound:
    min_ratio: float
    max_ratio: float
    source: str


def bound_for(record: str, on: date, path: Path = BOUNDS_FILE) -> Bound | None:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["bounds"]
    live = [r for r in rows if r["valid_from"] <= on and (r["valid_to"] is None or on <= r["valid_to"])]
    row = next((r for r in live if r["record_type"] == record), None) or next(
        (r for r in live if r["record_type"] == "*"), None)
    return Bound(float(row["min_ratio"]), float(row["max_ratio"]), row["source"]) if row else None


def runtime_expectations(record: RecordType, as_of: date, previous_rows: int | None,
                         batch_ids: list[str]) -> list[dict]:
    from quality_gate.codegen import SOURCE_BATCH_COLUMN

    out = [{"type": "expect_column_values_to_be_in_set", "kwargs": {"column": SOURCE_BATCH_COLUMN, "value_set": batch_ids},
            "meta": {"说明": "每一行的来源批次都是入库台账中已提交的批次"}}]
    bound = bound_for(record.name, as_of)
    if previous_rows is not None and bound is not None:
        lo, hi = math.floor(previous_rows * bound.min_ratio), math.ceil(previous_rows * bound.max_ratio)
        out.append({"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": lo, "max_value": hi},
                    "meta": {"说明": f"行数在上一次健康发布（{previous_rows:,} 行）的 {bound.min_ratio:g}–{bound.max_ratio:g} 倍"
                                     f"之间（{lo:,}–{hi:,}）；{bound.source}"}})
    return out


def _describe(record: RecordType, res) -> str:
    cfg = res.expectation_config
    text = (cfg.meta or {}).get("说明", cfg.type)
    result = res.result or {}
    if res.exception_info and res.exception_info.get("raised_exception"):
        detail = f"无法执行（{res.exception_info.get('exception_message', '')[:200]}）"
    elif cfg.type in _SHOW_OBSERVED:
        detail = f"实际为 {result.get('observed_value')}"
        if cfg.type == "expect_table_columns_to_match_set":
            details = result.get("details", {}).get("mismatched", {})
            detail = f"多出 {details.get('unexpected', [])}，缺少 {details.get('missing', [])}" if details else detail
    else:
        detail = f"{result.get('unexpected_count', '?')} 行不符（共 {result.get('element_count', '?')} 行）"
    return f"{record.title}（{record.relation}）：{text} —— {detail}"


def run_gate(frames: dict[str, pd.DataFrame], records: list[RecordType], docs_dir: Path,
             extra: dict[str, list[dict]] | None = None) -> GateResult:
    """Validate every extract with its generated suite plus ``extra`` run-time expectations; build Data Docs;
    return (never raise) so the caller decides."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    os.environ.setdefault("TQDM_DISABLE", "1")  # GE's per-expectation progress bars would flood the run log
    import great_expectations as gx

    from quality_gate.codegen import load_suite

    docs_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(docs_dir))
    source = context.data_sources.add_or_update_pandas(name="warehouse")
    failures: list[str] = []
    total = 0
    for record in records:
        frame = frames[record.name]
        asset = next((a for a in source.assets if a.name == record.name), None) or source.add_dataframe_asset(name=record.name)
        batch_def = next((b for b in asset.batch_definitions if b.name == "whole"), None) \
            or asset.add_batch_definition_whole_dataframe("whole")
        stored = load_suite(record)
        expectations = stored["expectations"] + (extra or {}).get(record.name, [])
        suite = gx.ExpectationSuite(name=stored["name"], expectations=expectations, meta=stored["meta"])
        if len(suite.expectations) != len(expectations):
            raise ValueError(f"{stored['name']}: {len(expectations) - len(suite.expectations)} 项期望无法解析，请重新生成")
        suite = context.suites.add_or_update(suite)
        total += len(suite.expectations)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"validate__{record.name}", data=batch_def, suite=suite))
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=f"publication_gate__{record.name}", validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")], result_format="SUMMARY"))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for run in result.run_results.values():
            failures += [_describe(record, r) for r in run.results if not r.success]
    sites = context.get_docs_sites_urls()
    docs = Path(sites[0]["site_url"].removeprefix("file://")) if sites else None
    return GateResult(success=not failures, expectations=total, failures=failures, docs=docs)
