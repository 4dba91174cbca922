"""The console's parts that need no warehouse: search-input normalisation, users and tokens, roles, the audit log,
and the commands that manage them."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from console import AccessError, TokenStore, UserStore, demo_users, load_roles
from console.access import session_secret
from console.audit import recent, record
from console.normalise import search_key, sql_has_search_key, sql_search_key
from ground.settings import CONSOLE_SECRET_ENV


@pytest.mark.parametrize(
    "typed,key",
    [
        ("上海鑫達（餐飲）管理有限公司", "上海鑫达(餐饮)管理有限公司"),
        (" ９１３１０１１０ＭＡ１ ", "91310110MA1"),
        ("91310110ma1fl2x3", "91310110MA1FL2X3"),
        ("上海【測試】 商行", "上海[测试]商行"),
        ("", ""),
    ],
)
def test_search_input_is_normalised(typed, key):
    assert search_key(typed) == key


@pytest.mark.parametrize(
    "name", ["上海鑫达(餐饮)管理有限公司", "上海【测试】 商行", " ktc\t电子 ", "（）", "〈〉", "", " ", "\t\n\r ", None]
)
def test_the_snapshot_keys_a_name_as_the_search_keys_what_is_typed(name):
    """The snapshot's SQL (names are NFKC and simplified already) writes the key search_key makes of the same text;
    a name that is only whitespace, or none, gets no key."""
    with duckdb.connect() as con:
        key, has_key = con.execute(
            f"select {sql_search_key('x')}, {sql_has_search_key('x')} from (select ?::varchar as x)", [name]
        ).fetchone()
    expected = search_key(name or "")
    assert bool(has_key) == (expected != "")
    if has_key:
        assert key == expected


def test_users_passwords_and_roles(ws):
    store = UserStore(ws)
    store.add("zhang.san", "supervisor", "a-long-enough-password")
    assert store.verify("zhang.san", "a-long-enough-password").role == "supervisor"
    assert store.verify("zhang.san", "a-long-enough-passwore") is None
    assert store.verify("li.si", "a-long-enough-password") is None
    with pytest.raises(AccessError, match="未知的角色"):
        store.add("li.si", "superuser", "a-long-enough-password")
    with pytest.raises(AccessError, match="至少"):
        store.add("li.si", "admin", "short")
    with pytest.raises(AccessError, match="已存在"):
        store.add("zhang.san", "admin", "another-long-password")
    store.add("zhang.san", "admin", "another-long-password", replace=True)
    assert store.role_of("zhang.san") == "admin" and store.verify("zhang.san", "a-long-enough-password") is None
    assert store.remove("zhang.san") and store.role_of("zhang.san") is None


def test_roles_file_grants_only_defined_permissions(tmp_path):
    roles = load_roles()
    assert {"registrar", "supervisor", "admin"} <= set(roles.roles)
    assert roles.role("admin").permissions == frozenset(roles.permissions)
    bad = tmp_path / "roles.yml"
    bad.write_text("permissions: {search: 检索}\nroles:\n  x: {title: X, permissions: [search, everything]}\n")
    with pytest.raises(AccessError, match="everything"):
        load_roles(bad)


def test_tokens_are_checked_by_hash(ws):
    tokens = TokenStore(ws)
    token = tokens.add("registration")
    assert tokens.system_of(token) == "registration"
    assert tokens.system_of(token[:-1]) is None and tokens.system_of("") is None and tokens.system_of(None) is None
    with pytest.raises(AccessError, match="已有令牌"):
        tokens.add("registration")
    renewed = tokens.add("registration", replace=True)
    assert tokens.system_of(token) is None and tokens.system_of(renewed) == "registration"


def test_demo_accounts_get_random_passwords(ws):
    first, second = demo_users(ws), demo_users(ws)
    assert set(first) == {f"demo-{r}" for r in load_roles().roles}
    assert all(first[n] != second[n] for n in first)
    assert UserStore(ws).verify("demo-admin", second["demo-admin"]) is not None


def test_session_secret_is_generated_once_and_private(ws, monkeypatch):
    monkeypatch.delenv(CONSOLE_SECRET_ENV, raising=False)
    secret = session_secret(ws)
    assert secret == session_secret(ws) and len(secret) >= 32
    assert oct((ws.home / "console" / "session.secret").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(CONSOLE_SECRET_ENV, "x" * 40)
    assert session_secret(ws) == "x" * 40


def test_audit_lines_are_appended(ws):
    record(ws, user="a", action="enterprise_search", query="上海", results=3)
    record(ws, user="b", action="enterprise_record", query="91310110MA1FL2X3XX", results=0)
    assert [(e["user"], e["results"]) for e in recent(ws)] == [("b", 0), ("a", 3)]
    line = next((ws.home / "console" / "audit").glob("*.jsonl")).read_text().splitlines()[0]
    assert json.loads(line)["query"] == "上海"


def run(*args: str, home, stdin: str = "") -> subprocess.CompletedProcess:
    """The command line in a child process, with what a user would type on its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "creditwh.cli", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
    )


def test_serve_refuses_without_users_and_users_are_added_from_stdin(ws):
    result = run("serve", "--port", "0", home=ws.home)
    assert result.returncode == 2 and "尚无用户" in result.stderr and "Traceback" not in result.stderr
    result = run(
        "console-user",
        "add",
        "wang.wu",
        "--role",
        "supervisor",
        "--password-stdin",
        home=ws.home,
        stdin="pw-from-stdin-123\n",
    )
    assert result.returncode == 0, result.stderr
    assert UserStore(ws).verify("wang.wu", "pw-from-stdin-123") is not None
    result = run(
        "console-user", "add", "zhao", "--role", "boss", "--password-stdin", home=ws.home, stdin="pw-from-stdin-123\n"
    )
    assert result.returncode == 2 and "未知的角色" in result.stderr
    result = run("console-token", "add", "registration", home=ws.home)
    assert result.returncode == 0 and TokenStore(ws).system_of(result.stdout.strip().splitlines()[-1]) == "registration"
