"""Opening the embedded warehouse (a DuckDB file): one writer at a time holds it, and readers of other processes are
locked out meanwhile; that case is said in Chinese, not as a lock traceback. Every connection gets the workspace's
DuckDB resources (``memory_limit``, ``threads``, ``temp_directory``: :func:`ground.settings.duckdb_settings`), the
same as dbt's profile, so no process of ours lets DuckDB take 80 % of the RAM and every core."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ground.errors import ActionableError
from ground.settings import duckdb_settings


class WarehouseBusy(ActionableError):
    """Another process (a build) holds the warehouse file; trying again later succeeds."""

    retryable = True


def connect(warehouse: Path, *, read_only: bool = False, attach: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection with the workspace's DuckDB resources: to the warehouse file itself, or (``attach=True``) an
    in-memory database with the warehouse attached as ``wh`` (read-only when ``read_only``)."""
    config: dict[str, str | bool | int | float | list[str]] = dict(duckdb_settings(warehouse))
    if not attach:
        return duckdb.connect(str(warehouse), read_only=read_only, config=config)
    con = duckdb.connect(config=config)
    try:
        con.execute(f"attach '{warehouse}' as wh{' (read_only)' if read_only else ''}")
    except BaseException:
        con.close()
        raise
    return con


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse at ``path``."""
    if not path.exists():
        raise FileNotFoundError(f"找不到仓库文件 {path}：请先运行 `cwh build`")
    try:
        return connect(path, read_only=True)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"仓库文件 {path} 正被另一个进程写入（通常是正在运行的构建 `cwh build` 或 Airflow 的 warehouse_build），"
            "DuckDB 同一时间只允许一个写入进程，读取方也须等待。请在构建结束后重试。"
        ) from None
