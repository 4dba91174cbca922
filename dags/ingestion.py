"""入库校验 Airflow DAG（每个生产部门一个，由数据合同生成）· Ingestion DAGs, one per producer, from the contracts.

**中文** 每个生产部门（合同中的 `producer_code`）一个 DAG，每个数据项一个任务：读取接收目录
`$CWH_HOME/feeds/<部门>/<数据项>/` 中的新文件，按合同校验；合格行入库（Parquet，带来源信息），不合格行进入隔离区并
记录全部原因；入库日志逐批对账（读入 = 入库 + 隔离）。已入库过的文件（相同 SHA-256）跳过，重跑不会重复入库。
只有确有批次入库时才发出该数据项的 Asset（`landing.<数据项>`），仓库构建 DAG 据此触发；没有新批次时任务为 skipped。
新增数据项 = 新增一份合同，无需改动 DAG 代码。
触发方式：触发器进程监视该部门的接收目录（Asset `inbox.<部门>` 的 AssetWatcher），出现报送完成、尚未入库的文件即运行；
另每小时定时运行一次作为兜底（`CWH_INGEST_SCHEDULE`）。

**English** One DAG per producer (`producer_code` in the contracts), one task per feed: new files in the producer's
landing folder are validated against the feed's contract; accepted rows land with provenance, rejected rows go to
quarantine with every reason, and the ingestion log reconciles each batch. Files already ingested (same SHA-256) are
skipped, so reruns add nothing. The feed's Asset is emitted only when a batch actually landed (otherwise the task is
skipped); the warehouse build is scheduled on those Assets. Adding a feed is adding a contract.

Schedule: the producer's Asset `inbox.<producer>`, updated by an AssetWatcher in the triggerer when a complete
delivery appears that no batch was made of yet, or hourly as a safety net (`CWH_INGEST_SCHEDULE`), whichever comes
first; `catchup=False` (a poll that was missed has nothing to make up).
"""

from creditwh.orchestration import ingestion_dags

for _dag in ingestion_dags(__doc__):
    globals()[_dag.dag_id] = _dag
