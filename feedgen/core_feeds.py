"""Registry, licences and penalties of one chunk — the feeds every other feed refers to.

Each builder draws from the chunk's :class:`~feedgen.entities.EntityChunk`, emits a
:class:`~feedgen.table.Table` per feed and leaves what later feeds need (licences held, penalties with
their decision numbers) in ``ctx.facts``, so a repair, objection or serious-list entry always points at
a record that really exists.

Batch placement: a record goes to the batch of its contract latency date; a later version of the same
record (registry change, licence renewal or status change, penalty 变更/撤销) goes to the batch of the
day it happened. Registry entities established before ``start`` form the initial load: one row each in
the first batch, with approval_date = establishment date (earlier changes are not modelled).
"""

from __future__ import annotations

import numpy as np

from feedgen import vocab
from feedgen.entities import NEVER, choice_mix
from feedgen.ids import mod_11_10_check_digits
from feedgen.table import ChunkContext, Table, const, obj

HEAVY_TYPES = ("吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "降低资质等级")


def fmt_wan(values) -> np.ndarray:
    """万元 amounts as plain decimals (no exponent, no trailing zeros); NaN → None."""
    return obj([None if np.isnan(v) else (f"{v:.4f}".rstrip("0").rstrip(".")) for v in values])


def org_codes(party_category: np.ndarray, uscc: np.ndarray) -> np.ndarray:
    """组织机构代码 of organisations: characters 9–17 of their USCC (GB 32100); none for 个体工商户."""
    return obj([u[8:17] if c == "法人及非法人组织" and u else None for c, u in zip(party_category, uscc)])


def registration_numbers_of_soletraders(e, ent: np.ndarray) -> np.ndarray:
    """工商注册号 as departments report it: for 个体工商户 registered before the USCC (their old 营业执照 number)."""
    return np.where(e.kind[ent] == 2, e.reg_number[ent], None).astype(object)


def flags(values) -> np.ndarray:
    """Booleans → bool array (also when empty)."""
    return np.fromiter(values, dtype=bool)


# ---- registry ---------------------------------------------------------------------------------------


def build_registry(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(1)
    codes = np.array(geo.codes, dtype=object)
    auth_names = np.array(geo.auth_names, dtype=object)
    base = {
        "uscc": e.uscc,
        "registration_number": e.reg_number,
        "entity_type": e.etype,
        "region_code": codes[e.region],
        "industry_code": e.industry,
        "legal_rep_name": e.rep_name,
        "legal_rep_id_type": const("身份证", e.n),
        "legal_rep_id_number": e.rep_id,
        "registered_capital_wan": e.capital,
        "address": e.address,
        "contact_phone": e.phone,
        "registration_authority": auth_names[e.reg_auth],
    }
    parts = []
    initial = Table(dict(base), e.est.copy())
    initial = initial.with_cols(enterprise_name=e.name0, status=e.live_status, _approval=e.est)
    parts.append(initial)
    chg = np.flatnonzero(e.change_day < NEVER)
    if len(chg):
        t = Table({k: v[chg] for k, v in base.items()}, e.change_day[chg])
        parts.append(t.with_cols(enterprise_name=e.name1[chg], status=e.live_status[chg], _approval=e.change_day[chg]))
    term = np.flatnonzero(e.term_day < NEVER)
    if len(term):
        t = Table({k: v[term] for k, v in base.items()}, e.term_day[term])
        parts.append(
            t.with_cols(
                enterprise_name=e.name_at(term, e.term_day[term]),
                status=e.term_status[term],
                _approval=e.term_day[term],
            )
        )
    est_all = np.concatenate([e.est, e.est[chg], e.est[term]])
    table = Table.concat(parts)
    # dates: mostly ISO, some YYYY/MM/DD and YYYY年MM月DD日 (accepted formats, not faults)
    style = choice_mix(rng, dict(cfg.registry_date_styles), len(table))
    approval = table.cols.pop("_approval").astype(np.int64)
    est_s, appr_s = const(None, len(table)), const(None, len(table))
    for st in ("iso", "slash", "chinese"):
        m = style == st
        est_s[m] = tl.fmt(est_all[m], st)
        appr_s[m] = tl.fmt(approval[m], st)
    ctx.emit("registry", table.with_cols(established_date=est_s, approval_date=appr_s))


# ---- licences -----------------------------------------------------------------------------------------


def _sc_category(code: str) -> str:
    for prefix, cat in vocab.SC_CATEGORY_BY_CLASS:
        if code.startswith(prefix):
            return cat
    return "131"


def plan_licences(ctx: ChunkContext) -> None:
    """Which licences the chunk's entities hold, with numbers; rows are emitted after penalties."""
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(2)
    has_group = e.group != ""
    take_up = np.array([cfg.licence_take_up.get(g, 0.0) for g in e.group])
    holder = np.flatnonzero(has_group & (rng.random(e.n) < take_up))
    counts = choice_mix(rng, dict(cfg.licence_count_mix), len(holder)).astype(np.int64)
    ents, types, primary = [], [], []
    for i, c in zip(holder, counts):
        g = e.group[i]
        chosen = [vocab.GROUP_PRIMARY[g]]
        extra = list(vocab.GROUP_SECONDARY[g])
        rng_order = rng.permutation(len(extra))
        for j in rng_order[: c - 1]:
            if extra[j] not in chosen:
                chosen.append(extra[j])
        for k, t in enumerate(chosen):
            ents.append(i)
            types.append(t)
            primary.append(k == 0)
    ent = np.array(ents, dtype=np.int64)
    ltype = np.array(types, dtype=object)
    is_primary = np.array(primary, dtype=bool)
    n = len(ent)
    # issue date: soon after establishment (secondary licences later); pre-period licences rolled forward
    # by 5-year renewals to the one valid at ``start`` (the initial load)
    delay = np.where(is_primary, rng.integers(5, 120, n), rng.integers(30, 1500, n))
    d0 = e.est[ent] + delay
    span = 365 * cfg.licence_validity_years + 1
    k = np.maximum(0, np.ceil((tl.start - span - d0) / span)).astype(np.int64)
    issue = tl.add_months(d0, 12 * cfg.licence_validity_years * k)
    issue = tl.add_wd(issue - 1, 1)  # decisions are taken on working days
    keep = issue <= np.minimum(tl.end, e.term_day[ent] - 1)
    ent, ltype, is_primary, issue = ent[keep], ltype[keep], is_primary[keep], issue[keep]
    n = len(ent)
    valid_to = tl.add_months(issue, 12 * cfg.licence_validity_years) - 1
    region = e.region[ent]
    codes = np.array(geo.codes, dtype=object)
    number = const(None, n)
    content = const(None, n)
    auth = np.where(np.isin(ltype, ["TS", "XK"]), geo.provincial, region)
    industry = e.industry[ent]
    st = ctx.state
    for t in ("SC1", "SC2"):
        m = np.flatnonzero(ltype == t)
        if not len(m):
            continue
        cat = obj(["201" if t == "SC2" else _sc_category(c) for c in industry[m]])
        seq = st.counter("sc").take(
            obj([f"{c}{r}" for c, r in zip(cat, codes[region[m]])]), gaps=rng.integers(1, 4, len(m))
        )
        if seq.size and seq.max() > 9999:
            raise OverflowError("SC licence sequence exceeded 4 digits for one category and region")
        body = [f"{c}{r}{s:04d}" for c, r, s in zip(cat, codes[region[m]], seq)]
        number[m] = [f"SC{b}{d}" for b, d in zip(body, mod_11_10_check_digits(body, 13))]
        content[m] = [f"食品生产：{vocab.SC_CATEGORY_NAMES[c]}" for c in cat]
    for t, digit in (("JY1", "1"), ("JY2", "2")):
        m = np.flatnonzero(ltype == t)
        if not len(m):
            continue
        seq = st.counter("jy", 1000).take(
            obj([f"{digit}{r}" for r in codes[region[m]]]), gaps=rng.integers(1, 3, len(m))
        )
        if seq.size and seq.max() > 999_999:
            raise OverflowError(
                "JY licence sequence exceeded 6 digits in one district: too many entities for the province's districts"
            )
        body = [f"{digit}{r}{s:06d}" for r, s in zip(codes[region[m]], seq)]
        number[m] = [f"JY{b}{d}" for b, d in zip(body, mod_11_10_check_digits(body, 13))]
        pool = vocab.JY_CONTENT[t]
        content[m] = [pool[x] for x in rng.integers(0, len(pool), len(m))]
    m = np.flatnonzero(ltype == "TS")
    if len(m):
        info = [vocab.TS_BY_CLASS.get(c, vocab.TS_DEFAULT) for c in industry[m]]
        cat = obj([x[0] for x in info])
        seq = st.counter("ts", 100).take(cat, gaps=rng.integers(1, 6, len(m)))
        years = tl.year(valid_to[m])
        number[m] = [f"TS{c}{geo.province}{s:06d}-{y}" for c, s, y in zip(cat, seq, years)]
        content[m] = [x[1] for x in info]
    m = np.flatnonzero(ltype == "XK")
    if len(m):
        info = [vocab.XK_BY_DIVISION.get(c[:2], vocab.XK_DEFAULT) for c in industry[m]]
        cat = obj([x[0] for x in info])
        # product unit code: a few per product category (by division), the sequence runs per unit code
        sub = np.array([(int(c) * 7 + int(d[:2]) * 13) % 97 + 1 for c, d in zip(cat, industry[m])], dtype=np.int64)
        seq = st.counter("xk", 100).take(obj([f"{c}-{s}" for c, s in zip(cat, sub)]), gaps=rng.integers(1, 3, len(m)))
        if seq.size and seq.max() > 99_999:
            raise OverflowError("XK licence sequence exceeded 5 digits")
        pref = rng.random(len(m)) < cfg.licence_province_prefix
        number[m] = [
            f"{'(' + geo.abbr + ')' if p else ''}XK{c}-{s:03d}-{q:05d}" for p, c, s, q in zip(pref, cat, sub, seq)
        ]
        content[m] = [x[1] for x in info]
    m = np.flatnonzero(ltype == "DRUG")
    if len(m):
        wholesale = flags(c.startswith("515") for c in industry[m])
        auth[m[wholesale]] = geo.drug_admin
        dd = obj(["00" if w else r[4:6] for w, r in zip(wholesale, codes[region[m]])])
        seq = st.counter("drug", 100).take(dd, gaps=rng.integers(1, 20, len(m)))
        number[m] = [f"{geo.abbr}{d}{s:06d}" for d, s in zip(dd, seq)]
        content[m] = [vocab.DRUG_CONTENT[x] for x in rng.integers(0, len(vocab.DRUG_CONTENT), len(m))]
    ctx.facts["licences"] = {
        "ent": ent,
        "type": ltype,
        "issue": issue,
        "valid_to": valid_to,
        "number": number,
        "content": content,
        "auth": auth,
    }


def _licence_doc_numbers(ctx: ChunkContext, auth: np.ndarray, days: np.ndarray) -> np.ndarray:
    years = ctx.tl.year(days)
    seq = ctx.state.counter("licence_doc").take(auth * 10000 + years, gaps=ctx.rng(6).integers(1, 6, len(auth)))
    abbr = np.array(ctx.geo.auth_abbr, dtype=object)[auth]
    return obj([f"{a}许〔{y}〕{s:06d}号" for a, y, s in zip(abbr, years, seq)])


def build_licences(ctx: ChunkContext) -> None:
    """Licence rows: the decision, renewals (same number, new validity) and status changes."""
    L = ctx.facts["licences"]
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(3)
    ent, n = L["ent"], len(L["ent"])
    if not n:
        return
    names = np.array(geo.auth_names, dtype=object)
    usccs = np.array(geo.auth_usccs, dtype=object)
    info = [vocab.LICENCE_TYPES[t] for t in L["type"]]
    rep_fill = rng.random(n) < 0.85
    fixed = {
        "party_category": e.party_category[ent],
        "uscc": e.uscc[ent],
        "party_registration_number": registration_numbers_of_soletraders(e, ent),
        "party_org_code": org_codes(e.party_category[ent], e.uscc[ent]),
        "legal_rep_name": np.where(rep_fill, e.rep_name[ent], None),
        "legal_rep_id_type": np.where(rep_fill, "身份证", None).astype(object),
        "legal_rep_id_number": np.where(rep_fill, e.rep_id[ent], None),
        "document_name": obj([x[1] for x in info]),
        "item_name": obj([x[0].removesuffix("证") for x in info]),  # 2016 项目名称: 食品生产许可
        "licence_category": obj([x[2] for x in info]),
        "certificate_name": obj([x[0] for x in info]),
        "licence_number": L["number"],
        "licence_content": L["content"],
        "authority_name": names[L["auth"]],
        "authority_uscc": usccs[L["auth"]],
        "source_unit": names[L["auth"]],
        "source_unit_uscc": usccs[L["auth"]],
        "local_code": obj([u[2:8] for u in usccs[L["auth"]]]),
    }
    # version 1: the decision
    doc1 = _licence_doc_numbers(ctx, L["auth"], L["issue"])
    # version 2: renewal before expiry (same licence number), if the holder still exists
    renew_day = L["valid_to"] - rng.integers(10, 60, n)
    renew_day = tl.add_wd(renew_day - 1, 1)
    renewed = (
        (L["valid_to"] < np.minimum(tl.end, e.term_day[ent] - 1))
        & (renew_day >= tl.start)
        & (renew_day > L["issue"])
        & (rng.random(n) < cfg.licence_renewal_share)
    )
    v2_from = L["valid_to"] + 1
    v2_to = tl.add_months(v2_from, 12 * cfg.licence_validity_years) - 1
    r = np.flatnonzero(renewed)
    doc2 = const(None, n)
    doc2[r] = _licence_doc_numbers(ctx, L["auth"][r], renew_day[r])

    # status changes: holder closed → 注销; revoked by a penalty → 吊销; a few others 注销/撤销
    status = const(None, n)
    status_day = np.full(n, NEVER)
    closed = e.term_day[ent] < NEVER
    status[closed] = "注销"
    status_day[closed] = e.term_day[ent][closed] + rng.integers(0, 30, int(closed.sum()))
    for li, day in ctx.facts.get("licence_revocations", {}).items():
        if day < status_day[li]:
            status[li], status_day[li] = "吊销", day
    lo = np.maximum(L["issue"] + 30, tl.start)
    hi = np.minimum(np.where(renewed, v2_to, L["valid_to"]), np.minimum(tl.end, e.term_day[ent] - 1))
    other = (status_day == NEVER) & (lo <= hi) & (rng.random(n) < cfg.licence_status_change)
    status[other] = choice_mix(rng, dict(cfg.licence_status_mix), int(other.sum()))
    status_day[other] = tl.sample(rng, lo[other], hi[other])

    def rows(idx, version, lic_status, st_day, batch_day):
        dec = np.where(version == 2, renew_day[idx], L["issue"][idx])
        vf = np.where(version == 2, v2_from[idx], L["issue"][idx])
        vt = np.where(version == 2, v2_to[idx], L["valid_to"][idx])
        doc = np.where(version == 2, doc2[idx], doc1[idx])
        cols = {k: v[idx] for k, v in fixed.items()}
        cols.update(
            {
                "party_name": e.name_at(ent[idx], batch_day),
                "document_number": doc,
                "decision_date": tl.fmt(dec),
                "valid_from": tl.fmt(vf),
                "valid_to": tl.fmt(vt),
                "licence_status": obj(lic_status),
                "status_date": obj(
                    [None if d >= NEVER else s for d, s in zip(st_day, tl.fmt(np.minimum(st_day, tl.top)))]
                ),
                "data_updated_at": tl.fmt(batch_day),
            }
        )
        return Table(cols, np.asarray(batch_day, dtype=np.int64))

    all_idx = np.arange(n)
    parts = [rows(all_idx, np.ones(n, dtype=int), const("有效", n), np.full(n, NEVER), L["issue"])]
    if len(r):
        parts.append(rows(r, np.full(len(r), 2), const("有效", len(r)), np.full(len(r), NEVER), renew_day[r]))
    s = np.flatnonzero(status_day <= tl.end)
    if len(s):
        version = np.where(renewed[s] & (status_day[s] >= renew_day[s]), 2, 1)
        parts.append(rows(s, version, status[s], status_day[s], status_day[s]))
    ctx.emit("licences", Table.concat(parts))


# ---- penalties ----------------------------------------------------------------------------------------


def _penalty_content(types: str, fine: float, conf: float, goods: str, cert: str, rep: str) -> str:
    parts = []
    for t in types.split(";"):
        if t == "罚款":
            parts.append(f"罚款人民币{round(fine * 10000)}元")
        elif t == "没收违法所得":
            parts.append(f"没收违法所得人民币{round(conf * 10000)}元")
        elif t == "没收非法财物":
            parts.append(f"没收{goods}等非法财物")
        elif t == "吊销许可证件":
            parts.append(f"吊销{cert}")
        elif t == "暂扣许可证件":
            parts.append(f"暂扣{cert}三个月")
        elif t == "责令停产停业":
            parts.append("责令停产停业一个月")
        elif t == "限制从业":
            parts.append(f"对法定代表人{rep}处五年内不得从事相关生产经营管理工作")
        elif t == "限制开展生产经营活动":
            parts.append("限制开展生产经营活动六个月")
        else:
            parts.append(t)
    return "；".join(parts)


_BRACKETS = (("[", "]"), ("［", "］"), ("(", ")"), ("（", "）"), ("【", "】"))


def uscc_as_reported(ctx: ChunkContext, ent: np.ndarray) -> np.ndarray:
    """The party's USCC on a penalty — left blank for a share of 个体工商户 reported by their 注册号 only
    (``GeneratorConfig.registration_number_only_share``; linked through the registry's 注册号)."""
    e = ctx.ent
    only_reg = (e.kind[ent] == 2) & (e.reg_number[ent] != None)  # noqa: E711 (object array)
    only_reg &= ctx.rng(8).random(len(ent)) < ctx.cfg.registration_number_only_share
    return np.where(only_reg, None, e.uscc[ent]).astype(object)


def plan_penalties(ctx: ChunkContext) -> None:
    e, tl, geo, cfg = ctx.ent, ctx.tl, ctx.geo, ctx.cfg
    rng = ctx.rng(4)
    lo, hi = e.window(tl, min_age=30)
    years = np.clip(hi - lo, 0, None) / 365.25
    penalised = (rng.random(e.n) < 1 - np.exp(-cfg.penalised_per_year * years)) & (lo <= hi)
    counts = np.where(penalised, 1 + np.minimum(rng.geometric(1 - cfg.extra_penalty_p, e.n) - 1, 5), 0)
    # repeat offenders (seed 004: ≥ 10 penalties within 3 years): at least one per chunk
    span_needed = min(cfg.repeat_offender_window_days, tl.end - tl.start) * 0.8
    eligible = np.flatnonzero((hi - lo) >= span_needed)
    n_rep = round(cfg.repeat_offender_share * e.n)
    if e.n >= cfg.repeat_offender_min_chunk and tl.end - tl.start >= cfg.repeat_offender_min_period_days:
        n_rep = max(1, n_rep)
    n_rep = min(len(eligible), n_rep)
    rep = rng.choice(eligible, size=n_rep, replace=False) if n_rep else np.zeros(0, dtype=np.int64)
    rep_counts = rng.integers(cfg.repeat_offender_penalties[0], cfg.repeat_offender_penalties[1] + 1, n_rep)
    counts[rep] = 0
    ent_n = np.repeat(np.arange(e.n), counts)
    day_n = tl.sample(rng, lo[ent_n], hi[ent_n], clustered=True)
    ent_r = np.repeat(rep, rep_counts)
    W = np.minimum(cfg.repeat_offender_window_days, hi[rep] - lo[rep])
    ws = lo[rep] + (rng.random(n_rep) * np.maximum(hi[rep] - lo[rep] - W, 0)).astype(np.int64)
    day_r = tl.sample(rng, np.repeat(ws, rep_counts), np.repeat(ws + W, rep_counts), clustered=True)
    ent = np.concatenate([ent_n, ent_r]).astype(np.int64)
    day = np.concatenate([day_n, day_r]).astype(np.int64)
    order = np.lexsort((day, ent))
    ent, day = ent[order], day[order]
    n = len(ent)

    # domain, violation, penalty types, amounts
    domain = const(None, n)
    for g, mix in vocab.DOMAIN_MIX_BY_GROUP.items():
        m = e.dgroup[ent] == g
        domain[m] = choice_mix(rng, mix, int(m.sum()))
    vio = [vocab.VIOLATIONS[d][x % len(vocab.VIOLATIONS[d])] for d, x in zip(domain, rng.integers(0, 997, n))]
    types = choice_mix(rng, dict(cfg.penalty_type_mix), n)
    has_fine = flags("罚款" in t for t in types)
    has_conf = flags("没收违法所得" in t for t in types)
    heavier = has_fine & (rng.random(n) < cfg.heavier_share)
    mu, sigma = cfg.fine_lognormal
    fine = np.exp(rng.normal(mu, sigma, n)) * np.where(heavier, 2.5, 1.0)
    fine = np.round(np.clip(fine, *cfg.fine_bounds_wan), 2)
    fine = np.where(has_fine, fine, np.nan)
    conf = np.round(np.clip(np.exp(rng.normal(-1.2, 1.2, n)), 0.01, 100), 2)
    conf = np.where(has_conf, conf, np.nan)
    warning_only = np.isin(types, ["警告", "通报批评"])
    small = has_fine & (np.nan_to_num(fine, nan=99) <= 0.3) & np.isin(types, ["罚款", "警告;罚款"])
    simple_ok = warning_only | small
    p_simple = min(1.0, cfg.simple_procedure_share / max(simple_ok.mean(), 1e-9)) if n else 0
    simple = simple_ok & (rng.random(n) < p_simple)
    procedure = np.where(simple, "简易程序", "普通程序").astype(object)

    # authority, decision number (Shanghai: 沪市监杨处〔2025〕102023001116号)
    auth = np.where(rng.random(n) < cfg.provincial_case_share, geo.provincial, e.region[ent]).astype(np.int64)
    dyear = tl.year(day)
    filing = np.where((tl.month(day) <= 3) & (rng.random(n) < 0.3), dyear - 1, dyear)
    seq = ctx.state.counter("penalty").take(auth * 10000 + filing, gaps=rng.integers(1, 4, n))
    if seq.size and seq.max() > 999_999:
        raise OverflowError("penalty decision sequence exceeded 6 digits")
    abbr = np.array(geo.auth_abbr, dtype=object)[auth]
    digits = np.array(geo.auth_digits, dtype=object)[auth]
    number = obj([f"{a}处〔{y}〕{d}{f}{s:06d}号" for a, y, d, f, s in zip(abbr, dyear, digits, filing, seq)])
    raw_number = number.copy()
    variant = np.flatnonzero(rng.random(n) < cfg.bracket_variant_share)
    for i, b in zip(variant, rng.integers(0, len(_BRACKETS), len(variant))):
        lb, rb = _BRACKETS[b]
        raw_number[i] = number[i].replace("〔", lb).replace("〕", rb)

    # publicity (Order 45 art. 13): 3 months for 通报批评 / lower-amount fines, 5 years for 限制从业, else 3 years
    threshold = np.where(e.kind[ent] == 2, cfg.publicity_lower_amount_wan / 10, cfg.publicity_lower_amount_wan)
    only_light = flags(set(t.split(";")) <= {"警告", "通报批评", "罚款"} for t in types)
    lower = only_light & (np.nan_to_num(fine, nan=0) <= threshold)
    months = np.where(flags("限制从业" in t for t in types), 60, np.where(lower, 3, 36))
    valid_until = tl.add_months(day, months) - 1
    published = (procedure == "普通程序") & ~np.isin(types, ["警告"])
    pub_end = np.where(published & (rng.random(n) < cfg.publicity_end_filled), tl.fmt(valid_until), None)

    # licences the penalty suspends or revokes
    L = ctx.facts.get("licences")
    first_licence: dict[int, int] = {}
    if L is not None:
        for li, i in enumerate(L["ent"]):
            first_licence.setdefault(int(i), li)
    revocations: dict[int, int] = {}
    cert = const(None, n)
    for i in np.flatnonzero(flags("许可证件" in t for t in types)):
        li = first_licence.get(int(ent[i]))
        if li is None:
            cert[i] = "相关许可证件"
            continue
        cert[i] = f"{vocab.LICENCE_TYPES[L['type'][li]][0]}（{L['number'][li]}）"
        if "吊销许可证件" in types[i] and L["issue"][li] < day[i]:
            revocations.setdefault(li, int(day[i] + rng.integers(1, 10)))
    ctx.facts["licence_revocations"] = revocations

    fill_keys = list(vocab.VIOLATION_FILLERS)
    fillers = {k: np.array(v, dtype=object)[rng.integers(0, len(v), n)] for k, v in vocab.VIOLATION_FILLERS.items()}
    value = rng.integers(200, 50000, n)
    income = rng.integers(100, 20000, n)
    cn_day = tl.cn(day)
    facts = obj(
        [
            v[1].format(day=cn_day[i], value=value[i], income=income[i], **{k: fillers[k][i] for k in fill_keys})
            for i, v in enumerate(vio)
        ]
    )
    content = obj(
        [
            _penalty_content(t, f, c, fillers["goods"][i], cert[i], e.rep_name[ent[i]])
            for i, (t, f, c) in enumerate(zip(types, fine, conf))
        ]
    )
    rep_fill = rng.random(n) < cfg.rep_fields_filled
    remarks_pool = np.array(vocab.ORIGINAL_REMARKS, dtype=object)
    remarks = np.where(rng.random(n) < 0.1, remarks_pool[rng.integers(0, len(remarks_pool), n)], None)
    remarks = obj([r or None for r in remarks])
    names = np.array(geo.auth_names, dtype=object)
    usccs = np.array(geo.auth_usccs, dtype=object)
    heavier_s = np.where(has_fine, np.where(heavier, "是", "否"), None)
    heavier_s = np.where(rng.random(n) < 0.1, None, heavier_s)
    table = Table(
        {
            "party_name": e.name_at(ent, day),
            "party_category": e.party_category[ent],
            "uscc": uscc_as_reported(ctx, ent),
            "party_registration_number": registration_numbers_of_soletraders(e, ent),
            "party_org_code": org_codes(e.party_category[ent], e.uscc[ent]),
            "legal_rep_name": np.where(rep_fill, e.rep_name[ent], None),
            "legal_rep_id_type": np.where(rep_fill, "身份证", None).astype(object),
            "legal_rep_id_number": np.where(rep_fill, e.rep_id[ent], None),
            "decision_number": raw_number,
            "case_name": obj([f"{name}{v[0]}案" for name, v in zip(e.name_at(ent, day), vio)]),  # 2016 处罚名称
            "violation_type": obj([v[0] for v in vio]),
            "violation_facts": facts,
            "legal_basis": obj([v[2] for v in vio]),
            "penalty_types": types,
            "penalty_content": content,
            "fine_amount_wan": fmt_wan(fine),
            "confiscation_amount_wan": fmt_wan(conf),
            "revoked_licence": cert,
            "decision_date": tl.fmt(day),
            "valid_until": tl.fmt(valid_until),
            "publicity_end": obj(pub_end),
            "authority_name": names[auth],
            "authority_uscc": usccs[auth],
            "domain_code": domain,
            "heavier_discretion": obj(heavier_s),
            "procedure_type": procedure,
            "record_status": const("正常", n),
            "source_unit": names[auth],
            "source_unit_uscc": usccs[auth],
            "local_code": obj([u[2:8] for u in usccs[auth]]),  # 2016 地方编码: the authority's region
            "data_updated_at": tl.fmt(day),
            "remarks": remarks,
        },
        day.copy(),
    )
    heavy = flags(any(h in t for h in HEAVY_TYPES) for t in types)
    ctx.facts["penalties"] = {
        "ent": ent,
        "day": day,
        "auth": auth,
        "number": number,
        "domain": domain,
        "types": types,
        "fine": fine,
        "conf": conf,
        "heavier": heavier,
        "heavy": heavy,
        "published": published,
        "valid_until": valid_until,
        "table": table,
        "revoked_day": np.full(n, NEVER),
        "corrected": np.zeros(n, dtype=bool),
        "goods": fillers["goods"],
        "cert": cert,
    }


def penalty_correction(ctx: ChunkContext, idx: np.ndarray, status: str, day: np.ndarray, rng) -> None:
    """Re-send penalties ``idx`` with record_status 变更 (reduced fine) or 撤销, in the batch of ``day``."""
    P = ctx.facts["penalties"]
    idx = np.asarray(idx, dtype=np.int64)
    keep = (day <= ctx.tl.end) & ~P["corrected"][idx]
    idx, day = idx[keep], np.asarray(day, dtype=np.int64)[keep]
    if not len(idx):
        return
    P["corrected"][idx] = True
    t = P["table"].take(idx)
    remarks = vocab.CORRECTION_REMARKS[status]
    if status == "变更":
        old = P["fine"][idx]
        new = np.round(np.maximum(old * rng.uniform(0.4, 0.9, len(idx)), 0.05), 2)
        reps = ctx.ent.rep_name[P["ent"][idx]]
        content = obj(
            [
                _penalty_content(ty, f, c, g, ce, rp)
                for ty, f, c, g, ce, rp in zip(
                    P["types"][idx], new, P["conf"][idx], P["goods"][idx], P["cert"][idx], reps
                )
            ]
        )
        t = t.with_cols(
            fine_amount_wan=fmt_wan(new),
            penalty_content=content,
            remarks=obj([remarks.format(old=o, new=nw) for o, nw in zip(fmt_wan(old), fmt_wan(new))]),
        )
    else:
        P["revoked_day"][idx] = day
        t = t.with_cols(remarks=const(remarks, len(idx)))
    ctx.emit(
        "penalties", t.with_cols(batch_day=day, record_status=const(status, len(idx)), data_updated_at=ctx.tl.fmt(day))
    )


def build_penalties(ctx: ChunkContext) -> None:
    """Originals plus the independent corrections (objection-driven ones are added by the objections builder)."""
    P = ctx.facts["penalties"]
    cfg = ctx.cfg
    rng = ctx.rng(5)
    n = len(P["ent"])
    ctx.emit("penalties", P["table"])
    if not n:
        return
    u = rng.random(n)
    change = np.flatnonzero((u < cfg.correction_change_share) & ~np.isnan(P["fine"]))
    revoke = np.flatnonzero(
        (u >= cfg.correction_change_share) & (u < cfg.correction_change_share + cfg.correction_revoke_share)
    )
    penalty_correction(ctx, change, "变更", P["day"][change] + rng.integers(10, 150, len(change)), rng)
    penalty_correction(ctx, revoke, "撤销", P["day"][revoke] + rng.integers(10, 150, len(revoke)), rng)
