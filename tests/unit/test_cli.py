"""The command line: user mistakes get a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import cwh


def run(*args: str, home: Path) -> subprocess.CompletedProcess:
    return cwh(*args, home=home, check=False, timeout=300)


@pytest.mark.parametrize(
    "args,message",
    [
        (("ingest",), "找不到数据接收目录"),
        (("status",), "工作目录"),
        (("check",), "找不到仓库文件"),
        (("publish",), "找不到仓库文件"),
        (("generate", "--start", "2025-13-01"), "YYYY-MM-DD"),
    ],
)
def test_user_mistakes_are_reported_without_traceback(tmp_path, args, message):
    result = run(*args, home=tmp_path / "missing")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_feed_is_named(tmp_path):
    (tmp_path / "feeds").mkdir()
    result = run("ingest", "--feed", "tax_records", home=tmp_path)
    assert result.returncode == 2
    assert "tax_records" in result.stderr and "penalties" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_is_a_usage_error(tmp_path):
    result = run("run", "--entitees", "5", home=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
