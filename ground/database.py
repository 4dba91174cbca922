"""Opening the embedded warehouse (a DuckDB file) for reading: one writer at a time holds it, and readers of other
processes are locked out meanwhile; that case is said in Chinese, not as a lock traceback."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ground.errors import ActionableError


class WarehouseBusy(ActionableError):
    """Another process (a build) holds the warehouse file; trying again later succeeds."""

    retryable = True


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse at ``path``."""
    if not path.exists():
        raise FileNotFoundError(f"找不到仓库文件 {path}：请先运行 `cwh build`")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"仓库文件 {path} 正被另一个进程写入（通常是正在运行的构建 `cwh build` 或 Airflow 的 warehouse_build），"
            "DuckDB 同一时间只允许一个写入进程，读取方也须等待。请在构建结束后重试。"
        ) from None
