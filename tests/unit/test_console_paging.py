"""The console's paged tables page in a total order: rows that tie on the visible sort key (days late and due date,
membership date) come in one fixed order, so that consecutive pages (LIMIT/OFFSET) neither repeat nor skip a row,
whatever order the snapshot holds them in."""

from __future__ import annotations

import random
from datetime import date

import duckdb

from console.queries import accountability, lists

UNIT = "上海市财政局"


def _overdue_snapshot(rows: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        """create table punishment_overdue (stage_code varchar, stage_label varchar, responsible_unit varchar,
               responsible_unit_type varchar, object_type varchar, uscc varchar, basis_type varchar,
               basis_number varchar, measure_id varchar, measure_name varchar, due_date date, is_estimated boolean,
               done_on date, overdue_status varchar, late_working_days integer)"""
    )
    numbers = [f"沪市监严列〔2026〕{i}号" for i in range(rows)]
    random.Random(7).shuffle(numbers)  # the snapshot's physical order is not the page order
    con.executemany(
        "insert into punishment_overdue values ('feedback', '反馈', ?, '外部门', 'enterprise', '913100001378003830', "
        "'serious_list', ?, 'SX-001', '限制参与政府采购', date '2026-06-01', false, null, '超期未办', 21)",
        [[UNIT, n] for n in numbers],
    )
    return con


def test_overdue_steps_that_tie_on_days_late_page_without_repeats_or_gaps():
    rows = accountability.DETAIL_PAGE * 2 + 7
    con = _overdue_snapshot(rows)
    first = accountability.overdue(con.cursor(), UNIT, 1)
    assert (first.total, first.pages) == (rows, 3)
    shown = [d["basis_number"] for page in (1, 2, 3) for d in accountability.overdue(con.cursor(), UNIT, page).details]
    assert len(shown) == len(set(shown)) == rows
    assert shown == sorted(shown)  # the tie is broken by the record key, not by the snapshot's order


def _list_snapshot(rows: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        """create table list_entry (list_kind varchar, uscc varchar, enterprise_name varchar, region_code varchar,
               region_name varchar, industry varchar, domain varchar, department varchar, record_number varchar,
               detail varchar, valid_from date, valid_to date, removal varchar, stage varchar, rule_source varchar,
               trigger_record varchar, source_file varchar, row_number bigint)"""
    )
    con.execute("create table list_facet (list_kind varchar, facet varchar, value varchar, entries bigint)")
    # one enterprise, one trigger record, many candidate entries: only the detail tells them apart
    details = [f"行政处罚：第 {i:03d} 项" for i in range(rows)]
    random.Random(11).shuffle(details)
    con.executemany(
        "insert into list_entry (list_kind, uscc, enterprise_name, record_number, detail, stage) "
        "values ('candidate', '913100001378003830', '上海某某有限公司', '沪市监罚〔2026〕1号', ?, '待审核')",
        [[d] for d in details],
    )
    return con


def test_list_entries_that_tie_on_date_and_record_page_without_repeats_and_export_in_page_order():
    rows = lists.PAGE_SIZE * 2 + 3
    con = _list_snapshot(rows)
    day = date(2026, 11, 24)
    f = lists.parse_filters("candidate", "", day)
    shown = [r["detail"] for page in (1, 2, 3) for r in lists.list_page(con.cursor(), f, day, page).rows]
    assert len(shown) == len(set(shown)) == rows
    assert shown == sorted(shown)
    _, total, exported = lists.export_rows(con.cursor(), f, day)
    detail = list(lists.LISTS["candidate"].columns).index("detail")
    assert total == rows and [r[detail] for r in exported] == shown
