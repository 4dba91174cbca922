"""仓库构建 Airflow DAG · Warehouse build DAG (dbt build on DuckDB), scheduled on the feed Assets.

**中文** 任一数据项有新批次入库（Asset `landing.<数据项>`）即触发；运行 `dbt build`（种子表、快照、模型及全部测试），
dbt 变量 `as_of_date` 取本次运行的业务日期（北京时间的逻辑日期；由 Asset 触发的运行取其排队时间）。DuckDB 仅允许
一个写入进程：任务占用单槽资源池 `duckdb_writer`，且 `max_active_runs=1`。成功后发出 Asset `warehouse`
（附 `as_of_date`），公示发布 DAG 据此触发。dbt 在子进程中运行，失败时列出每个失败的模型或测试。

**English** Triggered when any feed's Asset is updated (no cron). Runs `dbt build` with var `as_of_date` = the
run's business date (Asia/Shanghai logical date; for asset-triggered runs, when the run was queued). DuckDB allows
one writer: the task takes the one-slot pool `duckdb_writer` and the DAG has `max_active_runs=1`. On success it
emits the `warehouse` Asset (extra: `as_of_date`) that schedules the publication DAG. `catchup=False`: asset-driven.
"""

from creditwh.orchestration import warehouse_build_dag

dag = warehouse_build_dag(__doc__)
