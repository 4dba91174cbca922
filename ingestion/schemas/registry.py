# GENERATED from contracts/feeds/registry.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""市场主体登记信息（registry v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'registry'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('uscc', 'registration_number', 'enterprise_name', 'entity_type', 'region_code', 'industry_code', 'legal_rep_name', 'legal_rep_id_type', 'legal_rep_id_number', 'registered_capital_wan', 'established_date', 'approval_date', 'status', 'address', 'contact_phone', 'registration_authority')

COLUMNS = {
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'registration_number': pa.Column(pl.String, nullable=True),  # 注册号
    'enterprise_name': pa.Column(pl.String, nullable=False),  # 企业名称（必填）
    'entity_type': pa.Column(pl.String, nullable=False, checks=[  # 市场主体类型（必填）
        checks.enum(('有限责任公司', '股份有限公司', '个人独资企业', '合伙企业', '分公司', '个体工商户', '农民专业合作社')),
    ]),
    'region_code': pa.Column(pl.String, nullable=False, checks=[checks.pattern('^[1-8][0-9]{5}$')]),  # 住所所在行政区划（必填）
    'industry_code': pa.Column(pl.String, nullable=False, checks=[  # 国民经济行业代码（必填）
        checks.pattern('^[0-9]{4}$'),
        checks.in_code_table('ref_industry_codes'),
    ]),
    'legal_rep_name': pa.Column(pl.String, nullable=False),  # 法定代表人（必填）
    'legal_rep_id_type': pa.Column(pl.String, nullable=False, checks=[  # 证件类型（必填）
        checks.enum(('身份证', '护照号', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '外国人永久居留身份证')),
    ]),
    'legal_rep_id_number': pa.Column(pl.String, nullable=False, checks=[checks.identifier('ric')]),  # 证件号码（必填）
    'registered_capital_wan': pa.Column(pl.Float64, nullable=True, checks=[  # 注册资本（万元）
        checks.parses('bad_number'),
        checks.minimum(0),
    ]),
    'established_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 成立日期（必填）
    'approval_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 核准日期（必填）
    'status': pa.Column(pl.String, nullable=False, checks=[checks.enum(('存续', '在业', '吊销', '注销', '迁出'))]),  # 登记状态（必填）
    'address': pa.Column(pl.String, nullable=True),  # 住所
    'contact_phone': pa.Column(pl.String, nullable=True),  # 联系电话
    'registration_authority': pa.Column(pl.String, nullable=False),  # 登记机关（必填）
    # originals as received, kept next to every cleaned value
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'registration_number__raw': pa.Column(pl.String, nullable=True),
    'enterprise_name__raw': pa.Column(pl.String, nullable=True),
    'entity_type__raw': pa.Column(pl.String, nullable=True),
    'region_code__raw': pa.Column(pl.String, nullable=True),
    'industry_code__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_name__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_id_type__raw': pa.Column(pl.String, nullable=True),
    'legal_rep_id_number__raw': pa.Column(pl.String, nullable=True),
    'registered_capital_wan__raw': pa.Column(pl.String, nullable=True),
    'established_date__raw': pa.Column(pl.String, nullable=True),
    'approval_date__raw': pa.Column(pl.String, nullable=True),
    'status__raw': pa.Column(pl.String, nullable=True),
    'address__raw': pa.Column(pl.String, nullable=True),
    'contact_phone__raw': pa.Column(pl.String, nullable=True),
    'registration_authority__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'uscc': 18,
        'registration_number': 50,
        'enterprise_name': 200,
        'region_code': 6,
        'industry_code': 4,
        'legal_rep_name': 50,
        'legal_rep_id_number': 18,
        'address': 200,
        'contact_phone': 50,
        'registration_authority': 200,
    }),
    checks.not_before('1949-10-01', ('established_date', 'approval_date')),
    checks.not_after_receipt(('established_date', 'approval_date')),
    checks.date_order((('established_date', 'approval_date'),)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
