"""The gate's pages carry no stored value and escape everything (issue 22, item 2).

The gate runs on small extracts with hostile values (HTML/script payloads, an unmasked ID number) in rows that break
the committed suites, so that great-expectations would have listed them as unexpected values. Neither the Data Docs
nor the validation results under the gate folder may hold them; the offline report is one self-contained page that
shows the failures in Chinese and escapes what it shows.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from contracts.publication import RecordType, record_types
from ground.identifiers import make_uscc
from quality_gate import GateFailed, GateResult, enforce, run_gate
from quality_gate.gate import _detail, load_suite

AS_OF = date(2026, 7, 2)
BATCH = "licences-20260701000000"
ID_NUMBER = "320923196901011513"  # a resident ID number, unmasked
USCC = make_uscc("9", "1", "310110", "MA1FL2X3")
# Each payload carries a marker of plain letters, found in a file whatever escaping (HTML, JSON) was applied.
PAYLOADS = {
    "pwnscript": "<script>alert('pwnscript')</script>",
    "pwnimg": "<img src=x onerror=alert('pwnimg')>",
    "pwnsvg": "\"><svg onload=alert('pwnsvg')>",
    "pwnjs": "javascript:alert('pwnjs')",
    "pwnbatch": "<img src=x onerror=alert('pwnbatch')>",
}
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "section",
    "h1", "h2", "p", "dl", "dt", "dd", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "code",
}  # fmt: skip


def _record(name: str) -> RecordType:
    return next(r for r in record_types() if r.name == name)


def _frame(record: RecordType, key: str, rows: list[dict]) -> pd.DataFrame:
    """Rows with every column of the committed suite, valid unless overridden; ``key`` numbered per row."""
    suite = load_suite(record)
    columns = suite["expectations"][0]["kwargs"]["column_set"]
    base = dict.fromkeys(columns, "合规文本")
    for e in suite["expectations"]:
        column = e["kwargs"].get("column")
        if e["type"] == "expect_column_values_to_be_in_set":
            base[column] = e["kwargs"]["value_set"][0]
        elif e["type"] == "expect_column_values_to_match_regex":
            base[column] = "3101101980****1234" if column == "legal_rep_id_masked" else USCC
        elif e["type"] == "expect_column_values_to_be_between":  # the date columns, encoded as the bound is
            bound = e["kwargs"].get("min_value", e["kwargs"].get("max_value"))
            base[column] = 20250102 if isinstance(bound, int | float) else date(2025, 1, 2)
    base["source_batch_id"] = BATCH
    return pd.DataFrame([{**base, key: f"{key}-{i}", **row} for i, row in enumerate(rows)], columns=columns)


def _said(record: RecordType, expectation_type: str, column: str) -> str:
    """The Chinese description (meta 说明) of one expectation of the committed suite."""
    suite = load_suite(record)
    (meta,) = [
        e["meta"]
        for e in suite["expectations"]
        if e["type"] == expectation_type and column in (e["kwargs"].get("column"), *e["kwargs"].get("column_list", []))
    ]
    return meta["说明"]


def _batches_committed() -> dict[str, list[dict]]:
    expectation = {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "source_batch_id", "value_set": [BATCH]},
        "meta": {"说明": "每一行的来源批次都是入库台账中已提交的批次"},
    }
    return {"licences": [expectation], "inspections": [expectation]}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, GateResult]:
    licences, inspections = _record("licences"), _record("inspections")
    frames = {
        "licences": _frame(
            licences,
            "licence_number",
            [
                {},
                {
                    "licence_number": PAYLOADS["pwnscript"],
                    "party_name": PAYLOADS["pwnsvg"],  # free text: published as is
                    "party_category": PAYLOADS["pwnimg"],  # outside the code table
                    "licence_category": PAYLOADS["pwnjs"],  # outside the code table
                },
                {"licence_number": PAYLOADS["pwnscript"], "licence_status": ID_NUMBER},  # duplicate key; not a code
                {"source_batch_id": PAYLOADS["pwnbatch"]},  # a batch the ledger never committed
            ],
        ),
        "inspections": _frame(
            inspections,
            "task_id",
            [
                {"task_id": PAYLOADS["pwnsvg"], "result": PAYLOADS["pwnscript"]},
                {"task_id": PAYLOADS["pwnsvg"], "inspection_type": PAYLOADS["pwnjs"]},  # (task, USCC) twice
            ],
        ),
    }
    docs_dir = tmp_path_factory.mktemp("gate")
    return docs_dir, run_gate(frames, [licences, inspections], docs_dir, _batches_committed(), as_of=AS_OF)


def _expected_failures() -> list[str]:
    licences, inspections = _record("licences"), _record("inspections")
    lic, ins = "行政许可信息（pub_licences）：", "抽查检查结果信息（pub_inspections）："
    in_set = "expect_column_values_to_be_in_set"
    return [
        f"{lic}{_said(licences, 'expect_column_values_to_be_unique', 'licence_number')} —— 2 行不符（共 4 行）",
        f"{lic}{_said(licences, in_set, 'party_category')} —— 1 行不符（共 4 行）",
        f"{lic}{_said(licences, in_set, 'licence_category')} —— 1 行不符（共 4 行）",
        f"{lic}{_said(licences, in_set, 'licence_status')} —— 1 行不符（共 4 行）",
        f"{lic}每一行的来源批次都是入库台账中已提交的批次 —— 1 行不符（共 4 行）",
        f"{ins}{_said(inspections, 'expect_compound_columns_to_be_unique', 'task_id')} —— 2 行不符（共 2 行）",
        f"{ins}{_said(inspections, in_set, 'result')} —— 1 行不符（共 2 行）",
        f"{ins}{_said(inspections, in_set, 'inspection_type')} —— 1 行不符（共 2 行）",
    ]


def test_the_hostile_extract_fails_the_gate_on_the_expected_rules(hostile):
    _, result = hostile
    assert not result.success
    assert not set(_expected_failures()) - set(result.failures)
    assert "「行政相对人类别」取值在合同代码表内" in "\n".join(result.failures)  # in Chinese
    failures = "\n".join(result.failures)
    for marker in [*PAYLOADS, ID_NUMBER]:
        assert marker not in failures


def test_no_stored_value_reaches_data_docs_or_the_validation_results(hostile):
    docs_dir, result = hostile
    assert result.docs is not None and result.docs.exists()
    files = [p for p in docs_dir.rglob("*") if p.is_file()]
    validations = [p for p in files if "validations" in p.parts and p.suffix == ".json"]
    pages = [p for p in files if p.suffix == ".html" and "data_docs" in p.parts]
    assert validations and len(pages) > 1  # the results were stored and rendered
    for path in files:
        data = path.read_bytes()
        for marker in [*PAYLOADS, ID_NUMBER]:
            assert marker.encode() not in data, f"{path.relative_to(docs_dir)} holds {marker!r}"
        for raw in PAYLOADS.values():
            assert raw.encode() not in data, f"{path.relative_to(docs_dir)} holds {raw!r}"
    # the counts are kept: what the failure lines and the report are made of
    stored = "".join(p.read_text(encoding="utf-8") for p in validations)
    assert '"unexpected_count": 2' in stored
    assert "partial_unexpected_list" not in stored or '"partial_unexpected_list": []' in stored


def test_the_offline_report_is_self_contained_and_shows_the_failures_in_chinese(hostile):
    docs_dir, result = hostile
    assert result.report == docs_dir / "gate-report.html"
    page = result.report.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
    assert "<script" not in page.lower()
    assert not [a for a in parsed.attrs if a[0] in {"src", "href", "action", "srcset", "style"}]
    assert "http://" not in page and "https://" not in page and "@import" not in page and "url(" not in page
    assert '<meta charset="utf-8">' in page and '<html lang="zh-CN">' in page
    assert ("http-equiv", "Content-Security-Policy") in parsed.attrs  # nothing may be loaded, should markup slip in
    assert any(k == "content" and (v or "").startswith("default-src 'none';") for k, v in parsed.attrs)
    for marker in [*PAYLOADS, ID_NUMBER]:
        assert marker not in page  # the extract's values are not shown
    text = "".join(parsed.text)
    assert "未通过：" in text and "截至日期2026-07-02" in text
    assert "行政许可信息（pub_licences）" in text and "抽查检查结果信息（pub_inspections）" in text
    for line in result.failures:
        assert line in text
    assert "取值在合同代码表内" in text and "2 行不符（共 4 行）" in text
    assert _said(_record("licences"), "expect_column_values_to_not_be_null", "party_name") in text  # passes: listed
    # failures first: in each record type's table, no failing row after a passing one
    for table in page.split("<table")[1:]:
        outcomes = [cell.split("</td>")[0] for cell in table.split('<td class="outcome ')[1:]]
        assert outcomes == sorted(outcomes, key=lambda o: o.startswith("pass"))


def test_the_failure_message_names_the_offline_report(hostile):
    _, result = hostile
    with pytest.raises(GateFailed) as caught:
        enforce(result)
    message = str(caught.value)
    assert f"详见 Data Docs：{result.docs}" in message
    assert f"离线报告：{result.report}" in message


def test_text_the_report_shows_is_escaped_and_a_passing_run_has_a_report_too(tmp_path):
    title = "<script>alert('titlemark')</script>许可"
    description = "<img src=x onerror=alert('describemark')> & \"引号\""
    licences = dataclasses.replace(_record("licences"), title=title)
    extra = {
        "licences": [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "licence_number"},
                "meta": {"说明": description},
            }
        ]
    }
    frames = {"licences": _frame(licences, "licence_number", [{}, {}])}
    result = run_gate(frames, [licences], tmp_path, extra, as_of=AS_OF)
    assert result.success and result.report is not None
    page = result.report.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#x27;titlemark&#x27;)&lt;/script&gt;许可（pub_licences）" in page
    assert "&lt;img src=x onerror=alert(&#x27;describemark&#x27;)&gt; &amp; &quot;引号&quot;" in page
    text = "".join(parsed.text)
    assert f"{title}（pub_licences）" in text and description in text  # shown as text, as written
    assert '<p class="verdict pass">通过</p>' in page and "未通过的期望" not in text


def test_an_expectation_that_could_not_run_says_so():
    """GE 1.x reports an exception per metric ({metric id: {raised_exception, exception_message, …}})."""
    config = SimpleNamespace(type="expect_column_values_to_be_between", meta={"说明": "日期不早于 1949-10-01"})
    info = {"MetricConfigurationID(metric_name='column_values.between.condition')": {
        "raised_exception": True, "exception_message": "values must be of the same type", "exception_traceback": "…"
    }}  # fmt: skip
    res = SimpleNamespace(expectation_config=config, success=False, result={}, exception_info=info)
    assert _detail(res) == "无法执行（values must be of the same type）"
    flat = SimpleNamespace(expectation_config=config, success=False, result={}, exception_info=info.popitem()[1])
    assert _detail(flat) == "无法执行（values must be of the same type）"
    fine = SimpleNamespace(
        expectation_config=config, success=True, result={"unexpected_count": 0, "element_count": 3}, exception_info={}
    )
    assert _detail(fine) == "0 行不符（共 3 行）"
