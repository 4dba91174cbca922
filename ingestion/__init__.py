"""Ingestion: one producer's batch → validated rows in the landing area, rejected rows in quarantine.

Rows read = rows landed + rows quarantined, for every batch, recorded in the ingestion log (ledger).
A batch is written to scratch space and renamed into place; the ledger entry is written last and is the
commit marker, so a crash never leaves a half-written batch visible to the warehouse.
"""

from ingestion.errors import BatchError, IngestionError
from ingestion.landing import BatchResult, discover_count, ensure_layout, ingest_all, ingest_file

__all__ = [
    "BatchError",
    "BatchResult",
    "IngestionError",
    "discover_count",
    "ensure_layout",
    "ingest_all",
    "ingest_file",
]
