"""Credit-risk classes, the double-random inspection plan and risk warnings on the shared demo warehouse.

The read-only checks query the demo warehouse (built as of DEMO_AS_OF). The tests that rebuild parts with other
vars (the plan seed, the what-if scenario, the incremental snapshot) share one copy of it; none depends on
another's rebuild. Rule boundaries (a score at a threshold, a sector override, recusal at 365/366 days, the
derived-warning window) are dbt unit tests in models/*/risk/_risk__models.yml; they run with `dbt build`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from helpers import DEMO_AS_OF, DEMO_DATA, dbt_ok, manifest, query

pytestmark = pytest.mark.e2e

AS_OF = DEMO_AS_OF.isoformat()
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


def run(ws, *args: str, as_of: str = AS_OF, **vars_: str) -> None:
    dbt_ok(*args, home=ws.home, vars={"as_of_date": as_of, **vars_})


@pytest.fixture(scope="module")
def ws(demo):
    return demo.ws


@pytest.fixture(scope="module")
def rebuilt(demo, tmp_path_factory):
    """One copy of the demo workspace for the tests that rebuild parts of it."""
    return demo.copy(tmp_path_factory.mktemp("risk"))


# ------------------------------------------------------------------------------------------ read-only checks


def test_every_class_is_explained_by_its_indicators(ws):
    rows = query(
        ws,
        """
        select s.uscc, s.score, s.risk_class, coalesce(sum(i.contribution), 0) as total, count(i.uscc) as n
        from mart_credit_risk_scores s left join mart_credit_risk_indicators i using (uscc)
        group by all""",
    )
    assert len(rows) > DEMO_DATA["entities"] * 2 // 3  # most enterprises are scored
    for uscc, score, _, total, n in rows:
        assert abs(score - total) <= 0.0001 * (n + 1), uscc  # contributions are rounded to 4 decimals
    classes = {r[2] for r in rows}
    assert {"A", "B"} <= classes and classes <= {"A", "B", "C", "D"}


def test_class_follows_the_thresholds_of_the_model_in_use(ws):
    wrong = query(
        ws,
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
    rows = query(
        ws,
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
    strata = query(
        ws,
        "select risk_class, eligible_count, quota, drawn_count, sampling_ratio, class_eligible_count, class_quota "
        "from mart_inspection_plan_strata",
    )
    assert strata and all(q == d for _, _, q, d, *_ in strata)
    # each class draws round(its eligible count × ratio) over the whole population, allocated to the strata by
    # largest remainder: a stratum gets floor(eligible × ratio) or one more
    for cls in {row[0] for row in strata}:
        rows = [row for row in strata if row[0] == cls]
        eligible, ratio = sum(row[1] for row in rows), Decimal(str(rows[0][4]))
        assert {(row[5], row[6]) for row in rows} == {(eligible, int(eligible * ratio + Decimal("0.5")))}
        assert sum(row[2] for row in rows) == rows[0][6]
        assert all(row[2] - int(row[1] * ratio) in (0, 1) for row in rows)
    ratios = dict(query(ws, "select risk_class, sampling_ratio from rules.rule_inspection_sampling"))
    assert ratios["C"] > ratios["B"] > ratios["A"] and ratios["D"] > ratios["C"]
    seeds = query(ws, "select distinct plan_seed, plan_id from mart_inspection_plan")
    assert len(seeds) == 1 and seeds[0][1].endswith(seeds[0][0])
    # draw order is md5(seed|uscc): a drawn enterprise never ranks behind an undrawn one of its stratum
    bad = query(
        ws,
        """
        select count(*) from intermediate.int_risk__inspection_draw d
        join intermediate.int_risk__inspection_draw u
          on d.region_code = u.region_code and d.risk_class = u.risk_class
         and d.is_drawn and not u.is_drawn and u.exclusion_reason is null and u.draw_key < d.draw_key""",
    )
    assert bad == [(0,)]
    # the draw ranks only the key range its quota reaches; a drawn enterprise's rank is still its rank among all
    # the stratum's eligible enterprises, and an undrawn one has none
    misranked = query(
        ws,
        """
        select count(*) from (
            select is_drawn, draw_rank, stratum_quota,
                   row_number() over (partition by region_code, risk_class order by draw_key) as full_rank
            from intermediate.int_risk__inspection_draw where exclusion_reason is null)
        where (is_drawn and draw_rank is distinct from full_rank) or (not is_drawn and draw_rank is not null)
           or (full_rank <= stratum_quota) is distinct from is_drawn""",
    )
    assert misranked == [(0,)]


def test_no_inspector_checks_an_enterprise_their_unit_penalised_within_a_year(ws):
    assigned = query(
        ws,
        """
        select p.uscc, unnest(string_split(p.inspector_ids, ';')) as inspector_id, p.plan_date
        from mart_inspection_plan p where p.inspector_ids is not null""",
    )
    assert assigned
    clashes = query(
        ws,
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
    recused = query(ws, "select count(*) from mart_inspection_plan where recused_inspector_count > 0")[0][0]
    assert recused > 0, "some planned enterprise should have been penalised by a roster unit"


def test_warnings_keep_issuer_only_lifts_and_cite_their_source(ws):
    issued = query(
        ws, "select count(distinct warning_id) from staging.stg_landing__risk_warnings where start_date <= ?", AS_OF
    )
    assert query(ws, "select count(*) from mart_risk_warnings where derivation = 'issued'") == issued
    foreign = query(
        ws,
        """
        select count(*) from mart_risk_warnings w
        where w.lift_date is not null and not exists (
            select 1 from staging.stg_landing__risk_warnings s
            where s.warning_id = w.warning_id and s.lift_date = w.lift_date
              and s.lifting_department_uscc = w.issuing_department_uscc)""",
    )
    assert foreign == [(0,)]
    derived = query(ws, "select derivation, count(*) from mart_risk_warnings where derivation <> 'issued' group by 1")
    assert derived, "inspection failures in the generated data should derive some warnings"
    assert query(ws, "select count(*) from mart_risk_warnings where derivation = 'issued' and _batch_id is null") == [
        (0,)
    ]


# ------------------------------------------------------------------------------------ rebuilds (run last)


def test_plan_is_reproducible_and_changes_with_the_seed(rebuilt):
    ws = rebuilt
    sql = "select uscc, inspector_ids from mart_inspection_plan order by uscc"
    before = query(ws, sql)
    run(ws, "run", "--select", "int_risk__inspection_draw+")
    assert query(ws, sql) == before
    run(ws, "run", "--select", "int_risk__inspection_draw+", plan_seed="7")
    assert query(ws, "select distinct plan_seed from mart_inspection_plan") == [("7",)]
    assert query(ws, sql) != before


def test_whatif_counts_every_class_change(rebuilt):
    ws = rebuilt
    changed = query(ws, "select count(*) from mart_credit_risk_whatif where is_class_changed")[0][0]
    totals = query(ws, "select distinct total_changed, total_enterprises from mart_credit_risk_whatif_summary")
    assert totals == [(changed, query(ws, "select count(*) from mart_credit_risk_scores")[0][0])]
    run(ws, "run", "--select", "mart_credit_risk_whatif+", risk_scenario="baseline")
    assert query(ws, "select count(*) from mart_credit_risk_whatif where is_class_changed") == [(0,)]


def test_incremental_snapshots_equal_a_full_refresh(rebuilt):
    ws = rebuilt
    sql = "select score_month, score_date, uscc, model_id, score, risk_class from mart_credit_risk_monthly"
    months = [r[0] for r in query(ws, "select distinct score_month from mart_credit_risk_monthly order by 1")]
    assert len(months) == 13 and months[-1] == DEMO_AS_OF.replace(day=1)
    scoring = "path:models/intermediate/risk mart_credit_risk_monthly mart_credit_risk_migrations"
    # the month-ends after the build's as-of date; July's run is a rerun of the month the build (DEMO_AS_OF) took
    # a snapshot of: it replaces that snapshot
    for as_of in ("2026-07-31", "2026-08-31"):
        run(ws, "run", "--select", scoring, as_of=as_of)
    incremental = set(query(ws, sql))
    run(ws, "run", "--full-refresh", "--select", scoring, as_of="2026-08-31")
    full = set(query(ws, sql))
    first = min(r[0] for r in full)
    assert first == date(2025, 8, 1)
    assert {r for r in incremental if r[0] >= first} == full
    migrations = query(
        ws,
        """
        select m.score_month, sum(m.enterprise_count) filter (where m.to_class <> 'EXIT'),
               (select count(*) from mart_credit_risk_monthly s where s.score_month = m.score_month)
        from mart_credit_risk_migrations m group by 1""",
    )
    assert all(a == b for _, a, b in migrations)


def test_risk_marts_have_enforced_contracts_and_documented_columns(ws):
    models = {n["name"]: n for n in manifest(ws.home)["nodes"].values() if n["resource_type"] == "model"}
    for name in RISK_MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert node["description"], name
        for column in node["columns"].values():
            assert column["description"] and column["data_type"], f"{name}.{column['name']}"
