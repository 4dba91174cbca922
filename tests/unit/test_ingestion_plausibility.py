"""Plausibility at ingestion, from the contract (issue 23, item 4): amounts finite, non-negative and unambiguous;
dates inside the window of contracts/dates.yml (not before 1949-10-01, not after the batch's receipt date unless the
column may lie in the future, then not after 2099-12-31, and in their order); text no longer than the contract's
maxLength. Every failure is quarantined with a reason naming the field and the rule; every row is accounted for."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from helpers import penalty_row, read_landed, write_feed

import ingestion.landing as landing
from contracts import load_contracts
from contracts.dates import date_rules
from contracts.model import ContractError, load_contract
from ingestion import ingest_file
from ingestion.schema import load_schema

PENALTIES = load_contracts()["penalties"]
# received 2025-10-09 17:00 UTC = 2025-10-10 01:00 in Beijing: the receipt date is 2025-10-10
RECEIVED = datetime(2025, 10, 9, 17, tzinfo=UTC).timestamp()


def ingest(ws, rows: list[dict[str, str]], name: str = "p.csv", mtime: float = RECEIVED):
    path = write_feed(ws, "penalties", name, rows, mtime=mtime)
    result = ingest_file(ws, PENALTIES, path)
    assert result.status == "landed"
    assert result.rows_read == len(rows) == result.rows_landed + result.rows_quarantined  # nothing lost
    rejects = pl.read_parquet(ws.quarantine / "penalties" / "*" / "rejects.parquet")
    rejects = rejects.filter(pl.col("_batch_id") == result.batch_id)
    assert rejects["_row_number"].n_unique() == result.rows_quarantined
    landed = read_landed(ws, "penalties").filter(pl.col("batch_id") == result.batch_id)
    assert landed.height == result.rows_landed
    assert not set(landed["_row_number"]) & set(rejects["_row_number"])
    return result, landed, rejects


def reasons_by_row(rejects: pl.DataFrame) -> dict[int, set[tuple[str, str]]]:
    out: dict[int, set[tuple[str, str]]] = {}
    for row, rule, field in rejects.select("_row_number", "rule", "field").iter_rows():
        out.setdefault(row, set()).add((rule, field))
    return out


def assert_messages_name_the_field_not_the_value(rejects: pl.DataFrame) -> None:
    for r in rejects.iter_rows(named=True):
        for name in (r["field"] or "").split(","):
            if name:
                assert f"「{PENALTIES.field(name).label}」" in r["message"], r
        if r["value"]:
            assert r["value"] not in r["message"], r  # the value may be personal data: it is in `value` only


# ---- amounts ----------------------------------------------------------------------------------------------------

AMOUNTS = {  # fine_amount_wan as delivered → the landed amount, or the rule that quarantines the row
    "1.5": 1.5,
    "1,234.5": 1234.5,  # thousands separator in groups of three: unambiguous
    "1,500": 1500.0,  # likewise: a comma followed by three digits is a thousands separator (GB/T 15835 千分撇)
    "1 234.5": 1234.5,  # a space in groups of three (GB/T 15835 千分空)
    "１，２３４．５": 1234.5,  # full-width digits and separators (NFKC)
    "１.５": 1.5,
    "1\u3000234": 1234.0,  # the ideographic space as thousands separator
    "": None,  # optional and empty: lands as null
    "1,5": "ambiguous_number",  # 1.5 with a decimal comma, or 15 with a misplaced separator? Not landed as 15
    "1,50": "ambiguous_number",
    "12,34,567": "ambiguous_number",
    "1.234,5": "ambiguous_number",
    "1 5": "ambiguous_number",
    "NaN": "not_finite",
    "nan": "not_finite",
    "inf": "not_finite",
    "-inf": "not_finite",
    "Infinity": "not_finite",
    "-Infinity": "not_finite",
    "INF": "not_finite",
    "∞": "not_finite",
    "1e400": "not_finite",  # overflows to infinity
    "-1": "minimum",
    "1.5元": "bad_number",
    "1..5": "bad_number",
}


def test_amounts_land_only_when_finite_non_negative_and_unambiguous(ws):
    written = list(AMOUNTS)
    result, landed, rejects = ingest(ws, [penalty_row(n, fine_amount_wan=v) for n, v in enumerate(written, 1)])
    reasons = reasons_by_row(rejects)
    amounts = dict(landed.select("_row_number", "fine_amount_wan").iter_rows())
    for n, (text, expected) in enumerate(AMOUNTS.items(), 1):
        if isinstance(expected, str):
            assert reasons.get(n) == {(expected, "fine_amount_wan")}, (text, reasons.get(n))
        else:
            assert n in amounts and amounts[n] == expected, (text, amounts.get(n), reasons.get(n))
    raw = dict(landed.select("_row_number", "fine_amount_wan__raw").iter_rows())
    assert raw[written.index("1,234.5") + 1] == "1,234.5"  # the original is kept next to the amount it became
    assert rejects.filter(pl.col("rule") == "ambiguous_number")["value"].to_list()[0] == "1,5"  # shown as received
    message = rejects.filter(pl.col("rule") == "ambiguous_number")["message"][0]
    assert message.startswith("「罚款金额（万元）」") and "千位分隔符" in message
    assert_messages_name_the_field_not_the_value(rejects)
    assert result.rejects_by_rule == {"ambiguous_number": 5, "not_finite": 9, "minimum": 1, "bad_number": 2}


def test_whole_numbers_follow_the_same_grammar():
    from contracts.model import Field
    from ingestion.cleaning import parse_series

    count = Field("count", "数量", "integer", False, False, "internal", "", ("count",))
    values = pl.Series(["1,234", "1 234", "１２", "1,5", "1.5", "12,34", None])
    assert parse_series(values, count).to_list() == [1234, 1234, 12, None, None, None, None]  # "1,5" was 15


# ---- dates -------------------------------------------------------------------------------------------------------


def test_dates_lie_between_the_earliest_date_and_the_receipt_date_or_the_long_term(ws):
    rows = {
        1: penalty_row(1, decision_date="2025-10-10"),  # the receipt date itself (in Beijing): lands
        2: penalty_row(2, decision_date="2025-10-11", valid_until="2028-10-11"),  # after receipt
        3: penalty_row(3, decision_date="2052-09-30", valid_until="2055-09-30"),  # a typing error for 2025
        4: penalty_row(4, decision_date="1949-10-01", valid_until="1952-10-01"),  # the earliest plausible date
        5: penalty_row(5, decision_date="1949-09-30", valid_until="1952-10-01"),
        6: penalty_row(6, decision_date="1900-01-01", valid_until="2028-09-30"),  # a placeholder
        7: penalty_row(7, valid_until="2099-12-31"),  # "long-term": may lie in the future
        8: penalty_row(8, valid_until="2100-01-01"),
        9: penalty_row(9, valid_until="2025-09-29"),  # validity ending before the decision
        10: penalty_row(10, valid_until="2025-09-30"),  # ending on the decision day: plausible
        11: penalty_row(11, publicity_end="2028-09-30"),  # may lie in the future
        12: penalty_row(12, publicity_end="1900-01-01"),  # an optional date is held to the window too
    }
    result, landed, rejects = ingest(ws, list(rows.values()))
    reasons = reasons_by_row(rejects)
    assert reasons == {
        2: {("date_after_receipt", "decision_date")},
        3: {("date_after_receipt", "decision_date")},
        5: {("date_too_early", "decision_date")},
        6: {("date_too_early", "decision_date")},
        8: {("date_too_late", "valid_until")},
        9: {("date_order", "decision_date,valid_until")},
        12: {("date_too_early", "publicity_end")},
    }
    assert sorted(landed["_row_number"]) == [1, 4, 7, 10, 11]
    order = rejects.filter(pl.col("rule") == "date_order").row(0, named=True)
    assert order["value"] == "2025-09-30|2025-09-29"  # both dates, earlier first (as duplicate_key names its fields)
    assert order["message"] == "「处罚有效期」早于「处罚决定日期」：处罚有效期不早于处罚决定日期（contracts/dates.yml）"
    after = rejects.filter(pl.col("_row_number") == 3).row(0, named=True)
    assert after["value"] == "2052-09-30" and "接收日期" in after["message"]
    assert "1949-10-01" in rejects.filter(pl.col("_row_number") == 6)["message"][0]
    assert_messages_name_the_field_not_the_value(rejects)
    assert result.rows_quarantined == 7


def test_the_upper_bound_is_the_receipt_date_of_each_batch(ws):
    """The same decision date is quarantined in a batch received before it and lands in one received after it."""
    early = ingest(ws, [penalty_row(1, decision_date="2025-10-20")], "week1.csv")[0]
    assert (early.rows_landed, early.rejects_by_rule) == (0, {"date_after_receipt": 1})
    late = datetime(2025, 10, 20, 1, tzinfo=UTC).timestamp()  # 09:00 in Beijing on the decision day
    later = ingest(ws, [penalty_row(1, decision_date="2025-10-20", remarks="重报")], "week2.csv", mtime=late)[0]
    assert (later.rows_landed, later.rows_quarantined) == (1, 0)


def test_every_date_column_of_every_feed_is_held_to_the_window_of_the_one_dates_file():
    """The generated schemas carry contracts/dates.yml: its earliest date, the receipt date or its long-term value,
    its orders wherever both dates are in a feed (the publication gate reads the same file); and every maxLength."""
    rules = date_rules()
    for contract in load_contracts().values():
        spans = {c.name: set(c.fields) for c in load_schema(contract).checks}
        dates = {f.name for f in contract.fields if f.logical_type == "date"}
        assert spans.get("date_too_early", set()) == dates, contract.name
        assert spans.get("date_too_late", set()) == dates & rules.may_be_future, contract.name
        assert spans.get("date_after_receipt", set()) == dates - rules.may_be_future, contract.name
        orders = {f"{o.earlier},{o.later}" for o in rules.orders_within(list(contract.field_names))}
        assert spans.get("date_order", set()) == orders, contract.name
        lengths = {f.name for f in contract.fields if f.max_length}
        assert spans.get("too_long", set()) == lengths, contract.name
    # the dates that describe the future at ingestion as in the gate: validity, restriction and warning ends
    assert {"valid_until", "valid_to", "valid_from", "restriction_end", "end_date"} <= rules.may_be_future
    assert rules.earliest == date(1949, 10, 1) and rules.long_term == date(2099, 12, 31)


# ---- lengths -----------------------------------------------------------------------------------------------------


def test_text_longer_than_the_contract_allows_is_quarantined_not_landed(ws):
    huge = "违法事实" * (10 * (1 << 20) // 12)  # a 10 MB cell
    rows = [
        penalty_row(1, violation_facts="违" * 5000),  # exactly the maximum (5000 characters, 15000 bytes): lands
        penalty_row(2, violation_facts="违" * 5001),
        penalty_row(3, party_name="上" * 200),  # 200 characters of 3 bytes each: characters are counted
        penalty_row(4, party_name="上" * 201),
        penalty_row(5, remarks=huge),
        penalty_row(6, legal_rep_name="张" * 51),  # a person's name (personal data) is never quoted in the message
    ]
    result, landed, rejects = ingest(ws, rows)
    assert reasons_by_row(rejects) == {
        2: {("too_long", "violation_facts")},
        4: {("too_long", "party_name")},
        5: {("too_long", "remarks")},
        6: {("too_long", "legal_rep_name")},
    }
    assert sorted(landed["_row_number"]) == [1, 3]
    assert landed["violation_facts"].str.len_chars().max() == 5000
    messages = dict(rejects.select("field", "message").iter_rows())
    assert messages["remarks"] == "「备注」超过合同规定的最大长度 2000 个字符（maxLength）"
    assert messages["legal_rep_name"] == "「法定代表人」超过合同规定的最大长度 50 个字符（maxLength）"
    assert_messages_name_the_field_not_the_value(rejects)
    assert result.rejects_by_rule == {"too_long": 4}


def test_every_text_field_has_a_maximum_length_unless_its_code_table_bounds_it(tmp_path):
    for contract in load_contracts().values():
        for f in contract.fields:
            bounded = f.logical_type != "string" or (f.enum and not f.list_separator)
            assert bounded or f.max_length, (contract.name, f.name)
    text = PENALTIES.source_file.read_text(encoding="utf-8")
    start = text.index("      - name: remarks\n")
    block = text[start:]
    path = tmp_path / "penalties.odcs.yaml"
    path.write_text(text[:start] + block.replace("        logicalTypeOptions: {maxLength: 2000}\n", ""), "utf-8")
    with pytest.raises(ContractError, match=r"'remarks'.*maxLength"):
        load_contract(path)


# ---- chunks -----------------------------------------------------------------------------------------------------


def test_small_chunks_give_the_same_reasons(tmp_path, monkeypatch):
    from ground.settings import Workspace

    rows = [
        penalty_row(1, fine_amount_wan="1,5"),
        penalty_row(2, valid_until="2025-01-01"),
        penalty_row(3),
        penalty_row(4, decision_date="2030-01-01", fine_amount_wan="NaN", remarks="备" * 2001),
        penalty_row(5, fine_amount_wan="1,234.5"),
    ]
    outcomes = []
    for chunk_rows in (250_000, 2):
        monkeypatch.setattr(landing, "CHUNK_ROWS", chunk_rows)
        ws = Workspace(tmp_path / str(chunk_rows)).ensure()
        _, landed, rejects = ingest(ws, rows)
        outcomes.append(
            (
                sorted(landed["_row_number"]),
                sorted(rejects.select("_row_number", "rule", "field", "value", "message").rows()),
            )
        )
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == [3, 5]
    assert {(r, rule) for r, rule, *_ in outcomes[0][1]} == {
        (1, "ambiguous_number"),
        (2, "date_order"),
        (4, "date_after_receipt"),
        (4, "date_order"),
        (4, "not_finite"),
        (4, "too_long"),
    }
