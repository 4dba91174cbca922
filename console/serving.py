"""The server's side of the serving snapshot: the newest snapshot, reopened when the pointer changes.

Each request takes a cursor of the snapshot current when it starts (``SnapshotReader.open``); a build that publishes
a new snapshot meanwhile changes the pointer, and the next request opens the new file. The previous connection stays
open while requests hold it and is dropped afterwards; its file is removed by a later build (``snapshot.KEEP``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from console.snapshot import SnapshotInfo, current_snapshot, pointer_path
from ground.errors import ActionableError
from ground.settings import Workspace


class NoSnapshot(ActionableError):
    """No build has published a serving snapshot yet."""

    retryable = True


@dataclass(frozen=True)
class Snapshot:
    info: SnapshotInfo
    connection: duckdb.DuckDBPyConnection

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.connection.cursor()  # one per request: DuckDB connections are not shared across threads


def connect_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a snapshot file. A page that reads a range runs on one thread whatever the setting;
    a scan (a contains-search over every name) uses every core."""
    return duckdb.connect(str(path), read_only=True)


class SnapshotReader:
    def __init__(self, ws: Workspace):
        self.ws = ws
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._current: Snapshot | None = None

    def open(self) -> Snapshot:
        """The newest snapshot (a stat of the pointer per call; the file is opened only when the pointer changed)."""
        try:
            st = os.stat(pointer_path(self.ws))
        except FileNotFoundError:
            raise NoSnapshot(
                "尚无服务快照：控制台只读取每次构建后发布的快照，请先运行 `cwh build`（或 `cwh run`）"
            ) from None
        stamp = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if self._current is None or stamp != self._stamp:
                info = current_snapshot(self.ws)
                if info is None:
                    raise NoSnapshot("尚无服务快照：请先运行 `cwh build`")
                con = connect_snapshot(info.path)
                self._current, self._stamp = Snapshot(info, con), stamp
            return self._current
