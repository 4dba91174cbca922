"""每周全量数据测试 Airflow DAG · Weekly full check DAG: the whole build, testing every landed batch again.

**中文** 每次交付后的构建只对尚未被成功构建测试过的批次运行入库区与暂存层的数据测试（已入库批次不可变，测过的不再重读；
见 docs/stack.md“Data tests on new batches”）。本 DAG 每周日（北京时间 03:00）运行一次完整的 `dbt build`，dbt 变量
`test_every_batch: true`：全部批次重新测试，随后与每次构建一样更新登记拦截索引与控制台服务快照。占用仓库单写入池。
`catchup=False`：错过的一周不补跑，下一周照常全部检查。

**English** Builds after deliveries run the landing's and staging's data tests on the batches no successful build has
tested yet (landed batches are immutable). Weekly (Sunday 03:00 Asia/Shanghai) this DAG runs the whole `dbt build`
with var `test_every_batch: true` — every batch tested again — then refreshes the restriction index and the serving
snapshot like every build. Takes the one-writer pool. `catchup=False`: a missed week is not replayed; the next one
checks everything anyway.
"""

from creditwh.orchestration import weekly_full_check_dag

dag = weekly_full_check_dag(__doc__)
