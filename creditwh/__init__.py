"""Credit-information warehouse for market supervision (市场监管企业信用信息数据仓库)."""

import os

__version__ = "0.1.0"

# polars' allocator (jemalloc) hands freed pages back to the OS almost at once; a batch job that allocates and frees
# gigabytes per chunk then takes a page fault for every 4 KiB again and again — a third of ingestion's CPU time at
# 10 M rows (benchmarks/RESULTS.md). Freed pages are kept for 30 s instead, then returned. jemalloc reads this when
# polars loads, so every entry point imports this package first; a value set by the operator wins.
ALLOCATOR_CONF = "dirty_decay_ms:30000,muzzy_decay_ms:30000"
os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_CONF)
