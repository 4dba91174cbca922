"""Process settings that must be in place before a heavy library loads; each entry point applies them itself."""

from __future__ import annotations

import os

# jemalloc in polars keeps freed pages 30 s in one shared arena: far fewer page faults (benchmarks/RESULTS.md)
ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"
ALLOCATOR_CONF = "dirty_decay_ms:30000,muzzy_decay_ms:30000,narenas:1"


def configure_allocator() -> None:
    """Set polars' allocator options; effective only when called before polars is first imported."""
    os.environ.setdefault(ALLOCATOR_ENV, ALLOCATOR_CONF)
