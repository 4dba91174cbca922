"""The incremental event timeline equals a full refresh — including records that arrive before their enterprise's
registration and are linked later."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import dbt_ok, penalty_row, query, write_feed

from ground.identifiers import make_ric, make_uscc
from ground.settings import Workspace
from ingestion import ingest_all

AS_OF = {"as_of_date": "2026-11-23"}
USCC = make_uscc("9", "1", "310110", "MA1FL2X3")
NAME = "上海市杨浦区鑫达餐饮管理有限公司"
DISTRICT_AUTHORITY = make_uscc("1", "1", "310110", "MB2F2952")


# ------------------------------------------------------------------ e2e: incremental timeline equals full refresh


def registry_row(**overrides) -> dict[str, str]:
    row = dict(
        uscc=USCC,
        enterprise_name=NAME,
        entity_type="有限责任公司",
        region_code="310110",
        industry_code="0111",
        legal_rep_name="张伟",
        legal_rep_id_type="身份证",
        legal_rep_id_number=make_ric("310110", date(1980, 5, 6), "123"),
        registered_capital_wan="100",
        established_date="2020-05-01",
        approval_date="2020-05-01",
        status="存续",
        address="上海市杨浦区某路1号",
        contact_phone="13800000000",
        registration_authority="上海市杨浦区市场监督管理局",
    )
    row.update(overrides)
    return row


def timeline(ws: Workspace) -> list[tuple]:
    return query(ws, "select * exclude (_received_at) from fct_credit_events order by event_id")


def unlinked(ws: Workspace) -> list[tuple]:
    return query(ws, "select record_key, unlinked_reason from mart_unlinked_records order by 1")


@pytest.mark.e2e
def test_incremental_timeline_links_late_registrations_and_equals_a_full_refresh(tmp_path):
    ws = Workspace(tmp_path / "home").ensure()
    select = ["--select", "+fct_credit_events", "mart_unlinked_records"]
    # 1. penalties arrive first: one with a USCC, two without (the enterprise's registration has not arrived yet),
    #    one on a natural person
    write_feed(
        ws,
        "penalties",
        "p1.csv",
        [
            penalty_row(1, authority_uscc=DISTRICT_AUTHORITY),
            penalty_row(2, uscc="", authority_uscc=DISTRICT_AUTHORITY),
            penalty_row(
                3, uscc="", party_name="上海市杨浦区　鑫达餐饮管理有限公司 ", authority_uscc=DISTRICT_AUTHORITY
            ),
            penalty_row(4, uscc="", party_name="王五", party_category="自然人", authority_uscc=DISTRICT_AUTHORITY),
        ],
    )
    assert [r.status for r in ingest_all(ws)] == ["landed"]
    dbt_ok("seed", home=ws.home, vars=AS_OF)
    dbt_ok("run", *select, home=ws.home, vars=AS_OF)
    first = timeline(ws)
    assert len(first) == 4 and sum(1 for r in first if r[8]) == 1  # is_linked: only the reported USCC
    assert {reason for _, reason in unlinked(ws)} == {"无名称匹配的主体", "行政相对人为自然人，不记于企业名下"}

    # 2. the registration and a second penalty batch arrive; the incremental run adds the batch and relinks
    write_feed(ws, "registry", "r1.csv", [registry_row()])
    write_feed(ws, "penalties", "p2.csv", [penalty_row(5, authority_uscc=DISTRICT_AUTHORITY)])
    assert [r.status for r in ingest_all(ws)].count("landed") == 2  # p1.csv is skipped (already ingested)
    dbt_ok("run", *select, home=ws.home, vars=AS_OF)
    incremental = timeline(ws)
    linked = {r[6]: (r[4], r[5]) for r in incremental if r[8]}  # link_method → (uscc, reported_uscc)
    assert linked["name_on_date_same_region"] == (USCC, None)
    assert [reason for _, reason in unlinked(ws)] == ["行政相对人为自然人，不记于企业名下"]

    # 3. a full refresh gives the same timeline
    dbt_ok("run", "--full-refresh", *select, home=ws.home, vars=AS_OF)
    assert timeline(ws) == incremental
    assert len(incremental) == 5
