"""The ground floor: atomic writes, folder swaps, hashing, the rule in force on a date, the business date."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime

import pytest

from ground.clock import local_date
from ground.files import atomic_path, atomic_write_json, atomic_write_text, scratch_folder, sha256_file, swap_into_place
from ground.rules import in_force, the_one_in_force


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "a.json"
    atomic_write_text(target, "old")
    atomic_write_json(target, {"名称": "新", "b": 1})
    assert target.read_text(encoding="utf-8") == '{\n  "b": 1,\n  "名称": "新"\n}\n'
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


def test_a_writer_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "index.duckdb"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.duckdb"]


def test_swap_replaces_a_folder_and_scratch_is_removed_whatever_happens(tmp_path):
    target = tmp_path / "release"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with scratch_folder(tmp_path) as scratch:
        (scratch / "new.csv").write_text("new")
        swap_into_place(scratch, target)
    assert [p.name for p in target.iterdir()] == ["new.csv"]
    with pytest.raises(ValueError), scratch_folder(tmp_path) as scratch:
        raise ValueError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]


def test_sha256_of_a_file_larger_than_one_read(tmp_path, monkeypatch):
    import ground.files

    monkeypatch.setattr(ground.files, "HASH_BUFFER", 7)
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(256)) * 3)
    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


RULES = [
    {"rule": "r", "value": "15", "valid_from": "2021-09-01", "valid_to": "2025-12-24"},
    {"rule": "r", "value": "7", "valid_from": "2025-12-25", "valid_to": ""},
]


@pytest.mark.parametrize(
    ("day", "value"),
    [(date(2025, 12, 24), "15"), (date(2025, 12, 25), "7"), (date(2021, 9, 1), "15"), (date(2030, 1, 1), "7")],
)
def test_valid_from_and_valid_to_are_both_inclusive_and_empty_is_open(day, value):
    assert the_one_in_force(RULES, day, "r")["value"] == value


def test_a_gap_or_an_overlap_in_a_rule_table_is_an_error_naming_the_rule():
    assert in_force(RULES, date(2021, 8, 31)) == []
    with pytest.raises(LookupError, match="信用修复期限"):
        the_one_in_force(RULES, date(2021, 8, 31), "信用修复期限")
    overlapping = [*RULES, {"rule": "r", "value": "9", "valid_from": date(2026, 1, 1), "valid_to": None}]
    with pytest.raises(LookupError):
        the_one_in_force(overlapping, date(2026, 1, 1), "r")


def test_business_date_is_the_beijing_date():
    assert local_date(datetime(2026, 1, 31, 16, 30, tzinfo=UTC)) == date(2026, 2, 1)
    assert local_date(datetime(2026, 1, 31, 15, 59)) == date(2026, 1, 31)  # naive: UTC


def test_a_warehouse_held_by_a_writer_is_reported_in_chinese_and_retryable(tmp_path):
    import subprocess
    import sys

    import duckdb

    from ground.database import WarehouseBusy, read_only

    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print(1, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "1"
        with pytest.raises(WarehouseBusy, match="正被另一个进程写入") as caught:
            read_only(path)
        assert caught.value.retryable
    finally:
        holder.communicate("")
    read_only(path).close()
    with pytest.raises(FileNotFoundError, match="cwh build"):
        read_only(tmp_path / "missing.duckdb")


def test_the_allocator_setting_survives_a_parent_that_imported_polars(monkeypatch):
    """polars writes its own default into the variable on import; a child process inherits it and must still get
    the warehouse's setting, while an operator's explicit choice is kept."""
    from ground.runtime import ALLOCATOR_CONF, ALLOCATOR_ENV, POLARS_DEFAULT_CONF, configure_allocator

    for inherited, expected in (
        (None, ALLOCATOR_CONF),
        (POLARS_DEFAULT_CONF, ALLOCATOR_CONF),
        ("dirty_decay_ms:1000", "dirty_decay_ms:1000"),
    ):
        if inherited is None:
            monkeypatch.delenv(ALLOCATOR_ENV, raising=False)
        else:
            monkeypatch.setenv(ALLOCATOR_ENV, inherited)
        configure_allocator()
        assert os.environ[ALLOCATOR_ENV] == expected
