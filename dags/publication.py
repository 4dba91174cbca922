"""公示发布 Airflow DAG · Publication DAG: quality gate → publish → delta → rates, scheduled on the warehouse Asset.

**中文** 仓库构建成功（Asset `warehouse`）后运行：先过质量闸门（great-expectations，按合同生成的期望），再写出公示
文件与清单（manifest），再生成相对上一次发布的增量（新增、变更、撤下）并计算公示率、及时率、准确率；发布日期取触发本次运行的构建的 `as_of_date`。闸门未通过则任务直接失败（不重试），错误信息
列出每一项未通过的期望，且不写任何文件。发布按日期覆盖、原子替换，重跑得到逐字节相同的文件。
great-expectations 与 Airflow 安装在同一环境中（依赖已锁定且相容），任务在进程内运行。

**English** Runs after a successful warehouse build (`warehouse` Asset): the publication gate (great-expectations
suites generated from the contracts), then the release with its manifest, dated with the triggering build's
`as_of_date`. A failed gate fails the task at once (no retry) with every failed expectation and writes nothing.
Releases are keyed by date and replaced atomically; a rerun yields byte-identical files. Great-expectations shares
Airflow's environment (the lock resolves both), so the steps run in-process. The steps are
`creditwh.orchestration.PUBLICATION_STEPS`. `catchup=False`: asset-driven.
"""

from creditwh.orchestration import publication_dag

dag = publication_dag(__doc__)
