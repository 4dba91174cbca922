"""Interception at registration (登记环节自动拦截): the restriction index and its look-up."""

from interception.restrictions import (
    Interceptor,
    InvalidIdentifier,
    LookupFailed,
    Restriction,
    build_index,
    ensure_index,
    index_path,
    lookup,
    person_key,
    subject_key,
    write_index,
)

__all__ = [
    "Interceptor",
    "InvalidIdentifier",
    "LookupFailed",
    "Restriction",
    "build_index",
    "ensure_index",
    "index_path",
    "lookup",
    "person_key",
    "subject_key",
    "write_index",
]
