"""仓库构建 Airflow DAG · Warehouse build DAG (dbt build on DuckDB), scheduled on the feed Assets.

**中文** 任一数据项有新批次入库（Asset `landing.<数据项>`）即触发。第一个任务 `wait_for_quiet` 在触发器进程中等待
（不占用工作进程）：没有入库运行在排队或运行、接收目录中没有文件正在写入或新到达，持续一段平静期后才继续；若已有
更新的构建运行在排队，或上次成功构建之后没有新的批次入库，则本次跳过、不构建——一批报送只构建一次。随后运行
`dbt build`（种子表、快照、模型及全部测试），dbt 变量 `as_of_date` 取本次运行的业务日期（北京时间的逻辑日期；由
Asset 触发的运行取其排队时间）。DuckDB 仅允许一个写入进程：构建任务占用单槽资源池 `duckdb_writer`，且
`max_active_runs=1`。成功后发出 Asset `warehouse`（附 `as_of_date` 与 `landed_through`），公示发布 DAG 据此触发。
dbt 在子进程中运行，失败时列出每个失败的模型或测试。

**English** Triggered when any feed's Asset is updated (no cron). The first task, `wait_for_quiet`, waits in the
triggerer (no worker slot) until no ingestion run is queued or running and nothing is being written or arriving in
the inbox for a quiet period; it skips the run (and the build) when a newer build run is queued or nothing landed
since the last successful build — one build a burst (docs/airflow.md, "Deliveries drive the pipeline"). Then
`dbt build` with var `as_of_date` = the run's business date (Asia/Shanghai logical date; for asset-triggered runs,
when the run was queued). DuckDB allows one writer: the build takes the one-slot pool `duckdb_writer` and the DAG has
`max_active_runs=1`. On success it emits the `warehouse` Asset (extra: `as_of_date`, `landed_through`) that
schedules the publication DAG. `catchup=False`: asset-driven.
"""

from creditwh.orchestration import warehouse_build_dag

dag = warehouse_build_dag(__doc__)
