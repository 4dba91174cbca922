"""The offline gate report: one self-contained HTML file written beside the Data Docs on every gate run.

Data Docs fetch their styles and scripts from a CDN, which the air-gapped networks the gate runs on do not reach;
this page needs nothing but itself (inline CSS, no script, no link, no font, a Content-Security-Policy that forbids
loading anything). It lists, per record type, every expectation with its Chinese description, whether it passed and
its counts, failures first. It shows no value of the extract, and every piece of text it inserts — record titles,
descriptions, details, paths — goes through :func:`html.escape` (``_tag`` escapes every child that is not markup it
built itself).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ground.clock import LOCAL_TZ
from ground.files import atomic_write_text

REPORT_NAME = "gate-report.html"

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.verdict { font-size: 1.2em; font-weight: bold; padding: .4em .8em; border-radius: 4px; display: inline-block; }
.verdict.pass, td.pass { color: #14532d; background: #dcfce7; }
.verdict.fail, td.fail { color: #7f1d1d; background: #fee2e2; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { color: #555; } dd { margin: 0; }
.note { color: #555; font-size: .9em; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
td.outcome { white-space: nowrap; font-weight: bold; }
code { font-size: .85em; color: #444; word-break: break-all; }
li { margin: .2em 0; }
"""


@dataclass(frozen=True)
class Check:
    """One expectation's outcome, as the report shows it (no value of the extract)."""

    description: str  # the expectation's 说明 (meta), else its type
    expectation_type: str
    success: bool
    detail: str  # counts: "N 行不符（共 M 行）", an observed row count or column set, or why it could not run


@dataclass(frozen=True)
class Section:
    """One record type's extract and its expectations."""

    title: str
    relation: str
    rows: int
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.success]


class _Html(str):
    """Markup built by this module: inserted as is. Every other string is escaped."""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _tag(name: str, *children: object, **attrs: str) -> _Html:
    """``<name attrs>children</name>``; attribute values and every child not built here are escaped (``cls`` is
    the class attribute). Tag and attribute names are literals of this module."""
    attributes = "".join(f' {"class" if k == "cls" else k}="{_esc(v)}"' for k, v in attrs.items())
    inner = "".join(c if isinstance(c, _Html) else _esc(c) for c in children)
    return _Html(f"<{name}{attributes}>{inner}</{name}>")


def _join(parts: list[_Html]) -> _Html:
    return _Html("".join(parts))


def _section(section: Section) -> _Html:
    # failures first, each group in suite order
    ordered = sorted(section.checks, key=lambda c: c.success)
    rows = [
        _tag(
            "tr",
            _tag("td", "通过" if c.success else "未通过", cls=f"outcome {'pass' if c.success else 'fail'}"),
            _tag("td", c.description),
            _tag("td", _tag("code", c.expectation_type)),
            _tag("td", c.detail),
        )
        for c in ordered
    ]
    failed = len(section.failed)
    summary = f"{section.rows:,} 行 · {len(section.checks)} 项期望 · " + (
        f"{failed} 项未通过" if failed else "全部通过"
    )
    return _tag(
        "section",
        _tag("h2", f"{section.title}（{section.relation}）"),
        _tag("p", summary),
        _tag(
            "table",
            _tag("thead", _tag("tr", _tag("th", "结果"), _tag("th", "期望"), _tag("th", "规则"), _tag("th", "明细"))),
            _tag("tbody", _join(rows)),
        ),
    )


def render_report(
    sections: list[Section],
    failures: list[str],
    *,
    as_of: date | None = None,
    docs: Path | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The report as one HTML document (UTF-8, zh-CN). ``failures`` are the gate's failure lines (GateResult)."""
    generated_at = generated_at or datetime.now(LOCAL_TZ)
    total = sum(len(s.checks) for s in sections)
    failed = sum(len(s.failed) for s in sections)
    ok = not failures
    verdict = "通过" if ok else f"未通过：{failed} 项期望未通过，公示文件不予发布"
    facts = [
        ("截至日期", as_of.isoformat() if as_of else "（未指定）"),
        ("生成时间", generated_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S（北京时间）")),
        ("记录类型", f"{len(sections)} 类，共 {sum(s.rows for s in sections):,} 行"),
        ("期望", f"{total} 项，未通过 {failed} 项"),
        ("Data Docs", str(docs) if docs else "（未生成）"),
    ]
    head = _tag(
        "head",
        _Html('<meta charset="utf-8">'),
        _Html(f'<meta http-equiv="Content-Security-Policy" content="{_esc(_CSP)}">'),
        _Html('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        _tag("title", f"质量闸门报告 · {as_of.isoformat() if as_of else ''}".rstrip(" ·")),
        _tag("style", _Html(_CSS)),
    )
    header = _tag(
        "header",
        _tag("h1", "公示发布质量闸门报告"),
        _tag("p", verdict, cls=f"verdict {'pass' if ok else 'fail'}"),
        _tag("dl", _join([_join([_tag("dt", k), _tag("dd", v)]) for k, v in facts])),
        _tag(
            "p",
            "本报告只列规则、结果与行数，不显示公示数据中的任何取值（不符的行请在数仓中按规则查询）；"
            "离线可读，不引用任何外部资源。",
            cls="note",
        ),
    )
    parts: list[_Html] = []
    if failures:
        parts.append(_tag("section", _tag("h2", "未通过的期望"), _tag("ul", _join([_tag("li", f) for f in failures]))))
    # record types with failures first, otherwise in the order of the publication spec
    parts += [_section(s) for s in sorted(sections, key=lambda s: not s.failed)]
    body = _tag("body", header, _tag("main", _join(parts)))
    return "<!DOCTYPE html>\n" + _tag("html", head, body, lang="zh-CN") + "\n"


def write_report(
    folder: Path,
    sections: list[Section],
    failures: list[str],
    *,
    as_of: date | None = None,
    docs: Path | None = None,
) -> Path:
    """Write ``<folder>/gate-report.html`` atomically (replacing the previous run's) and return its path."""
    return atomic_write_text(folder / REPORT_NAME, render_report(sections, failures, as_of=as_of, docs=docs))
