# GENERATED from contracts/feeds/serious_list.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""严重违法失信名单信息（serious_list v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'serious_list'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('uscc', 'enterprise_name', 'list_decision_number', 'list_reason', 'related_penalty_number', 'list_date', 'list_authority', 'removal_date', 'removal_reason')

COLUMNS = {
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'enterprise_name': pa.Column(pl.String, nullable=False),  # 企业名称（必填）
    'list_decision_number': pa.Column(pl.String, nullable=False),  # 列入决定书文号（必填）
    'list_reason': pa.Column(pl.String, nullable=False, checks=[  # 列入严重违法失信名单原因（必填）
        checks.enum(('因从重处罚等较重行政处罚列入', '被列入经营异常名录届满3年仍未履行相关义务', '提交虚假材料或采取其他欺诈手段隐瞒重要事实取得登记', '其他严重违法失信情形')),
    ]),
    'related_penalty_number': pa.Column(pl.String, nullable=True),  # 关联行政处罚决定书文号
    'list_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 列入日期（必填）
    'list_authority': pa.Column(pl.String, nullable=False),  # 作出决定机关（列入）（必填）
    'removal_date': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 移出日期
    'removal_reason': pa.Column(pl.String, nullable=True, checks=[  # 移出原因
        checks.enum(('列入满三年自动移出', '信用修复提前移出', '列入依据被撤销')),
    ]),
    # originals as received, kept next to every cleaned value
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'enterprise_name__raw': pa.Column(pl.String, nullable=True),
    'list_decision_number__raw': pa.Column(pl.String, nullable=True),
    'list_reason__raw': pa.Column(pl.String, nullable=True),
    'related_penalty_number__raw': pa.Column(pl.String, nullable=True),
    'list_date__raw': pa.Column(pl.String, nullable=True),
    'list_authority__raw': pa.Column(pl.String, nullable=True),
    'removal_date__raw': pa.Column(pl.String, nullable=True),
    'removal_reason__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'uscc': 18,
        'enterprise_name': 200,
        'list_decision_number': 64,
        'related_penalty_number': 64,
        'list_authority': 200,
    }),
    checks.not_before('1949-10-01', ('list_date', 'removal_date')),
    checks.not_after_receipt(('list_date', 'removal_date')),
    checks.date_order((('list_date', 'removal_date'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
