# GENERATED from contracts/feeds/penalties.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""行政处罚信息（penalties v1.1.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'penalties'
CONTRACT_VERSION = '1.1.0'
FIELDS = ('party_name', 'party_category', 'uscc', 'party_registration_number', 'party_org_code', 'party_tax_registration_number', 'party_institution_certificate_number', 'party_social_org_registration_number', 'legal_rep_name', 'legal_rep_id_type', 'legal_rep_id_number', 'party_id_type', 'party_id_number', 'decision_number', 'case_name', 'violation_type', 'violation_facts', 'legal_basis', 'penalty_types', 'penalty_content', 'fine_amount_wan', 'confiscation_amount_wan', 'revoked_licence', 'decision_date', 'valid_until', 'publicity_end', 'authority_name', 'authority_uscc', 'domain_code', 'heavier_discretion', 'procedure_type', 'record_status', 'source_unit', 'source_unit_uscc', 'local_code', 'data_updated_at', 'remarks')

COLUMNS = {
    'party_name': pa.Column(pl.String, nullable=False),  # 行政相对人名称（必填）
    'party_category': pa.Column(pl.String, nullable=True, checks=[checks.enum(('法人及非法人组织', '自然人', '个体工商户'))]),  # 行政相对人类别
    'uscc': pa.Column(pl.String, nullable=True, checks=[checks.identifier('uscc')]),  # 统一社会信用代码
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
    'decision_number': pa.Column(pl.String, nullable=False, checks=[checks.decision_number()]),  # 行政处罚决定书文号（必填）
    'case_name': pa.Column(pl.String, nullable=True),  # 处罚名称
    'violation_type': pa.Column(pl.String, nullable=True),  # 违法行为类型
    'violation_facts': pa.Column(pl.String, nullable=False),  # 违法事实（必填）
    'legal_basis': pa.Column(pl.String, nullable=False),  # 处罚依据（必填）
    'penalty_types': pa.Column(pl.String, nullable=False, checks=[  # 处罚类别（必填）
        checks.enum(('警告', '通报批评', '罚款', '没收违法所得', '没收非法财物', '暂扣许可证件', '降低资质等级', '吊销许可证件', '限制开展生产经营活动', '责令停产停业', '责令关闭', '限制从业', '行政拘留', '其他'), separator=';'),
    ]),
    'penalty_content': pa.Column(pl.String, nullable=False),  # 处罚内容（必填）
    'fine_amount_wan': pa.Column(pl.Float64, nullable=True, checks=[  # 罚款金额（万元）
        checks.parses('bad_number'),
        checks.minimum(0),
    ]),
    'confiscation_amount_wan': pa.Column(pl.Float64, nullable=True, checks=[  # 没收违法所得、没收非法财物的金额（万元）
        checks.parses('bad_number'),
        checks.minimum(0),
    ]),
    'revoked_licence': pa.Column(pl.String, nullable=True),  # 暂扣或吊销证照名称及编号
    'decision_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 处罚决定日期（必填）
    'valid_until': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 处罚有效期
    'publicity_end': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 公示截止期
    'authority_name': pa.Column(pl.String, nullable=False),  # 处罚机关（必填）
    'authority_uscc': pa.Column(pl.String, nullable=True, checks=[checks.identifier('uscc')]),  # 处罚机关统一社会信用代码
    'domain_code': pa.Column(pl.String, nullable=True, checks=[  # 监管领域
        checks.enum(('食品安全', '药品医疗器械化妆品', '质量安全', '侵害消费者权益', '破坏公平竞争秩序和扰乱市场秩序', '拒绝阻碍干扰监督检查', '其他')),
    ]),
    'heavier_discretion': pa.Column(pl.String, nullable=True, checks=[checks.enum(('是', '否'))]),  # 是否从重处罚
    'procedure_type': pa.Column(pl.String, nullable=True, checks=[checks.enum(('普通程序', '简易程序'))]),  # 程序类型
    'record_status': pa.Column(pl.String, nullable=True, checks=[checks.enum(('正常', '变更', '撤销', '异议', '其他'))]),  # 当前状态
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
    'decision_number__raw': pa.Column(pl.String, nullable=True),
    'case_name__raw': pa.Column(pl.String, nullable=True),
    'violation_type__raw': pa.Column(pl.String, nullable=True),
    'violation_facts__raw': pa.Column(pl.String, nullable=True),
    'legal_basis__raw': pa.Column(pl.String, nullable=True),
    'penalty_types__raw': pa.Column(pl.String, nullable=True),
    'penalty_content__raw': pa.Column(pl.String, nullable=True),
    'fine_amount_wan__raw': pa.Column(pl.String, nullable=True),
    'confiscation_amount_wan__raw': pa.Column(pl.String, nullable=True),
    'revoked_licence__raw': pa.Column(pl.String, nullable=True),
    'decision_date__raw': pa.Column(pl.String, nullable=True),
    'valid_until__raw': pa.Column(pl.String, nullable=True),
    'publicity_end__raw': pa.Column(pl.String, nullable=True),
    'authority_name__raw': pa.Column(pl.String, nullable=True),
    'authority_uscc__raw': pa.Column(pl.String, nullable=True),
    'domain_code__raw': pa.Column(pl.String, nullable=True),
    'heavier_discretion__raw': pa.Column(pl.String, nullable=True),
    'procedure_type__raw': pa.Column(pl.String, nullable=True),
    'record_status__raw': pa.Column(pl.String, nullable=True),
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
        'decision_number': 64,
        'case_name': 500,
        'violation_type': 200,
        'violation_facts': 5000,
        'legal_basis': 2000,
        'penalty_types': 200,
        'penalty_content': 5000,
        'revoked_licence': 200,
        'authority_name': 200,
        'authority_uscc': 18,
        'source_unit': 200,
        'source_unit_uscc': 18,
        'local_code': 12,
        'data_updated_at': 32,
        'remarks': 2000,
    }),
    checks.not_before('1949-10-01', ('decision_date', 'valid_until', 'publicity_end')),
    checks.not_after_receipt(('decision_date',)),
    checks.not_after('2099-12-31', ('valid_until', 'publicity_end')),
    checks.date_order((('decision_date', 'valid_until'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
