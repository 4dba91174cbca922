"""Exports of a filtered list for people: CSV in UTF-8 with a byte-order mark (without it Excel and WPS on Windows
read the file as GBK and garble the Chinese) and ``.xlsx`` (xlsxwriter).

Every text cell goes through the same two rules as the release: the content-level negative list
(``contracts/redaction.yml``: no ID number leaves the console) and the spreadsheet-injection rule of publication — a
cell a spreadsheet would evaluate (it matches the publication's ``FORMULA_START``: = + - @ after blanks, or a
leading tab or carriage return) is written with a leading apostrophe. The pattern is publication's own, handed to
the console by the service layer (``creditwh.jobs.console_app``), so the rule lives in one place.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from contracts.redaction import load_patterns
from ground.errors import ActionableError

BOM = "\ufeff"
XLSX_MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows, one of them the header
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_guard(formula_start: str) -> Callable[[Any], Any]:
    """value → the value as written: text redacted, then neutralised when a spreadsheet would evaluate it."""
    formula = re.compile(formula_start)
    patterns = load_patterns()

    def guard(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = patterns.redact(value)[0]
        return "'" + text if formula.search(text) else text

    return guard


def csv_chunks(
    headers: list[str], rows: Iterable[tuple], guard: Callable[[Any], Any], chunk: int = 2000
) -> Iterator[bytes]:
    """The CSV as UTF-8 chunks, the first starting with the BOM (streamed: the list is never held whole)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(headers)
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else guard(v) for v in row])
        if n % chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(title: str, headers: list[str], total: int, rows: Iterable[tuple], guard: Callable[[Any], Any]) -> bytes:
    """The list as one worksheet (dates as dates, numbers as numbers, text never read as a formula or a link)."""
    import xlsxwriter

    if total > XLSX_MAX_ROWS:
        raise ActionableError(
            f"筛选结果共 {total:,} 行，超过 Excel 工作表的行数上限（{XLSX_MAX_ROWS:,} 行）：请增加筛选条件，或导出 CSV"
        )
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False}
    )
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for c, h in enumerate(headers):
        sheet.write_string(0, c, h, bold)
        sheet.set_column(c, c, max(10, min(40, len(h) * 3)))
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                sheet.write_string(r, c, "是" if v else "否")
            elif isinstance(v, (int, float)):
                sheet.write_number(r, c, v)
            elif isinstance(v, (date, datetime)):
                sheet.write_datetime(r, c, v, day)
            else:
                sheet.write_string(r, c, str(guard(v)))
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
