"""The supervisors' console on the shared demo warehouse (one copy per module: users, tokens and the audit log are
written there): sign-in, roles, search, the record page, the audit log and the interception endpoint."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import opencc
import pytest
from fastapi.testclient import TestClient
from helpers import read_landed

from console import TokenStore, UserStore, audit, current_snapshot, load_roles, publish_snapshot
from console.app import SESSION_COOKIE
from console.serving import SnapshotReader, connect_snapshot
from console.snapshot import BIGRAM_BASE
from creditwh import jobs
from ground.identifiers import make_ric, mask_id_number
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


def test_a_post_from_another_site_is_refused_before_the_form_is_read(app, served):
    ws, _ = served
    client = TestClient(app)
    form = {"username": "u-registrar", "password": PASSWORD}
    for header in (
        {"origin": "https://evil.example"},
        {"origin": "null"},  # a sandboxed frame or a local file
        {"referer": "https://evil.example/forged.html"},
        {"origin": "http://testserver.evil.example"},
    ):
        r = client.post("/login", data=form, headers=header, follow_redirects=False)
        assert r.status_code == 403 and "跨站提交被拒绝" in r.text, header
        assert SESSION_COOKIE not in client.cookies
    # signed in, a forged look-up from another site is refused too (and says nothing about the person)
    client = signed_in(app, "registrar")
    r = client.post(
        "/interception",
        data={"identifier": make_ric("110101", date(1990, 3, 7), "451")},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "限制" not in r.text
    assert any(e["action"] == "cross_site_post_refused" and e["query"] == "/interception" for e in audit_lines(ws))
    # the console's own pages post with their origin: accepted
    same = TestClient(app)
    r = same.post("/login", data=form, headers={"origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303
    r = same.post("/logout", headers={"referer": "http://testserver/search"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_sign_in_redirects_only_to_a_path_of_the_console(app):
    client = TestClient(app)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"):
        r = client.post(
            "/login", data={"username": "u-admin", "password": PASSWORD, "next": target}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == "/search", target


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


def test_password_guessing_locks_the_name_for_a_while_and_is_audited(app, clock, served):
    from console.access import SIGN_IN_LOCK_SECONDS, SIGN_IN_MAX_FAILURES

    client = TestClient(app)
    for _ in range(SIGN_IN_MAX_FAILURES):
        r = client.post("/login", data={"username": "u-supervisor", "password": "wrong password!"})
        assert r.status_code == 401
    # locked now: even the right password is refused, with the reason
    r = client.post("/login", data={"username": "u-supervisor", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 429 and "连续登录失败次数过多" in r.text
    assert signed_in(app, "registrar")  # another user is not locked out
    actions = [e["action"] for e in audit.recent(served[0]) if e["user"] == "u-supervisor"]
    assert actions.count("sign_in_failed") >= SIGN_IN_MAX_FAILURES and "sign_in_refused_locked" in actions
    clock.now += SIGN_IN_LOCK_SECONDS
    assert signed_in(app, "supervisor")


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
    assert f"/enterprise/{uscc}" not in client.get("/search", params={"q": uscc[4:14]}).text  # a code: from its start
    (reg, owner), *_ = snapshot_rows(ws, "select search_key, uscc from search_key where kind = 'registration_number'")
    assert f"/enterprise/{owner}" in client.get("/search", params={"q": reg}).text


def test_search_finds_a_fragment_from_the_middle_of_a_name(app, served):
    ws, _ = served
    (uscc, fragment), *_ = snapshot_rows(
        ws,
        """select uscc, substr(search_key, 3, 4) from name_search n where is_current and length(search_key) > 8
             and (select count(*) from name_search m where contains(m.search_key, substr(n.search_key, 3, 4))) < 20
             and not exists (select 1 from search_key k where starts_with(k.search_key, substr(n.search_key, 3, 4)))
           order by uscc""",
    )
    page = signed_in(app, "registrar").get("/search", params={"q": fragment}).text
    assert f"/enterprise/{uscc}" in page and "仅显示前" not in page


def test_the_snapshot_indexes_every_bigram_of_every_name_once(served):
    """The published bigram index against the names' bigrams computed here in SQL (a different way)."""
    ws, _ = served
    ((names, missing, extra, repeated, unsorted, miscounted, misplaced),) = snapshot_rows(
        ws,
        f"""with chars as (select name_id, search_key, unnest(range(1, length(search_key))) as i from name_search),
            expected as (select distinct unicode(substr(search_key, i, 1))::bigint * {BIGRAM_BASE}
                                         + unicode(substr(search_key, i + 1, 1)) as bigram, name_id from chars),
            stored as (select bigram, name_id, lag(bigram) over (order by rowid) as b0,
                              lag(name_id) over (order by rowid) as n0 from name_bigram)
            select (select count(distinct name_id) from expected),
                   (select count(*) from (from expected except select bigram, name_id from name_bigram)),
                   (select count(*) from (select bigram, name_id from name_bigram except from expected)),
                   (select count(*) - count(distinct (bigram, name_id)) from name_bigram),
                   (select count(*) from stored where b0 > bigram or (b0 = bigram and n0 >= name_id)),
                   (select count(*) from name_bigram_count c
                    full join (select bigram, count(*) as n from name_bigram group by all) g using (bigram)
                    where c.names is distinct from g.n),
                   (select count(*) from name_search where name_id <> rowid)""",
    )
    assert names > 100 and (missing, extra, repeated, unsorted, miscounted, misplaced) == (0, 0, 0, 0, 0, 0)


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


def test_an_id_number_typed_in_disguise_into_the_search_is_not_kept_in_the_audit_log(app, served):
    ws, _ = served
    person_id = make_ric("110101", date(1990, 3, 7), "451")
    disguised = (
        f"{person_id[:5]}{chr(ord(person_id[5]) + 0xFEE0)} {person_id[6:10]} {person_id[10:14]} {person_id[14:]}"
    )
    before = len(audit_lines(ws))
    client = signed_in(app, "supervisor")
    client.get("/search", params={"q": disguised})
    client.get("/search", params={"q": "\x00" + "甲" * 5000})
    searched, pasted = audit_lines(ws)[before:]
    assert person_id[10:14] not in searched["query"] and "身份证" in searched["query"]
    assert len(pasted["query"]) <= audit.QUERY_MAX_CHARS + 1 and "\x00" not in pasted["query"]


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


# --- part 2: why this class, lists as of a date with exports, closed loop and accountability, the gate's report --


def test_why_this_class_shows_contributions_that_sum_to_the_score(app, served):
    ws, _ = served
    (uscc, score, risk_class, n), *_ = snapshot_rows(
        ws,
        """select r.uscc, r.score, r.risk_class, count(*) from risk_class r
           join risk_indicator i using (uscc) group by all having count(*) >= 2 order by r.score desc, r.uscc""",
    )
    client = signed_in(app, "supervisor")
    assert 'id="why-class-link"' in client.get(f"/enterprise/{uscc}").text
    r = client.get(f"/enterprise/{uscc}/why")
    assert r.status_code == 200, r.text
    text = r.text
    rows = text.split("<tr data-indicator=")[1:]
    assert len(rows) == n
    contributions = [float(row.split('class="num contribution">')[1].split("<")[0]) for row in rows]
    assert abs(sum(contributions) - score) < 1e-3 * n
    total = float(text.split('id="contribution-total">')[1].split("<")[0])
    assert abs(total - score) < 1e-3 and f"{risk_class} 类" in text.split('id="risk-class"')[1][:80]
    thresholds = text.split('id="why-thresholds"')[1].split("</table>")[0]
    assert thresholds.count("<tr") == 1 + len({"A", "B", "C", "D"}) and "◀ 本企业" in thresholds
    history = text.split('id="why-history"')[1].split("</table>")[0]
    months = snapshot_rows(ws, "select count(*) from risk_monthly where uscc = ?", uscc)[0][0]
    assert months > 1 and history.count("<tr") == 1 + months
    assert audit_lines(ws)[-1]["action"] == "risk_class_grounds" and audit_lines(ws)[-1]["query"] == uscc


def test_a_registrar_sees_no_risk_class_anywhere(app, served):
    ws, _ = served
    (uscc,), *_ = snapshot_rows(ws, "select uscc from risk_class where risk_class in ('C', 'D') order by uscc")
    client = signed_in(app, "registrar")
    record = client.get(f"/enterprise/{uscc}").text
    assert "why-class-link" not in record and "/why" not in record and "信用风险" not in record
    why = client.get(f"/enterprise/{uscc}/why")
    assert why.status_code == 403 and "信用风险分类" in why.text and 'id="risk-class"' not in why.text
    for path in ("/lists/serious", "/lists/candidate/export.csv", "/accountability", "/accountability/overdue"):
        assert client.get(path).status_code == 403, path
    for nav in ("nav-lists", "nav-accountability", "nav-gate-report"):
        assert nav not in record


def _list_rows(text: str) -> list[str]:
    if 'id="list-table"' not in text:
        return []
    return text.split('id="list-table"')[1].split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]


def test_the_serious_list_as_of_a_past_date_differs_from_today(app, served):
    ws, _ = served
    info = current_snapshot(ws)
    listed = snapshot_rows(
        ws,
        "select uscc, valid_from from list_entry where list_kind = 'serious' and valid_to > ? order by 2",
        info.as_of_date,
    )
    assert listed, "the demo warehouse has no one on the serious list"
    (uscc, first_day), *_ = listed
    before = first_day - timedelta(days=1)  # the day before the first listing still in force today
    client = signed_in(app, "supervisor")
    today_page = client.get("/lists/serious").text
    past_page = client.get("/lists/serious", params={"as_of": before.isoformat()}).text
    assert any(uscc in row for row in _list_rows(today_page))
    assert not any(uscc in row for row in _list_rows(past_page))
    assert f"截至 {before}" in past_page and f'value="{before}"' in past_page
    assert client.get("/lists/serious", params={"as_of": "2026-13-01"}).status_code == 400
    future = client.get("/lists/serious", params={"as_of": (info.as_of_date + timedelta(days=1)).isoformat()})
    assert future.status_code == 400 and "晚于" in future.text


def test_a_list_filters_by_region_and_pages_in_sql(app, served):
    ws, _ = served
    (region, n), *_ = snapshot_rows(
        ws,
        """select value, entries from list_facet where list_kind = 'candidate' and facet = 'region'
           order by entries desc, value""",
    )
    total = snapshot_rows(ws, "select count(*) from list_entry where list_kind = 'candidate'")[0][0]
    client = signed_in(app, "supervisor")
    all_rows = client.get("/lists/candidate").text
    assert f"共 {total} 条" in all_rows and len(_list_rows(all_rows)) == min(total, 50)
    filtered = client.get("/lists/candidate", params={"region": region}).text
    assert f"共 {n} 条" in filtered and len(_list_rows(filtered)) == n
    assert all(region in row for row in _list_rows(filtered))
    assert "规则" in filtered and "触发记录" in filtered  # the rule and the triggering record of each candidate
    # repeat offenders are kept as of the build date only: a past date says so instead of showing today's list
    past = client.get("/lists/repeat_offender", params={"as_of": "2025-01-01"}).text
    assert 'id="list-note"' in past and not _list_rows(past)


def test_exports_open_with_their_chinese_and_neutralise_formulas(served, demo, tmp_path):
    ws = demo.copy(tmp_path)
    UserStore(ws).add("u-supervisor", "supervisor", PASSWORD)
    path = current_snapshot(ws).path
    with duckdb.connect(str(path)) as con:  # a producer's list reason that a spreadsheet would run
        con.execute(
            """update list_entry set detail = '=HYPERLINK("http://x.example","点我")'
               where list_kind = 'abnormal' and record_number = (select min(record_number) from list_entry
                                                                 where list_kind = 'abnormal')"""
        )
        day = current_snapshot(ws).as_of_date
        (n,) = con.execute(
            """select count(*) from list_entry where list_kind = 'abnormal' and valid_from <= ?
               and (valid_to is null or valid_to > ?)""",
            [day, day],
        ).fetchone()
    client = signed_in(jobs.console_app(ws, session_minutes=30), "supervisor")
    csv_bytes = client.get("/lists/abnormal/export.csv").content
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    text = csv_bytes.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("统一社会信用代码,企业名称,地区") and len(lines) == 1 + n
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text
    r = client.get("/lists/abnormal/export.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    openpyxl = pytest.importorskip("openpyxl")
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["统一社会信用代码", "企业名称", "地区"] and len(values) == 1 + n
    cells = [v for row in values for v in row if isinstance(v, str) and "HYPERLINK" in v]
    assert cells == ['\'=HYPERLINK("http://x.example","点我")']
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    assert [e["action"] for e in audit_lines(ws)][-2:] == ["list_export", "list_export"]


def test_exports_redact_id_numbers(served, demo, tmp_path):
    ws = demo.copy(tmp_path)
    UserStore(ws).add("u-supervisor", "supervisor", PASSWORD)
    number, _ = restricted_person(ws)
    with duckdb.connect(str(current_snapshot(ws).path)) as con:
        con.execute(
            f"update list_entry set detail = detail || '；法定代表人证件号码 {number}' where list_kind = 'candidate'"
        )
    client = signed_in(jobs.console_app(ws, session_minutes=30), "supervisor")
    for fmt in ("csv", "xlsx"):
        body = client.get(f"/lists/candidate/export.{fmt}").content
        assert number.encode() not in body, fmt
    assert number not in client.get("/lists/candidate").text


def test_the_overdue_page_lists_units_with_working_days_late(served, demo, tmp_path):
    ws, _ = served
    assert (
        signed_in(jobs.console_app(ws, session_minutes=30), "supervisor").get("/accountability/overdue").status_code
        == 200
    )
    # the demo's joint-punishment steps were all done in time: add two overdue steps to a copy's snapshot
    ws = demo.copy(tmp_path)
    UserStore(ws).add("u-supervisor", "supervisor", PASSWORD)
    with duckdb.connect(str(current_snapshot(ws).path)) as con:
        assert con.execute("select count(*) from punishment_overdue").fetchone()[0] == 0
        con.execute(
            """insert into punishment_overdue (stage_code, stage_label, responsible_unit, responsible_unit_type,
                   object_type, uscc, basis_type, basis_number, measure_id, measure_name, due_date, is_estimated,
                   done_on, overdue_status, late_working_days) values
               ('feedback', '反馈', '上海市财政局', '外部门', 'enterprise', '913100001378003830', 'serious_list',
                '沪市监严列〔2026〕1号', 'SX-001', '限制参与政府采购', '2026-06-01', false, null, '超期未办', 21),
               ('feedback', '反馈', '上海市税务局', '外部门', 'enterprise', '913100001378003830', 'serious_list',
                '沪市监严列〔2026〕1号', 'SX-002', '限制取得政府补助', '2026-06-01', false, '2026-06-05', '逾期办结', 4)"""
        )
    client = signed_in(jobs.console_app(ws, session_minutes=30), "supervisor")
    text = client.get("/accountability/overdue").text
    units = text.split('id="overdue-units"')[1].split("</table>")[0]
    assert units.index("上海市财政局") < units.index("上海市税务局")  # most working days late first
    detail = client.get("/accountability/overdue", params={"unit": "上海市财政局"}).text
    rows = detail.split('id="overdue-details"')[1].split("</table>")[0]
    assert "限制参与政府采购" in rows and "超期未办" in rows and ">21<" in rows and "上海市税务局" not in rows


def test_the_accountability_page_draws_its_charts_without_scripts(app, served):
    ws, _ = served
    client = signed_in(app, "supervisor")
    text = client.get("/accountability").text
    for chart in ("chart-rejection", "chart-publication-trend", "chart-risk-regions", "chart-risk-trend"):
        figure = text.split(f'id="{chart}"')[1].split("</figure>")[0]
        assert "<svg" in figure and ("<rect" in figure or "<polyline" in figure), chart
    assert "<script" not in text and "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    regions = snapshot_rows(ws, "select count(distinct region_name) from risk_class_by_region")[0][0]
    assert text.split('id="chart-risk-regions"')[1].split("</figure>")[0].count("<text") >= regions
    (month, stayed), *_ = snapshot_rows(
        ws,
        """select score_month, enterprise_count from risk_migration where from_class = 'A' and to_class = 'A'
           order by score_month""",
    )
    chosen = client.get("/accountability", params={"month": month.isoformat()}).text
    assert f'value="{month}" selected' in chosen
    matrix = chosen.split('id="risk-migration"')[1].split("</table>")[0]
    row_a = next(r for r in matrix.split("<tr>") if r.startswith("<th>A</th>"))
    assert f">{stayed}<" in row_a
    (producer,), *_ = snapshot_rows(
        ws, "select coalesce(producer_dept, producer_code) from producer_scorecard order by producer_code"
    )
    assert producer in text.split('id="producer-scorecard"')[1]


def test_the_gate_report_is_served_read_only(app, served, demo):
    ws, _ = served
    report = ws.gate / "gate-report.html"
    assert report.is_file()
    r = signed_in(app, "supervisor").get("/gate-report")
    assert r.status_code == 200 and r.content == report.read_bytes() and "Content-Security-Policy" in r.text
    assert signed_in(app, "registrar").get("/gate-report").status_code == 403
