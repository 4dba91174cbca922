"""为什么是这个类别: one enterprise's risk class with every indicator behind its score, the model and the class
thresholds in force on its scoring date, and its class month by month (mart_credit_risk_scores, _indicators,
_monthly; thresholds from rule_risk_class_thresholds as int_risk__class_thresholds resolves them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

DIRECTIONS = {"higher_riskier": "越大风险越高", "lower_riskier": "越小风险越高"}


@dataclass
class Why:
    enterprise: dict[str, Any]
    risk: dict[str, Any]
    indicators: list[dict[str, Any]]
    contribution_total: float
    thresholds: list[dict[str, Any]]
    history: list[dict[str, Any]]


def _rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    rows = cur.execute(sql, params).fetchall()
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in rows]


def why(cur: duckdb.DuckDBPyConnection, uscc: str) -> Why | None:
    """None when the enterprise is not in the snapshot or was not classified."""
    found = _rows(
        cur,
        """select e.uscc, e.enterprise_name, e.region_name, e.industry_name, r.as_of_date, r.model_id, r.model_name,
                  r.score, r.risk_class, r.risk_class_name, r.contributing_indicator_count
           from risk_class r join enterprise e using (uscc) where r.uscc = ?""",
        [uscc],
    )
    if not found:
        return None
    risk = found[0]
    enterprise = {k: risk[k] for k in ("uscc", "enterprise_name", "region_name", "industry_name")}
    indicators = _rows(
        cur,
        """select indicator_code, indicator_group, indicator_name, lookback_months, cap_value, direction, raw_value,
                  normalised_value, weight, weight_origin, model_total_weight, contribution
           from risk_indicator where uscc = ? order by contribution desc, indicator_code""",
        [uscc],
    )
    for i in indicators:
        i["direction_text"] = DIRECTIONS.get(i["direction"], i["direction"] or "—")
    thresholds = _rows(
        cur,
        """select risk_class, risk_class_name, min_score, max_score, source from risk_threshold
           where score_date = ? and model_id = ? order by min_score""",
        [risk["as_of_date"], risk["model_id"]],
    )
    for t in thresholds:
        t["is_current"] = t["risk_class"] == risk["risk_class"]
    history = _rows(
        cur,
        """select score_month, score_date, model_id, score, risk_class,
                  lag(risk_class) over (order by score_month) as previous_class
           from risk_monthly where uscc = ? order by score_month""",
        [uscc],
    )
    total = sum(float(i["contribution"] or 0) for i in indicators)
    return Why(enterprise, risk, indicators, total, thresholds, history)
