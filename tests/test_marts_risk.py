"""Credit-risk classes, the double-random inspection plan and risk warnings on a small generated data set.

One module-scoped workspace: generate 1 500 entities, ingest, build the risk marts as of 2026-08-31. Tests then
check the marts against their rules and rebuild parts with other vars (the plan seed, the what-if scenario, the
incremental snapshot); the tests that rebuild run last, and none depends on another's rebuild.
Rule boundaries (a score at a threshold, a sector override, recusal at 365/366 days, the derived-warning window)
are dbt unit tests in models/*/risk/_risk__models.yml; they run with `dbt build`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.test_dbt_project import dbt

pytestmark = pytest.mark.e2e

AS_OF = "2026-08-31"
RISK_MARTS = (
    "mart_credit_risk_scores",
    "mart_credit_risk_indicators",
    "mart_credit_risk_monthly",
    "mart_credit_risk_migrations",
    "mart_credit_risk_whatif",
    "mart_credit_risk_whatif_summary",
    "mart_inspection_plan",
    "mart_inspection_plan_strata",
    "mart_risk_warnings",
)
SELECT = "+path:models/marts/risk"


def run(home: Path, scratch: Path, *args: str, as_of: str = AS_OF, **vars_: str) -> None:
    result = dbt(*args, "--vars", json.dumps({"as_of_date": as_of, **vars_}), home=home, scratch=scratch)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def query(home: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    pytest.importorskip("ingestion.landing")
    from feedgen import generate
    from ground.settings import Workspace
    from ingestion import ingest_all

    scratch = tmp_path_factory.mktemp("risk")
    workspace = Workspace(scratch / "home").ensure()
    generate(workspace.feeds, entities=1500, seed=11, start=date(2025, 3, 1), end=date(2026, 8, 31), fault_rate=0.0)
    ingest_all(workspace)
    run(workspace.home, scratch, "seed")
    run(workspace.home, scratch, "run", "--select", SELECT)
    return workspace.home, scratch


# ------------------------------------------------------------------------------------------ read-only checks


def test_every_class_is_explained_by_its_indicators(ws):
    home, _ = ws
    rows = query(
        home,
        """
        select s.uscc, s.score, s.risk_class, coalesce(sum(i.contribution), 0) as total, count(i.uscc) as n
        from mart_credit_risk_scores s left join mart_credit_risk_indicators i using (uscc)
        group by all""",
    )
    assert len(rows) > 1000
    for uscc, score, _, total, n in rows:
        assert abs(score - total) <= 0.0001 * (n + 1), uscc  # contributions are rounded to 4 decimals
    classes = {r[2] for r in rows}
    assert {"A", "B"} <= classes and classes <= {"A", "B", "C", "D"}


def test_class_follows_the_thresholds_of_the_model_in_use(ws):
    home, _ = ws
    wrong = query(
        home,
        """
        select s.uscc, s.score, s.risk_class, t.risk_class
        from mart_credit_risk_scores s
        join intermediate.int_risk__class_thresholds t
          on t.scenario_id = 'baseline' and t.score_date = s.as_of_date and t.model_id = s.model_id
         and s.score >= t.min_score and (t.max_score is null or s.score < t.max_score)
        where t.risk_class <> s.risk_class""",
    )
    assert wrong == []


def test_sector_model_only_for_holders_of_its_licence(ws):
    home, _ = ws
    rows = query(
        home,
        """
        select s.uscc, s.model_id, m.licence_type,
               exists (select 1 from intermediate.int_risk__valid_licences v
                       where v.uscc = s.uscc and v.score_date = s.as_of_date and v.licence_type = m.licence_type)
        from mart_credit_risk_scores s join rules.rule_risk_models m using (model_id)""",
    )
    sector = [r for r in rows if r[2] is not None]
    assert sector, "the generated data should hold some food-production or special-equipment licences"
    assert all(r[3] for r in sector)


def test_plan_draws_by_class_ratio_and_records_the_seed(ws):
    home, _ = ws
    strata = query(
        home, "select risk_class, eligible_count, quota, drawn_count, sampling_ratio from mart_inspection_plan_strata"
    )
    assert strata and all(q == d for _, _, q, d, _ in strata)
    assert all(q == round(e * r) for _, e, q, _, r in strata)
    ratios = dict(query(home, "select risk_class, sampling_ratio from rules.rule_inspection_sampling"))
    assert ratios["C"] > ratios["B"] > ratios["A"] and ratios["D"] > ratios["C"]
    seeds = query(home, "select distinct plan_seed, plan_id from mart_inspection_plan")
    assert len(seeds) == 1 and seeds[0][1].endswith(seeds[0][0])
    # draw order is md5(seed|uscc): a drawn enterprise never ranks behind an undrawn one of its stratum
    bad = query(
        home,
        """
        select count(*) from intermediate.int_risk__inspection_draw d
        join intermediate.int_risk__inspection_draw u
          on d.region_code = u.region_code and d.risk_class = u.risk_class
         and d.is_drawn and not u.is_drawn and u.exclusion_reason is null and u.draw_key < d.draw_key""",
    )
    assert bad == [(0,)]


def test_no_inspector_checks_an_enterprise_their_unit_penalised_within_a_year(ws):
    home, _ = ws
    assigned = query(
        home,
        """
        select p.uscc, unnest(string_split(p.inspector_ids, ';')) as inspector_id, p.plan_date
        from mart_inspection_plan p where p.inspector_ids is not null""",
    )
    assert assigned
    clashes = query(
        home,
        """
        with a as (
            select p.uscc, unnest(string_split(p.inspector_ids, ';')) as inspector_id, p.plan_date
            from mart_inspection_plan p where p.inspector_ids is not null)
        select a.uscc, a.inspector_id, pen.decision_date
        from a join reference.ref_inspectors i using (inspector_id)
        join staging.stg_landing__penalties pen on pen.uscc = a.uscc and pen.authority_uscc = i.unit_uscc
        where pen.decision_date between a.plan_date - 365 and a.plan_date""",
    )
    assert clashes == []
    recused = query(home, "select count(*) from mart_inspection_plan where recused_inspector_count > 0")[0][0]
    assert recused > 0, "some planned enterprise should have been penalised by a roster unit"


def test_warnings_keep_issuer_only_lifts_and_cite_their_source(ws):
    home, _ = ws
    issued = query(
        home, "select count(distinct warning_id) from staging.stg_landing__risk_warnings where start_date <= ?", AS_OF
    )
    assert query(home, "select count(*) from mart_risk_warnings where derivation = 'issued'") == issued
    foreign = query(
        home,
        """
        select count(*) from mart_risk_warnings w
        where w.lift_date is not null and not exists (
            select 1 from staging.stg_landing__risk_warnings s
            where s.warning_id = w.warning_id and s.lift_date = w.lift_date
              and s.lifting_department_uscc = w.issuing_department_uscc)""",
    )
    assert foreign == [(0,)]
    derived = query(home, "select derivation, count(*) from mart_risk_warnings where derivation <> 'issued' group by 1")
    assert derived, "inspection failures in the generated data should derive some warnings"
    assert query(home, "select count(*) from mart_risk_warnings where derivation = 'issued' and _batch_id is null") == [
        (0,)
    ]


# ------------------------------------------------------------------------------------ rebuilds (run last)


def test_plan_is_reproducible_and_changes_with_the_seed(ws):
    home, scratch = ws
    sql = "select uscc, inspector_ids from mart_inspection_plan order by uscc"
    before = query(home, sql)
    run(home, scratch, "run", "--select", "int_risk__inspection_draw+")
    assert query(home, sql) == before
    run(home, scratch, "run", "--select", "int_risk__inspection_draw+", plan_seed="7")
    assert query(home, "select distinct plan_seed from mart_inspection_plan") == [("7",)]
    assert query(home, sql) != before


def test_whatif_counts_every_class_change(ws):
    home, scratch = ws
    changed = query(home, "select count(*) from mart_credit_risk_whatif where is_class_changed")[0][0]
    totals = query(home, "select distinct total_changed, total_enterprises from mart_credit_risk_whatif_summary")
    assert totals == [(changed, query(home, "select count(*) from mart_credit_risk_scores")[0][0])]
    run(home, scratch, "run", "--select", "mart_credit_risk_whatif+", risk_scenario="baseline")
    assert query(home, "select count(*) from mart_credit_risk_whatif where is_class_changed") == [(0,)]


def test_incremental_snapshots_equal_a_full_refresh(ws):
    home, scratch = ws
    sql = "select score_month, score_date, uscc, model_id, score, risk_class from mart_credit_risk_monthly"
    months = [r[0] for r in query(home, "select distinct score_month from mart_credit_risk_monthly order by 1")]
    assert len(months) == 13 and months[-1] == date(2026, 8, 1)
    scoring = "path:models/intermediate/risk mart_credit_risk_monthly mart_credit_risk_migrations"
    for as_of in ("2026-09-30", "2026-10-31", "2026-10-31"):  # the repeated month: a rerun replaces it
        run(home, scratch, "run", "--select", scoring, as_of=as_of)
    incremental = set(query(home, sql))
    run(home, scratch, "run", "--full-refresh", "--select", scoring, as_of="2026-10-31")
    full = set(query(home, sql))
    first = min(r[0] for r in full)
    assert first == date(2025, 10, 1)
    assert {r for r in incremental if r[0] >= first} == full
    migrations = query(
        home,
        """
        select m.score_month, sum(m.enterprise_count) filter (where m.to_class <> 'EXIT'),
               (select count(*) from mart_credit_risk_monthly s where s.score_month = m.score_month)
        from mart_credit_risk_migrations m group by 1""",
    )
    assert all(a == b for _, a, b in migrations)


def test_risk_marts_have_enforced_contracts_and_documented_columns(ws):
    _, scratch = ws
    manifest = json.loads((scratch / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in RISK_MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert node["description"], name
        for column in node["columns"].values():
            assert column["description"] and column["data_type"], f"{name}.{column['name']}"
