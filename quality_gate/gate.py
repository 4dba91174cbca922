"""Great-expectations checkpoint in front of publication.

GE cannot talk to DuckDB through SQL (see docs/stack.md), so each public extract is read from the
warehouse into a DataFrame and validated with GE's pandas datasource. The suite is derived from the
feed's contract — so a contract change changes the gate — plus publication invariants:

- no column of the extract is a negative-list, restricted or internal field of the contract, and no raw
  (``__raw``) or provenance column other than the source batch leaks;
- no value anywhere looks like an unmasked resident ID number or a mobile number;
- every row names its source batch; the key is unique and not null;
- required public fields are not null; enum fields hold code-table values; USCCs have GB 32100's shape.

Data Docs (HTML) are rebuilt for every run under ``<workspace>/gate/``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from contracts import FeedContract, load_contracts
from publication.spec import RecordType

ID_NUMBER_REGEX = r"(^|[^0-9A-Z])[1-8]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]($|[^0-9A-Z])"
MOBILE_REGEX = r"(^|\D)1[3-9]\d{9}($|\D)"
USCC_SHAPE = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
SOURCE_BATCH_COLUMN = "source_batch_id"


class GateFailed(Exception):
    def __init__(self, failures: list[str], docs: Path | None):
        self.failures = failures
        self.docs = docs
        super().__init__("质量闸门未通过，未发布任何文件：\n  - " + "\n  - ".join(failures))


@dataclass
class GateResult:
    success: bool
    expectations: int
    failures: list[str] = field(default_factory=list)
    docs: Path | None = None


def forbidden_columns(contract: FeedContract, columns: list[str]) -> list[str]:
    not_public = {f.name for f in contract.fields if not f.publishable}
    return [c for c in columns if c in not_public or c.endswith("__raw") or (c.startswith("_"))]


def build_suite(gx, record: RecordType, contract: FeedContract, columns: list[str]):
    """The expectation suite for one record type, derived from its contract and the extract's columns."""
    E = gx.expectations
    suite = gx.ExpectationSuite(name=f"publication__{record.name}")
    allowed = [c for c in columns if c not in forbidden_columns(contract, columns)]
    suite.add_expectation(E.ExpectTableColumnsToMatchSet(column_set=allowed, exact_match=True))
    suite.add_expectation(E.ExpectColumnValuesToNotBeNull(column=SOURCE_BATCH_COLUMN))
    for key in record.key:
        suite.add_expectation(E.ExpectColumnValuesToNotBeNull(column=key))
    if len(record.key) == 1:
        suite.add_expectation(E.ExpectColumnValuesToBeUnique(column=record.key[0]))
    else:
        suite.add_expectation(E.ExpectCompoundColumnsToBeUnique(column_list=list(record.key)))
    by_name = {f.name: f for f in contract.fields}
    for col in columns:
        f = by_name.get(col)
        if f is None:
            continue
        if f.required:
            suite.add_expectation(E.ExpectColumnValuesToNotBeNull(column=col))
        if f.enum and not f.list_separator:
            suite.add_expectation(E.ExpectColumnValuesToBeInSet(column=col, value_set=list(f.enum)))
        if f.check == "uscc":
            suite.add_expectation(E.ExpectColumnValuesToMatchRegex(column=col, regex=USCC_SHAPE))
        elif f.logical_type == "string":
            suite.add_expectation(E.ExpectColumnValuesToNotMatchRegex(column=col, regex=ID_NUMBER_REGEX))
            suite.add_expectation(E.ExpectColumnValuesToNotMatchRegex(column=col, regex=MOBILE_REGEX))
    return suite


def _describe(res) -> str:
    cfg = res.expectation_config
    kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id", "value_set", "column_set")}
    observed = res.result.get("unexpected_count", res.result.get("observed_value", ""))
    if isinstance(observed, list):
        observed = observed[:10]
    return f"{cfg.type} {kwargs} → {observed}"


def run_gate(frames: dict[str, pd.DataFrame], records: list[RecordType], docs_dir: Path) -> GateResult:
    """Validate every extract; build Data Docs; return (never raise) so the caller decides."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    os.environ.setdefault("TQDM_DISABLE", "1")  # GE's per-expectation progress bars would flood the run log
    import great_expectations as gx

    contracts = load_contracts()
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
        suite = context.suites.add_or_update(build_suite(gx, record, contracts[record.feed], list(frame.columns)))
        total += len(suite.expectations)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"validate__{record.name}", data=batch_def, suite=suite))
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=f"publication_gate__{record.name}", validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")], result_format="SUMMARY"))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for run in result.run_results.values():
            failures += [f"{record.name}: {_describe(r)}" for r in run.results if not r.success]
    sites = context.get_docs_sites_urls()
    docs = Path(sites[0]["site_url"].removeprefix("file://")) if sites else None
    return GateResult(success=not failures, expectations=total, failures=failures, docs=docs)
