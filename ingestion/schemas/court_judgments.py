# GENERATED from contracts/feeds/court_judgments.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""外部失信认定文书（court_judgments v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'court_judgments'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('document_number', 'document_type', 'issuing_body', 'party_name', 'uscc', 'region_code', 'person_name', 'person_id_number', 'dishonest_type', 'effective_date', 'restriction_end', 'summary')

COLUMNS = {
    'document_number': pa.Column(pl.String, nullable=False),  # 文书编号（必填）
    'document_type': pa.Column(pl.String, nullable=False, checks=[  # 文书类型（必填）
        checks.enum(('判决书', '裁定书', '仲裁裁决书', '行政处罚决定书', '行政裁决书')),
    ]),
    'issuing_body': pa.Column(pl.String, nullable=False),  # 作出机关（必填）
    'party_name': pa.Column(pl.String, nullable=False),  # 当事人名称（必填）
    'uscc': pa.Column(pl.String, nullable=True, checks=[checks.identifier('uscc')]),  # 统一社会信用代码
    'region_code': pa.Column(pl.String, nullable=True, checks=[checks.pattern('^[1-8][0-9]{5}$')]),  # 当事人所在行政区划
    'person_name': pa.Column(pl.String, nullable=True),  # 相关自然人姓名
    'person_id_number': pa.Column(pl.String, nullable=True, checks=[checks.identifier('ric')]),  # 相关自然人证件号码
    'dishonest_type': pa.Column(pl.String, nullable=False, checks=[  # 失信类型（必填）
        checks.enum(('失信被执行人', '重大税收违法', '安全生产失信', '环境保护失信', '其他')),
    ]),
    'effective_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 生效日期（必填）
    'restriction_end': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 限制期限至
    'summary': pa.Column(pl.String, nullable=True),  # 文书摘要
    # originals as received, kept next to every cleaned value
    'document_number__raw': pa.Column(pl.String, nullable=True),
    'document_type__raw': pa.Column(pl.String, nullable=True),
    'issuing_body__raw': pa.Column(pl.String, nullable=True),
    'party_name__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'region_code__raw': pa.Column(pl.String, nullable=True),
    'person_name__raw': pa.Column(pl.String, nullable=True),
    'person_id_number__raw': pa.Column(pl.String, nullable=True),
    'dishonest_type__raw': pa.Column(pl.String, nullable=True),
    'effective_date__raw': pa.Column(pl.String, nullable=True),
    'restriction_end__raw': pa.Column(pl.String, nullable=True),
    'summary__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'document_number': 64,
        'issuing_body': 200,
        'party_name': 200,
        'uscc': 18,
        'region_code': 6,
        'person_name': 50,
        'person_id_number': 18,
        'summary': 5000,
    }),
    checks.not_before('1949-10-01', ('effective_date', 'restriction_end')),
    checks.not_after_receipt(('effective_date',)),
    checks.not_after('2099-12-31', ('restriction_end',)),
    checks.date_order((('effective_date', 'restriction_end'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
