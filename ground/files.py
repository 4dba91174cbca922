"""Writing files so that a reader sees the old content or the new, never half of either; a file's SHA-256.

Every write goes to a temporary name in the target's own folder (same filesystem) and is renamed into place;
folders are assembled in a scratch folder and swapped in.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HASH_BUFFER = 1 << 24  # 16 MiB per read: few GIL hand-offs while a large file is hashed beside other threads


def _tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")


def atomic_write_bytes(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` through a temporary file renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(target)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def atomic_write_text(target: Path, text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(target, text.encode(encoding))


def atomic_write_json(target: Path, data: Any, *, indent: int | None = 2, sort_keys: bool = True) -> Path:
    """JSON in UTF-8 (Chinese kept readable), ending with a newline."""
    return atomic_write_text(target, json.dumps(data, ensure_ascii=False, indent=indent, sort_keys=sort_keys) + "\n")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer that wants a file name (DuckDB ``copy``, ``attach``); renamed
    to ``target`` when the block ends without error, removed otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def swap_into_place(scratch: Path, target: Path) -> None:
    """Rename folder ``scratch`` to ``target``; an existing ``target`` is moved aside first and removed afterwards."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        old = target.with_name(f".old-{uuid.uuid4().hex[:8]}")
        target.rename(old)
        scratch.rename(target)
        shutil.rmtree(old)
    else:
        scratch.rename(target)


@contextmanager
def scratch_folder(parent: Path, prefix: str = ".tmp") -> Iterator[Path]:
    """A fresh folder under ``parent`` (same filesystem as the target it will be swapped into), removed afterwards
    whatever happens — after a successful swap there is nothing left to remove."""
    parent.mkdir(parents=True, exist_ok=True)
    scratch = parent / f"{prefix}-{uuid.uuid4().hex[:12]}"
    scratch.mkdir()
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def sha256_file(path: Path) -> str:
    """The file's SHA-256 (hex), read in large blocks into one reused buffer (reading and hashing release the GIL)."""
    digest = hashlib.sha256()
    buffer = bytearray(HASH_BUFFER)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_file`` for the block (waits while another process holds it), so
    writers of one folder take turns and may clean up what a killed writer left."""
    import fcntl

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


LEFTOVER_PREFIXES = (".tmp-", ".old-")  # scratch_folder and swap_into_place names


def remove_leftovers(parent: Path) -> list[str]:
    """Remove scratch and swapped-out folders a killed writer left under ``parent``; call under ``exclusive``."""
    if not parent.exists():
        return []
    found = sorted(p for p in parent.iterdir() if p.is_dir() and p.name.startswith(LEFTOVER_PREFIXES))
    for p in found:
        shutil.rmtree(p)
    return [p.name for p in found]


@contextmanager
def locked_scratch(parent: Path, lock_file: Path) -> Iterator[Path]:
    """A scratch folder under ``parent`` while holding ``lock_file``, after removing what a killed writer left there."""
    with exclusive(lock_file):
        remove_leftovers(parent)
        with scratch_folder(parent) as scratch:
            yield scratch


def sync_generated(path: Path, text: str, *, check: bool, name: str, command: str) -> int:
    """Write a generated file (only when its text changed), or with ``check`` write nothing and exit 1 when the
    committed file is stale: the ``--check`` of the project's generators (pre-commit, CI). ``name`` is the file as
    the message shows it, ``command`` what regenerates it."""
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if check:
        if current != text:
            print(f"{name} is stale (run `{command}` and commit the result)", file=sys.stderr)
            return 1
        print(f"{name} is up to date")
        return 0
    if current != text:
        atomic_write_text(path, text)
    print(f"wrote {name}")
    return 0
