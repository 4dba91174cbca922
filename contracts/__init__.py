"""Data contracts (ODCS v3), one per feed: the executable "three lists" (数据需求清单、责任清单、负面清单).

The YAML files under ``contracts/feeds/`` are the single source of truth for what each producer must send,
who answers for it and by when, and which fields may never be published. Everything else (ingestion
validation, dbt sources, the publication gate) reads them through :mod:`contracts.model`.
"""

from contracts.model import CONTRACT_DIR, FeedContract, Field, Producer, load_contract, load_contracts

__all__ = ["CONTRACT_DIR", "FeedContract", "Field", "Producer", "load_contract", "load_contracts"]
