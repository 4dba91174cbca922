"""The Spark warehouse as DuckDB reads it: one view per Spark table over its Parquet folder.

On the Spark target (``ground.settings``, docs/spark.md) dbt writes every seed, snapshot and model as a Parquet table
in Spark's warehouse folder, one folder per table: ``<spark warehouse>/<schema>.db/<table>/part-….parquet`` (Spark's
layout for managed tables; ``dbt_project.yml`` makes every model a table there). What comes after dbt — the gate
(great-expectations on pandas frames), the release files, the restriction index, the serving snapshot, the monthly
export — reads the warehouse through DuckDB, by schema and table name. :func:`refresh` writes a small DuckDB file,
``Workspace.warehouse`` on that target, with the same schemas and names as views over those folders; the readers
open it as they open the DuckDB warehouse, and give the same answers on either engine.

The file holds no data, only the views: a view reads the folder's files when it is queried, so it follows a table
that Spark rewrote. The runner writes it again after every dbt run on Spark (tables made or dropped), atomically:
a reader sees the previous catalogue or the new one.
Spark 的表（每表一个 Parquet 目录）在 DuckDB 中登记为同名视图：闸门、发布、拦截索引与服务快照照常读取。
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ground.database import connect
from ground.errors import ActionableError
from ground.settings import Workspace

# Spark's layout of a managed table's files: the schema's folder ends in ".db"; data files end in ".parquet"; names
# starting with "_" or "." are its bookkeeping (_SUCCESS, .crc checksums, _temporary while a job writes).
SCHEMA_SUFFIX = ".db"
DATA_SUFFIX = ".parquet"


class CatalogError(ActionableError):
    """A Spark table's folder that DuckDB cannot read as a table; the message names the folder."""


@dataclass(frozen=True)
class SparkTable:
    schema: str
    name: str
    path: Path
    partitioned: bool  # files under <column>=<value>/ folders (Spark's partitioned tables)

    def source(self) -> str:
        """DuckDB's read of the table's files."""
        pattern = self.path / ("**/*" if self.partitioned else "*")
        literal = str(pattern).replace("'", "''") + DATA_SUFFIX
        return f"read_parquet('{literal}', hive_partitioning = {str(self.partitioned).lower()})"


def _hidden(path: Path) -> bool:
    return path.name.startswith(("_", "."))


def spark_tables(warehouse_dir: Path) -> list[SparkTable]:
    """Every table under Spark's warehouse folder (the ``default`` schema, kept in the folder itself, is not used by
    the project and is left out), in schema and name order."""
    if not warehouse_dir.is_dir():
        return []
    found = []
    for schema_dir in sorted(p for p in warehouse_dir.iterdir() if p.is_dir() and p.name.endswith(SCHEMA_SUFFIX)):
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir() and not _hidden(p)):
            if any(table_dir.glob(f"*{DATA_SUFFIX}")):
                partitioned = False
            elif any(p.is_dir() and "=" in p.name for p in table_dir.iterdir()):
                partitioned = True
            else:
                raise CatalogError(
                    f"Spark 表目录 {table_dir} 中没有 Parquet 文件：该表可能正在写入或写入失败；请重新运行 "
                    "`cwh build --target spark`"
                )
            found.append(
                SparkTable(schema_dir.name.removesuffix(SCHEMA_SUFFIX), table_dir.name, table_dir, partitioned)
            )
    return found


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def refresh(ws: Workspace) -> list[SparkTable]:
    """Write the catalogue of the workspace's Spark tables to ``ws.warehouse`` (atomically) and return its tables;
    nothing is written before Spark has made a table (readers then say that no warehouse was built yet)."""
    tables = spark_tables(ws.spark_warehouse)
    if not tables:
        return []
    ws.warehouse.parent.mkdir(parents=True, exist_ok=True)
    scratch = ws.warehouse.with_name(f".{ws.warehouse.name}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)
    try:
        with connect(scratch) as con:
            for schema in sorted({t.schema for t in tables} - {"main"}):
                con.execute(f"create schema {_quoted(schema)}")
            for t in tables:
                con.execute(f"create view {_quoted(t.schema)}.{_quoted(t.name)} as select * from {t.source()}")
            con.execute("checkpoint")
        os.replace(scratch, ws.warehouse)
    finally:
        scratch.unlink(missing_ok=True)
        scratch.with_name(scratch.name + ".wal").unlink(missing_ok=True)
    return tables
