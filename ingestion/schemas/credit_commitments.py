# GENERATED from contracts/feeds/credit_commitments.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""信用承诺信息（credit_commitments v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'credit_commitments'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('commitment_id', 'uscc', 'enterprise_name', 'commitment_type', 'commitment_matter', 'commitment_date', 'approving_unit', 'fulfilment_status', 'verification_date')

COLUMNS = {
    'commitment_id': pa.Column(pl.String, nullable=False),  # 承诺编号（必填）
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'enterprise_name': pa.Column(pl.String, nullable=False),  # 企业名称（必填）
    'commitment_type': pa.Column(pl.String, nullable=False, checks=[  # 承诺类型（必填）
        checks.enum(('证明事项告知承诺', '涉企经营许可告知承诺', '主动公示型承诺', '信用修复承诺')),
    ]),
    'commitment_matter': pa.Column(pl.String, nullable=False),  # 承诺事项（必填）
    'commitment_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 承诺日期（必填）
    'approving_unit': pa.Column(pl.String, nullable=False),  # 受理单位（必填）
    'fulfilment_status': pa.Column(pl.String, nullable=False, checks=[checks.enum(('履约中', '已履约', '承诺不实'))]),  # 履约状态（必填）
    'verification_date': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 核查日期
    # originals as received, kept next to every cleaned value
    'commitment_id__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'enterprise_name__raw': pa.Column(pl.String, nullable=True),
    'commitment_type__raw': pa.Column(pl.String, nullable=True),
    'commitment_matter__raw': pa.Column(pl.String, nullable=True),
    'commitment_date__raw': pa.Column(pl.String, nullable=True),
    'approving_unit__raw': pa.Column(pl.String, nullable=True),
    'fulfilment_status__raw': pa.Column(pl.String, nullable=True),
    'verification_date__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'commitment_id': 64,
        'uscc': 18,
        'enterprise_name': 200,
        'commitment_matter': 2000,
        'approving_unit': 200,
    }),
    checks.not_before('1949-10-01', ('commitment_date', 'verification_date')),
    checks.not_after_receipt(('commitment_date', 'verification_date')),
    checks.date_order((('commitment_date', 'verification_date'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
