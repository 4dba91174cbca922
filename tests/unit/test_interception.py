"""The registration interception lookup: identifiers, the person hash, the as-of window, the index file, the CLI."""

from __future__ import annotations

import hashlib
from datetime import date

import duckdb
import pytest
from helpers import cwh

from ground.identifiers import make_ric, make_uscc
from ground.settings import Workspace
from interception import Interceptor, InvalidIdentifier, build_index, index_path, lookup, person_key, subject_key

U1 = make_uscc("9", "1", "310110", "MA1FL2X3")
ID1 = make_ric("310110", date(1980, 5, 6), "123")


def test_identifiers_are_recognised_and_normalised():
    assert subject_key(U1) == (U1, "enterprise")
    assert subject_key(" " + U1.lower() + " ") == (U1, "enterprise")
    assert subject_key(ID1) == (hashlib.sha256(ID1.encode()).hexdigest(), "person")
    assert subject_key(ID1.replace("X", "x")) == subject_key(ID1)
    for bad in ("123", U1[:-1] + ("0" if U1[-1] != "0" else "1"), ID1[:-1] + ("0" if ID1[-1] != "0" else "1")):
        with pytest.raises(InvalidIdentifier):
            subject_key(bad)


def test_person_key_is_the_dbt_macro_hash(monkeypatch):
    with duckdb.connect() as con:  # the person_key macro: sha256(salt || upper(trim(id)))
        assert con.execute("select sha256('' || upper(trim(?)))", [ID1]).fetchone()[0] == person_key(ID1)
        monkeypatch.setenv("CWH_PERSON_KEY_SALT", "s3")
        assert con.execute("select sha256('s3' || upper(trim(?)))", [ID1]).fetchone()[0] == person_key(ID1)


def _warehouse(ws: Workspace) -> None:
    ws.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(ws.warehouse)) as con:
        con.execute(
            """create table mart_punishment_lifecycle as select * from (values
            (?, 'enterprise', 'enterprise', ?, 'SX-013', '不适用告知承诺制', '失信惩戒措施清单', '甲局', '列入严重违法失信名单',
             '总局令第44号第十二条', 'L1', date '2024-03-20', date '2025-04-10'),
            (?, 'person', 'legal_rep', ?, 'SX-017', '五年内不得从事食品生产经营管理工作', '失信惩戒措施清单', '甲局',
             '吊销许可证件', '《食品安全法》第一百三十五条', 'D1', date '2024-03-05', date '2029-03-05'),
            (?, 'person', 'legal_rep', ?, 'QH-007', '穿透式审查', '强化监管措施清单', '甲局', '列入严重违法失信名单',
             '国市监信发〔2023〕48号', 'L1', date '2024-03-20', null),
            (null, 'person', 'legal_rep', ?, 'QH-007', '穿透式审查', '强化监管措施清单', '甲局', '未匹配', '-', 'L2',
             date '2024-03-20', null))
            t(object_key, object_type, object_role, uscc, measure_id, measure_name, measure_list, source_agency, reason,
              legal_basis, basis_number, start_date, end_date)""",
            [U1, U1, person_key(ID1), U1, person_key(ID1), U1, U1],
        )


def test_index_from_the_mart_and_the_as_of_window(tmp_path):
    ws = Workspace(tmp_path / "home")
    _warehouse(ws)
    assert build_index(ws) == 3  # the unlinked row (no object key) is not indexed
    assert ID1.encode() not in index_path(ws).read_bytes()
    with Interceptor(index_path(ws)) as icp:
        assert [r.measure_id for r in icp.lookup(U1, date(2024, 3, 19))] == []
        assert [r.measure_id for r in icp.lookup(U1, date(2024, 3, 20))] == ["SX-013"]  # start day included
        assert [r.measure_id for r in icp.lookup(U1, date(2025, 4, 10))] == []  # end day excluded
        found = icp.lookup(ID1, date(2026, 1, 1))
        assert [(r.measure_id, r.end) for r in found] == [("SX-017", date(2029, 3, 5)), ("QH-007", None)]
        assert found[0].source_agency == "甲局" and found[0].legal_basis == "《食品安全法》第一百三十五条"
        assert icp.lookup(make_ric("310110", date(1981, 5, 6), "123"), date(2026, 1, 1)) == []


def test_a_stale_index_is_rebuilt(tmp_path):
    ws = Workspace(tmp_path / "home")
    _warehouse(ws)
    assert [r.measure_id for r in lookup(ws, U1, date(2024, 6, 1))] == ["SX-013"]
    with duckdb.connect(str(ws.warehouse)) as con:
        con.execute("update mart_punishment_lifecycle set end_date = date '2024-05-01' where measure_id = 'SX-013'")
    import os

    os.utime(ws.warehouse, (index_path(ws).stat().st_mtime + 10,) * 2)
    assert lookup(ws, U1, date(2024, 6, 1)) == []


def test_cli_lookup(tmp_path):
    ws = Workspace(tmp_path / "home")
    _warehouse(ws)
    found = cwh("lookup", ID1, "--as-of", "2026-01-01", home=ws.home, check=False, timeout=120)
    assert found.returncode == 1 and "拦截警示" in found.stdout and "第一百三十五条" in found.stdout, found.stdout
    clear = cwh("lookup", U1, "--as-of", "2026-01-01", home=ws.home, check=False, timeout=120)
    assert clear.returncode == 0 and "无有效限制措施" in clear.stdout
    bad = cwh("lookup", "12345", home=ws.home, check=False, timeout=120)
    assert bad.returncode == 2 and "既不是有效的统一社会信用代码" in bad.stderr


U2 = make_uscc("9", "1", "310110", "MA1FL2Y7")


def _with_a_repeat_offender(ws: Workspace) -> None:
    """A repeat-offender restriction: decided by the warehouse from many penalties, so no single source agency,
    legal basis row or basis number (NULLs in the mart)."""
    _warehouse(ws)
    with duckdb.connect(str(ws.warehouse)) as con:
        con.execute(
            """insert into mart_punishment_lifecycle values
            (?, 'enterprise', 'enterprise', ?, 'QH-010', '列为重点监管对象', '强化监管措施清单', null, '屡罚不改', null,
             null, date '2025-01-02', null)""",
            [U2, U2],
        )


def test_a_restriction_without_source_agency_does_not_break_any_lookup(tmp_path):
    """Once one NULL text value is in the index, every restricted lookup used to raise TypeError (NaN codes)."""
    ws = Workspace(tmp_path / "home")
    _with_a_repeat_offender(ws)
    assert build_index(ws) == 4
    with Interceptor(index_path(ws)) as icp:
        assert [r.measure_id for r in icp.lookup(ID1, date(2026, 1, 1))] == ["SX-017", "QH-007"]
        (repeat,) = icp.lookup(U2, date(2026, 1, 1))
        assert (repeat.measure_id, repeat.source_agency, repeat.legal_basis, repeat.basis_number) == (
            "QH-010",
            None,
            None,
            None,
        )
    shown = cwh("lookup", U2, "--as-of", "2026-01-01", home=ws.home, check=False, timeout=120)
    assert shown.returncode == 1 and "屡罚不改" in shown.stdout and "据多条记录认定" in shown.stdout, shown.stdout


def test_a_lookup_that_cannot_be_answered_exits_3_with_a_message(tmp_path):
    """Exit 1 means restricted: a lookup that cannot be answered has its own code, a Chinese message, no traceback."""
    ws = Workspace(tmp_path / "home")
    ws.home.mkdir(parents=True)
    no_warehouse = cwh("lookup", U1, home=ws.home, check=False, timeout=120)
    assert no_warehouse.returncode == 3, no_warehouse.stderr
    assert "无法确认该主体是否受限" in no_warehouse.stderr and "Traceback" not in no_warehouse.stderr
    _warehouse(ws)
    build_index(ws)
    index_path(ws).write_bytes(b"not a database")  # a damaged index, newer than the warehouse
    damaged = cwh("lookup", U1, home=ws.home, check=False, timeout=120)
    assert damaged.returncode == 3 and "暂缓办理" in damaged.stderr and "Traceback" not in damaged.stderr
