"""Inspections, the two lists, objections, credit repair, external documents and credit commitments.

These feeds are derived from each other and from the penalties, in the order the real process runs:
an inspection that finds the address unreachable leads to an abnormal listing; a listing unremedied for
three years, or a heavier penalty in a named domain, leads to the serious list; objections may revoke or
change a penalty (which re-sends it with 变更/撤销 and removes a serious listing based on it); repairs
cite the real decision or listing number and may end a serious listing early. Every cross reference
therefore points at a record generated in the same chunk.
"""

from __future__ import annotations

import numpy as np

from feedgen import vocab
from feedgen.core_feeds import penalty_correction
from feedgen.entities import NEVER, choice_mix
from feedgen.table import ChunkContext, Table, const, obj

INSPECTION_PREFIX = {"双随机抽查": "SJ", "专项检查": "ZX", "监督抽检": "CJ", "日常检查": "RC", "投诉举报核查": "JB"}
SPECIAL_THEMES = ("食品安全", "特种设备安全", "价格监督", "广告监测", "产品质量", "网络交易")
REPAIR_DECISION_WD_OLD, REPAIR_DECISION_WD_NEW = (3, 15), (2, 7)  # 国市监信规〔2021〕3号 → 总局令第107号
ORDER_107_FROM = "2025-12-25"
ABNORMAL_REMOVAL = {
    "未按照规定的期限公示年度报告": "补报年度报告并公示",
    "未在责令的期限内公示有关企业信息": "依法公示有关企业信息",
    "公示企业信息隐瞒真实情况、弄虚作假": "更正公示信息",
    "通过登记的住所或者经营场所无法联系": "依法办理住所变更登记或提出通过住所可以重新取得联系",
}
UNREACHABLE = "通过登记的住所（经营场所）无法联系"


def _numbers(
    ctx: ChunkContext, counter: str, auth: np.ndarray, days: np.ndarray, infix: str, width: int = 6
) -> np.ndarray:
    """<agency abbreviation><infix>〔year〕<seq>号, sequence per agency and year."""
    years = ctx.tl.year(days)
    seq = ctx.state.counter(counter).take(np.asarray(auth, dtype=np.int64) * 10000 + years)
    abbr = np.array(ctx.geo.auth_abbr, dtype=object)[np.asarray(auth, dtype=np.int64)]
    return obj([f"{a}{infix}〔{y}〕{s:0{width}d}号" for a, y, s in zip(abbr, years, seq)])


def _ids(
    ctx: ChunkContext, counter: str, prefix: str, auth: np.ndarray, days: np.ndarray, width: int = 6
) -> np.ndarray:
    """Application-style ids: XF3101102025000123 (prefix + agency region + year + sequence)."""
    years = ctx.tl.year(days)
    seq = ctx.state.counter(counter).take(np.asarray(auth, dtype=np.int64) * 10000 + years)
    region = np.array(ctx.geo.auth_region, dtype=object)[np.asarray(auth, dtype=np.int64)]
    return obj([f"{prefix}{r}{y}{s:0{width}d}" for r, y, s in zip(region, years, seq)])


# ---- inspections --------------------------------------------------------------------------------------


def build_inspections(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(10)
    lo, hi = e.window(tl)
    years = np.clip(hi - lo, 0, None) / 365.25
    counts = np.where(lo <= hi, rng.poisson(cfg.inspected_per_year * years), 0)
    ent = np.repeat(np.arange(e.n), counts)
    n = len(ent)
    if not n:
        ctx.facts["unreachable"] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return
    day = tl.sample(rng, lo[ent], hi[ent])
    itype = choice_mix(rng, dict(cfg.inspection_type_mix), n)
    result = choice_mix(rng, dict(cfg.inspection_result_mix), n)
    result[(result == "不合格") & (itype != "监督抽检")] = "发现问题已责令改正"
    region = e.region[ent]
    codes = np.array(geo.codes, dtype=object)
    k = rng.integers(1, cfg.tasks_per_district_month + 1, n)
    ym = obj([d[:4] + d[5:7] for d in tl.fmt(day)])
    task_id = obj([f"{INSPECTION_PREFIX[t]}{c}{m}{x:03d}" for t, c, m, x in zip(itype, codes[region], ym, k)])
    # one entity once per task (record key task_id + uscc)
    _, first = np.unique(obj([f"{t}|{u}" for t, u in zip(task_id, e.uscc[ent])]), return_index=True)
    first = np.sort(first)
    ent, day, itype, result, region, k, ym, task_id = (
        a[first] for a in (ent, day, itype, result, region, k, ym, task_id)
    )
    n = len(ent)
    unit = np.array(geo.auth_names, dtype=object)[region]

    def task_name(t, y, m, x, u):
        if t == "双随机抽查":
            return f"{y}年{m}月{u}双随机抽查任务（第{x}批）"
        if t == "专项检查":
            return f"{y}年{m}月{SPECIAL_THEMES[x % len(SPECIAL_THEMES)]}专项检查"
        if t == "监督抽检":
            return f"{y}年{m}月食品安全监督抽检（第{x}批）"
        if t == "日常检查":
            return f"{y}年{m}月日常监督检查"
        return f"{y}年{m}月投诉举报核查（第{x}批）"

    names = obj([task_name(t, ymx[:4], int(ymx[4:]), x, u) for t, ymx, x, u in zip(itype, ym, k, unit)])
    a, b = rng.integers(1, 300, n), rng.integers(1, 300, n)
    inspectors = obj(
        [None if u < 0.1 else f"{c}{x:05d};{c}{y:05d}" for u, c, x, y in zip(rng.random(n), codes[region], a, b)]
    )
    ctx.emit(
        "inspections",
        Table(
            {
                "task_id": task_id,
                "task_name": names,
                "inspection_type": itype,
                "uscc": e.uscc[ent],
                "party_name": e.name_at(ent, day),
                "inspection_date": tl.fmt(day),
                "result": result,
                "inspecting_unit": unit,
                "inspecting_unit_uscc": np.array(geo.auth_usccs, dtype=object)[region],
                "inspector_ids": inspectors,
            },
            day,
        ),
    )
    m = result == UNREACHABLE
    ctx.facts["unreachable"] = (ent[m], day[m])


# ---- abnormal list ------------------------------------------------------------------------------------


def build_abnormal(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(11)
    eligible = e.kind != 2  # 个体工商户 get an "abnormal status" mark instead (DOMAIN §4)
    ents, days, reasons = [], [], []
    # annual reports: listed in July–August after the 30 June deadline
    y_first, y_last = tl.year([tl.start])[0], tl.year([tl.end])[0]
    for y in range(int(y_first), int(y_last) + 1):
        w_lo = max(tl.start, int(np.datetime64(f"{y}-07-01").astype(np.int64)))
        w_hi = min(tl.end, int(np.datetime64(f"{y}-08-31").astype(np.int64)))
        if w_lo > w_hi:
            continue
        filed_for = int(np.datetime64(f"{y}-01-01").astype(np.int64))
        cand = np.flatnonzero(
            eligible
            & (e.est < filed_for)
            & (e.term_day > w_hi)
            & (rng.random(e.n) < cfg.annual_report_listing_per_year)
        )
        ents.append(cand)
        days.append(tl.sample(rng, np.full(len(cand), w_lo), np.full(len(cand), w_hi)))
        reasons.append(const("未按照规定的期限公示年度报告", len(cand)))
    # unreachable at the registered address (from inspections)
    u_ent, u_day = ctx.facts.get("unreachable", (np.zeros(0, dtype=np.int64),) * 2)
    m = eligible[u_ent] & (rng.random(len(u_ent)) < cfg.unreachable_to_abnormal)
    d = tl.add_wd(u_day[m], rng.integers(5, 16, int(m.sum())))
    ok = (d <= tl.end) & (d < e.term_day[u_ent[m]])
    ents.append(u_ent[m][ok])
    days.append(d[ok])
    reasons.append(const("通过登记的住所或者经营场所无法联系", int(ok.sum())))
    # other reasons
    lo, hi = e.window(tl, min_age=60)
    yrs = np.clip(hi - lo, 0, None) / 365.25
    cand = np.flatnonzero(eligible & (lo <= hi) & (rng.random(e.n) < 1 - np.exp(-cfg.other_listing_per_year * yrs)))
    ents.append(cand)
    days.append(tl.sample(rng, lo[cand], hi[cand]))
    reasons.append(
        obj(
            np.where(
                rng.random(len(cand)) < 0.7, "未在责令的期限内公示有关企业信息", "公示企业信息隐瞒真实情况、弄虚作假"
            )
        )
    )
    ent = np.concatenate(ents).astype(np.int64)
    day = np.concatenate(days).astype(np.int64)
    reason = np.concatenate(reasons) if reasons else const(None, 0)
    n = len(ent)
    ctx.facts["abnormal"] = None
    if not n:
        return
    auth = e.region[ent].astype(np.int64)
    number = _numbers(ctx, "abnormal", auth, day, "经异列")
    names = np.array(geo.auth_names, dtype=object)
    # removal after remedy, or transfer to the serious list after three years unremedied
    removal_day = np.full(n, NEVER)
    removal_reason = const(None, n)
    rem = rng.random(n) < cfg.abnormal_removal_share
    rd = day + rng.integers(20, 400, n)
    rd = tl.add_wd(rd - 1, 1)
    ok = rem & (rd <= tl.end) & (rd < e.term_day[ent])
    removal_day[ok] = rd[ok]
    removal_reason[ok] = obj([ABNORMAL_REMOVAL[r] for r in reason[ok]])
    transfer_day = tl.add_wd(tl.add_months(day, 36), rng.integers(1, 10, n))
    transfer = ~ok & (transfer_day <= tl.end) & (transfer_day < e.term_day[ent])
    removal_day[transfer] = transfer_day[transfer]
    removal_reason[transfer] = "列入满三年转入严重违法失信名单"
    table = Table(
        {
            "uscc": e.uscc[ent],
            "enterprise_name": e.name_at(ent, day),
            "list_decision_number": number,
            "list_reason": obj(reason),
            "list_date": tl.fmt(day),
            "list_authority": names[auth],
        },
        day,
    )
    ctx.emit("abnormal_list", table)
    r = np.flatnonzero(removal_day < NEVER)
    if len(r):
        ctx.emit(
            "abnormal_list",
            table.take(r).with_cols(
                batch_day=removal_day[r],
                removal_date=tl.fmt(removal_day[r]),
                removal_reason=removal_reason[r],
                removal_authority=names[auth[r]],
            ),
        )
    ctx.facts["abnormal"] = {
        "ent": ent,
        "day": day,
        "auth": auth,
        "number": number,
        "removal_day": removal_day,
        "transfer": transfer,
        "reason": reason,
    }


# ---- objections (may change or revoke penalties) -----------------------------------------------------------


def build_objections(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(12)
    P, A = ctx.facts["penalties"], ctx.facts.get("abnormal")
    parts = []
    names = np.array(geo.auth_names, dtype=object)
    reasons = np.array(vocab.OBJECTION_REASONS, dtype=object)
    sources = [("penalty", P, cfg.objection_penalty_share, (0, 1, 2, 5))]
    if A is not None:
        sources.append(("abnormal", A, cfg.objection_abnormal_share, (3, 4)))
    for kind, S, share, reason_idx in sources:
        n = len(S["ent"])
        pick = np.flatnonzero(rng.random(n) < share)
        if kind == "penalty":
            pick = pick[P["published"][pick]]
        obj_day = S["day"][pick] + rng.integers(5, 60, len(pick))
        out_day = tl.add_wd(np.minimum(obj_day, tl.top - 400), rng.integers(5, 30, len(pick)))
        ok = out_day <= tl.end
        pick, obj_day, out_day = pick[ok], obj_day[ok], out_day[ok]
        if not len(pick):
            continue
        outcome = choice_mix(rng, dict(cfg.objection_outcome_mix), len(pick))
        auth = S["auth"][pick]
        ids = _ids(ctx, "objection", "YY", auth, out_day, width=5)
        parts.append(
            Table(
                {
                    "objection_id": ids,
                    "uscc": e.uscc[S["ent"][pick]],
                    "related_record_number": S["number"][pick],
                    "objection_date": tl.fmt(obj_day),
                    "objection_reason": reasons[rng.choice(reason_idx, len(pick))],
                    "outcome": outcome,
                    "outcome_date": tl.fmt(out_day),
                    "handling_authority": names[auth],
                },
                out_day,
            )
        )
        if kind == "penalty":
            revoke = np.isin(outcome, ["撤销", "确认无效"])
            penalty_correction(
                ctx, pick[revoke], "撤销", tl.add_wd(out_day[revoke], rng.integers(1, 4, int(revoke.sum()))), rng
            )
            change = (outcome == "变更") & ~np.isnan(P["fine"][pick])
            penalty_correction(
                ctx, pick[change], "变更", tl.add_wd(out_day[change], rng.integers(1, 4, int(change.sum()))), rng
            )
    for t in parts:
        ctx.emit("objections", t)


# ---- serious list ---------------------------------------------------------------------------------------


def build_serious(ctx: ChunkContext) -> None:
    """Listings from heavier penalties (谁处罚、谁列入), from abnormal > 3 years, and rare fraud cases."""
    e, tl, cfg = ctx.ent, ctx.tl, ctx.cfg
    rng = ctx.rng(13)
    P, A = ctx.facts["penalties"], ctx.facts.get("abnormal")
    ents, days, auths, reasons, related, pen_idx = [], [], [], [], [], []
    n = len(P["ent"])
    cand = np.flatnonzero(
        (P["domain"] != "其他") & (P["heavier"] | P["heavy"]) & (rng.random(n) < cfg.serious_from_heavier_penalty)
    )
    d = tl.add_wd(P["day"][cand], rng.integers(5, 21, len(cand)))
    ok = (d <= tl.end) & (d < P["revoked_day"][cand])
    cand, d = cand[ok], d[ok]
    ents.append(P["ent"][cand])
    days.append(d)
    auths.append(P["auth"][cand])
    reasons.append(const("因从重处罚等较重行政处罚列入", len(cand)))
    related.append(P["number"][cand])
    pen_idx.append(cand)
    if A is not None:
        t = np.flatnonzero(A["transfer"])
        ents.append(A["ent"][t])
        days.append(A["removal_day"][t])
        auths.append(A["auth"][t])
        reasons.append(const("被列入经营异常名录届满3年仍未履行相关义务", len(t)))
        related.append(const(None, len(t)))
        pen_idx.append(np.full(len(t), -1))
    lo, hi = e.window(tl, min_age=30)
    yrs = np.clip(hi - lo, 0, None) / 365.25
    f = np.flatnonzero((e.kind != 2) & (lo <= hi) & (rng.random(e.n) < 1 - np.exp(-cfg.serious_fraud_per_year * yrs)))
    ents.append(f)
    days.append(tl.sample(rng, lo[f], hi[f]))
    auths.append(e.region[f].astype(np.int64))
    reasons.append(const("提交虚假材料或采取其他欺诈手段隐瞒重要事实取得登记", len(f)))
    related.append(const(None, len(f)))
    pen_idx.append(np.full(len(f), -1))
    ent = np.concatenate(ents).astype(np.int64)
    ctx.facts["serious"] = None
    if not len(ent):
        return
    day = np.concatenate(days).astype(np.int64)
    auth = np.concatenate(auths).astype(np.int64)
    reason = np.concatenate(reasons)
    rel = np.concatenate(related)
    pidx = np.concatenate(pen_idx).astype(np.int64)
    number = _numbers(ctx, "serious", auth, day, "严列")
    m = len(ent)
    removal_day = np.full(m, NEVER)
    removal_reason = const(None, m)
    auto = tl.add_months(day, 36)
    a = auto <= tl.end
    removal_day[a], removal_reason[a] = auto[a], "列入满三年自动移出"
    has_p = pidx >= 0
    rv = np.full(m, NEVER)
    rv[has_p] = P["revoked_day"][pidx[has_p]]
    rvd = tl.add_wd(np.minimum(rv, tl.top - 400), rng.integers(1, 4, m))
    b = (rv < NEVER) & (rvd <= tl.end) & (rvd < removal_day)
    removal_day[b], removal_reason[b] = rvd[b], "列入依据被撤销"
    ctx.facts["serious"] = {
        "ent": ent,
        "day": day,
        "auth": auth,
        "number": number,
        "removal_day": removal_day,
        "removal_reason": removal_reason,
        "reason": reason,
        "related": rel,
    }


def emit_serious(ctx: ChunkContext) -> None:
    S = ctx.facts.get("serious")
    if S is None:
        return
    e, tl = ctx.ent, ctx.tl
    names = np.array(ctx.geo.auth_names, dtype=object)
    table = Table(
        {
            "uscc": e.uscc[S["ent"]],
            "enterprise_name": e.name_at(S["ent"], S["day"]),
            "list_decision_number": S["number"],
            "list_reason": S["reason"],
            "related_penalty_number": S["related"],
            "list_date": tl.fmt(S["day"]),
            "list_authority": names[S["auth"]],
        },
        S["day"],
    )
    ctx.emit("serious_list", table)
    r = np.flatnonzero(S["removal_day"] <= tl.end)
    if len(r):
        ctx.emit(
            "serious_list",
            table.take(r).with_cols(
                batch_day=S["removal_day"][r],
                removal_date=tl.fmt(S["removal_day"][r]),
                removal_reason=S["removal_reason"][r],
            ),
        )


# ---- credit repair (+ the 信用修复承诺 each application carries) ------------------------------------------


def build_repairs(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(14)
    P, A, S = ctx.facts["penalties"], ctx.facts.get("abnormal"), ctx.facts.get("serious")
    order107 = int(np.datetime64(ORDER_107_FROM).astype(np.int64))
    parts: list[dict] = []

    def add(ent, auth, otype, number, apply_day, dec, outcome):
        parts.append(
            {
                "ent": np.asarray(ent, dtype=np.int64),
                "auth": np.asarray(auth, dtype=np.int64),
                "otype": const(otype, len(ent)),
                "number": obj(number),
                "apply": np.asarray(apply_day, dtype=np.int64),
                "dec": np.asarray(dec, dtype=np.int64),
                "outcome": obj(outcome),
            }
        )

    def decide(apply_day):
        old = rng.integers(REPAIR_DECISION_WD_OLD[0], REPAIR_DECISION_WD_OLD[1] + 1, len(apply_day))
        new = rng.integers(REPAIR_DECISION_WD_NEW[0], REPAIR_DECISION_WD_NEW[1] + 1, len(apply_day))
        return tl.add_wd(apply_day, np.where(apply_day >= order107, new, old))

    # penalties published for 3 years, after 6 months (1 year for food / drugs), not revoked, not barred types
    n = len(P["ent"])
    long_pub = (P["valid_until"] - P["day"]) > 300
    elig = np.flatnonzero(
        P["published"]
        & long_pub
        & ~P["heavy"]
        & (P["revoked_day"] == NEVER)
        & (rng.random(n) < cfg.repair_penalty_share)
    )
    wait = np.where(np.isin(P["domain"][elig], ["食品安全", "药品医疗器械化妆品"]), 365, 183)
    apply_day = P["day"][elig] + wait + rng.integers(0, 300, len(elig))
    ok = apply_day <= tl.end - 5
    elig, apply_day = elig[ok], apply_day[ok]
    dec = decide(apply_day)
    ok = dec <= tl.end
    outcome = np.where(rng.random(len(elig)) < cfg.repair_granted, "准予修复", "不予修复")
    add(P["ent"][elig][ok], P["auth"][elig][ok], "行政处罚", P["number"][elig][ok], apply_day[ok], dec[ok], outcome[ok])
    # abnormal list: the removal after remedy is the repair decision
    if A is not None:
        r = np.flatnonzero(
            (A["removal_day"] < NEVER) & ~A["transfer"] & (rng.random(len(A["ent"])) < cfg.repair_abnormal_share)
        )
        dec = A["removal_day"][r]
        apply_day = np.maximum(dec - rng.integers(3, 12, len(r)), A["day"][r] + 1)
        add(A["ent"][r], A["auth"][r], "经营异常名录", A["number"][r], apply_day, dec, const("准予修复", len(r)))
    # serious list: after at least one year listed; granted → early removal
    if S is not None:
        m = len(S["ent"])
        apply_day = S["day"] + 365 + rng.integers(0, 200, m)
        s = np.flatnonzero(
            (apply_day <= tl.end - 5) & (apply_day < S["removal_day"]) & (rng.random(m) < cfg.serious_repair_share)
        )
        dec = decide(apply_day[s])
        ok = dec <= tl.end
        s, dec = s[ok], dec[ok]
        outcome = np.where(rng.random(len(s)) < cfg.repair_granted, "准予修复", "不予修复")
        rem = tl.add_wd(dec, rng.integers(1, 6, len(s)))
        early = (outcome == "准予修复") & (rem < S["removal_day"][s]) & (rem <= tl.end)
        S["removal_day"][s[early]] = rem[early]
        S["removal_reason"][s[early]] = "信用修复提前移出"
        add(S["ent"][s], S["auth"][s], "严重违法失信名单", S["number"][s], apply_day[s], dec, outcome)
    parts = [p for p in parts if len(p["ent"])]
    if not parts:
        return
    ent, auth, otype, number, apply_day, dec, outcome = (
        np.concatenate([p[k] for p in parts]) for k in ("ent", "auth", "otype", "number", "apply", "dec", "outcome")
    )
    names = np.array(geo.auth_names, dtype=object)
    ids = _ids(ctx, "repair", "XF", auth, apply_day)
    ctx.emit(
        "credit_repairs",
        Table(
            {
                "application_id": ids,
                "uscc": e.uscc[ent],
                "enterprise_name": e.name_at(ent, apply_day),
                "repair_object_type": obj(otype),
                "related_record_number": obj(number),
                "apply_date": tl.fmt(apply_day),
                "decision_date": tl.fmt(dec),
                "outcome": obj(outcome),
                "deciding_authority": names[auth],
            },
            dec,
        ),
    )
    ctx.facts["repair_commitments"] = (ent, auth, apply_day, dec, obj(outcome), obj(number))


# ---- external documents ----------------------------------------------------------------------------------


def build_court(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(15)
    lo, hi = e.window(tl, min_age=60)
    yrs = np.clip(hi - lo, 0, None) / 365.25
    ent = np.flatnonzero((lo <= hi) & (rng.random(e.n) < 1 - np.exp(-cfg.court_per_year * yrs)))
    n = len(ent)
    if not n:
        return
    day = tl.sample(rng, lo[ent], hi[ent])
    kind = choice_mix(rng, dict(cfg.court_type_mix), n)
    region = e.region[ent]
    codes = np.array(geo.codes, dtype=object)
    year = tl.year(day)
    seq = ctx.state.counter("court").take(
        obj([f"{k}|{r}|{y}" for k, r, y in zip(kind, region, year)]), gaps=rng.integers(1, 40, n)
    )
    abbr, short = geo.abbr, [s[0] for s in geo.names]
    doc_no, doc_type, issuer, dishonest = const(None, n), const(None, n), const(None, n), const(None, n)
    for i in range(n):
        k, r, y, s = kind[i], region[i], year[i], seq[i]
        court_code = f"{abbr}{codes[r][2:6]}"
        if k == "execution":
            doc_no[i], doc_type[i], issuer[i], dishonest[i] = (
                f"（{y}）{court_code}执{s}号",
                "裁定书",
                geo.court_names[r],
                "失信被执行人",
            )
        elif k == "judgment":
            doc_no[i], doc_type[i], issuer[i], dishonest[i] = (
                f"（{y}）{court_code}民初{s}号",
                "判决书",
                geo.court_names[r],
                "其他",
            )
        elif k == "arbitration":
            doc_no[i], doc_type[i], issuer[i], dishonest[i] = (
                f"（{y}）{abbr}仲案字第{s}号",
                "仲裁裁决书",
                geo.arbitration_names[r],
                "其他",
            )
        elif k == "tax":
            doc_no[i], doc_type[i], issuer[i], dishonest[i] = (
                f"{abbr}{short[r]}税稽罚〔{y}〕{s}号",
                "行政处罚决定书",
                geo.tax_names[r],
                "重大税收违法",
            )
        elif k == "safety":
            doc_no[i], doc_type[i], issuer[i], dishonest[i] = (
                f"（{abbr}{short[r]}）应急罚〔{y}〕{s}号",
                "行政处罚决定书",
                geo.safety_names[r],
                "安全生产失信",
            )
        else:
            ruling = rng.random() < 0.3
            doc_no[i] = f"{abbr}环{'裁' if ruling else '罚'}〔{y}〕{s}号"
            doc_type[i] = "行政裁决书" if ruling else "行政处罚决定书"
            issuer[i], dishonest[i] = geo.environment_name, "环境保护失信"
    no_uscc = rng.random(n) < cfg.court_without_uscc
    with_person = no_uscc | (rng.random(n) < cfg.court_person_with_uscc)
    with_region = no_uscc | (rng.random(n) < 0.5)
    restrict = np.isin(kind, ["execution", "tax"]) & (rng.random(n) < 0.8)
    r_end = tl.add_months(day, np.where(kind == "tax", 36, rng.integers(24, 37, n))) - 1
    name = e.name_at(ent, day)
    ctx.emit(
        "court_judgments",
        Table(
            {
                "document_number": doc_no,
                "document_type": doc_type,
                "issuing_body": issuer,
                "party_name": name,
                "uscc": np.where(no_uscc, None, e.uscc[ent]),
                "region_code": np.where(with_region, codes[region], None),
                "person_name": np.where(with_person, e.rep_name[ent], None),
                "person_id_number": np.where(with_person, e.rep_id[ent], None),
                "dishonest_type": dishonest,
                "effective_date": tl.fmt(day),
                "restriction_end": np.where(restrict, tl.fmt(r_end), None),
                "summary": obj([vocab.COURT_SUMMARIES[k].format(name=nm) for k, nm in zip(kind, name)]),
            },
            day,
        ),
    )


# ---- credit commitments -------------------------------------------------------------------------------------


def build_commitments(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(16)
    lo, hi = e.window(tl)
    yrs = np.clip(hi - lo, 0, None) / 365.25
    ent = np.flatnonzero((lo <= hi) & (rng.random(e.n) < 1 - np.exp(-cfg.commitment_per_year * yrs)))
    day = tl.sample(rng, lo[ent], hi[ent])
    ctype = choice_mix(rng, dict(cfg.commitment_type_mix), len(ent))
    auth = e.region[ent].astype(np.int64)
    matter = obj(
        [
            vocab.COMMITMENT_MATTERS[t][x % len(vocab.COMMITMENT_MATTERS[t])]
            for t, x in zip(ctype, rng.integers(0, 97, len(ent)))
        ]
    )
    verified = rng.random(len(ent)) < cfg.commitment_verified
    vday = day + rng.integers(30, 365, len(ent))
    vstatus = np.where(rng.random(len(ent)) < cfg.commitment_false, "承诺不实", "已履约").astype(object)
    rc = ctx.facts.get("repair_commitments")
    if rc is not None:  # every repair application carries a 信用修复承诺
        r_ent, r_auth, r_apply, r_dec, r_outcome, r_number = rc
        ent = np.concatenate([ent, r_ent])
        day = np.concatenate([day, r_apply])
        auth = np.concatenate([auth, r_auth])
        ctype = np.concatenate([ctype, const("信用修复承诺", len(r_ent))])
        matter = np.concatenate([matter, obj([f"信用修复承诺书（{x}）" for x in r_number])])
        verified = np.concatenate([verified, r_outcome == "准予修复"])
        vday = np.concatenate([vday, r_dec])
        vstatus = np.concatenate([vstatus, const("已履约", len(r_ent))])
    n = len(ent)
    if not n:
        return
    ent, auth, day, vday = ent.astype(np.int64), auth.astype(np.int64), day.astype(np.int64), vday.astype(np.int64)
    names = np.array(geo.auth_names, dtype=object)
    unit = names[auth]
    service = rng.random(n) < 0.3
    unit[service] = obj([nm.replace("市场监督管理局", "行政服务中心") for nm in unit[service]])
    ids = _ids(ctx, "commitment", "CN", auth, day)
    table = Table(
        {
            "commitment_id": ids,
            "uscc": e.uscc[ent],
            "enterprise_name": e.name_at(ent, day),
            "commitment_type": ctype,
            "commitment_matter": matter,
            "commitment_date": tl.fmt(day),
            "approving_unit": unit,
            "fulfilment_status": const("履约中", n),
        },
        day,
    )
    ctx.emit("credit_commitments", table)
    v = np.flatnonzero(verified & (vday <= tl.end))
    if len(v):
        ctx.emit(
            "credit_commitments",
            table.take(v).with_cols(batch_day=vday[v], fulfilment_status=vstatus[v], verification_date=tl.fmt(vday[v])),
        )
