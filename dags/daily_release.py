"""每日到期释放 Airflow DAG · Daily release DAG: what changes with the calendar alone, then publish.

**中文** 每天（北京时间 00:30）运行 `dbt build --select tag:daily_release`，dbt 变量 `as_of_date` 为逻辑日期：
名单与惩戒措施的自然到期移出、公示期届满撤下等只随日期变化的模型；随后质量闸门 → 公示发布（发布日期同一天）。
按逻辑日期幂等：重跑或补跑某一天得到同样的结果。`catchup=False`：错过的日期用 `airflow backfill create` 补跑。

**English** Daily (00:30 Asia/Shanghai): `dbt build --select tag:daily_release` with var `as_of_date` = the logical
date (natural expiry of listings and measures, end of publicity periods), then gate → publish → delta → rates for that date.
Idempotent per logical date. `catchup=False` deliberately: missed days are backfilled with `airflow backfill create`.
"""

from creditwh.orchestration import daily_release_dag

dag = daily_release_dag(__doc__)
