"""The supervisors' console on the shared demo warehouse (one copy per module: users, tokens and the audit log are
written there): sign-in, roles, search, the record page, the audit log and the interception endpoint."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import opencc
import pytest
from fastapi.testclient import TestClient
from helpers import read_landed

from console import TokenStore, UserStore, current_snapshot, load_roles, publish_snapshot
from console.app import SESSION_COOKIE
from console.serving import SnapshotReader, connect_snapshot
from creditwh import jobs
from ground.identifiers import mask_id_number
from interception import index_path, person_key

PASSWORD = "console-test-password"


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def served(demo, tmp_path_factory):
    ws = demo.copy(tmp_path_factory.mktemp("console"))
    store = UserStore(ws)
    for role in ("registrar", "supervisor", "admin"):
        store.add(f"u-{role}", role, PASSWORD)
    token = TokenStore(ws).add("registration")
    return ws, token


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(served, clock):
    ws, _ = served
    return jobs.console_app(ws, session_minutes=30, clock=clock)


def signed_in(app, role: str) -> TestClient:
    client = TestClient(app)
    r = client.post("/login", data={"username": f"u-{role}", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def snapshot_rows(ws, sql: str, *params) -> list[tuple]:
    with connect_snapshot(current_snapshot(ws).path) as con:
        return con.execute(sql, list(params)).fetchall()


def audit_lines(ws) -> list[dict]:
    return [
        json.loads(line)
        for p in sorted((ws.home / "console" / "audit").glob("*.jsonl"))
        for line in p.read_text().splitlines()
    ]


def test_the_build_published_a_snapshot_with_its_identity(demo):
    info = current_snapshot(demo.ws)
    assert info is not None and info.as_of_date == demo.as_of and info.landed_through is not None
    assert demo.build["serving"]["snapshot"] == info.snapshot_id
    meta = dict(snapshot_rows(demo.ws, "select key, value from snapshot_meta"))
    assert meta["as_of_date"] == demo.as_of.isoformat() and meta["snapshot_id"] == info.snapshot_id
    assert info.rows["credit_event"] > 0 and info.rows["search_key"] > info.rows["enterprise"]


def test_pages_need_a_signed_in_user(app):
    client = TestClient(app)
    for path in ("/", "/search?q=上海", "/enterprise/91310000MA1FL2X3XX", "/interception", "/audit"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_a_wrong_password_is_refused(app):
    client = TestClient(app)
    for name, password in (("u-admin", "not-the-password"), ("nobody", PASSWORD)):
        r = client.post("/login", data={"username": name, "password": password}, follow_redirects=False)
        assert r.status_code == 401 and "用户名或密码错误" in r.text
        assert SESSION_COOKIE not in client.cookies
    assert client.get("/search", follow_redirects=False).status_code == 303


def test_passwords_are_stored_hashed(served):
    ws, token = served
    text = (ws.home / "console" / "users.json").read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert token not in (ws.home / "console" / "tokens.json").read_text()
    assert oct((ws.home / "console" / "users.json").stat().st_mode & 0o777) == "0o600"


def test_a_session_expires_after_the_idle_time(app, clock):
    client = signed_in(app, "supervisor")
    assert client.get("/search").status_code == 200
    clock.now += 29 * 60  # still active: each request moves the idle limit on
    assert client.get("/search").status_code == 200
    clock.now += 31 * 60
    r = client.get("/search", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/search", follow_redirects=False).status_code == 303  # the session was cleared


def test_every_page_says_which_build_it_shows(app, served):
    info = current_snapshot(served[0])
    text = signed_in(app, "registrar").get("/search").text
    assert f"数据截至 {info.as_of_date}（构建于" in text


def test_a_role_sees_only_what_roles_yml_grants(app, served):
    ws, _ = served
    roles = load_roles()
    assert "risk_class" not in roles.role("registrar").permissions
    assert "risk_class" in roles.role("supervisor").permissions
    assert "audit_log" not in roles.role("supervisor").permissions
    (uscc, risk_class), *_ = snapshot_rows(ws, "select uscc, risk_class from risk_class where risk_class = 'C'")
    shown = signed_in(app, "supervisor").get(f"/enterprise/{uscc}").text
    assert 'id="risk-class"' in shown and f"{risk_class} 类" in shown
    hidden = signed_in(app, "registrar").get(f"/enterprise/{uscc}")
    assert hidden.status_code == 200 and 'id="risk-class"' not in hidden.text and "信用风险分类" not in hidden.text
    assert signed_in(app, "supervisor").get("/audit").status_code == 403
    assert signed_in(app, "admin").get("/audit").status_code == 200


def test_search_by_a_former_name_typed_in_traditional_full_width(app, served):
    ws, _ = served
    (uscc, former), *_ = snapshot_rows(
        ws, "select uscc, enterprise_name from enterprise_name_history where not is_current order by uscc"
    )
    typed = opencc.OpenCC("s2t").convert(former).replace("(", "（").replace(")", "）")
    r = signed_in(app, "registrar").get("/search", params={"q": f" {typed} "})
    assert r.status_code == 200 and f"/enterprise/{uscc}" in r.text and "曾用名" in r.text


def test_search_by_a_partial_uscc_and_by_registration_number(app, served):
    ws, _ = served
    (uscc,), *_ = snapshot_rows(ws, "select uscc from enterprise order by uscc")
    client = signed_in(app, "registrar")
    assert f"/enterprise/{uscc}" in client.get("/search", params={"q": uscc[:10].lower()}).text
    assert f"/enterprise/{uscc}" in client.get("/search", params={"q": uscc[4:14]}).text  # contains
    (reg, owner), *_ = snapshot_rows(ws, "select search_key, uscc from search_key where kind = 'registration_number'")
    assert f"/enterprise/{owner}" in client.get("/search", params={"q": reg}).text


def test_the_record_shows_a_penalty_with_its_source_file_and_line(app, served):
    ws, _ = served
    (uscc, number, source, line), *_ = snapshot_rows(
        ws,
        """select uscc, record_key, _source_file, _row_number from credit_event
           where feed = 'penalties' and is_public order by event_id""",
    )
    text = signed_in(app, "supervisor").get(f"/enterprise/{uscc}").text
    row = next(r for r in text.split("<tr") if number in r)
    assert "行政处罚" in row and source in row and f"第 {line} 行" in row and "公示中" in row


def test_a_licence_carries_its_key_sector_tag(app, served):
    ws, _ = served
    (uscc, number, domain), *_ = snapshot_rows(
        ws, "select uscc, licence_number, key_sector_domain from key_sector_licence order by uscc"
    )
    text = signed_in(app, "registrar").get(f"/enterprise/{uscc}").text
    row = next(r for r in text.split("<tr") if number in r)
    assert f"【重点领域：{domain}" in row


def test_each_look_up_is_written_to_the_audit_log(app, served):
    ws, _ = served
    before = len(audit_lines(ws))
    client = signed_in(app, "supervisor")
    client.get("/search", params={"q": "不存在的企业名称甲乙丙"})
    (uscc,), *_ = snapshot_rows(ws, "select uscc from enterprise order by uscc")
    client.get(f"/enterprise/{uscc}")
    new = audit_lines(ws)[before:]
    assert [(e["user"], e["action"], e["query"]) for e in new] == [
        ("u-supervisor", "enterprise_search", "不存在的企业名称甲乙丙"),
        ("u-supervisor", "enterprise_record", uscc),
    ]
    assert new[0]["results"] == 0 and new[1]["results"] > 0 and new[1]["snapshot"]


def restricted_person(ws) -> tuple[str, int]:
    """An ID number of a legal representative with restrictions in force on the as-of date, from the landed registry."""
    with duckdb.connect(str(index_path(ws)), read_only=True) as con:
        keys = dict(
            con.execute(
                """select subject_key, count(*) from restriction_index where object_role = 'legal_rep'
                   and start_date <= ? and (end_date is null or end_date > ?) group by 1""",
                [date(2026, 7, 1), date(2026, 7, 1)],
            ).fetchall()
        )
    for number in read_landed(ws, "registry")["legal_rep_id_number"].drop_nulls().unique().sort():
        if person_key(number) in keys:
            return number, keys[person_key(number)]
    raise AssertionError("the demo warehouse has no restricted legal representative")


def test_the_interception_api_needs_a_valid_token(app):
    client = TestClient(app)
    body = {"identifier": "91310000MA1FL2X3XX"}
    assert client.post("/api/v1/interception", json=body).status_code == 401
    r = client.post("/api/v1/interception", json=body, headers={"Authorization": "Bearer wrong-token"})
    assert r.status_code == 401 and "令牌" in r.json()["message"]


def test_the_interception_api_answers_a_restricted_person(app, served):
    ws, token = served
    number, expected = restricted_person(ws)
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/v1/interception", json={"identifier": number, "as_of": "2026-07-01"}, headers=auth)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["restricted"] is True and len(answer["restrictions"]) == expected
    assert answer["identifier"] == mask_id_number(number) and number not in r.text
    assert {x["object_role"] for x in answer["restrictions"]} == {"legal_rep"}
    bad = client.post("/api/v1/interception", json={"identifier": "123"}, headers=auth)
    assert bad.status_code == 400 and "统一社会信用代码" in bad.json()["message"]
    lines = audit_lines(ws)
    assert lines[-2]["user"] == "system:registration" and lines[-2]["query"] == mask_id_number(number)
    assert number not in "".join(json.dumps(x, ensure_ascii=False) for x in lines)


def test_the_interception_page_masks_the_id_number(app, served):
    ws, _ = served
    number, _ = restricted_person(ws)
    r = signed_in(app, "registrar").post("/interception", data={"identifier": number, "as_of": "2026-07-01"})
    assert "拦截警示" in r.text and mask_id_number(number) in r.text and number not in r.text


def test_a_new_snapshot_is_read_by_the_next_request_and_two_are_kept(served):
    ws, _ = served
    reader = SnapshotReader(ws)
    first = reader.open()
    second = publish_snapshot(ws, date(2026, 7, 1))
    assert reader.open().info.snapshot_id == second.snapshot_id != first.info.snapshot_id
    assert first.cursor().execute("select count(*) from enterprise").fetchone()[0] > 0  # the old one still reads
    third = publish_snapshot(ws, date(2026, 7, 1))
    files = sorted(p.name for p in (ws.home / "serving" / "snapshots").iterdir())
    assert files == sorted([f"{second.snapshot_id}.duckdb", f"{third.snapshot_id}.duckdb"])
