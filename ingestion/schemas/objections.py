# GENERATED from contracts/feeds/objections.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""异议处理信息（objections v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'objections'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('objection_id', 'uscc', 'related_record_number', 'objection_date', 'objection_reason', 'outcome', 'outcome_date', 'handling_authority')

COLUMNS = {
    'objection_id': pa.Column(pl.String, nullable=False),  # 异议编号（必填）
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'related_record_number': pa.Column(pl.String, nullable=False),  # 关联决定书文号（必填）
    'objection_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 异议提出日期（必填）
    'objection_reason': pa.Column(pl.String, nullable=False),  # 异议理由（必填）
    'outcome': pa.Column(pl.String, nullable=False, checks=[checks.enum(('维持', '变更', '撤销', '确认无效'))]),  # 处理结果（必填）
    'outcome_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 处理日期（必填）
    'handling_authority': pa.Column(pl.String, nullable=False),  # 处理机关（必填）
    # originals as received, kept next to every cleaned value
    'objection_id__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'related_record_number__raw': pa.Column(pl.String, nullable=True),
    'objection_date__raw': pa.Column(pl.String, nullable=True),
    'objection_reason__raw': pa.Column(pl.String, nullable=True),
    'outcome__raw': pa.Column(pl.String, nullable=True),
    'outcome_date__raw': pa.Column(pl.String, nullable=True),
    'handling_authority__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'objection_id': 64,
        'uscc': 18,
        'related_record_number': 64,
        'objection_reason': 2000,
        'handling_authority': 200,
    }),
    checks.not_before('1949-10-01', ('objection_date', 'outcome_date')),
    checks.not_after_receipt(('objection_date', 'outcome_date')),
    checks.date_order((('objection_date', 'outcome_date'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
