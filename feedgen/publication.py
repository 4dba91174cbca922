"""不予公示信息标记 (disclosure holds): the few records a department has approved not to publish.

Seed 001 §6: "公示为原则、不公示为例外" — a small share of penalties and licences is held back for state
secrets, national security, public interest, privacy or trade secrets; some holds are later lifted
(the same hold id re-sent with 解除日期, in the batch of that day). Every hold cites a record generated in
the same chunk, so the publication job can withhold and count it.
"""

from __future__ import annotations

import numpy as np

from feedgen.table import ChunkContext, Table, const, obj

HOLD_SHARE = {"行政处罚": 0.02, "行政许可": 0.01}  # share of each record type that gets a hold
LIFTED_SHARE = 0.25  # holds later lifted
HOLD_REASONS = ("涉及国家秘密", "涉及国家安全", "涉及社会公共利益", "涉及个人隐私", "涉及商业秘密")
HOLD_BASIS = {
    "涉及国家秘密": "《中华人民共和国保守国家秘密法》第二条；《企业信息公示暂行条例》",
    "涉及国家安全": "《中华人民共和国国家安全法》；《企业信息公示暂行条例》",
    "涉及社会公共利益": "《中华人民共和国政府信息公开条例》第十五条",
    "涉及个人隐私": "《中华人民共和国个人信息保护法》第二十八条",
    "涉及商业秘密": "《中华人民共和国政府信息公开条例》第十五条",
}
_STREAM = 40


def build_disclosure_holds(ctx: ChunkContext) -> None:
    tl = ctx.tl
    rng = ctx.rng(_STREAM)
    names = np.array(ctx.geo.auth_names, dtype=object)
    sources = [
        ("行政处罚", "CF", ctx.facts.get("penalties"), "day"),
        ("行政许可", "XK", ctx.facts.get("licences"), "issue"),
    ]
    for record_type, prefix, facts, day_key in sources:
        if facts is None or not len(facts["ent"]):
            continue
        pick = np.flatnonzero(rng.random(len(facts["ent"])) < HOLD_SHARE[record_type])
        approved = np.maximum(np.asarray(facts[day_key])[pick], tl.start) + rng.integers(0, 3, len(pick))
        keep = approved <= tl.end
        pick, approved = pick[keep], approved[keep]
        if not len(pick):
            continue
        reasons = np.array(HOLD_REASONS, dtype=object)[rng.integers(0, len(HOLD_REASONS), len(pick))]
        auth = np.asarray(facts["auth"])[pick]
        ids = obj(
            [
                f"BGS{prefix}{ctx.geo.auth_region[a]}{y}{ctx.ent.index:04d}{i:05d}"
                for i, (a, y) in enumerate(zip(auth, tl.year(approved)))
            ]
        )
        base = {
            "hold_id": ids,
            "record_type": const(record_type, len(pick)),
            "record_number": facts["number"][pick],
            "uscc": ctx.ent.uscc[facts["ent"][pick]],
            "hold_reason": reasons,
            "legal_basis": obj([HOLD_BASIS[r] for r in reasons]),
            "approving_unit": names[auth],
            "approved_date": tl.fmt(approved),
        }
        ctx.emit("disclosure_holds", Table({**base, "hold_end": const(None, len(pick))}, approved))
        lifted = rng.random(len(pick)) < LIFTED_SHARE
        end = tl.add_wd(approved, rng.integers(20, 120, len(pick)))
        lifted &= end <= tl.end
        if lifted.any():
            idx = np.flatnonzero(lifted)
            ctx.emit(
                "disclosure_holds",
                Table({**{k: v[idx] for k, v in base.items()}, "hold_end": tl.fmt(end[idx])}, end[idx]),
            )
