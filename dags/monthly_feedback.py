"""每月失信惩戒实施情况反馈 Airflow DAG · Monthly joint-punishment feedback DAG (first working week of the month).

**中文** 实施机构须在每月第一周内反馈上个月的失信惩戒（强化监管）实施情况（时间窗见规则种子表
`punishment_rules` 的 feedback_working_days_into_month 行，附出处）。本 DAG 在每月 1–15 日每天排程，第一个任务按工作日历（含法定节假日与调休）判断：
当天在本月前 N 个工作日内、且本月报告尚未生成（或正是生成它的那一天的重跑）才继续。随后运行
`dbt build --select tag:monthly_feedback`（变量 `as_of_date` 与 `feedback_month` = 上个月），再把带该标签的模型
导出为 CSV：`$CWH_HOME/reports/feedback/<YYYY-MM>/`，附 manifest.json（行数、SHA-256），原子替换。

**English** Implementing units feed back the previous month's joint-punishment measures within the first week of
each month (window: row feedback_working_days_into_month of the rule seed `punishment_rules`, with its source). Scheduled on days 1–15; the first task
checks the working-day calendar (statutory holidays, make-up days): it goes on only inside the first N working days
and while this month's report is missing (or for the day that wrote it, on a rerun). Then
`dbt build --select tag:monthly_feedback` with vars `as_of_date` and `feedback_month` (previous month), and the models
with that tag are exported to CSV under `$CWH_HOME/reports/feedback/<YYYY-MM>/` with a manifest, atomically.
With no tagged model yet, dbt reports nothing to do and the export holds only the manifest. `catchup=False`.
"""

from creditwh.orchestration import monthly_feedback_dag

dag = monthly_feedback_dag(__doc__)
