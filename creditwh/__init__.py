"""Credit-information warehouse for market supervision (市场监管企业信用信息数据仓库): the top floors.

creditwh.jobs           the service layer: every operation, called by the CLI and the Airflow tasks alike
creditwh.cli            `cwh`, the command line
creditwh.orchestration  the Airflow 3 DAG factories (the files in dags/ only call these)
"""

__version__ = "0.1.0"
