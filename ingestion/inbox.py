"""The inbox (``feeds/``) and its delivery protocol: which files are complete deliveries to read now, which are not
complete yet, and what in the inbox is never read — each with its reason in Chinese, none of it holding up anything
else (``docs/ingestion.md``).

    feeds/<producer>/<feed>/<file>.csv | .jsonl      a delivery of <feed> (contract), by <producer> (its code)
    feeds/<producer>/<feed>/<file>.csv.done          its completion marker; may declare its receipt time
    feeds/<producer>/<feed>/_receipts.csv            receipt times of many files at once (back-loading history)

A delivery is **complete** when its producer's marker ``<file>.done`` is beside it, or when nothing has written to it
for the settle time (``ground.settings.ingest_settle_seconds``: its modification time is at least that far from now —
before or after: a writer stamps the present, a copy that keeps a far-off time was finished before). Anything else is
**pending**: left for a later run, reported. Ingestion then reads exactly the bytes the file had when it opened it,
and keeps nothing of the attempt if the file changed meanwhile (``ingestion.landing.ingest_file``).

**Receipt time** (接收时间) is never a file attribute (a copy, an upload tool, ``rsync`` without ``-t`` change the
modification time). It is, in this order: (a) **declared** by the exchange platform or the producer — one line
``received_at: 2026-03-02T10:15:00+08:00`` (or the JSON object ``{"received_at": "…"}``) in the marker, or the
file's row in the feed folder's receipts manifest ``_receipts.csv`` (columns ``file,received_at``); a time without
offset is Beijing time; (b) otherwise the moment ingestion first saw the complete file, kept in the receipt log
(:func:`ingestion.ledger.first_seen`). An empty marker declares nothing. A declaration that cannot be read — a marker
holding anything else, a malformed time, a time later than now, marker and manifest disagreeing, a manifest that
cannot be parsed — is never ignored: the file is **refused** with the reason, and read once the declaration is
corrected. Complete deliveries are read in receipt order (declared or first seen; a file not seen yet counts as now),
then by name.

**Ignored** (an upload in progress, or no delivery): names starting with ``.`` or ``~``, ending with ``.done`` (the
markers), ``.part``, ``.partial``, ``.tmp``, ``.filepart`` or ``.crdownload``, folders starting with ``_``
(``_generator``: what feedgen planted), and the receipts manifest of a feed folder. **Refused** (never opened, never
followed): symbolic links, at any level, and whatever is not a regular file or folder (pipes, sockets, devices).
**Noted**: a folder of a producer or a feed no contract names, a file outside a feed's folder, a folder inside one.
Refused and noted entries are listed by ``cwh status``; none of them stops the other feeds.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts import FeedContract
from ground.clock import LOCAL_TZ
from ground.settings import Workspace, ingest_settle_seconds
from ingestion import ledger
from ingestion.errors import IngestionError

MARKER = ".done"
IN_PROGRESS = (MARKER, ".part", ".partial", ".tmp", ".filepart", ".crdownload")
RECEIPTS = "_receipts.csv"  # a feed folder's receipts manifest: the declared receipt times of many files at once
RECEIVED_AT = "received_at"
MARKER_MAX_BYTES = 4096  # a marker is empty or one declaration: anything larger is no marker's content
# Another clock declares the receipt (the exchange platform's, the producer's): it may run this much ahead of ours.
# A declared receipt later than that is not a receipt yet, and is refused.
CLOCK_SKEW = timedelta(minutes=5)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?")
# a value quoted in a reason must look like a date and time (a declaration holds no personal data, but a marker may
# hold anything: a number that could be an ID or a phone number is never quoted)
_SHOWN = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[0-9TZ:+\-. ]{0,30}")


@dataclass(frozen=True)
class Note:
    """Something in the inbox that is not read now, and why."""

    path: str  # relative to the inbox, "/"-separated
    kind: str  # pending | refused | unknown_producer | unknown_feed | stray
    reason: str
    feed: str | None = None  # the feed whose folder holds it

    @property
    def is_file_of_feed(self) -> bool:
        """A file in a feed's folder that is not read (this run: pending or refused)."""
        return self.feed is not None and self.kind in ("pending", "refused")


@dataclass(frozen=True)
class Declaration:
    """A delivery's receipt time as declared by the exchange platform or its producer."""

    at: datetime  # naive UTC, as the ledger keeps every time
    by: str  # the file that declares it (the marker, or the feed folder's receipts manifest), relative to the inbox


class DeclarationError(ValueError):
    """A receipt declaration that cannot be read (the reason, in Chinese): its delivery is refused until corrected."""


@dataclass(frozen=True)
class Survey:
    deliveries: list[tuple[FeedContract, Path]]  # complete, in receipt order (declared, first seen, or now), then name
    notes: list[Note]
    # each delivery's declared receipt (None: none declared — its receipt is when ingestion first sees it)
    declared: dict[Path, Declaration | None] = field(default_factory=dict)


def inbox_log(ws: Workspace) -> Path:
    """Where the inbox log is (``ingestion.ledger.record_event``): beside the ledger, one file per feed."""
    return ws.landing / "_inbox"


# --- receipt declarations ------------------------------------------------------------------------------------


def _shown(value: str) -> str:
    value = value.strip()
    return repr(value) if _SHOWN.fullmatch(value) else "（内容不予引用）"


def parse_received_at(text: str) -> datetime:
    """A declared receipt time as naive UTC. ISO 8601 date and time (``T`` or one space between them; seconds and up
    to six decimals optional) with an offset (``Z``, ``+08:00``) or none, which is Beijing time. Nothing else: a date
    alone, another format or an impossible date raises :class:`DeclarationError`."""
    value = text.strip()
    if not _TIMESTAMP.fullmatch(value):
        raise DeclarationError(
            f"接收时间 {_shown(value)} 不是 ISO 8601 日期时间（应如 2026-03-02T10:15:00+08:00；不带时区按北京时间）"
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DeclarationError(f"接收时间 {_shown(value)} 不是有效的日期时间") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeclarationError(f"{what}不是 UTF-8 文本") from None


def parse_marker(data: bytes) -> datetime | None:
    """The receipt time a marker declares (naive UTC), None when it declares none (empty, or comments only).

    A marker is empty, or declares ``received_at`` once: one line ``received_at: <time>`` (blank lines and lines
    starting with ``#`` aside), or the JSON object ``{"received_at": "<time>"}``. Anything else is refused."""
    text = _text(data, "完成标记")
    if not text.strip():
        return None
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            raise DeclarationError("完成标记不是有效的 JSON") from None
        if not isinstance(obj, dict) or set(obj) != {RECEIVED_AT} or not isinstance(obj[RECEIVED_AT], str):
            raise DeclarationError('JSON 完成标记应为 {"received_at": "<接收时间>"}，不含其他内容')
        return parse_received_at(obj[RECEIVED_AT])
    values = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or key.strip() != RECEIVED_AT:
            raise DeclarationError(
                f"完成标记第 {n} 行无法识别：标记应为空，或只声明一行 received_at: <接收时间>（# 开头的行为注释）"
            )
        values.append(value)
    if len(values) > 1:
        raise DeclarationError("完成标记中 received_at 声明了不止一次")
    return parse_received_at(values[0]) if values else None


@dataclass(frozen=True)
class Receipts:
    """A feed folder's receipts manifest: file name → declared receipt time, or the reason its row is refused."""

    path: str  # relative to the inbox
    rows: dict[str, datetime | DeclarationError] = field(default_factory=dict)
    error: DeclarationError | None = None  # the manifest as a whole cannot be read: every file of its folder waits


def parse_receipts(data: bytes) -> dict[str, datetime | DeclarationError]:
    """The rows of a receipts manifest: CSV in UTF-8, header ``file,received_at`` (either order), one row per file
    of the folder (its name, no folder), blank lines allowed. A row whose time cannot be read, or a file listed twice
    with different times, refuses that file; a manifest that cannot be read as a whole raises."""
    text = _text(data, "接收时间清单")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise DeclarationError("接收时间清单不是有效的 CSV") from None
    header = [h.strip() for h in rows[0]] if rows else []
    if sorted(header) != ["file", RECEIVED_AT]:
        raise DeclarationError("接收时间清单的表头应为 file,received_at")
    at_file, at_time = header.index("file"), header.index(RECEIVED_AT)
    found: dict[str, datetime | DeclarationError] = {}
    for n, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise DeclarationError(f"接收时间清单第 {n} 行应为 2 列（file,received_at），实为 {len(row)} 列")
        name = row[at_file].strip()
        if not name or name in (".", "..") or "/" in name or "\\" in name:
            raise DeclarationError(f"接收时间清单第 {n} 行：file 应为本目录下的文件名（不含目录）")
        value: datetime | DeclarationError
        try:
            value = parse_received_at(row[at_time])
        except DeclarationError as exc:
            value = DeclarationError(f"接收时间清单第 {n} 行：{exc}")
        before = found.get(name)
        if isinstance(before, DeclarationError):
            continue
        if before is not None and before != value:
            value = DeclarationError(f"接收时间清单第 {n} 行再次列出 {name}，与前面声明的接收时间不同")
        found[name] = value
    return found


def _read_declaration_file(path: Path, what: str, limit: int | None) -> bytes | None:
    """A marker's or manifest's bytes (None: there is none), never through a link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise DeclarationError(
            f"{what} {path.name} 不是普通文件（{_REFUSED.get(_kind_of(st), '目录')}），无法读取其中的声明"
        )
    if limit is not None and st.st_size > limit:
        raise DeclarationError(f"{what} {path.name} 超过 {limit} 字节：完成标记应为空，或只声明接收时间")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        return fh.read() if limit is None else fh.read(limit + 1)


def read_receipts(folder: Path, root: Path) -> Receipts | None:
    """The receipts manifest of a feed folder (None: it has none)."""
    path = folder / RECEIPTS
    rel = path.relative_to(root).as_posix()
    try:
        data = _read_declaration_file(path, "接收时间清单", None)
        return None if data is None else Receipts(rel, parse_receipts(data))
    except FileNotFoundError:
        return None
    except (DeclarationError, OSError) as exc:
        reason = exc if isinstance(exc, DeclarationError) else DeclarationError(f"无法读取（{type(exc).__name__}）")
        return Receipts(rel, error=reason)


def declaration(path: Path, root: Path, receipts: Receipts | None, *, now: float | None = None) -> Declaration | None:
    """The receipt declared for the delivery at ``path`` (``root``: the inbox): by its marker, or by its row in the
    folder's receipts manifest (both: they must agree). None when neither declares one; :class:`DeclarationError`
    when a declaration cannot be read, disagrees with the other, or lies ahead of now (beyond ``CLOCK_SKEW``)."""
    marker = path.with_name(f"{path.name}{MARKER}")
    found: list[Declaration] = []
    try:
        data = _read_declaration_file(marker, "完成标记", MARKER_MAX_BYTES)
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise DeclarationError(f"完成标记 {marker.name} 无法读取（{type(exc).__name__}）") from None
    if data is not None and (at := parse_marker(data)) is not None:
        found.append(Declaration(at, marker.relative_to(root).as_posix()))
    if receipts is not None:
        if receipts.error is not None:
            raise DeclarationError(f"{receipts.path}：{receipts.error}（清单更正前，本目录的文件都不读取）")
        listed = receipts.rows.get(path.name)
        if isinstance(listed, DeclarationError):
            raise DeclarationError(f"{receipts.path}：{listed}")
        if listed is not None:
            found.append(Declaration(listed, receipts.path))
    if len(found) == 2 and found[0].at != found[1].at:
        raise DeclarationError(f"完成标记与接收时间清单 {receipts.path if receipts else RECEIPTS} 声明的接收时间不一致")
    if not found:
        return None
    ahead = found[0].at - datetime.fromtimestamp(time.time() if now is None else now, UTC).replace(tzinfo=None)
    if ahead > CLOCK_SKEW:
        raise DeclarationError(
            f"声明的接收时间 {found[0].at.isoformat()}（UTC）晚于当前时间，不可能已经收到（{found[0].by}）"
        )
    return found[0]


def declared_receipt(ws: Workspace, path: Path, *, now: float | None = None) -> Declaration | None:
    """:func:`declaration` for one delivery of the inbox (its folder's manifest read for it alone)."""
    return declaration(path, ws.feeds, read_receipts(path.parent, ws.feeds), now=now)


# --- the survey ----------------------------------------------------------------------------------------------


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
    """The complete deliveries of ``feeds`` (all when None), with their declared receipts, and the notes on
    everything else in their folders — and, for all feeds, on the inbox's own level (unknown producers and feeds,
    stray files)."""
    root = ws.feeds
    if not root.is_dir():
        raise IngestionError(f"找不到数据接收目录 {root}：请先运行 `cwh generate`，或把生产部门的文件放到该目录下")
    wanted = list(feeds) if feeds else list(contracts)
    if unknown := [f for f in wanted if f not in contracts]:
        raise IngestionError(f"未知的数据项 {unknown}；已有合同的数据项：{', '.join(contracts)}")
    settle = ingest_settle_seconds()
    now = time.time() if now is None else now
    not_seen_yet = datetime.fromtimestamp(now, UTC).replace(tzinfo=None)
    notes: list[Note] = []
    if not feeds:
        notes += _unknown_folders(root, contracts)
    deliveries: list[tuple[datetime, str, FeedContract, Path]] = []
    declared_by_path: dict[Path, Declaration | None] = {}
    for name in wanted:
        contract = contracts[name]
        producer = root / contract.producer.code
        folder = producer / name
        if not _walkable(producer, root, notes, None) or not _walkable(folder, root, notes, name):
            continue
        receipts = read_receipts(folder, root)
        seen = ledger.seen_times(ws.ledger, name)
        for entry, st in _listing(folder, root, notes, name):
            if entry.name == RECEIPTS:
                continue
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
                try:
                    declared = declaration(path, root, receipts, now=now)
                except DeclarationError as exc:
                    notes.append(
                        Note(
                            rel,
                            "refused",
                            f"{rel}: 接收时间声明无效——{exc}；本文件暂不读取，更正后下一次运行读取",
                            name,
                        )
                    )
                    continue
                declared_by_path[path] = declared
                receipt = declared.at if declared else seen.get(rel, not_seen_yet)
                deliveries.append((receipt, entry.name, contract, path))
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
    return Survey([(c, p) for _, _, c, p in deliveries], notes, declared_by_path)


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
