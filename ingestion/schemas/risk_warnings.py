# GENERATED from contracts/feeds/risk_warnings.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""风险预警信息（risk_warnings v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'risk_warnings'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('warning_id', 'uscc', 'object_name', 'warning_level', 'warning_type', 'warning_reason', 'start_date', 'end_date', 'issuing_department', 'issuing_department_uscc', 'responding_departments', 'measures', 'legal_basis', 'lift_date', 'lifting_department', 'lifting_department_uscc', 'lift_reason')

COLUMNS = {
    'warning_id': pa.Column(pl.String, nullable=False),  # 预警编号（必填）
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'object_name': pa.Column(pl.String, nullable=False),  # 预警对象名称（必填）
    'warning_level': pa.Column(pl.String, nullable=False, checks=[checks.enum(('红色', '橙色', '黄色', '蓝色'))]),  # 预警级别（必填）
    'warning_type': pa.Column(pl.String, nullable=False, checks=[  # 预警类型（必填）
        checks.enum(('食品安全风险', '特种设备安全风险', '产品质量风险', '价格风险', '消费投诉风险', '经营异常风险', '其他')),
    ]),
    'warning_reason': pa.Column(pl.String, nullable=False),  # 预警原因（必填）
    'start_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 预警开始日期（必填）
    'end_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 预警截止日期（必填）
    'issuing_department': pa.Column(pl.String, nullable=False),  # 预警发布部门（必填）
    'issuing_department_uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 预警发布部门统一社会信用代码（必填）
    'responding_departments': pa.Column(pl.String, nullable=False),  # 预警响应部门（必填）
    'measures': pa.Column(pl.String, nullable=False),  # 响应措施（必填）
    'legal_basis': pa.Column(pl.String, nullable=False),  # 法律法规依据（必填）
    'lift_date': pa.Column(pl.Date, nullable=True, checks=[checks.parses('bad_date')]),  # 解除日期
    'lifting_department': pa.Column(pl.String, nullable=True),  # 解除部门
    'lifting_department_uscc': pa.Column(pl.String, nullable=True, checks=[checks.identifier('uscc')]),  # 解除部门统一社会信用代码
    'lift_reason': pa.Column(pl.String, nullable=True),  # 解除原因
    # originals as received, kept next to every cleaned value
    'warning_id__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'object_name__raw': pa.Column(pl.String, nullable=True),
    'warning_level__raw': pa.Column(pl.String, nullable=True),
    'warning_type__raw': pa.Column(pl.String, nullable=True),
    'warning_reason__raw': pa.Column(pl.String, nullable=True),
    'start_date__raw': pa.Column(pl.String, nullable=True),
    'end_date__raw': pa.Column(pl.String, nullable=True),
    'issuing_department__raw': pa.Column(pl.String, nullable=True),
    'issuing_department_uscc__raw': pa.Column(pl.String, nullable=True),
    'responding_departments__raw': pa.Column(pl.String, nullable=True),
    'measures__raw': pa.Column(pl.String, nullable=True),
    'legal_basis__raw': pa.Column(pl.String, nullable=True),
    'lift_date__raw': pa.Column(pl.String, nullable=True),
    'lifting_department__raw': pa.Column(pl.String, nullable=True),
    'lifting_department_uscc__raw': pa.Column(pl.String, nullable=True),
    'lift_reason__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'warning_id': 64,
        'uscc': 18,
        'object_name': 200,
        'warning_reason': 2000,
        'issuing_department': 200,
        'issuing_department_uscc': 18,
        'responding_departments': 1000,
        'measures': 2000,
        'legal_basis': 2000,
        'lifting_department': 200,
        'lifting_department_uscc': 18,
        'lift_reason': 2000,
    }),
    checks.not_before('1949-10-01', ('start_date', 'end_date', 'lift_date')),
    checks.not_after_receipt(('start_date', 'lift_date')),
    checks.not_after('2099-12-31', ('end_date',)),
    checks.date_order((('start_date', 'end_date'), ('start_date', 'lift_date'))),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
