"""The closed-loop system's events (失信联合惩戒闭环): push, receive, forward, implement, feed back.

For every listing of the chunk (serious list, abnormal list) the measures its trigger rows apply
(``dbt_project/seeds/punishment/``: the same seeds the warehouse uses, so the feed and the rules never
disagree) become object × measure chains: the listing authority pushes them (≤ 3 working days, 15 with
consultation), the business department receives and forwards them (≤ 3 WD), the implementing unit
implements and reports back in the first working days of the following month. A share of each step is
late or never happens, so the warehouse's overdue alerts have something to find. Rates live in
:class:`LoopConfig`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from feedgen.table import ChunkContext, Table, const, obj
from ground.settings import SEEDS_DIR

SEED_DIR = SEEDS_DIR / "punishment"
LISTS = {"serious": "serious_list", "abnormal": "abnormal_list"}  # ctx.facts key → trigger basis_type


@dataclass(frozen=True)
class LoopConfig:
    consultation_share: float = 0.05  # pushes after a consultation (15 WD)
    late_share: float = 0.08  # each step: done after its deadline
    stop_share: float = 0.03  # each step: never done (the chain stops there)
    feedback_missing_share: float = 0.05
    implement_days: tuple[int, int] = (1, 15)  # calendar days after forwarding


CONFIG = LoopConfig()


@dataclass(frozen=True)
class Trigger:
    basis_type: str
    contains: str | None
    measure_id: str
    role: str
    unit_type: str
    valid_from: date
    valid_to: date | None


@lru_cache(maxsize=1)
def triggers() -> tuple[Trigger, ...]:
    measures = {}
    for name in ("punishment_measures_dishonesty.csv", "punishment_measures_supervision.csv"):
        with (SEED_DIR / name).open(encoding="utf-8") as fh:
            measures.update({r["measure_id"]: r for r in csv.DictReader(fh)})
    out = []
    with (SEED_DIR / "punishment_triggers.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["basis_type"] not in LISTS.values():
                continue
            m = measures[r["measure_id"]]
            out.append(
                Trigger(
                    r["basis_type"],
                    r["basis_contains"] or None,
                    r["measure_id"],
                    r["object_role"],
                    m["implementing_unit_type"],
                    date.fromisoformat(r["valid_from"]),
                    date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
                )
            )
    return tuple(out)


def _unit_names(ctx: ChunkContext, auth: np.ndarray, unit_type: str) -> np.ndarray:
    bureau = np.array(ctx.geo.auth_names, dtype=object)[auth]
    province = ctx.geo.province_name
    if unit_type == "行政审批机构":
        return obj([b.replace("市场监督管理局", "行政服务中心") for b in bureau])
    if unit_type == "外部门":
        return const(f"{province}财政局", len(auth))
    if unit_type == "行业协会":
        return const(f"{province}食品行业协会", len(auth))
    suffix = {
        "业务主管机构": "信用监督管理科",
        "信用监管机构": "信用监督管理科",
        "执法办案机构": "执法稽查科",
        "登记机关": "登记注册科",
    }[unit_type]
    return obj([f"{b}{suffix}" for b in bureau])


def build_feedback(ctx: ChunkContext) -> None:
    tl = ctx.tl
    rng = ctx.rng(17)
    parts: list[Table] = []
    for key, basis_type in LISTS.items():
        facts = ctx.facts.get(key)
        if facts is None:
            continue
        for t in triggers():
            if t.basis_type != basis_type:
                continue
            day = facts["day"]
            ok = day >= (t.valid_from - date(1970, 1, 1)).days
            if t.valid_to is not None:
                ok &= day <= (t.valid_to - date(1970, 1, 1)).days
            if t.contains:
                ok &= np.array([t.contains in (r or "") for r in facts["reason"]], dtype=bool)
            idx = np.flatnonzero(ok)
            if len(idx):
                parts.append(_chains(ctx, rng, facts, idx, t))
    table = Table.concat(parts)
    if len(table):
        n = len(table)
        seq = ctx.state.counter("punishment_event", spread=0).take(tl.year(table.batch_day))
        table.cols["event_id"] = obj([f"BH{y}{s:09d}" for y, s in zip(tl.year(table.batch_day), seq)])
        table.cols["event_time"] = obj(
            [
                f"{h:02d}:{m:02d}:{s:02d}"
                for h, m, s in zip(rng.integers(8, 18, n), rng.integers(0, 60, n), rng.integers(0, 60, n))
            ]
        )
        ctx.emit("punishment_feedback", table)


def _chains(ctx: ChunkContext, rng: np.random.Generator, facts: dict, idx: np.ndarray, t: Trigger) -> Table:
    """Push → receive → forward → implement → feed back for the listings ``idx`` under one trigger."""
    tl, cfg, e = ctx.tl, CONFIG, ctx.ent
    n = len(idx)
    auth = facts["auth"][idx].astype(np.int64)
    bureau = np.array(ctx.geo.auth_names, dtype=object)[auth]
    late = lambda: rng.random(n) < cfg.late_share  # noqa: E731
    alive = rng.random(n) >= cfg.stop_share

    consult = rng.random(n) < cfg.consultation_share
    push = tl.add_wd(
        facts["day"][idx],
        np.where(consult, rng.integers(4, 16, n), np.where(late(), rng.integers(4, 9, n), rng.integers(0, 4, n))),
    )
    receive = tl.add_wd(push, np.where(late(), rng.integers(4, 8, n), rng.integers(0, 3, n)))
    forward = tl.add_wd(receive, np.where(late(), rng.integers(4, 8, n), rng.integers(0, 2, n)))
    implement = forward + rng.integers(*cfg.implement_days, n)
    next_month = (
        (implement.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype(np.int64)
    )
    feedback = tl.add_wd(next_month - 1, np.where(late(), rng.integers(6, 15, n), rng.integers(1, 6, n)))
    removal = facts["removal_day"][idx]

    steps = [
        ("推送", push, bureau, "执法办案机构", alive),
        (
            "接收",
            receive,
            _unit_names(ctx, auth, "业务主管机构"),
            "业务主管机构",
            alive & (rng.random(n) >= cfg.stop_share),
        ),
        ("转发", forward, _unit_names(ctx, auth, "业务主管机构"), "业务主管机构", None),
        ("实施", implement, _unit_names(ctx, auth, t.unit_type), t.unit_type, rng.random(n) >= cfg.stop_share),
        (
            "反馈",
            feedback,
            _unit_names(ctx, auth, t.unit_type),
            t.unit_type,
            rng.random(n) >= cfg.feedback_missing_share,
        ),
    ]
    tables, done = [], np.ones(n, dtype=bool)
    for stage, day, unit, unit_type, happens in steps:
        if happens is not None:
            done = done & happens
        keep = np.flatnonzero(done & (day <= tl.end) & (day < removal))
        if not len(keep):
            break
        note = const(None, len(keep))
        if stage == "反馈":
            note[:] = "已按清单实施，本月无新增典型案例"
        tables.append(
            Table(
                {
                    "uscc": e.uscc[facts["ent"][idx][keep]],
                    "object_role": const(t.role, len(keep)),
                    "basis_number": facts["number"][idx][keep],
                    "measure_id": const(t.measure_id, len(keep)),
                    "stage": const(stage, len(keep)),
                    "unit_name": unit[keep],
                    "unit_type": const(unit_type, len(keep)),
                    "event_date": tl.fmt(day[keep]),
                    "consultation": obj(np.where(consult[keep], "是", "否"))
                    if stage == "推送"
                    else const(None, len(keep)),
                    "note": note,
                },
                day[keep],
            )
        )
    return Table.concat(tables)
