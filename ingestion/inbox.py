"""The inbox (``feeds/``) and its delivery protocol: which files are complete deliveries to read now, which are not
complete yet, and what in the inbox is never read — each with its reason in Chinese, none of it holding up anything
else (``docs/ingestion.md``).

    feeds/<producer>/<feed>/<file>.csv | .jsonl      a delivery of <feed> (contract), by <producer> (its code)

A delivery is **complete** when its producer's marker ``<file>.done`` is beside it (any content, may be empty), or
when nothing has written to it for the settle time (``ground.settings.ingest_settle_seconds``: its modification time
is at least that far from now — before or after: a writer stamps the present, a copy that keeps a far-off time was
finished before). Anything else is **pending**: left for a later run, reported. Ingestion then reads exactly the
bytes the file had when it opened it, and keeps nothing of the attempt if the file changed meanwhile
(``ingestion.landing.ingest_file``).

**Ignored** (an upload in progress, or no delivery): names starting with ``.`` or ``~``, ending with ``.done`` (the
markers), ``.part``, ``.partial``, ``.tmp``, ``.filepart`` or ``.crdownload``, and folders starting with ``_``
(``_generator``: what feedgen planted). **Refused** (never opened, never followed): symbolic links, at any level, and
whatever is not a regular file or folder (pipes, sockets, devices). **Noted**: a folder of a producer or a feed no
contract names, a file outside a feed's folder, a folder inside one. Refused and noted entries are listed by
``cwh status``; none of them stops the other feeds.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contracts import FeedContract
from ground.settings import Workspace, ingest_settle_seconds
from ingestion.errors import IngestionError

MARKER = ".done"
IN_PROGRESS = (MARKER, ".part", ".partial", ".tmp", ".filepart", ".crdownload")


@dataclass(frozen=True)
class Note:
    """Something in the inbox that is not read now, and why."""

    path: str  # relative to the inbox, "/"-separated
    kind: str  # pending | refused | unknown_producer | unknown_feed | stray
    reason: str
    feed: str | None = None  # the feed whose folder holds it

    @property
    def is_file_of_feed(self) -> bool:
        """A file in a feed's folder that is not read (this run: pending; never: refused)."""
        return self.feed is not None and self.kind in ("pending", "refused")


@dataclass(frozen=True)
class Survey:
    deliveries: list[tuple[FeedContract, Path]]  # complete, in delivery order (modification time, then name)
    notes: list[Note]


def inbox_log(ws: Workspace) -> Path:
    """Where the inbox log is (``ingestion.ledger.record_event``): beside the ledger, one file per feed."""
    return ws.landing / "_inbox"


def _ignored(name: str) -> bool:
    return name.startswith((".", "~")) or name.lower().endswith(IN_PROGRESS)


def _kind_of(st: os.stat_result) -> str:
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "file" if stat.S_ISREG(st.st_mode) else "other"


_REFUSED = {
    "link": "符号链接：不跟随、不读取（链接可能指向接收目录之外）；请报送文件本身",
    "other": "不是普通文件（管道、套接字或设备），不予读取",
}


def survey(
    ws: Workspace, contracts: dict[str, FeedContract], feeds: Iterable[str] | None = None, *, now: float | None = None
) -> Survey:
    """The complete deliveries of ``feeds`` (all when None) and the notes on everything else in their folders — and,
    for all feeds, on the inbox's own level (unknown producers and feeds, stray files)."""
    root = ws.feeds
    if not root.is_dir():
        raise IngestionError(f"找不到数据接收目录 {root}：请先运行 `cwh generate`，或把生产部门的文件放到该目录下")
    wanted = list(feeds) if feeds else list(contracts)
    if unknown := [f for f in wanted if f not in contracts]:
        raise IngestionError(f"未知的数据项 {unknown}；已有合同的数据项：{', '.join(contracts)}")
    settle = ingest_settle_seconds()
    now = time.time() if now is None else now
    notes: list[Note] = []
    if not feeds:
        notes += _unknown_folders(root, contracts)
    deliveries: list[tuple[float, str, FeedContract, Path]] = []
    for name in wanted:
        contract = contracts[name]
        producer = root / contract.producer.code
        folder = producer / name
        if not _walkable(producer, root, notes, None) or not _walkable(folder, root, notes, name):
            continue
        for entry, st in _listing(folder, root, notes, name):
            path = Path(entry.path)
            rel = path.relative_to(root).as_posix()
            kind = _kind_of(st)
            if kind in _REFUSED:
                notes.append(Note(rel, "refused", f"{rel}: {_REFUSED[kind]}", name))
            elif kind == "dir":
                notes.append(
                    Note(rel, "stray", f"{rel}: 数据项目录下的子目录不会读取；请把文件直接放在 {name}/ 下", name)
                )
            elif os.path.lexists(f"{entry.path}{MARKER}") or abs(now - st.st_mtime) >= settle:
                deliveries.append((st.st_mtime, entry.name, contract, path))
            else:
                notes.append(
                    Note(
                        rel,
                        "pending",
                        f"{rel}: 尚未报送完成（{settle:g} 秒内仍有写入，且没有完成标记 {entry.name}{MARKER}），"
                        "本次不读取，待其稳定后的下一次运行读取",
                        name,
                    )
                )
    deliveries.sort(key=lambda d: (d[0], d[1]))
    return Survey([(c, p) for _, _, c, p in deliveries], notes)


def _listing(
    folder: Path, root: Path, notes: list[Note], feed: str | None
) -> list[tuple[os.DirEntry[str], os.stat_result]]:
    """A folder's entries (ignored names left out) with their own status (links not followed), by name; an entry
    gone since the folder was listed is left out, a folder that cannot be listed is noted."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return []
    except OSError as exc:  # no permission, no folder after all
        rel = folder.relative_to(root).as_posix() or "."
        notes.append(Note(rel, "refused", f"{rel}: 无法列出目录内容（{type(exc).__name__}），其中的文件不会读取", feed))
        return []
    listed = []
    for entry in entries:
        if _ignored(entry.name):
            continue
        try:
            listed.append((entry, entry.stat(follow_symlinks=False)))
        except FileNotFoundError:
            continue
    return listed


def _walkable(folder: Path, root: Path, notes: list[Note], feed: str | None) -> bool:
    """Whether a producer's or a feed's folder is there and may be entered (a link is refused, noted once)."""
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return False
    kind = _kind_of(st)
    rel = folder.relative_to(root).as_posix()
    if kind == "dir" and folder.resolve().is_relative_to(root.resolve()):
        return True
    note = Note(rel, "refused", f"{rel}: {_REFUSED.get(kind, '不是目录，无法读取其中的文件')}", feed)
    if note not in notes:
        notes.append(note)
    return False


def _unknown_folders(root: Path, contracts: dict[str, FeedContract]) -> list[Note]:
    """Notes on the inbox's own level and each producer's: what no contract names is never read."""
    feeds_of: dict[str, set[str]] = {}
    for c in contracts.values():
        feeds_of.setdefault(c.producer.code, set()).add(c.name)
    known = ", ".join(sorted(feeds_of))
    notes: list[Note] = []
    for entry, st in _listing(root, root, notes, None):
        if entry.name.startswith("_"):
            continue
        kind = _kind_of(st)
        rel = entry.name
        if kind in _REFUSED:
            notes.append(Note(rel, "refused", f"{rel}: {_REFUSED[kind]}"))
        elif kind == "file":
            notes.append(Note(rel, "stray", f"{rel}: 文件应放在 <生产部门>/<数据项>/ 目录下，此处的文件不会读取"))
        elif entry.name not in feeds_of:
            notes.append(
                Note(
                    rel,
                    "unknown_producer",
                    f"{rel}/: 未知的生产部门目录，其中的文件不会读取（合同中登记的部门：{known}）；"
                    "如为新的报送部门，请先登记数据合同",
                )
            )
        else:
            for inner, inner_st in _listing(Path(entry.path), root, notes, None):
                if inner.name in feeds_of[entry.name]:
                    continue
                inner_kind = _kind_of(inner_st)
                inner_rel = f"{rel}/{inner.name}"
                if inner_kind in _REFUSED:
                    notes.append(Note(inner_rel, "refused", f"{inner_rel}: {_REFUSED[inner_kind]}"))
                elif inner_kind == "dir":
                    notes.append(
                        Note(
                            inner_rel,
                            "unknown_feed",
                            f"{inner_rel}/: 部门 {rel} 没有名为 {inner.name} 的数据项，其中的文件不会读取"
                            f"（该部门的数据项：{', '.join(sorted(feeds_of[entry.name]))}）",
                        )
                    )
                elif inner_kind == "file":
                    notes.append(
                        Note(inner_rel, "stray", f"{inner_rel}: 文件应放在 {rel}/<数据项>/ 目录下，此处的文件不会读取")
                    )
    return notes
