# GENERATED from contracts/feeds/disclosure_holds.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""不予公示信息标记（disclosure_holds v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'disclosure_holds'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('hold_id', 'record_type', 'record_number', 'uscc', 'hold_reason', 'legal_basis', 'approving_unit', 'approved_date', 'hold_end')

COLUMNS = {
    'hold_id': pa.Column(pl.String, nullable=False),  # 标记编号（必填）
    'record_type': pa.Column(pl.String, nullable=False, checks=[  # 记录类型（必填）
        checks.enum(('行政处罚', '行政许可', '抽查检查', '经营异常名录', '严重违法失信名单')),
    ]),
    'record_number': pa.Column(pl.String, nullable=False),  # 关联记录编号（必填）
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'hold_reason': pa.Column(pl.String, nullable=False, checks=[  # 不予公示理由（必填）
        checks.enum(('涉及国家秘密', '涉及国家安全', '涉及社会公共利益', '涉及个人隐私', '涉及商业秘密')),
    ]),
    'legal_basis': pa.Column(pl.String, nullable=False),  # 依据（必填）
    'approving_unit': pa.Column(pl.String, nullable=False),  # 审批机关（必填）
    'approved_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 审批日期（必填）
    'hold_end': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 解除日期
    # originals as received, kept next to every cleaned value
    'hold_id__raw': pa.Column(pl.String, nullable=True),
    'record_type__raw': pa.Column(pl.String, nullable=True),
    'record_number__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'hold_reason__raw': pa.Column(pl.String, nullable=True),
    'legal_basis__raw': pa.Column(pl.String, nullable=True),
    'approving_unit__raw': pa.Column(pl.String, nullable=True),
    'approved_date__raw': pa.Column(pl.String, nullable=True),
    'hold_end__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'hold_id': 64,
        'record_number': 64,
        'uscc': 18,
        'legal_basis': 2000,
        'approving_unit': 200,
    }),
    checks.not_before('1949-10-01', ('approved_date', 'hold_end')),
    checks.not_after_receipt(('approved_date', 'hold_end')),
    checks.date_order((('approved_date', 'hold_end'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
