"""The rule catalogue docs/rules.md (warehouse/rule_catalogue.py): fresh, every seed row once, no seed left out."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.rule_catalogue import CATALOGUE, PROJECT_ROOT, REFERENCE_PREFIX, RuleCatalogueError, readers, render

SEEDS = sorted((PROJECT_ROOT / "dbt_project" / "seeds").rglob("*.csv"))


@pytest.fixture(scope="module")
def catalogue() -> str:
    return render()


def _csv_lines(path: Path) -> list[int]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [reader.line_num for _ in reader]


def _sections(text: str) -> dict[str, list[str]]:
    """Seed name → the data rows of its table in the rule sections."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n## 按日期的变化索引")[0].splitlines():
        if m := re.match(r"### `(\w+)`", line):
            current = m.group(1)
            out[current] = []
        elif current and line.startswith("| ") and not line.startswith("| 编号 "):
            out[current].append(line)
    return out


def test_the_committed_catalogue_is_fresh(catalogue):
    committed = (PROJECT_ROOT / CATALOGUE).read_text(encoding="utf-8")
    assert committed == catalogue, "docs/rules.md 已过期：运行 `python -m warehouse.rule_catalogue` 并提交结果"


def test_check_exits_non_zero_when_stale_and_names_the_command(tmp_path, monkeypatch):
    import warehouse.rule_catalogue as rc

    monkeypatch.setattr(rc, "PROJECT_ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / CATALOGUE).write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(rc, "render", lambda: "new\n")
    assert rc.main(["--check"]) == 1
    assert (tmp_path / CATALOGUE).read_text(encoding="utf-8") == "old\n"  # --check writes nothing
    assert rc.main([]) == 0 and rc.main(["--check"]) == 0


def test_every_seed_row_appears_once_and_no_seed_is_left_out(catalogue):
    sections = _sections(catalogue)
    reference = catalogue.split('<a id="reference"></a>')[1]
    for path in SEEDS:
        if path.stem.startswith(REFERENCE_PREFIX):
            assert path.stem not in sections
            assert len(re.findall(rf"\[`{path.stem}`\]\(\.\./", reference)) == 1, path.stem
            continue
        assert path.stem in sections, f"种子表 {path.stem} 不在规则目录中"
        lines = [int(row.rsplit("|", 2)[-2]) for row in sections[path.stem]]
        assert sorted(lines) == _csv_lines(path), f"{path.stem}：每条规则行应恰好列出一次"
    assert set(sections) == {p.stem for p in SEEDS if not p.stem.startswith(REFERENCE_PREFIX)}


def test_each_date_a_rule_starts_or_ends_indexes_it(catalogue):
    """A row valid from D is listed under 「D 起的变化」; a row whose last day is D, under the day after."""
    index = catalogue.split('<a id="changes"></a>')[1].split('<a id="contracts"></a>')[0]
    days = dict(re.findall(r'<a id="changes\.([\d-]+)"></a>\n(.*?)(?=\n### |\Z)', index, re.S))
    rows = catalogue.split('<a id="changes"></a>')[0]
    assert "2025-12-25" in days  # SAMR Order 107 replaced the 2021 credit-repair rules
    for anchor, start in re.findall(r'<a id="([^"]+)"></a>`[^`]+` \|[^\n]*\| ([\d-]{10}) (?:起|至)', rows):
        assert f"(#{anchor})" in days[start], f"{anchor} 未列入 {start} 起的变化"
    assert "总局令第107号" in days["2025-12-25"]


def _project(root: Path, csv_text: str, yml: str) -> Path:
    seeds = root / "dbt_project" / "seeds" / "lists"
    seeds.mkdir(parents=True)
    (seeds / "rule_new.csv").write_text(csv_text, encoding="utf-8")
    (seeds / "_new__seeds.yml").write_text(yml, encoding="utf-8")
    (root / "dbt_project" / "macros").mkdir()
    (root / "dbt_project" / "models").mkdir()
    return root


def test_a_seed_without_recognisable_columns_stops_generation_naming_it(tmp_path):
    root = _project(
        tmp_path,
        "colour,shade\nred,dark\n",
        "version: 2\nseeds:\n  - name: rule_new\n    description: 新表\n",
    )
    with pytest.raises(
        RuleCatalogueError, match=r"rule_new（dbt_project/seeds/lists/rule_new\.csv）没有可识别的规则编号列"
    ):
        render(root)


def test_a_rule_seed_without_a_citation_stops_generation(tmp_path):
    root = _project(tmp_path, "rule_id,value,valid_from\nx,1,2025-12-25\n", "version: 2\nseeds: []\n")
    with pytest.raises(RuleCatalogueError, match=r"rule_new.*没有出处列"):
        render(root)


def test_a_declared_key_is_the_id_and_readers_are_found_through_macros(tmp_path):
    root = _project(
        tmp_path,
        "colour,shade,valid_from,valid_to,source\nred,dark,2021-09-01,2025-12-24,甲规定第1条\n",
        "version: 2\nseeds:\n  - name: rule_new\n    description: 新表\n"
        "    columns:\n      - {name: colour, data_tests: [unique, not_null]}\n",
    )
    (root / "dbt_project" / "macros" / "m.sql").write_text(
        "{% macro new_rule() -%}\n  (select 1 from {{ ref('rule_new') }})\n{%- endmacro %}\n", encoding="utf-8"
    )
    (root / "dbt_project" / "models" / "int_a.sql").write_text("select {{ new_rule() }} as x\n", encoding="utf-8")
    (root / "dbt_project" / "models" / "int_b.sql").write_text(
        "-- ref('rule_new') in SQL text only\nselect 1\n", encoding="utf-8"
    )
    assert readers(root)["rule_new"] == ["int_a"]
    text = render(root)
    assert '| <a id="rule_new.red"></a>`red` | — | shade=dark | 2021-09-01 至 2025-12-24 | 甲规定第1条 | 2 |' in text
    assert "读取模型：`int_a`" in text
    assert "### 2025-12-25 起的变化" in text and "| 停止适用 |" in text


def test_the_command_line_check_passes_on_the_committed_file():
    result = subprocess.run(
        [sys.executable, "-m", "warehouse.rule_catalogue", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
