"""Credit-information warehouse for market supervision (市场监管企业信用信息数据仓库)."""

__version__ = "0.1.0"
