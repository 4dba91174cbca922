# GENERATED from contracts/feeds/licences.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""行政许可信息（licences v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'licences'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('party_name', 'party_category', 'uscc', 'legal_rep_name', 'legal_rep_id_number', 'document_name', 'document_number', 'licence_category', 'certificate_name', 'licence_number', 'licence_content', 'decision_date', 'valid_from', 'valid_to', 'authority_name', 'authority_uscc', 'licence_status', 'status_date')

COLUMNS = {
    'party_name': pa.Column(pl.String, nullable=False),  # 行政相对人名称（必填）
    'party_category': pa.Column(pl.String, nullable=False, checks=[checks.enum(('法人及非法人组织', '自然人', '个体工商户'))]),  # 行政相对人类别（必填）
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'legal_rep_name': pa.Column(pl.String, nullable=True),  # 法定代表人
    'legal_rep_id_number': pa.Column(pl.String, nullable=True, checks=[checks.identifier('ric')]),  # 证件号码
    'document_name': pa.Column(pl.String, nullable=False),  # 行政许可决定文书名称（必填）
    'document_number': pa.Column(pl.String, nullable=False),  # 行政许可决定文书号（必填）
    'licence_category': pa.Column(pl.String, nullable=False, checks=[  # 许可类别（必填）
        checks.enum(('普通', '特许', '认可', '核准', '登记', '其他')),
    ]),
    'certificate_name': pa.Column(pl.String, nullable=False, checks=[  # 许可证书名称（必填）
        checks.in_code_table('ref_licence_types'),
    ]),
    'licence_number': pa.Column(pl.String, nullable=False, checks=[checks.identifier('licence_number')]),  # 许可编号（必填）
    'licence_content': pa.Column(pl.String, nullable=False),  # 许可内容（必填）
    'decision_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 许可决定日期（必填）
    'valid_from': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 有效期自（必填）
    'valid_to': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 有效期至（必填）
    'authority_name': pa.Column(pl.String, nullable=False),  # 许可机关（必填）
    'authority_uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 许可机关统一社会信用代码（必填）
    'licence_status': pa.Column(pl.String, nullable=False, checks=[checks.enum(('有效', '注销', '撤销', '吊销'))]),  # 当前状态（必填）
    'status_date': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 状态变更日期
    # originals as received, kept next to every cleaned value
    'party_name__raw': pa.Column(pl.String, nullable=True),
    'party_category__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_name__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_id_number__raw': pa.Column(pl.String, nullable=True),
    'document_name__raw': pa.Column(pl.String, nullable=True),
    'document_number__raw': pa.Column(pl.String, nullable=True),
    'licence_category__raw': pa.Column(pl.String, nullable=True),
    'certificate_name__raw': pa.Column(pl.String, nullable=True),
    'licence_number__raw': pa.Column(pl.String, nullable=True),
    'licence_content__raw': pa.Column(pl.String, nullable=True),
    'decision_date__raw': pa.Column(pl.String, nullable=True),
    'valid_from__raw': pa.Column(pl.String, nullable=True),
    'valid_to__raw': pa.Column(pl.String, nullable=True),
    'authority_name__raw': pa.Column(pl.String, nullable=True),
    'authority_uscc__raw': pa.Column(pl.String, nullable=True),
    'licence_status__raw': pa.Column(pl.String, nullable=True),
    'status_date__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, name=FEED, strict=True, ordered=False, coerce=False)
