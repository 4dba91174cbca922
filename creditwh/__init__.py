"""Credit-information warehouse for market supervision (市场监管企业信用信息数据仓库)."""

import os

__version__ = "0.1.0"

# polars' allocator (jemalloc) hands freed pages back to the OS almost at once, and gives each thread one of 8 arenas
# whose freed pages only that arena reuses. A batch job that allocates and frees gigabytes per chunk on several
# threads then takes a page fault for every 4 KiB again and again, and grows to the sum of every arena's peak; on a
# VM each first touch of a page costs the host as well. Freed pages are kept for 30 s instead, in one arena shared
# by all threads: at 10 M rows a third fewer page faults, a quarter less peak memory, half the kernel time
# (benchmarks/RESULTS.md). jemalloc reads this when polars loads, so every entry point imports this package first
# (tests/test_ingestion.py checks it); a value set by the operator wins.
ALLOCATOR_CONF = "dirty_decay_ms:30000,muzzy_decay_ms:30000,narenas:1"
os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_CONF)
