# GENERATED from contracts/feeds/credit_repairs.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""信用修复信息（credit_repairs v1.1.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'credit_repairs'
CONTRACT_VERSION = '1.1.0'
FIELDS = ('application_id', 'uscc', 'enterprise_name', 'repair_object_type', 'related_record_number', 'apply_date', 'decision_date', 'outcome', 'deciding_authority')

COLUMNS = {
    'application_id': pa.Column(pl.String, nullable=False),  # 修复申请编号（必填）
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'enterprise_name': pa.Column(pl.String, nullable=False),  # 企业名称（必填）
    'repair_object_type': pa.Column(pl.String, nullable=False, checks=[  # 修复对象类型（必填）
        checks.enum(('行政处罚', '抽查检查', '经营异常名录', '严重违法失信名单')),
    ]),
    'related_record_number': pa.Column(pl.String, nullable=False),  # 关联决定书文号（必填）
    'apply_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 申请日期（必填）
    'decision_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 决定日期（必填）
    'outcome': pa.Column(pl.String, nullable=False, checks=[checks.enum(('准予修复', '不予修复'))]),  # 修复结果（必填）
    'deciding_authority': pa.Column(pl.String, nullable=False),  # 决定机关（必填）
    # originals as received, kept next to every cleaned value
    'application_id__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'enterprise_name__raw': pa.Column(pl.String, nullable=True),
    'repair_object_type__raw': pa.Column(pl.String, nullable=True),
    'related_record_number__raw': pa.Column(pl.String, nullable=True),
    'apply_date__raw': pa.Column(pl.String, nullable=True),
    'decision_date__raw': pa.Column(pl.String, nullable=True),
    'outcome__raw': pa.Column(pl.String, nullable=True),
    'deciding_authority__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'application_id': 64,
        'uscc': 18,
        'enterprise_name': 200,
        'related_record_number': 64,
        'deciding_authority': 200,
    }),
    checks.not_before('1949-10-01', ('apply_date', 'decision_date')),
    checks.not_after_receipt(('apply_date', 'decision_date')),
    checks.date_order((('apply_date', 'decision_date'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
