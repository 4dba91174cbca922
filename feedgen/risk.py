"""Risk warnings (风险预警名单) as the supervision early-warning subsystem would deliver them.

"谁产生、谁预警、谁解除": the unit that produced the underlying record issues the warning and lifts it. Warnings
follow the records that cause them in the same chunk: penalties in the named domains (the penalising unit warns;
heavier penalties more often and at a higher level) and inspections that found the registered address unreachable
(the district bureau warns of 经营异常风险). Some warnings are lifted before their end date, in a later batch, by
the issuing unit; a few lifts come from another unit, which the warehouse must refuse to apply.
"""

from __future__ import annotations

import numpy as np

from feedgen.entities import choice_mix
from feedgen.supervision_feeds import _ids
from feedgen.table import ChunkContext, Table, const, obj

TYPE_BY_DOMAIN = {
    "食品安全": "食品安全风险",
    "质量安全": "产品质量风险",
    "侵害消费者权益": "消费投诉风险",
    "破坏公平竞争秩序和扰乱市场秩序": "价格风险",
    "药品医疗器械化妆品": "其他",
}
RESPONDERS = {
    "食品安全风险": "食品生产安全监督管理处;许可审批部门;属地市场监管所",
    "产品质量风险": "产品质量安全监督管理处;属地市场监管所",
    "消费投诉风险": "消费者权益保护处;属地市场监管所",
    "价格风险": "价格监督检查和反不正当竞争处;属地市场监管所",
    "经营异常风险": "登记注册处;属地市场监管所",
    "其他": "属地市场监管所",
}
MEASURES = {
    "红色": "列为重点监管对象，提高检查频次；许可审批从严审查；依法限制参与评先评优",
    "橙色": "列为重点检查对象；约谈法定代表人；督促整改并复查",
    "黄色": "提示提醒；纳入下一轮双随机抽查重点关注",
    "蓝色": "提示提醒",
}
LEGAL_BASIS = {
    "食品安全风险": "中华人民共和国食品安全法第109条、第113条",
    "产品质量风险": "中华人民共和国产品质量法第15条",
    "消费投诉风险": "中华人民共和国消费者权益保护法第32条",
    "价格风险": "中华人民共和国价格法第33条",
    "经营异常风险": "企业信息公示暂行条例第17条",
    "其他": "优化营商环境条例第55条",
}


def build_risk_warnings(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(40)
    P = ctx.facts["penalties"]
    n = len(P["ent"])
    named = np.isin(P["domain"], list(TYPE_BY_DOMAIN))
    heavy = P["heavier"] | P["heavy"]
    share = np.where(heavy, cfg.risk_warning_heavy_penalty_share, cfg.risk_warning_penalty_share)
    p = np.flatnonzero(named & (rng.random(n) < share))
    u_ent, u_day = ctx.facts.get("unreachable", (np.zeros(0, dtype=np.int64),) * 2)
    u = np.flatnonzero(rng.random(len(u_ent)) < cfg.risk_warning_unreachable_share)
    ent = np.concatenate([P["ent"][p], u_ent[u]]).astype(np.int64)
    cause_day = np.concatenate([P["day"][p], u_day[u]]).astype(np.int64)
    auth = np.concatenate([P["auth"][p], e.region[u_ent[u]]]).astype(np.int64)
    wtype = np.concatenate([obj([TYPE_BY_DOMAIN[d] for d in P["domain"][p]]), const("经营异常风险", len(u))])
    reason = np.concatenate(
        [
            obj([f"因{d}违法行为受到行政处罚（{x}）" for d, x in zip(P["domain"][p], P["number"][p])]),
            const("双随机抽查发现通过登记的住所（经营场所）无法联系", len(u)),
        ]
    )
    level = np.concatenate(
        [
            np.where(
                heavy[p],
                choice_mix(rng, dict(cfg.risk_warning_heavy_levels), len(p)),
                choice_mix(rng, dict(cfg.risk_warning_levels), len(p)),
            ),
            const("黄色", len(u)),
        ]
    ).astype(object)
    start = tl.add_wd(cause_day, rng.integers(1, 11, len(ent)))
    ok = (start <= tl.end) & (start < e.term_day[ent])
    ent, start, auth, wtype, reason, level = (a[ok] for a in (ent, start, auth, wtype, reason, level))
    m = len(ent)
    if not m:
        return
    end = start + np.where(np.isin(level, ["红色", "橙色"]), 365, 180)
    names, usccs = np.array(geo.auth_names, dtype=object), np.array(geo.auth_usccs, dtype=object)
    table = Table(
        {
            "warning_id": _ids(ctx, "risk_warning", "YJ", auth, start, width=5),
            "uscc": e.uscc[ent],
            "object_name": e.name_at(ent, start),
            "warning_level": level,
            "warning_type": wtype,
            "warning_reason": reason,
            "start_date": tl.fmt(start),
            "end_date": tl.fmt(end),
            "issuing_department": names[auth],
            "issuing_department_uscc": usccs[auth],
            "responding_departments": obj([RESPONDERS[t] for t in wtype]),
            "measures": obj([MEASURES[x] for x in level]),
            "legal_basis": obj([LEGAL_BASIS[t] for t in wtype]),
        },
        start,
    )
    ctx.emit("risk_warnings", table)
    lift = start + rng.integers(30, 170, m)
    r = np.flatnonzero((rng.random(m) < cfg.risk_warning_lift_share) & (lift <= tl.end) & (lift < end))
    if not len(r):
        return
    lifter = auth[r].copy()
    wrong = rng.random(len(r)) < cfg.risk_warning_foreign_lift_share  # another unit tries to lift it
    lifter[wrong] = (lifter[wrong] + 1) % len(names)
    ctx.emit(
        "risk_warnings",
        table.take(r).with_cols(
            batch_day=lift[r],
            lift_date=tl.fmt(lift[r]),
            lifting_department=names[lifter],
            lifting_department_uscc=usccs[lifter],
            lift_reason=const("已整改到位，经复查风险消除", len(r)),
        ),
    )
