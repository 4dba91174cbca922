# GENERATED from contracts/feeds/abnormal_list.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""经营异常名录信息（abnormal_list v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'abnormal_list'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('uscc', 'enterprise_name', 'list_decision_number', 'list_reason', 'list_date', 'list_authority', 'removal_date', 'removal_reason', 'removal_authority')

COLUMNS = {
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'enterprise_name': pa.Column(pl.String, nullable=False),  # 企业名称（必填）
    'list_decision_number': pa.Column(pl.String, nullable=False),  # 列入决定书文号（必填）
    'list_reason': pa.Column(pl.String, nullable=False, checks=[  # 列入经营异常名录原因（必填）
        checks.enum(('未按照规定的期限公示年度报告', '未在责令的期限内公示有关企业信息', '公示企业信息隐瞒真实情况、弄虚作假', '通过登记的住所或者经营场所无法联系')),
    ]),
    'list_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 列入日期（必填）
    'list_authority': pa.Column(pl.String, nullable=False),  # 作出决定机关（列入）（必填）
    'removal_date': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 移出日期
    'removal_reason': pa.Column(pl.String, nullable=True, checks=[  # 移出经营异常名录原因
        checks.enum(('补报年度报告并公示', '依法公示有关企业信息', '更正公示信息', '依法办理住所变更登记或提出通过住所可以重新取得联系', '列入满三年转入严重违法失信名单', '信用修复后移出')),
    ]),
    'removal_authority': pa.Column(pl.String, nullable=True),  # 作出决定机关（移出）
    # originals as received, kept next to every cleaned value
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'enterprise_name__raw': pa.Column(pl.String, nullable=True),
    'list_decision_number__raw': pa.Column(pl.String, nullable=True),
    'list_reason__raw': pa.Column(pl.String, nullable=True),
    'list_date__raw': pa.Column(pl.String, nullable=True),
    'list_authority__raw': pa.Column(pl.String, nullable=True),
    'removal_date__raw': pa.Column(pl.String, nullable=True),
    'removal_reason__raw': pa.Column(pl.String, nullable=True),
    'removal_authority__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'uscc': 18,
        'enterprise_name': 200,
        'list_decision_number': 64,
        'list_authority': 200,
        'removal_authority': 200,
    }),
    checks.not_before('1949-10-01', ('list_date', 'removal_date')),
    checks.not_after_receipt(('list_date', 'removal_date')),
    checks.date_order((('list_date', 'removal_date'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
