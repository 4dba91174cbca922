# GENERATED from contracts/feeds/punishment_feedback.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""失信联合惩戒闭环办理信息（punishment_feedback v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'punishment_feedback'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('event_id', 'uscc', 'object_role', 'basis_number', 'measure_id', 'stage', 'unit_name', 'unit_type', 'event_date', 'event_time', 'consultation', 'note')

COLUMNS = {
    'event_id': pa.Column(pl.String, nullable=False),  # 事件编号（必填）
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'object_role': pa.Column(pl.String, nullable=False, checks=[  # 惩戒对象（必填）
        checks.enum(('enterprise', 'legal_rep', 'person')),
    ]),
    'basis_number': pa.Column(pl.String, nullable=False),  # 失信事由文书号（必填）
    'measure_id': pa.Column(pl.String, nullable=False),  # 措施编号（必填）
    'stage': pa.Column(pl.String, nullable=False, checks=[checks.enum(('推送', '接收', '转发', '实施', '反馈', '调整'))]),  # 办理环节（必填）
    'unit_name': pa.Column(pl.String, nullable=False),  # 办理单位（必填）
    'unit_type': pa.Column(pl.String, nullable=False, checks=[  # 单位类型（必填）
        checks.enum(('执法办案机构', '信用监管机构', '业务主管机构', '行政审批机构', '登记机关', '外部门', '行业协会')),
    ]),
    'event_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 办理日期（必填）
    'event_time': pa.Column(pl.String, nullable=True, checks=[  # 办理时间
        checks.pattern('^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$'),
    ]),
    'consultation': pa.Column(pl.String, nullable=True, checks=[checks.enum(('是', '否'))]),  # 是否会商
    'note': pa.Column(pl.String, nullable=True),  # 办理说明
    # originals as received, kept next to every cleaned value
    'event_id__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'object_role__raw': pa.Column(pl.String, nullable=True),
    'basis_number__raw': pa.Column(pl.String, nullable=True),
    'measure_id__raw': pa.Column(pl.String, nullable=True),
    'stage__raw': pa.Column(pl.String, nullable=True),
    'unit_name__raw': pa.Column(pl.String, nullable=True),
    'unit_type__raw': pa.Column(pl.String, nullable=True),
    'event_date__raw': pa.Column(pl.String, nullable=True),
    'event_time__raw': pa.Column(pl.String, nullable=True),
    'consultation__raw': pa.Column(pl.String, nullable=True),
    'note__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'event_id': 64,
        'uscc': 18,
        'basis_number': 64,
        'measure_id': 64,
        'unit_name': 200,
        'event_time': 8,
        'note': 2000,
    }),
    checks.not_before('1949-10-01', ('event_date',)),
    checks.not_after_receipt(('event_date',)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
