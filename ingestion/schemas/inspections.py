# GENERATED from contracts/feeds/inspections.odcs.yaml by contracts/codegen.py — do not edit by hand (`python -m contracts.codegen`).
"""抽查检查结果信息（inspections v1.0.0）：入库校验的 pandera 模式，由数据合同生成。"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import checks

FEED = 'inspections'
CONTRACT_VERSION = '1.0.0'
FIELDS = ('task_id', 'task_name', 'inspection_type', 'uscc', 'party_name', 'inspection_date', 'result', 'inspecting_unit', 'inspecting_unit_uscc', 'inspector_ids')

COLUMNS = {
    'task_id': pa.Column(pl.String, nullable=False),  # 检查任务编号（必填）
    'task_name': pa.Column(pl.String, nullable=False),  # 检查任务名称（必填）
    'inspection_type': pa.Column(pl.String, nullable=False, checks=[  # 检查类型（必填）
        checks.enum(('双随机抽查', '专项检查', '监督抽检', '日常检查', '投诉举报核查')),
    ]),
    'uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 统一社会信用代码（必填）
    'party_name': pa.Column(pl.String, nullable=False),  # 被检查主体名称（必填）
    'inspection_date': pa.Column(pl.Date, nullable=False, checks=[checks.parses('bad_date')]),  # 检查完成日期（必填）
    'result': pa.Column(pl.String, nullable=False, checks=[  # 检查结果（必填）
        checks.enum(('未发现问题', '发现问题已责令改正', '不合格', '未按规定公示应当公示的信息', '公示信息隐瞒真实情况弄虚作假', '通过登记的住所（经营场所）无法联系', '未发现开展本次抽查涉及的经营活动', '发现问题待后续处理')),
    ]),
    'inspecting_unit': pa.Column(pl.String, nullable=False),  # 检查实施机关（必填）
    'inspecting_unit_uscc': pa.Column(pl.String, nullable=False, checks=[checks.identifier('uscc')]),  # 检查实施机关统一社会信用代码（必填）
    'inspector_ids': pa.Column(pl.String, nullable=True),  # 执法人员执法证号
    # originals as received, kept next to every cleaned value
    'task_id__raw': pa.Column(pl.String, nullable=True),
    'task_name__raw': pa.Column(pl.String, nullable=True),
    'inspection_type__raw': pa.Column(pl.String, nullable=True),
    'uscc__raw': pa.Column(pl.String, nullable=True),
    'party_name__raw': pa.Column(pl.String, nullable=True),
    'inspection_date__raw': pa.Column(pl.String, nullable=True),
    'result__raw': pa.Column(pl.String, nullable=True),
    'inspecting_unit__raw': pa.Column(pl.String, nullable=True),
    'inspecting_unit_uscc__raw': pa.Column(pl.String, nullable=True),
    'inspector_ids__raw': pa.Column(pl.String, nullable=True),
    '_row_number': pa.Column(pl.Int64, nullable=False),
}


# plausibility: one check per rule over the fields it applies to (maxLength; contracts/dates.yml)
CHECKS = [
    checks.max_length({
        'task_id': 64,
        'task_name': 200,
        'uscc': 18,
        'party_name': 200,
        'inspecting_unit': 200,
        'inspecting_unit_uscc': 18,
        'inspector_ids': 1000,
    }),
    checks.not_before('1949-10-01', ('inspection_date',)),
    checks.not_after_receipt(('inspection_date',)),
]

# strict: a column outside the contract is schema drift, reported by name
schema = pa.DataFrameSchema(COLUMNS, checks=CHECKS, name=FEED, strict=True, ordered=False, coerce=False)
