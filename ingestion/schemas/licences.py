# GENERATED from contracts/feeds/licences.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""行政许可信息（licences v1.1.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'licences'
CONTRACT_VERSION = '1.1.0'
FIELDS = ('party_name', 'party_category', 'uscc', 'party_registration_number', 'party_org_code', 'party_tax_registration_number', 'party_institution_certificate_number', 'party_social_org_registration_number', 'legal_rep_name', 'legal_rep_id_type', 'legal_rep_id_number', 'party_id_type', 'party_id_number', 'document_name', 'document_number', 'item_name', 'licence_category', 'certificate_name', 'licence_number', 'licence_content', 'decision_date', 'valid_from', 'valid_to', 'authority_name', 'authority_uscc', 'licence_status', 'status_date', 'source_unit', 'source_unit_uscc', 'local_code', 'data_updated_at', 'remarks')

COLUMNS = {
    'party_name': pa.Column(pl.String, nullable=False),  # 行政相对人名称（必填）
    'party_category': pa.Column(pl.String, nullable=True, checks=[checks.enum(('法人及非法人组织', '自然人', '个体工商户'))]),  # 行政相对人类别
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'party_registration_number': pa.Column(pl.String, nullable=True),  # 工商注册号
    'party_org_code': pa.Column(pl.String, nullable=True),  # 组织机构代码
    'party_tax_registration_number': pa.Column(pl.String, nullable=True),  # 税务登记号
    'party_institution_certificate_number': pa.Column(pl.String, nullable=True),  # 事业单位证书号
    'party_social_org_registration_number': pa.Column(pl.String, nullable=True),  # 社会组织登记证号
    'legal_rep_name': pa.Column(pl.String, nullable=True),  # 法定代表人
    'legal_rep_id_type': pa.Column(pl.String, nullable=True, checks=[  # 法定代表人证件类型
        checks.enum(('身份证', '护照号', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '外国人永久居留身份证')),
    ]),
    'legal_rep_id_number': pa.Column(pl.String, nullable=True, checks=[checks.identifier('ric')]),  # 法定代表人证件号码
    'party_id_type': pa.Column(pl.String, nullable=True, checks=[  # 证件类型
        checks.enum(('身份证', '护照号', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '外国人永久居留身份证')),
    ]),
    'party_id_number': pa.Column(pl.String, nullable=True, checks=[checks.identifier('ric')]),  # 证件号码
    'document_name': pa.Column(pl.String, nullable=True),  # 行政许可决定文书名称
    'document_number': pa.Column(pl.String, nullable=False),  # 行政许可决定文书号（必填）
    'item_name': pa.Column(pl.String, nullable=True),  # 项目名称
    'licence_category': pa.Column(pl.String, nullable=False, checks=[  # 许可类别（必填）
        checks.enum(('普通', '特许', '认可', '核准', '登记', '其他')),
    ]),
    'certificate_name': pa.Column(pl.String, nullable=True, checks=[checks.in_code_table('ref_licence_types')]),  # 许可证书名称
    'licence_number': pa.Column(pl.String, nullable=True, checks=[checks.identifier('licence_number')]),  # 许可编号
    'licence_content': pa.Column(pl.String, nullable=False),  # 许可内容（必填）
    'decision_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 许可决定日期（必填）
    'valid_from': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 有效期自
    'valid_to': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 有效期至（必填）
    'authority_name': pa.Column(pl.String, nullable=False),  # 许可机关（必填）
    'authority_uscc': pa.Column(pl.String, nullable=True, checks=[checks.identifier('uscc')]),  # 许可机关统一社会信用代码
    'licence_status': pa.Column(pl.String, nullable=False, checks=[  # 当前状态（必填）
        checks.enum(('有效', '无效', '注销', '撤销', '吊销', '异议', '其他')),
    ]),
    'status_date': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 状态变更日期
    'source_unit': pa.Column(pl.String, nullable=True),  # 数据来源单位
    'source_unit_uscc': pa.Column(pl.String, nullable=True, checks=[checks.identifier('uscc')]),  # 数据来源单位统一社会信用代码
    'local_code': pa.Column(pl.String, nullable=True),  # 地方编码
    'data_updated_at': pa.Column(pl.String, nullable=True),  # 数据更新时间戳
    'remarks': pa.Column(pl.String, nullable=True),  # 备注
    # originals as received, kept next to every cleaned value
    'party_name__raw': pa.Column(pl.String, nullable=True),
    'party_category__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'party_registration_number__raw': pa.Column(pl.String, nullable=True),
    'party_org_code__raw': pa.Column(pl.String, nullable=True),
    'party_tax_registration_number__raw': pa.Column(pl.String, nullable=True),
    'party_institution_certificate_number__raw': pa.Column(pl.String, nullable=True),
    'party_social_org_registration_number__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_name__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_id_type__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_id_number__raw': pa.Column(pl.String, nullable=True),
    'party_id_type__raw': pa.Column(pl.String, nullable=True),
    'party_id_number__raw': pa.Column(pl.String, nullable=True),
    'document_name__raw': pa.Column(pl.String, nullable=True),
    'document_number__raw': pa.Column(pl.String, nullable=True),
    'item_name__raw': pa.Column(pl.String, nullable=True),
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
    'source_unit__raw': pa.Column(pl.String, nullable=True),
    'source_unit_uscc__raw': pa.Column(pl.String, nullable=True),
    'local_code__raw': pa.Column(pl.String, nullable=True),
    'data_updated_at__raw': pa.Column(pl.String, nullable=True),
    'remarks__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'party_name': 200,
        'uscc': 18,
        'party_registration_number': 50,
        'party_org_code': 32,
        'party_tax_registration_number': 32,
        'party_institution_certificate_number': 64,
        'party_social_org_registration_number': 64,
        'legal_rep_name': 50,
        'legal_rep_id_number': 18,
        'party_id_number': 18,
        'document_name': 200,
        'document_number': 64,
        'item_name': 500,
        'certificate_name': 200,
        'licence_number': 64,
        'licence_content': 5000,
        'authority_name': 200,
        'authority_uscc': 18,
        'source_unit': 200,
        'source_unit_uscc': 18,
        'local_code': 12,
        'data_updated_at': 32,
        'remarks': 2000,
    }),
    checks.not_before('1949-10-01', ('decision_date', 'valid_from', 'valid_to', 'status_date')),
    checks.not_after_receipt(('decision_date', 'status_date')),
    checks.not_after('2099-12-31', ('valid_from', 'valid_to')),
    checks.date_order((('decision_date', 'valid_to'), ('valid_from', 'valid_to'))),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
