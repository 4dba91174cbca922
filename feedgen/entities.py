"""The market entities of one chunk, as columns: identity, names, legal representative, life events.

Why columnar: a chunk holds up to ``chunk_size`` entities and every feed draws from it, so attributes are
numpy arrays (object arrays for strings) indexed by the entity's position in the chunk. Only strings are
built row by row (names, addresses); all draws are vectorised.

Uniqueness across chunks: USCC organisation bodies and legal reps' ID numbers are affine permutations of
global counters (see :mod:`feedgen.ids`); names are unique in the whole run (a register refuses a name
already taken) through :class:`NameSet`, which keeps 64-bit hashes rather than strings.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np
from faker.providers.person.zh_CN import Provider as _Person
from faker.providers.phone_number.zh_CN import Provider as _Phone

from feedgen import vocab
from feedgen.config import GeneratorConfig
from feedgen.ids import AffinePermutation, base_n, build_usccs, mod_11_10_check_digits, ric_check_chars
from feedgen.reference import Geo, Industries, industry_word_pool, short_place
from feedgen.timeline import Timeline, day_number

NEVER = np.int64(10**9)  # "no such event" day number

_SURNAMES = np.array(list(_Person.last_names.keys()), dtype=object)
_SURNAME_P = np.array(list(_Person.last_names.values()), dtype=float)
_SURNAME_P /= _SURNAME_P.sum()
_MALE = np.array(_Person.first_names_male, dtype=object)
_FEMALE = np.array(_Person.first_names_female, dtype=object)
_MOBILE_PREFIXES = np.array([str(p) for p in _Phone.phonenumber_prefixes])
_ZIHAO = np.array(list(dict.fromkeys(vocab.ZIHAO_CHARS)), dtype=object)
_ROADS = np.array(vocab.ROADS, dtype=object)


class PersonPool:
    """Legal representatives' resident-ID numbers, unique across the whole run.

    Two global counters (persons from this province / from elsewhere) run through affine permutations
    of the space region × birth day × 3-digit sequence, so every issued number is distinct.
    """

    def __init__(self, geo: Geo, cfg: GeneratorConfig, seed: int):
        self.geo = geo
        self.birth0 = day_number(date(cfg.birth_first_year, 1, 1))
        self.n_days = day_number(date(cfg.birth_last_year, 12, 31)) - self.birth0 + 1
        self.local_codes = np.array(geo.codes)
        self.other_codes = np.array(geo.other_codes)
        self.perm_local = AffinePermutation(len(geo.codes) * self.n_days * 1000, seed, 11, multiplier=1_000_003)
        self.perm_other = AffinePermutation(len(geo.other_codes) * self.n_days * 1000, seed, 13, multiplier=1_000_003)
        self.used_local = 0
        self.used_other = 0

    def draw(self, is_local: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ID numbers, birth day numbers, male flags) for a chunk; order follows ``is_local``."""
        n = len(is_local)
        n_local = int(is_local.sum())
        p = np.empty(n, dtype=np.int64)
        p[is_local] = self.perm_local(np.arange(self.used_local, self.used_local + n_local))
        p[~is_local] = self.perm_other(np.arange(self.used_other, self.used_other + n - n_local))
        self.used_local += n_local
        self.used_other += n - n_local
        seq = p % 1000
        rest = p // 1000
        day = rest % self.n_days
        reg = rest // self.n_days
        codes = np.where(
            is_local,
            self.local_codes[np.minimum(reg, len(self.local_codes) - 1)],
            self.other_codes[np.minimum(reg, len(self.other_codes) - 1)],
        )
        born = self.birth0 + day
        born_s = np.datetime_as_string(born.astype("datetime64[D]"))
        first17 = [f"{c}{b[:4]}{b[5:7]}{b[8:10]}{s:03d}" for c, b, s in zip(codes, born_s, seq)]
        ids = np.array([f + c for f, c in zip(first17, ric_check_chars(first17))], dtype=object)
        return ids, born, (seq % 2 == 1)


class NameSet:
    """Names already registered in this run, as sorted 64-bit fingerprints (80 MB at 10 M names), so a
    name is never issued twice — also across chunks — without keeping the strings.

    New fingerprints go to a small sorted buffer that is merged into the main array only when it grows
    large, so the cost stays linear in the number of names.
    """

    MERGE_AT = 1 << 18

    def __init__(self):
        self.main = np.zeros(0, dtype=np.uint64)
        self.recent = np.zeros(0, dtype=np.uint64)

    @staticmethod
    def hashes(names) -> np.ndarray:
        """Deterministic 64-bit fingerprints (CRC-32 ‖ Adler-32). A false match only costs a re-drawn name."""
        out = np.empty(len(names), dtype=np.uint64)
        for i, s in enumerate(names):
            b = s.encode("utf-8")
            out[i] = (zlib.crc32(b) << 32) | zlib.adler32(b)
        return out

    @staticmethod
    def _contains(sorted_arr: np.ndarray, h: np.ndarray) -> np.ndarray:
        if not len(sorted_arr):
            return np.zeros(len(h), dtype=bool)
        pos = np.minimum(np.searchsorted(sorted_arr, h), len(sorted_arr) - 1)
        return sorted_arr[pos] == h

    def taken(self, names) -> np.ndarray:
        """True where the name is already registered, or repeats an earlier name of the same list."""
        h = self.hashes(names)
        _, first = np.unique(h, return_index=True)
        repeat = np.ones(len(h), dtype=bool)
        repeat[first] = False
        return self._contains(self.main, h) | self._contains(self.recent, h) | repeat

    @staticmethod
    def _merge(sorted_arr: np.ndarray, new_sorted: np.ndarray) -> np.ndarray:
        """Merge two sorted arrays in O(n) (one copy), instead of re-sorting the big one."""
        return np.insert(sorted_arr, np.searchsorted(sorted_arr, new_sorted), new_sorted)

    def add(self, names) -> None:
        if not len(names):
            return
        self.recent = self._merge(self.recent, np.sort(self.hashes(names)))
        if len(self.recent) >= self.MERGE_AT:
            self.main = self._merge(self.main, self.recent)
            self.recent = np.zeros(0, dtype=np.uint64)


@dataclass
class EntityChunk:
    index: int
    n: int
    gidx: np.ndarray
    kind: np.ndarray  # 1 enterprise, 2 个体工商户, 3 农民专业合作社
    etype: np.ndarray
    region: np.ndarray  # index into geo.codes
    reg_auth: np.ndarray  # registering authority index (district or provincial)
    industry: np.ndarray
    section: np.ndarray
    group: np.ndarray  # licence group ('' if none)
    dgroup: np.ndarray  # penalty-domain group
    uscc: np.ndarray
    reg_number: np.ndarray  # 15-digit 注册号 of entities registered before the USCC (2015-10-01), else None
    name0: np.ndarray
    name1: np.ndarray  # name after the change (None if none)
    change_day: np.ndarray
    term_day: np.ndarray
    term_status: np.ndarray
    live_status: np.ndarray  # 存续 / 在业
    est: np.ndarray
    rep_name: np.ndarray
    rep_id: np.ndarray
    capital: np.ndarray
    address: np.ndarray
    phone: np.ndarray
    party_category: np.ndarray

    def name_at(self, ent: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The entity's name valid on each date (after a name change the new one)."""
        return np.where(np.asarray(days) >= self.change_day[ent], self.name1[ent], self.name0[ent])

    def window(self, tl: Timeline, ent: np.ndarray | None = None, min_age: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi] days in the simulated period during which the entity exists (lo > hi: never)."""
        est = self.est if ent is None else self.est[ent]
        term = self.term_day if ent is None else self.term_day[ent]
        lo = np.maximum(tl.start, est + min_age)
        hi = np.minimum(tl.end, term - 1)
        return lo, hi


def registration_numbers(regions: np.ndarray, serials: np.ndarray, issued: np.ndarray) -> np.ndarray:
    """工商注册号 (GS15: the registering district's code, an 8-digit serial, an ISO 7064 MOD 11,10 check digit) where
    ``issued`` (entities registered before the USCC replaced it on 2015-10-01), else None."""
    out = np.full(len(regions), None, dtype=object)
    if issued.any():
        bodies = [f"{r}{s:08d}" for r, s in zip(regions[issued], serials[issued])]
        out[issued] = [b + c for b, c in zip(bodies, mod_11_10_check_digits(bodies, 14))]
    return out


def choice_mix(rng: np.random.Generator, mix: dict, n: int) -> np.ndarray:
    keys = list(mix.keys())
    p = np.array([mix[k] for k in keys], dtype=float)
    idx = rng.choice(len(keys), size=n, p=p / p.sum())
    return np.array(keys, dtype=object)[idx]


def _zihao(rng: np.random.Generator, n: int, three_share: float, latin_share: float) -> np.ndarray:
    c = _ZIHAO[rng.integers(0, len(_ZIHAO), (n, 3))]
    three = rng.random(n) < three_share
    out = np.array([a + b + (d if t else "") for a, b, d, t in zip(c[:, 0], c[:, 1], c[:, 2], three)], dtype=object)
    latin = rng.random(n) < latin_share
    if latin.any():
        out[latin] = np.array(vocab.LATIN_ZIHAO, dtype=object)[rng.integers(0, len(vocab.LATIN_ZIHAO), latin.sum())]
    return out


def person_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """姓 + 名 from Faker's zh_CN lists (surnames weighted by frequency), vectorised."""
    n = len(male)
    sur = _SURNAMES[rng.choice(len(_SURNAMES), size=n, p=_SURNAME_P)]
    given = np.where(male, _MALE[rng.integers(0, len(_MALE), n)], _FEMALE[rng.integers(0, len(_FEMALE), n)])
    return sur + given


def _pick(rng: np.random.Generator, pools: list[tuple[str, ...]]) -> list[str]:
    u = rng.random(len(pools))
    return [p[int(x * len(p))] for p, x in zip(pools, u)]


class EntityFactory:
    """Builds :class:`EntityChunk` objects; holds the run-wide state (person pool, permutations)."""

    def __init__(self, geo: Geo, ind: Industries, tl: Timeline, cfg: GeneratorConfig, seed: int):
        self.geo, self.ind, self.tl, self.cfg, self.seed = geo, ind, tl, cfg, seed
        self.persons = PersonPool(geo, cfg, seed)
        self.names_taken = NameSet()
        self.perm_digits = AffinePermutation(10**8, seed, 1)
        self.perm_ma = AffinePermutation(31**5, seed, 2)
        self.perm_reg = AffinePermutation(10**8, seed, 3)
        years = np.arange(cfg.first_establishment_year, tl.year([tl.end])[0] + 1)
        w = cfg.establishment_growth ** (years - years[0])
        last_year_frac = (tl.end - day_number(date(int(years[-1]), 1, 1)) + 1) / 365.25
        w[-1] *= last_year_frac
        self.est_years, self.est_p = years, w / w.sum()
        self.sole_idx = np.array([ind.index[c] for c in vocab.SOLETRADER_CLASSES])
        self.sole_p = np.array([v[0] for v in vocab.SOLETRADER_CLASSES.values()], dtype=float)
        self.sole_p /= self.sole_p.sum()
        self.coop_idx = np.array([ind.index[c] for c in vocab.COOPERATIVE_CLASSES])
        self.coop_p = np.array([v[0] for v in vocab.COOPERATIVE_CLASSES.values()], dtype=float)
        self.coop_p /= self.coop_p.sum()
        self.part_idx = np.array([ind.index[c] for c in vocab.PARTNERSHIP_CLASSES])
        self.part_p = np.array(list(vocab.PARTNERSHIP_CLASSES.values()), dtype=float)
        self.part_p /= self.part_p.sum()
        self.city_short = [short_place(c) for c in geo.cities]
        self.district_short = [short_place(n) for n in geo.names]

    # ---- names ------------------------------------------------------------------------------------
    def _names(
        self, rng, kind, etype, region, industry, section, rep_name, zihao, words, prefix_style, ascii_br, suffix
    ):
        geo, cfg = self.geo, self.cfg
        n = len(kind)
        out = np.empty(n, dtype=object)
        forms_u = rng.random(n)
        branch_words = _pick(rng, [industry_word_pool(c, s) for c, s in zip(industry, section)])
        branch_zihao = _zihao(rng, n, cfg.three_char_zihao, 0.0)
        for i in range(n):
            r = region[i]
            if kind[i] == 2:
                shop = vocab.SOLETRADER_CLASSES[industry[i]][1]
                base = rep_name[i] if forms_u[i] < cfg.soletrader_uses_person_name else zihao[i]
                out[i] = f"{geo.region_prefix_full(r)}{base}{shop[int(forms_u[i] * 97) % len(shop)]}"
                if suffix[i]:  # names registered since 2022 often carry the organisational form
                    out[i] += "(个体工商户)" if ascii_br[i] else "（个体工商户）"
                continue
            if kind[i] == 3:
                ending = vocab.COOPERATIVE_ENDINGS[int(forms_u[i] * 89) % 2]
                pre = geo.region_prefix_full(r) if forms_u[i] < 0.6 else self.city_short[r]
                out[i] = f"{pre}{zihao[i]}{words[i]}{ending}"
                continue
            style = prefix_style[i]
            city = self.city_short[r]
            lb, rb = ("(", ")") if ascii_br[i] else ("（", "）")
            et = etype[i]
            if et == "有限责任公司":
                form = "有限责任公司" if forms_u[i] < cfg.youxian_zeren else "有限公司"
            elif et == "股份有限公司":
                form = "股份有限公司"
            elif et == "合伙企业":
                form = f"合伙企业{lb}有限合伙{rb}"
            elif et == "个人独资企业":
                forms = vocab.SOLE_PROPRIETOR_FORMS.get(section[i], vocab.SOLE_PROPRIETOR_FORMS["*"])
                form = forms[int(forms_u[i] * 97) % len(forms)]
                if words[i].endswith(("店", "超市", "便利")):
                    words[i] = "商贸"
            else:  # 分公司: parent company name + district + 分公司
                parent = f"{city}{branch_zihao[i]}{branch_words[i]}有限公司"
                out[i] = f"{parent}{self.district_short[r]}分公司"
                continue
            if style == "bracket" and et not in ("个人独资企业",):
                out[i] = f"{zihao[i]}{lb}{city}{rb}{words[i]}{form}"
            elif style == "province":
                out[i] = f"{geo.province_short}{zihao[i]}{words[i]}{form}"
            elif style == "city_district":
                out[i] = f"{city}{self.district_short[r]}{zihao[i]}{words[i]}{form}"
            else:
                out[i] = f"{city}{zihao[i]}{words[i]}{form}"
        return out

    def build(self, chunk_index: int, first_gidx: int, n: int) -> EntityChunk:
        cfg, geo, ind, tl = self.cfg, self.geo, self.ind, self.tl
        rng = np.random.default_rng([self.seed, chunk_index])
        gidx = np.arange(first_gidx, first_gidx + n, dtype=np.int64)
        kind = choice_mix(rng, dict(cfg.kind_mix), n).astype(np.int64)
        region = rng.choice(geo.n_regions, size=n, p=geo.weights)

        # establishment: year by growth weights, day uniform in the year, never after end
        years = rng.choice(self.est_years, size=n, p=self.est_p)
        y0 = np.array([day_number(date(int(y), 1, 1)) for y in self.est_years])
        est = y0[years - self.est_years[0]] + rng.integers(0, 365, n)
        est = np.minimum(est, tl.end)

        etype = np.where(kind == 2, "个体工商户", np.where(kind == 3, "农民专业合作社", "")).astype(object)
        ent = kind == 1
        etype[ent] = choice_mix(rng, dict(cfg.enterprise_type_mix), int(ent.sum()))

        ind_idx = rng.choice(len(ind.codes), size=n, p=ind.probs)
        sole, coop, part = kind == 2, kind == 3, etype == "合伙企业"
        ind_idx[sole] = self.sole_idx[rng.choice(len(self.sole_idx), size=int(sole.sum()), p=self.sole_p)]
        ind_idx[coop] = self.coop_idx[rng.choice(len(self.coop_idx), size=int(coop.sum()), p=self.coop_p)]
        ind_idx[part] = self.part_idx[rng.choice(len(self.part_idx), size=int(part.sum()), p=self.part_p)]
        industry = ind.codes[ind_idx].astype(object)
        section = ind.sections[ind_idx].astype(object)

        # USCC: issuing region (district / provincial / historical), organisation body (digits or MA…)
        codes = np.array(geo.codes, dtype=object)
        uscc_region = codes[region].copy()
        prov = rng.random(n) < cfg.uscc_provincial_region
        uscc_region[prov] = geo.province + "0000"
        pre2016 = est < day_number(date(2016, 1, 1))
        for cur, hist in cfg.historical_uscc_regions.items():
            m = (codes[region] == cur) & pre2016 & ~prov & (rng.random(n) < cfg.historical_uscc_share)
            uscc_region[m] = hist
        ma = (~pre2016) & (rng.random(n) < cfg.ma_body_share_after_2016)
        bodies = np.empty(n, dtype=object)
        bodies[~ma] = [f"{v:08d}" for v in self.perm_digits(gidx[~ma])]
        if ma.any():
            bodies[ma] = ["MA1" + s for s in base_n(self.perm_ma(gidx[ma]), "0123456789ABCDEFGHJKLMNPQRTUWXY", 5)]
        uscc = build_usccs([f"9{k}" for k in kind], uscc_region, bodies)
        reg_auth = np.where(prov, geo.provincial, region)
        reg_number = registration_numbers(codes[region], self.perm_reg(gidx), est < day_number(date(2015, 10, 1)))

        # legal representatives: persons sorted by birth matched to entities sorted by (noisy) age
        is_local = rng.random(n) < cfg.local_person_share
        ids, born, male = self.persons.draw(is_local)
        by_birth = np.argsort(born, kind="stable")
        by_est = np.argsort(est + rng.normal(0, 700, n), kind="stable")
        person_of = np.empty(n, dtype=np.int64)
        person_of[by_est] = by_birth
        shared = np.flatnonzero(rng.random(n) < cfg.shared_rep_share)
        if n > 1 and len(shared):
            other = (shared + rng.integers(1, n, len(shared))) % n
            person_of[shared] = person_of[other]
        names_all = person_names(rng, male)
        rep_name = names_all[person_of]
        rep_id = ids[person_of]

        # names
        zihao = _zihao(rng, n, cfg.three_char_zihao, cfg.latin_zihao)
        words = np.empty(n, dtype=object)
        pools = []
        for i in range(n):
            if kind[i] == 3:
                pools.append(vocab.COOPERATIVE_CLASSES[industry[i]][1])
            elif etype[i] == "合伙企业":
                pools.append(vocab.PARTNERSHIP_WORDS)
            else:
                pools.append(industry_word_pool(industry[i], section[i]))
        words[:] = _pick(rng, pools)
        prefix_style = choice_mix(rng, dict(cfg.name_prefix_mix), n)
        ascii_br = rng.random(n) < cfg.ascii_brackets_in_register
        suffix = (kind == 2) & (est >= day_number(date(2022, 1, 1))) & (rng.random(n) < cfg.soletrader_form_suffix)
        name0 = self._names(
            rng, kind, etype, region, industry, section, rep_name, zihao, words, prefix_style, ascii_br, suffix
        )
        for _ in range(8):  # a register refuses a name already taken: re-draw the 字号 (3 characters)
            d = np.flatnonzero(self.names_taken.taken(name0))
            if not len(d):
                break
            zihao[d] = _zihao(rng, len(d), 1.0, 0.0)
            name0[d] = self._names(
                rng,
                kind[d],
                etype[d],
                region[d],
                industry[d],
                section[d],
                rep_name[d],
                zihao[d],
                words[d],
                prefix_style[d],
                ascii_br[d],
                suffix[d],
            )
        self.names_taken.add(name0)

        # life events inside the period: termination, name change
        lo, hi = np.maximum(tl.start, est + 180), np.full(n, tl.end)
        years_alive = np.clip(hi - lo, 0, None) / 365.25
        term = (rng.random(n) < 1 - np.exp(-cfg.termination_per_year * years_alive)) & (lo <= hi)
        term_day = np.full(n, NEVER)
        term_day[term] = tl.sample(rng, lo[term], hi[term])
        term_status = np.full(n, None, dtype=object)
        term_status[term] = choice_mix(rng, dict(cfg.termination_mix), int(term.sum()))
        lo2, hi2 = np.maximum(tl.start, est + 30), np.minimum(tl.end, term_day - 1)
        yrs2 = np.clip(hi2 - lo2, 0, None) / 365.25
        chg = (rng.random(n) < 1 - np.exp(-cfg.name_change_per_year * yrs2)) & (lo2 <= hi2)
        change_day = np.full(n, NEVER)
        change_day[chg] = tl.sample(rng, lo2[chg], hi2[chg])
        name1 = np.full(n, None, dtype=object)
        if chg.any():  # the new name must not be taken either
            todo = np.flatnonzero(chg)
            new_words = np.array(_pick(rng, [pools[i] for i in todo]), dtype=object)
            for _ in range(8):
                name1[todo] = self._names(
                    rng,
                    kind[todo],
                    etype[todo],
                    region[todo],
                    industry[todo],
                    section[todo],
                    rep_name[todo],
                    _zihao(rng, len(todo), 1.0, 0.0),
                    new_words,
                    prefix_style[todo],
                    ascii_br[todo],
                    suffix[todo],
                )
                bad = self.names_taken.taken(name1[todo])
                self.names_taken.add(name1[todo[~bad]])
                todo, new_words = todo[bad], new_words[bad]
                if not len(todo):
                    break
            self.names_taken.add(name1[todo])  # after 8 rounds (practically never) keep what we have

        live_status = np.where((kind == 2) & (rng.random(n) < cfg.soletrader_status_zaiye), "在业", "存续").astype(
            object
        )

        # registered capital (万元), address, phone
        median = {
            "有限责任公司": 100.0,
            "股份有限公司": 5000.0,
            "合伙企业": 1000.0,
            "个人独资企业": 10.0,
            "个体工商户": 5.0,
            "农民专业合作社": 100.0,
            "分公司": 0.0,
        }
        med = np.array([median[t] for t in etype])
        cap = med * np.exp(rng.normal(0, 1.2, n))
        nice = rng.random(n) < 0.85
        cap = np.where(
            nice,
            np.where(cap >= 100, np.round(cap, -1), np.where(cap >= 10, np.round(cap), np.round(cap, 1))),
            np.round(cap, 4),
        )
        cap = np.maximum(cap, 0.1)
        capital = np.array([f"{v:.4f}".rstrip("0").rstrip(".") for v in cap], dtype=object)
        capital[etype == "分公司"] = None
        capital[sole & (rng.random(n) < cfg.capital_missing_soletrader)] = None

        road = _ROADS[rng.integers(0, len(_ROADS), n)]
        num = rng.integers(1, 2000, n)
        extra_u = rng.random(n)
        b, f, room = rng.integers(1, 30, n), rng.integers(1, 25, n), rng.integers(101, 2500, n)
        prefixes = [geo.address_prefix(r) for r in range(geo.n_regions)]
        address = np.array(
            [
                f"{prefixes[region[i]]}{road[i]}{num[i]}号"
                + (
                    f"{b[i]}幢{f[i]}层"
                    if extra_u[i] < 0.3
                    else f"{room[i]}室"
                    if extra_u[i] < 0.5
                    else f"{f[i]}层"
                    if extra_u[i] < 0.6
                    else ""
                )
                for i in range(n)
            ],
            dtype=object,
        )
        pfx = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)]
        tail = rng.integers(0, 10**8, n)
        phone = np.array([f"{p}{t:08d}" for p, t in zip(pfx, tail)], dtype=object)
        phone[rng.random(n) < cfg.phone_missing] = None

        party_category = np.where(kind == 2, "个体工商户", "法人及非法人组织").astype(object)
        return EntityChunk(
            index=chunk_index,
            n=n,
            gidx=gidx,
            kind=kind,
            etype=etype,
            region=region,
            reg_auth=reg_auth,
            industry=industry,
            section=section,
            group=ind.groups[ind_idx].astype(object),
            dgroup=ind.domain_groups[ind_idx].astype(object),
            uscc=uscc,
            reg_number=reg_number,
            name0=name0,
            name1=name1,
            change_day=change_day,
            term_day=term_day,
            term_status=term_status,
            live_status=live_status,
            est=est,
            rep_name=rep_name,
            rep_id=rep_id,
            capital=capital,
            address=address,
            phone=phone,
            party_category=party_category,
        )
