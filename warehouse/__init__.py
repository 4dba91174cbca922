"""The warehouse runner: ``dbt build`` of ``dbt_project/`` on the workspace's embedded DuckDB, and its status."""

from warehouse.runner import BuildFailed, BuildResult, build, dbt, dbt_env, mart_names, table_counts

__all__ = ["BuildFailed", "BuildResult", "build", "dbt", "dbt_env", "mart_names", "table_counts"]
