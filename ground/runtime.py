"""Process settings that must be in place before a heavy library loads; each entry point applies them itself."""

from __future__ import annotations

import os

# jemalloc in polars keeps freed pages 30 s in one shared arena: far fewer page faults (benchmarks/RESULTS.md)
ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"
ALLOCATOR_CONF = "dirty_decay_ms:30000,muzzy_decay_ms:30000,narenas:1"
BLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS"


# what polars itself writes into the variable when it is imported and finds it unset: a process started by one
# that imported polars inherits it (a benchmark's or a scheduler's child) and must not take it for a choice
POLARS_DEFAULT_CONF = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def configure_allocator() -> None:
    """Set polars' allocator options; effective only when called before polars is first imported. An operator's own
    setting is kept; polars' default, inherited from a parent process, is not a setting (it cost a child process
    11 % of its ingestion time in page faults: benchmarks/RESULTS.md)."""
    if os.environ.get(ALLOCATOR_ENV) in (None, "", POLARS_DEFAULT_CONF):
        os.environ[ALLOCATOR_ENV] = ALLOCATOR_CONF
    # nothing here does linear algebra: OpenBLAS' worker threads (loaded with numpy's scipy stack) only spun, 1 % of
    # the CPU of an ingestion; polars and DuckDB have their own pools
    os.environ.setdefault(BLAS_THREADS_ENV, "1")
