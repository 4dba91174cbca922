"""Shared fixtures: a throw-away workspace and a way to write producer files in any encoding."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from contracts import load_contracts
from ground.identifiers import make_ric, make_uscc
from ground.settings import Workspace
from ingestion.landing import scan_published

AUTHORITY_USCC = "11310000MB2F29521E"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "home").ensure()


def penalty_row(n: int = 1, **overrides) -> dict[str, str]:
    """A valid penalty keyed by canonical field name; ``n`` makes the decision number unique."""
    row = dict(
        party_name="上海市杨浦区鑫达餐饮管理有限公司",
        party_category="法人及非法人组织",
        uscc=make_uscc("9", "1", "310110", "MA1FL2X3"),
        legal_rep_name="張偉",
        legal_rep_id_type="身份证",
        legal_rep_id_number=make_ric("310110", date(1980, 5, 6), "123"),
        decision_number=f"沪市监杨处[2025]1020250{n:05d}号",
        violation_type="食品安全",
        violation_facts="经营超过保质期的食品",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
        penalty_types="罚款;没收违法所得",
        penalty_content="罚款1.5万元",
        fine_amount_wan="1.5",
        confiscation_amount_wan="0.02",
        revoked_licence="",
        decision_date="2025-09-30",
        valid_until="2028-09-30",
        publicity_end="",
        authority_name="上海市杨浦区市场监督管理局",
        authority_uscc=AUTHORITY_USCC,
        domain_code="食品安全",
        heavier_discretion="否",
        procedure_type="普通程序",
        record_status="正常",
        source_unit="上海市杨浦区市场监督管理局",
        source_unit_uscc=AUTHORITY_USCC,
        remarks="",
    )
    row.update(overrides)
    return row


def write_feed(
    ws: Workspace,
    feed: str,
    name: str,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    header: str = "label",
    rename: dict[str, str] | None = None,
    tail: str = "",
    mtime: float | None = None,
) -> Path:
    """Write rows as a producer would: CSV (any encoding) or JSONL, headers by Chinese label or canonical name."""
    contract = load_contracts()[feed]
    folder = ws.feeds / contract.producer.code / feed
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    names = [f.name for f in contract.fields]
    heads = [f.label if header == "label" else f.name for f in contract.fields]
    heads = [(rename or {}).get(h, h) for h in heads]
    if name.endswith(".jsonl"):
        text = "".join(
            json.dumps({h: r.get(n, "") for h, n in zip(heads, names)}, ensure_ascii=False) + "\n" for r in rows
        )
    else:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(heads)
        w.writerows([[r.get(n, "") for n in names] for r in rows])
        text = buf.getvalue()
    text += tail
    path.write_bytes(text.encode(encoding))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory):
    """A throw-away Airflow: SQLite metadata in a temporary AIRFLOW_HOME, this repository's dags/, no examples.

    Airflow reads its configuration when first imported, so tests import it only after requesting this fixture."""
    import sys

    assert "airflow.configuration" not in sys.modules, "airflow was imported before the airflow_home fixture"
    home = tmp_path_factory.mktemp("airflow")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).resolve().parents[1] / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        yield home


def read_landed(ws: Workspace, feed: str) -> pl.DataFrame:
    """Every landed row of a feed, every column (a part leaves out its empty ``<f>__raw`` columns), and the
    ``batch_id`` its folder names."""
    return scan_published(ws.landing, load_contracts()[feed]).collect()
