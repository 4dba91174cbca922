"""The pandera schema of a feed: generated from its contract into ``ingestion/schemas/<feed>.py`` and committed.

Each rule has a stable name (``required``, ``enum``, ``pattern``, ``minimum``, ``bad_date``, ``bad_number``,
``not_finite``, ``ambiguous_number``, ``too_long``, ``date_too_early``, ``date_after_receipt``, ``date_too_late``,
``date_order``, ``uscc_check``, ``ric_check``, ``licence_number_check``, ``decision_number_format``,
``unknown_code``) so quarantine reasons can be counted by rule. Validation is lazy (every failure of every row is collected) and
runs at depth SCHEMA_AND_DATA, set explicitly: pandera checks only the schema of lazy frames by default.
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from contracts import FeedContract, Field
from ground.clock import today
from ground.settings import SEEDS_DIR

if TYPE_CHECKING:  # pandera loads with the first schema, while a large file's hash already runs
    import pandera.polars as pa

# code_table name → (seed file, key column, optional filter column=value)
CODE_TABLES: dict[str, tuple[str, str, tuple[str, str] | None]] = {
    "ref_region_codes": ("reference/ref_region_codes.csv", "region_code", None),
    "ref_industry_codes": ("reference/ref_industry_codes.csv", "code", ("level", "4")),
    "ref_licence_types": ("reference/ref_licence_types.csv", "certificate_name", None),
}


class StaleSchema(RuntimeError):
    """The generated schema does not match the contract: regenerate with ``python -m contracts.codegen``."""


@cache
def code_table(name: str) -> frozenset[str]:
    path, key, where = CODE_TABLES[name]
    with (SEEDS_DIR / path).open(encoding="utf-8") as fh:
        return frozenset(r[key] for r in csv.DictReader(fh) if where is None or r[where[0]] == where[1])


def check_module(module: ModuleType, contract: FeedContract) -> pa.DataFrameSchema:
    """The module's schema, after making sure it was generated from this very contract."""
    if (module.FEED, module.CONTRACT_VERSION, tuple(module.FIELDS)) != (
        contract.name,
        contract.version,
        contract.field_names,
    ):
        raise StaleSchema(
            f"{module.__name__} 与合同 {contract.name} v{contract.version} 不一致："
            "请运行 `python -m contracts.codegen` 重新生成并提交"
        )
    return module.schema


def load_schema(contract: FeedContract) -> pa.DataFrameSchema:
    """The committed, generated schema of this feed (``ingestion.schemas.<feed>``)."""
    return check_module(importlib.import_module(f"ingestion.schemas.{contract.name}"), contract)


_RECEIPT: ContextVar[date | None] = ContextVar("receipt_date", default=None)


@contextmanager
def receipt_date(day: date | None) -> Iterator[None]:
    """The receipt date of the batch being validated (the Beijing date its file arrived): the latest date a column
    may hold unless contracts/dates.yml lets it lie in the future (``checks.not_after_receipt``)."""
    token = _RECEIPT.set(day)
    try:
        yield
    finally:
        _RECEIPT.reset(token)


def validated_receipt_date() -> date:
    """The receipt date set by :func:`receipt_date`; today's (Beijing) date when validation runs without one."""
    return _RECEIPT.get() or today()


@contextmanager
def full_validation() -> Iterator[None]:
    """Schema and data, every row: never the schema-only default pandera uses for lazy frames."""
    from pandera.config import ValidationDepth, config_context

    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        yield


def warning_columns(contract: FeedContract) -> list[tuple[Field, frozenset[str]]]:
    """Fields whose unknown codes are only warned about (e.g. region codes: an entity keeps its old code)."""
    return [(f, code_table(f.code_table)) for f in contract.fields if f.code_table and f.on_unknown == "warn"]
