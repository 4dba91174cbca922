"""The serving snapshot (服务快照): after each build, the marts the console reads are copied out of the warehouse into
a small read-only DuckDB file of their own, so a build never waits for the console nor the console for a build.

    $CWH_HOME/serving/snapshots/<snapshot_id>.duckdb   one file per published build (the last KEEP kept)
    $CWH_HOME/serving/current.json                     the pointer: which snapshot is newest, and its build identity

A snapshot is written under a temporary name, fsynced, renamed into place, and only then does the pointer (itself
written atomically) name it; the older files are removed once more than KEEP are there, so a server that opened
the previous one a moment ago keeps reading it (an open file outlives its name on POSIX). The build's identity —
as-of date, build time, data received through (``mart_publication_context``) — is recorded inside the file
(``snapshot_meta``) and in the pointer.

Only what the pages need is copied: enterprises and their search keys (USCC, current and former names, 注册号 — the
registration numbers come from the registry's secondary identifiers and stay inside the console), the events
recorded under each name with their provenance and publicity, the key-sector tag of licences, the risk class and the
risk warnings; the risk class's grounds (indicators, thresholds in force, monthly classes); the five lists in one
shape with their membership periods (``list_entry``) and filter choices; the closed-loop and accountability marts
(overdue punishment steps, producer scorecard, publication rates, class migrations) and the chart aggregates. Every
table is written sorted by the key its page filters on, so a page reads a range, not the whole table; a page orders
the rows of its range itself, so the large per-enterprise tables (events, monthly classes) are sorted by the
enterprise alone: at 10 M the monthly classes (120 M rows) copy in ~40 s sorted by enterprise, ~55 s sorted by
enterprise and month (benchmarks/RESULTS.md).

One table is derived here rather than copied: the bigram index of the names (``name_bigram``, with its posting
lengths ``name_bigram_count``; :func:`write_name_index`), built in the same file right after ``name_search`` so the
index and the names it points to (by ``name_id``) are always of the same build. It lets a contains-search read the
few names that have a fragment's rarest bigrams instead of scanning every name (``console/queries/search.py``).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from console.normalise import sql_has_search_key, sql_search_key
from ground.database import connect
from ground.files import atomic_path, atomic_write_json
from ground.settings import Workspace

KEEP = 2  # snapshots kept: the newest and the one a server may still be reading
# 2: name_search. 3: name_search.name_id and the bigram index (name_bigram, name_bigram_count): a contains-search
# reads the postings of a fragment's rarest bigrams instead of scanning every name (console/queries/search.py).
SNAPSHOT_VERSION = 3
# Tables a page scans rather than ranges: a contains-search over 10 M names is ~40 % faster on plain bytes.
UNCOMPRESSED_TABLES = {"name_search"}
# The bigram index: a bigram's code is its first code point × BIGRAM_BASE + its second (every code point is below
# BIGRAM_BASE, so the code is unique and fits a BIGINT). Names are decoded a batch at a time, the index is handed to
# DuckDB a part at a time (bounded temporaries beside the one array of every name's bigrams).
BIGRAM_BASE = 0x110000
INDEX_NAMES_PER_BATCH = 200_000
INDEX_ROWS_PER_PART = 2_000_000
NOT_A_BIGRAM = np.uint64(2**64 - 1)

# Each event feed → the publication table that shows it and how its record key is built there (publicity per record).
PUBLIC_RECORDS = {
    "penalties": ("pub_penalties", "decision_number", "publicity_end"),
    "licences": ("pub_licences", "licence_number", None),
    "inspections": ("pub_inspections", "task_id || '|' || uscc", None),
    "abnormal_list": ("pub_abnormal_list", "list_decision_number", None),
    "serious_list": ("pub_serious_list", "list_decision_number", None),
}

# The names alone, for a contains-search (a code is typed from its start: exact or prefix on search_key); stored
# uncompressed (UNCOMPRESSED_TABLES): a scan then compares bytes without decompressing them first. name_id is the
# row's place in key order (dense from 0): what the bigram index (name_bigram, write_name_index) points to.
NAME_SEARCH = """
    select (row_number() over (order by search_key, uscc, kind) - 1)::uinteger as name_id,
           search_key, uscc, kind = 'name' as is_current
    from snap.search_key where kind in ('name', 'former_name')
    order by name_id"""


def serving_folder(ws: Workspace) -> Path:
    return ws.home / "serving"


def pointer_path(ws: Workspace) -> Path:
    return serving_folder(ws) / "current.json"


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    path: Path
    as_of_date: date
    built_at: datetime  # UTC
    landed_through: datetime | None  # the latest receipt of data in the build (UTC)
    rows: dict[str, int]

    def to_json(self) -> dict:
        return {
            "version": SNAPSHOT_VERSION,
            "snapshot_id": self.snapshot_id,
            "file": self.path.name,
            "as_of_date": self.as_of_date.isoformat(),
            "built_at": self.built_at.isoformat(),
            "landed_through": self.landed_through.isoformat() if self.landed_through else None,
            "rows": self.rows,
        }

    @classmethod
    def from_json(cls, folder: Path, data: dict) -> SnapshotInfo:
        landed = data.get("landed_through")
        return cls(
            data["snapshot_id"],
            folder / "snapshots" / data["file"],
            date.fromisoformat(data["as_of_date"]),
            datetime.fromisoformat(data["built_at"]),
            datetime.fromisoformat(landed) if landed else None,
            dict(data.get("rows", {})),
        )


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Snapshot table → the select that fills it (from the warehouse attached as ``wh``)."""
    pub_joins = []
    for feed, (table, key, end) in PUBLIC_RECORDS.items():
        pub_joins.append(
            f"select '{feed}' as feed, {key} as record_key, min(publicity_start) as publicity_start, "
            f"{f'max({end})' if end else 'null::date'} as publicity_end from wh.main.{table} group by all"
        )
    name_key, has_name_key = sql_search_key("enterprise_name"), sql_has_search_key("enterprise_name")
    return {
        "enterprise": """
            select uscc, enterprise_name, entity_type, region_code, region_name, industry_code, industry_name,
                   industry_section_name, legal_rep_name, registration_status, established_date,
                   registered_capital_wan, registration_authority, latest_approval_date,
                   _batch_id, _producer_code, _source_file, _row_number
            from wh.main.dim_enterprise order by uscc""",
        "enterprise_name_history": """
            select uscc, name_seq, enterprise_name, valid_from, valid_to, is_current, source_batch_id as _batch_id,
                   _source_file, _row_number
            from wh.main.dim_enterprise_names order by uscc, name_seq""",
        # every key a user may type, normalised like console.normalise.search_key; sorted, so a prefix is a range
        "search_key": f"""
            select distinct search_key, uscc, kind from (
                select uscc as search_key, uscc, 'uscc' as kind from wh.main.dim_enterprise where uscc is not null
                union all
                select {name_key}, uscc, case when is_current then 'name' else 'former_name' end
                from wh.main.dim_enterprise_names where {has_name_key}
                union all
                select {name_key}, uscc, 'name' from wh.main.dim_enterprise where {has_name_key}
                union all
                select upper(identifier), uscc, 'registration_number'
                from wh.intermediate.int_registry__secondary_identifiers
                where identifier_type = 'registration_number' and regexp_full_match(identifier, '[0-9A-Za-z]{{13,15}}')
            ) order by search_key, uscc""",
        "name_search": NAME_SEARCH,
        "batch": """
            select batch_id, feed, producer_code, producer_dept, source_file, received_at
            from wh.staging.stg_landing__batches order by batch_id""",
        "credit_event": f"""
            with public as ({" union all ".join(pub_joins)})
            select e.event_id, e.uscc, e.feed, e.event_type, e.event_date, e.record_key, e.summary, e.link_method,
                   e.link_confidence, e._batch_id, e._producer_code, e._source_file, e._row_number, e._received_at,
                   p.record_key is not null as is_public, p.publicity_start, p.publicity_end,
                   e.feed in ({", ".join(f"'{f}'" for f in PUBLIC_RECORDS)}) as is_publishable
            from wh.main.fct_credit_events e
            left join public p on p.feed = e.feed and p.record_key = e.record_key
            where e.uscc is not null
            order by e.uscc""",
        # the key-sector tag of each licence that makes its holder a key-sector enterprise (重点领域)
        "key_sector_licence": """
            select distinct uscc, trim(licence_number) as licence_number, key_sector_domain, tagged_since, tagged_until
            from (select uscc, key_sector_domain, tagged_since, tagged_until,
                         unnest(regexp_split_to_array(licence_numbers, '[,;，；、\\s]+')) as licence_number
                  from wh.main.mart_key_sector_enterprises)
            where trim(licence_number) <> '' order by uscc, licence_number""",
        "risk_warning": """
            select uscc, warning_id, warning_level, warning_type, warning_reason, start_date, end_date,
                   issuing_department, warning_status, is_active, _batch_id, _source_file, _row_number
            from wh.main.mart_risk_warnings where uscc is not null order by uscc, start_date""",
        "risk_class": """
            select uscc, as_of_date, model_id, model_name, score, risk_class, risk_class_name,
                   contributing_indicator_count, top_indicator_name, top_contribution
            from wh.main.mart_credit_risk_scores order by uscc""",
        # 为什么是这个类别: every indicator behind the score (sorted by enterprise: a page reads one range)
        "risk_indicator": """
            select uscc, indicator_code, indicator_group, indicator_name, lookback_months, cap_value, direction,
                   raw_value, normalised_value, weight, weight_origin, model_total_weight, contribution
            from wh.main.mart_credit_risk_indicators order by uscc, contribution desc, indicator_code""",
        "risk_monthly": """
            select uscc, score_month, score_date, model_id, score, risk_class
            from wh.main.mart_credit_risk_monthly order by uscc""",
        # the class thresholds in force on each scoring date for each model (现行 = baseline), with their source
        "risk_threshold": """
            select t.score_date, t.model_id, m.model_name, t.risk_class, t.risk_class_name, t.min_score, t.max_score,
                   s.source
            from wh.intermediate.int_risk__class_thresholds t
            left join wh.rules.rule_risk_models m on m.model_id = t.model_id
                and m.valid_from <= t.score_date and (m.valid_to is null or t.score_date <= m.valid_to)
            left join wh.rules.rule_risk_class_thresholds s on s.scenario_id = t.scenario_id
                and s.risk_class = t.risk_class and s.min_score = t.min_score and s.model_id in (t.model_id, 'general')
                and s.valid_from <= t.score_date and (s.valid_to is null or t.score_date <= s.valid_to)
            where t.scenario_id = 'baseline'
            qualify row_number() over (partition by t.score_date, t.model_id, t.risk_class
                                       order by s.model_id = t.model_id desc) = 1
            order by t.score_date, t.model_id, t.min_score""",
        # 名单: the five lists in one shape, membership as [valid_from, valid_to) where the warehouse keeps the
        # history (key sector, abnormal, serious); repeat offenders and candidates exist as of the build date only
        # (valid_from null). Sorted by list, so a list is a contiguous range of the file.
        "list_entry": """
            with e as (select uscc, region_name, industry_section_name, industry_name from wh.main.dim_enterprise),
            dept as (select batch_id, producer_dept from wh.staging.stg_landing__batches),
            entries as (
                select 'key_sector' as list_kind, h.uscc, h.enterprise_name, h.region_code,
                       h.key_sector_domain as domain, d.producer_dept as department,
                       h.last_licence_number as record_number, '许可证：' || h.licence_numbers as detail,
                       h.valid_from, h.valid_to, h.untag_reason as removal, null as stage, null as rule_source,
                       null as trigger_record, h._source_file, h._row_number
                from wh.main.mart_key_sector_enterprise_history h left join dept d on d.batch_id = h._batch_id
                union all
                select 'abnormal', uscc, coalesce(enterprise_name, listed_name), region_code, null, list_authority,
                       list_decision_number, list_reason, valid_from, valid_to, removal_reason, null, null, null,
                       _source_file, _row_number
                from wh.main.mart_abnormal_list_history
                union all
                select 'serious', uscc, coalesce(enterprise_name, listed_name), region_code, null, list_authority,
                       list_decision_number,
                       list_reason || coalesce('（据以列入的处罚：' || related_penalty_number || '）', ''),
                       valid_from, valid_to, removal_reason, null, null, null, _source_file, _row_number
                from wh.main.mart_serious_list_history
                union all
                select 'repeat_offender', enterprise_uscc, enterprise_name, region_code, main_domain_code, null,
                       null, '近三年计数处罚 ' || penalty_count_3y || ' 次，罚款合计 '
                           || round(fine_amount_wan_3y, 2) || ' 万元；' || window_start || ' 至 ' || window_end
                           || '；达到门槛之日 ' || qualifying_date,
                       null, null, null, null, rule_id || '：' || rule_source, null, null, null
                from wh.main.mart_repeat_offenders
                union all
                select 'candidate', enterprise_uscc, enterprise_name, region_code, domain_code, listing_authority,
                       trigger_record_number, candidate_type || '：' || coalesce(trigger_detail, ''), null, null, null,
                       stage || coalesce('（' || review_reason || '）', ''), rule_table || '：' || rule_source,
                       trigger_record_type || ' ' || trigger_record_number || '（' || coalesce(trigger_date::varchar, '—')
                           || '；规则满足之日 ' || coalesce(due_date::varchar, '—') || '）',
                       _source_file, _row_number
                from wh.main.mart_list_candidates
            )
            select x.list_kind, x.uscc, x.enterprise_name, x.region_code, coalesce(e.region_name, x.region_code)
                       as region_name, e.industry_section_name as industry, x.domain, x.department, x.record_number,
                   x.detail, x.valid_from, x.valid_to, x.removal, x.stage, x.rule_source, x.trigger_record,
                   x._source_file as source_file, x._row_number as row_number
            from entries x left join e on e.uscc = x.uscc
            order by x.list_kind, x.valid_from desc nulls last, x.uscc, x.record_number""",
        # the filter choices of each list page (small: one row per list, filter and value)
        "list_facet": """
            select list_kind, facet, value, count(*) as entries from (
                select list_kind, 'region' as facet, region_name as value from snap.list_entry
                union all select list_kind, 'industry', industry from snap.list_entry
                union all select list_kind, 'domain', domain from snap.list_entry
                union all select list_kind, 'department', department from snap.list_entry
            ) where value is not null group by all order by list_kind, facet, value""",
        # 闭环与问责
        "punishment_overdue": """
            select stage_code, stage_label, responsible_unit, responsible_unit_type, object_type, uscc, basis_type,
                   basis_number, measure_id, measure_name, due_date, is_estimated, done_on, overdue_status,
                   late_working_days
            from wh.main.mart_punishment_overdue order by responsible_unit, late_working_days desc, due_date""",
        "producer_scorecard": """
            select * exclude (first_received_at, last_received_at)
            from wh.main.mart_producer_scorecard order by producer_code, feed, delivery_month""",
        "publication_rates": """
            select * from wh.main.mart_publication_rates order by record_type, department, period_month""",
        "risk_migration": """
            select score_month, previous_month, from_class, to_class, is_changed, enterprise_count,
                   share_of_from_class
            from wh.main.mart_credit_risk_migrations order by score_month, from_class, to_class""",
        "risk_class_by_region": """
            select coalesce(region_name, region_code, '（未知）') as region_name, risk_class, count(*) as enterprises
            from wh.main.mart_credit_risk_scores group by all order by region_name, risk_class""",
        "risk_class_by_month": """
            select score_month, risk_class, count(*) as enterprises
            from wh.main.mart_credit_risk_monthly group by all order by score_month, risk_class""",
    }


def key_bigrams(key: str) -> list[int]:
    """The distinct bigram codes of a search key (``name_bigram.bigram``), in the order they first occur."""
    return list(dict.fromkeys(ord(a) * BIGRAM_BASE + ord(b) for a, b in pairwise(key)))


def _code_points(col: pa.Array) -> np.ndarray:
    """Every character of a string column (string or large_string), one after another, as UTF-32 code points (one
    decode for the batch)."""
    if len(col) == 0:
        return np.empty(0, dtype=np.uint32)
    offsets_buf, data_buf = col.buffers()[1:3]
    width = np.int64 if pa.types.is_large_string(col.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width, count=col.offset + len(col) + 1)
    data = memoryview(data_buf)[int(offsets[col.offset]) : int(offsets[-1])]
    return np.frombuffer(str(data, "utf-8").encode("utf-32-le"), dtype="<u4")


def write_name_index(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    """The bigram index of ``{schema}.name_search``: ``name_bigram(bigram, name_id)`` holds each distinct bigram of
    each name once, sorted by (bigram, name_id), so a bigram's posting list is one range; ``name_bigram_count(bigram,
    names)`` its length, for choosing a fragment's rarest bigrams. Returns the two tables' row counts.

    ``name_search`` must be stored in ``name_id`` order (its row number is its name_id: the search reads a candidate
    by row number); that is checked first. Vectorised, never a loop over names: the keys are decoded batch by batch
    into code points; the characters that occur get dense numbers (in code-point order), so (bigram, name_id) packs
    into one uint64 — dense bigram above, name_id below — and one in-place sort of all of them orders the index;
    equal neighbours (a bigram twice in one name) are dropped as each part is converted back to code-point bigrams
    and handed to DuckDB through Arrow. Measured on 12 M synthetic names: 153 M index rows, 20–40 s, 2.8 GB peak RSS.
    """
    # the search fetches a candidate by its row number (a direct read, no scan of name_id): they must agree
    if con.execute(f"select count(*) from {schema}.name_search where name_id <> rowid").fetchall()[0][0]:
        raise RuntimeError("name_search 未按 name_id 顺序写入（name_id 与行号不符）：无法建立名称索引")
    batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (code points, lengths, name ids) per batch
    present = np.zeros(BIGRAM_BASE, dtype=bool)
    max_id = 0
    reader = con.sql(
        f"select search_key, name_id from {schema}.name_search where length(search_key) >= 2"
    ).to_arrow_reader(INDEX_NAMES_PER_BATCH)
    for batch in reader:
        if not batch.num_rows:
            continue
        text = batch.column(0)
        if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
            text = text.cast(pa.large_string())
        cps = _code_points(text)
        ids = batch.column(1).to_numpy()
        present[cps] = True
        max_id = max(max_id, int(ids.max()))
        batches.append((cps, pc.utf8_length(text).to_numpy(), ids))
    chars = np.flatnonzero(present)  # dense number → code point
    dense_of = (np.cumsum(present, dtype=np.uint32) - 1).astype(np.uint32)  # code point → dense number (if present)
    d = np.uint64(max(len(chars), 1))
    id_bits = np.uint64(max_id.bit_length())
    if (int(d) ** 2).bit_length() + int(id_bits) > 63:  # the top value is kept for the positions that end a name
        raise ValueError(f"名称用字 {int(d)} 种、名称 {max_id + 1} 个，二元索引的键超出 64 位：无法建立名称索引")
    # every character position but each batch's last one: a bigram, or (where a name ends) NOT_A_BIGRAM, sorted last
    keys = np.empty(sum(len(cps) - 1 for cps, _, _ in batches), dtype=np.uint64)
    filled = ends = 0
    while batches:
        cps, lengths, ids = batches.pop(0)  # each batch's code points are freed once packed
        dense = dense_of[cps]
        del cps
        part = keys[filled : filled + len(dense) - 1]
        np.multiply(dense[:-1], d, out=part)
        np.add(part, dense[1:], out=part)
        np.left_shift(part, id_bits, out=part)
        np.bitwise_or(part, np.repeat(ids.astype(np.uint64), lengths)[:-1], out=part)
        name_ends = np.cumsum(lengths)[:-1] - 1
        part[name_ends] = NOT_A_BIGRAM
        filled += len(part)
        ends += len(name_ends)
        del dense, part
    keys.sort()
    keys = keys[: len(keys) - ends]

    con.execute(f"create or replace table {schema}.name_bigram (bigram bigint not null, name_id uinteger not null)")
    id_mask = np.uint64((1 << int(id_bits)) - 1)
    codes: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    previous = None
    rows = 0
    for at in range(0, len(keys), INDEX_ROWS_PER_PART):
        part = keys[at : at + INDEX_ROWS_PER_PART]
        keep = np.empty(len(part), dtype=bool)
        keep[0] = previous is None or part[0] != previous
        np.not_equal(part[1:], part[:-1], out=keep[1:])
        previous = part[-1]
        part = part[keep]
        if not len(part):
            continue  # all of it repeats the previous part's last row
        pair = part >> id_bits
        first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])  # each bigram's first row in this part
        runs = np.diff(np.r_[first, len(pair)])
        high, low = np.divmod(pair[first], d)
        code = chars[high] * BIGRAM_BASE + chars[low]
        index_part = pa.table({"bigram": np.repeat(code, runs), "name_id": (part & id_mask).astype(np.uint32)})
        con.register("name_bigram_part", index_part)
        try:
            con.execute(f"insert into {schema}.name_bigram select bigram, name_id from name_bigram_part")
        finally:
            con.unregister("name_bigram_part")
        rows += len(part)
        if codes and codes[-1][-1] == code[0]:  # a posting list that crosses into this part
            counts[-1][-1] += runs[0]
            code, runs = code[1:], runs[1:]
        if len(code):
            codes.append(code)
            counts.append(runs)
        del part, pair, index_part
    del keys
    con.execute(f"create or replace table {schema}.name_bigram_count (bigram bigint not null, names uinteger not null)")
    posting = pa.table(
        {
            "bigram": np.concatenate(codes) if codes else np.empty(0, dtype=np.int64),
            "names": (np.concatenate(counts) if counts else np.empty(0)).astype(np.uint32),
        }
    )
    con.register("name_bigram_count_all", posting)
    try:
        con.execute(f"insert into {schema}.name_bigram_count select bigram, names from name_bigram_count_all")
    finally:
        con.unregister("name_bigram_count_all")
    return {"name_bigram": rows, "name_bigram_count": len(posting)}


def publish_snapshot(ws: Workspace, as_of: date, *, built_at: datetime | None = None) -> SnapshotInfo:
    """Copy what the console reads out of the warehouse into a new snapshot file and point the console at it."""
    if not ws.warehouse.exists():
        raise FileNotFoundError(f"仓库 {ws.warehouse} 不存在：先运行 `cwh build`（或 `cwh run`）")
    folder = serving_folder(ws)
    now = datetime.now(UTC)
    built_at = built_at or now.replace(microsecond=0)
    snapshot_id = f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"  # sorts in publication order (_remove_old)
    target = folder / "snapshots" / f"{snapshot_id}.duckdb"
    rows: dict[str, int] = {}
    with connect(ws.warehouse, read_only=True, attach=True) as con, atomic_path(target) as tmp:
        landed = con.execute("select max(data_received_until) from wh.main.mart_publication_context").fetchone()[0]
        con.execute(f"attach '{tmp}' as snap")
        try:
            for table, select in _tables(con).items():
                if table in UNCOMPRESSED_TABLES:  # compression is chosen when the table is checkpointed
                    con.execute("checkpoint snap")
                    con.execute("set force_compression = 'uncompressed'")
                try:
                    con.execute(f"create table snap.{table} as {select}")
                    if table in UNCOMPRESSED_TABLES:
                        con.execute("checkpoint snap")
                finally:
                    con.execute("reset force_compression")
                rows[table] = con.execute(f"select count(*) from snap.{table}").fetchone()[0]
                if table == "name_search":
                    rows.update(write_name_index(con, "snap"))
            info = SnapshotInfo(snapshot_id, target, as_of, built_at, landed, rows)
            con.execute("create table snap.snapshot_meta (key varchar primary key, value varchar)")
            meta = info.to_json()
            con.executemany(
                "insert into snap.snapshot_meta values (?, ?)",
                [(k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in meta.items()],
            )
            con.execute("checkpoint snap")
        finally:
            con.execute("detach snap")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    atomic_write_json(pointer_path(ws), info.to_json())
    _fsync_folder(folder)
    _remove_old(folder / "snapshots", keep={target.name})
    return info


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old(folder: Path, keep: set[str]) -> None:
    """Leave the newest KEEP snapshots (and ``keep``); a reader of a removed one keeps its open file."""
    files = sorted(folder.glob("*.duckdb"), key=lambda p: p.name, reverse=True)
    for old in files[KEEP:]:
        if old.name not in keep:
            old.unlink(missing_ok=True)


def current_snapshot(ws: Workspace) -> SnapshotInfo | None:
    """The snapshot the pointer names (None before the first build published one)."""
    try:
        data = json.loads(pointer_path(ws).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return SnapshotInfo.from_json(serving_folder(ws), data)
