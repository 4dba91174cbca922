"""Publication on the shared demo warehouse: the release, its manifest and withheld records, the publication rules,
the gate stopping a broken mart, the delta and the rates.

The demo warehouse (conftest.demo) is built and published as of DEMO_AS_OF with three records flagged secret; the
tests that publish again or break a mart work on a copy of its workspace.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from helpers import DEMO_AS_OF, files_of, query, read_landed, write_feed

from contracts.publication import record_types
from creditwh import jobs
from creditwh.jobs import publish
from ground.settings import Workspace
from publication import delta as delta_step
from publication import rates
from publication.publish import ReleaseDateMismatch
from quality_gate import GateFailed
from warehouse import dbt

AS_OF = DEMO_AS_OF


def _release(ws: Workspace, day: date = AS_OF) -> Path:
    return ws.publication / "releases" / day.isoformat()


def test_release_has_every_record_type_with_a_manifest_that_matches(demo):
    ws, release = demo.ws, demo.release
    assert release.release_date == AS_OF and release.path == _release(ws)
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["record_types"]) == {r.name for r in record_types()}
    assert manifest["generated_at"] == "2026-07-01T00:00:00+08:00"
    for f in manifest["files"]:
        path = release.path / f["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"] and path.stat().st_size == f["bytes"]
    for name, rt in manifest["record_types"].items():
        assert bool(rt["source_batches"]) == (rt["rows"] > 0), name
        with (release.path / f"{name}.csv").open(encoding="utf-8") as fh:
            assert sum(1 for _ in csv.reader(fh)) - 1 == rt["rows"]
    # first release: everything is new
    assert manifest["delta"]["against"] is None
    assert all(c["added"] == manifest["record_types"][n]["rows"] for n, c in manifest["delta"]["counts"].items())
    # the rules the release applied, with their legal source
    rules = manifest["rules_in_force"]
    assert {"rule_publication_actions", "rule_publication_periods", "rule_lower_amount_fines"} <= set(rules)
    assert all(r["source"] for rows in rules.values() for r in rows)
    header = (release.path / "penalties.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("行政处罚决定书文号,行政相对人名称") and "证件号码" not in header
    # the content-level negative list ran: counts per kind for every record type, totals in one place
    content = manifest["content_negative_list"]
    assert content["patterns"] == "contracts/redaction.yml" and set(content["redactions"]) >= {"resident_id", "mobile"}
    for name, rt in manifest["record_types"].items():
        assert set(rt["redactions"]) == set(content["redactions"]), name
    assert manifest["revision"] == 1
    enterprises = query(ws, "select count(*) from dim_enterprise")[0][0]
    assert enterprises == manifest["record_types"]["enterprises"]["rows"] > 0


def test_records_flagged_secret_are_withheld_and_counted(demo):
    ws, holds, release = demo.ws, demo.holds, demo.release
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        held = {
            (kind, key)
            for kind, key in con.execute(
                "select 'penalties', decision_number from intermediate.int_publication__penalties where publication_state = 'withheld' "
                "union all select 'licences', licence_number from intermediate.int_publication__licences "
                "where publication_state = 'withheld'"
            ).fetchall()
        }
    mine = {("penalties" if h["record_type"] == "行政处罚" else "licences", h["record_number"]) for h in holds}
    assert mine <= held  # the generator flags a few records too: every one withheld is counted
    assert release.withheld["penalties"] == sum(k == "penalties" for k, _ in held) >= 2
    assert release.withheld["licences"] == sum(k == "licences" for k, _ in held) >= 1
    text = "".join(p.read_text(encoding="utf-8") for p in release.path.rglob("*") if p.is_file())
    for hold in holds:
        assert hold["record_number"] not in text
        assert hold["hold_id"] not in text and hold["hold_reason"] not in text


def test_publication_rules_hold_in_the_judged_records(demo):
    ws = demo.ws
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        states = dict(
            con.execute(
                "select publication_state, count(*) from intermediate.int_publication__penalties group by 1"
            ).fetchall()
        )
        assert states.get("published", 0) > 0 and states.get("excluded", 0) > 0
        # warning-only, summary procedure, natural persons: never published
        assert (
            con.execute("""select count(*) from pub_penalties p join staging.stg_landing__penalties s using (decision_number)
                              where s.penalty_types = '警告' or s.procedure_type = '简易程序' or s.party_category = '自然人'
                           """).fetchone()[0]
            == 0
        )
        # revoked decisions are withdrawn
        assert (
            con.execute("""select count(*) from pub_penalties where decision_number in
                              (select decision_number from staging.stg_landing__penalties where record_status = '撤销')
                           """).fetchone()[0]
            == 0
        )
        # every published penalty is inside its publicity period on the as-of date
        assert (
            con.execute(
                "select count(*) from pub_penalties where not (publicity_start <= date '2026-07-01' "
                "and date '2026-07-01' < publicity_end)"
            ).fetchone()[0]
            == 0
        )
        # short (3-month) periods only for 通报批评 / fines
        bad = con.execute("""select count(*) from intermediate.int_publication__penalties where is_short_period
                             and regexp_matches(penalty_types, '没收|吊销|暂扣|限制|责令|降低')""").fetchone()[0]
        assert bad == 0
        # list removals stay published as history
        assert (
            con.execute("select count(*) from pub_abnormal_list").fetchone()[0]
            == con.execute(
                "select count(*) from intermediate.int_publication__list_entries where record_type = 'abnormal_list' "
                "and publication_state = 'published'"
            ).fetchone()[0]
        )
        # no ID number in any form: no column of any public model is an ID column, masked or not
        id_columns = con.execute(
            "select table_name, column_name from information_schema.columns where table_name like 'pub\\_%' escape '\\' "
            "and (column_name like '%id_number%' or column_name like '%id_masked%')"
        ).fetchall()
    assert id_columns == []


def test_republishing_unchanged_data_is_byte_identical(demo, tmp_path):
    ws = demo.copy(tmp_path)
    before = files_of(demo.release.path)
    assert files_of(_release(ws)) == before
    again = publish(ws)
    delta_step.build_delta(ws, AS_OF)  # the separate step on an unchanged release changes nothing either
    assert again.path == _release(ws) and files_of(again.path) == before
    assert not [p for p in (ws.publication / "releases").iterdir() if p.name.startswith(".")]


def test_a_broken_mart_stops_publication_with_a_readable_failure(demo, tmp_path):
    ws = demo.copy(tmp_path, published=False)
    with duckdb.connect(str(ws.warehouse)) as con:
        secret = "320923196901011513"
        # an ID in a key (keys are not redacted: the gate's content scan must refuse), an implausible date
        con.execute(
            "update pub_penalties set decision_number = '罚' || ?, decision_date = date '1900-01-01' "
            "where rowid = (select min(rowid) from pub_penalties)",
            [secret],
        )
        con.execute(
            "update pub_licences set source_batch_id = 'licences-0000000000000000' "
            "where rowid = (select min(rowid) from pub_licences)"
        )
        con.execute("insert into pub_inspections select * from pub_inspections limit 1")
    with pytest.raises(GateFailed) as caught:
        publish(ws)
    message = str(caught.value)
    assert "质量闸门未通过，未发布任何文件" in message
    assert (
        "行政处罚信息（pub_penalties）：「行政处罚决定书文号」含内容负面清单所列信息（contracts/redaction.yml）—— 身份证号码 1 处"
        in message
    )
    assert "行政处罚信息（pub_penalties）：「处罚决定日期」不早于 1949-10-01" in message
    assert "公示日期不早于决定日期" not in message  # publicity_start is still after the (bad) decision date
    assert "行政许可信息（pub_licences）：每一行的来源批次都是入库台账中已提交的批次 —— 1 行不符" in message
    assert "抽查检查结果信息（pub_inspections）：主键（检查任务编号、统一社会信用代码）组合唯一" in message
    assert secret not in message
    assert not (ws.publication / "releases").exists() or not any((ws.publication / "releases").iterdir())
    assert (ws.gate / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()


def test_release_date_must_be_the_build_date(demo, tmp_path):
    ws = demo.copy(tmp_path, published=False)
    with pytest.raises(ReleaseDateMismatch, match="cwh build --as-of 2026-07-02"):
        publish(ws, date(2026, 7, 2))


def test_delta_against_the_previous_release(demo, tmp_path):
    ws = demo.copy(tmp_path)  # with the demo's release of AS_OF
    with duckdb.connect(str(ws.warehouse)) as con:
        removed, changed = [
            r[0]
            for r in con.execute(
                "select decision_number from pub_penalties order by decision_number limit 2"
            ).fetchall()
        ]
        con.execute("delete from pub_penalties where decision_number = ?", [removed])
        con.execute(
            "update pub_penalties set penalty_content = penalty_content || '（更正）' where decision_number = ?",
            [changed],
        )
        con.execute("update mart_publication_context set as_of_date = date '2026-07-02'")
    release = publish(ws, with_delta=False)  # the DAG's publish task; the delta task follows
    assert not (release.path / "delta").exists()
    d = delta_step.build_delta(ws, date(2026, 7, 2))
    assert d["against"] == {"release_date": "2026-07-01", "revision": 1}
    assert d["counts"]["penalties"] == {"added": 0, "modified": 1, "removed": 1}
    assert d["counts"]["enterprises"] == {"added": 0, "modified": 0, "removed": 0}
    lines = [
        json.loads(x) for x in (release.path / "delta" / "penalties.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {(x["op"], x["record"]["decision_number"]) for x in lines} == {("DEL", removed), ("MOD", changed)}
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["delta"] == d
    entry = next(f for f in manifest["files"] if f["file"] == "delta/penalties.jsonl")
    assert entry["sha256"] == hashlib.sha256((release.path / "delta" / "penalties.jsonl").read_bytes()).hexdigest()


def test_rates_per_department_and_record_type_over_any_period(demo, tmp_path):
    ws = demo.copy(tmp_path, published=False)  # the report is written into the workspace
    overall = {r.record_type: r for r in rates.compute(ws, by_department=False)}
    per_dept = rates.compute(ws)
    assert {"penalties", "licences", "inspections"} <= set(overall)
    for name, total in overall.items():
        parts = [r for r in per_dept if r.record_type == name]
        assert sum(r.published for r in parts) == total.published
        assert sum(r.publishable for r in parts) == total.publishable
        assert 0 <= total.publicity_rate <= 1 and total.published <= total.publishable
    # accuracy: rows that passed the contract over rows received, matching the ingestion ledger
    pen = overall["penalties"]
    assert pen.received > pen.passed > 0
    h1 = {
        r.record_type: r.published for r in rates.compute(ws, date(2025, 1, 1), date(2025, 6, 30), by_department=False)
    }
    h2 = {r.record_type: r.published for r in rates.compute(ws, date(2025, 7, 1), None, by_department=False)}
    assert h1["penalties"] + h2["penalties"] == pen.published
    report = rates.write_report(ws, AS_OF)
    head = report.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("记录类型,记录类型名称,部门（决定机关）,应公示数,已公示数,公示率")


FORMULAS = [
    '=HYPERLINK("http://example.invalid/x","点击")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "  =1+2",
]


def test_formula_cells_are_neutralised_and_json_lines_are_strict(demo, tmp_path):
    ws = demo.copy(tmp_path, published=False)
    with duckdb.connect(str(ws.warehouse)) as con:
        keys = [r[0] for r in con.execute("select decision_number from pub_penalties order by 1 limit 7").fetchall()]
        for key, payload in zip(keys, FORMULAS, strict=True):
            con.execute("update pub_penalties set violation_facts = ? where decision_number = ?", [payload, key])
        con.execute("update pub_penalties set fine_amount_wan = 'NaN'::double where decision_number = ?", [keys[0]])
        con.execute("update pub_penalties set fine_amount_wan = 'inf'::double where decision_number = ?", [keys[1]])
    release = publish(ws)

    with (release.path / "penalties.csv").open(encoding="utf-8", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    for payload in FORMULAS:
        assert "'" + payload in cells
        assert payload not in cells
    live = [c for c in cells if c.lstrip(" ")[:1] in ("=", "+", "@") or c[:1] in ("\t", "\r")]
    assert live == []
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["record_types"]["penalties"]["csv_formula_cells_neutralised"] >= len(FORMULAS)

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    for path in release.path.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line, parse_constant=refuse)
    rows = {r["decision_number"]: r for r in map(json.loads, (release.path / "penalties.jsonl").open())}
    assert rows[keys[0]]["fine_amount_wan"] is None and rows[keys[1]]["fine_amount_wan"] is None
    assert rows[keys[2]]["violation_facts"] == FORMULAS[2]  # JSON Lines carry the value as it is


def test_what_a_killed_publish_left_is_removed_by_the_next(demo, tmp_path):
    ws = demo.copy(tmp_path)  # with the demo's release of AS_OF
    releases = ws.publication / "releases"
    left = [releases / ".tmp-killed0000", releases / ".old-killed0000", _release(ws) / ".tmp-killed0000"]
    for folder in left:
        folder.mkdir()
        (folder / "penalties.csv").write_text("half", encoding="utf-8")
    publish(ws)
    assert [p for p in left if p.exists()] == []
    assert not [p for p in releases.iterdir() if p.name.startswith(".")]
    delta_step.build_delta(ws, AS_OF)
    assert not any(p.name.startswith((".tmp-", ".old-")) for p in _release(ws).iterdir())


def test_a_second_release_on_the_same_date_is_a_revision_with_its_delta_against_the_first(demo, tmp_path):
    ws = demo.copy(tmp_path)  # holds revision 1 of AS_OF
    first = files_of(_release(ws))
    with duckdb.connect(str(ws.warehouse)) as con:  # the warehouse rebuilt on the same date with a correction
        (changed,) = con.execute("select min(decision_number) from pub_penalties").fetchone()
        con.execute(
            "update pub_penalties set penalty_content = penalty_content || '（更正）' where decision_number = ?",
            [changed],
        )
    release = publish(ws)
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["revision"] == 2
    assert manifest["delta"]["against"] == {"release_date": AS_OF.isoformat(), "revision": 1}
    assert manifest["delta"]["counts"]["penalties"] == {"added": 0, "modified": 1, "removed": 0}
    assert sum(sum(c.values()) for c in manifest["delta"]["counts"].values()) == 1
    kept = ws.publication / "superseded" / AS_OF.isoformat() / "r1"
    assert files_of(kept) == first  # what consumers held stays readable
    # rerun on the same data: same revision, same bytes (the delta still against revision 1)
    second = files_of(release.path)
    assert files_of(publish(ws).path) == second
    delta_step.build_delta(ws, AS_OF)
    assert files_of(release.path) == second


# ------------------------------------------------------------------ incremental by record (docs/stack.md, issue 26)

BY_RECORD = (
    "intermediate.int_publication__penalties",
    "intermediate.int_publication__licences",
    "intermediate.int_publication__inspections",
    "main.pub_penalties",
    "main.pub_licences",
    "main.pub_inspections",
)
MARK = "※"  # never in a party name: the rows an incremental build kept keep it


def _run(ws: Workspace, day: date, *args: str) -> None:
    log: list[str] = []
    vars_ = ["--vars", json.dumps({"as_of_date": day.isoformat()})]
    assert dbt(ws, "run", *args, *vars_, on_line=log.append) == 0, "\n".join(log[-40:])


def _incremental_equals_a_full_refresh(ws: Workspace, day: date, *select: str) -> dict[str, list[tuple]]:
    """Mark every row, build incrementally as of ``day``, then check that rows were both kept (marked) and recomputed
    (unmarked) where the model has rows, and that without the marks the tables equal a full refresh as of ``day``."""
    with duckdb.connect(str(ws.warehouse)) as con:
        for table in BY_RECORD:
            con.execute(f"update {table} set party_name = party_name || '{MARK}'")
    _run(ws, day, "--select", *select)
    kept = {
        t: query(ws, f"select count(*) filter (where party_name like '%{MARK}'), count(*) from {t}")[0]
        for t in BY_RECORD
    }
    with duckdb.connect(str(ws.warehouse)) as con:
        for table in BY_RECORD:
            con.execute(f"update {table} set party_name = rtrim(party_name, '{MARK}')")
    incremental = {t: sorted(query(ws, f"select * from {t}"), key=repr) for t in BY_RECORD}
    _run(ws, day, "--full-refresh", "--select", "int_publication__holds", *(t.split(".")[1] for t in BY_RECORD))
    for table in BY_RECORD:
        assert incremental[table] == sorted(query(ws, f"select * from {table}"), key=repr), (table, day)
    assert kept["intermediate.int_publication__licences"][0] > 0, kept  # not everything was recomputed
    return kept


def test_publication_models_incremental_by_record_equal_a_full_refresh(demo, tmp_path):
    """int_publication__* and pub_* recompute only the records new batches or the moved as-of date change
    (macros/publication_keys.sql): the date back and forth (receipts, holds, expiries), a credit repair, then a later
    penalty of the same enterprise that only the spread by enterprise reaches (the repair is refused: repeat
    violation) — each step equal to a full refresh."""
    ws = demo.copy(tmp_path, published=False)
    models = ["int_publication__holds", *(t.split(".")[1] for t in BY_RECORD)]
    # the date back (holds approved, versions received in between), then far on (publicity periods end)
    kept = _incremental_equals_a_full_refresh(ws, date(2026, 1, 15), *models)
    assert any(keep < total for keep, total in kept.values()), kept
    later = date(2026, 10, 1)
    kept = _incremental_equals_a_full_refresh(ws, later, *models)
    judged = "select publication_state, count(*) from intermediate.int_publication__penalties group by 1"
    assert dict(query(ws, judged))["expired"] > 0
    # a credit repair of a penalty published a year before, granted when the waiting period is over
    [(number, uscc, name, violation, decided, start)] = query(
        ws,
        "select decision_number, uscc, party_name, violation_type, decision_date, publicity_start "
        "from intermediate.int_publication__penalties where publication_state = 'published' and uscc is not null "
        "and publicity_start <= date '2025-06-01' order by decision_number limit 1",
    )
    applied = date(start.year + 1, start.month, min(start.day, 28)) + timedelta(days=31)
    repaired = applied + timedelta(days=5)
    received = datetime(2026, 9, 20, 2, tzinfo=UTC).timestamp()
    repair = dict(
        application_id="XFTEST0001",
        uscc=uscc,
        enterprise_name=name,
        repair_object_type="行政处罚",
        related_record_number=number,
        apply_date=applied.isoformat(),
        decision_date=repaired.isoformat(),
        outcome="准予修复",
        deciding_authority="上海市市场监督管理局",
    )
    write_feed(ws, "credit_repairs", "credit_repairs_test.csv", [repair], header="name", mtime=received)
    assert [r.status for r in jobs.ingest(ws) if r.status != "skipped"] == ["landed"]
    upstream = ["+pub_penalties", "+pub_licences", "+pub_inspections"]
    _incremental_equals_a_full_refresh(ws, later, *upstream)
    repair_of = f"select repaired_on, repair_refused_by from intermediate.int_publication__penalties where decision_number = '{number}'"
    assert query(ws, repair_of) == [(repaired, None)]
    # a later penalty of the same enterprise, same kind of violation, decided before the repair: only the enterprise
    # links it to the repaired one
    [original] = read_landed(ws, "penalties").filter(pl.col("decision_number") == number).head(1).to_dicts()
    again = {k: "" if v is None else str(v) for k, v in original.items()}
    again.update(
        decision_number=number.removesuffix("号") + "9号",  # 机关简称〔年份〕序号号
        decision_date=(decided + timedelta(days=10)).isoformat(),
        record_status="正常",
        violation_type=violation,
    )
    write_feed(ws, "penalties", "penalties_test.csv", [again], header="name", mtime=received + 86400)
    assert [r.status for r in jobs.ingest(ws) if r.status != "skipped"] == ["landed"]
    _incremental_equals_a_full_refresh(ws, later, *upstream)
    assert query(ws, repair_of) == [(None, "penalty_repair_repeat_violation")]
