"""The gate and the warehouse speak one vocabulary: every coded value a publication model can emit is in its
contract's code table.

The publication gate (quality_gate/codegen.py) checks each coded public column — a contract field with an ``enum``
and no ``list_separator`` — against the contract's code table. Values that come straight from a feed were checked
against the same table at ingestion; what the warehouse adds itself is not: string literals in the SQL and values
read from seeds (a rule row's ``display_reason``, …). These tests enumerate, for every publication model
(``contracts/publication.yml``) and every coded column, each value the model can emit that does not come from a
feed, and require it to be in the code table.

How the values are enumerated. The models are compiled by ``dbt compile`` with the profile's ``lint`` target (an
in-memory DuckDB, no workspace, as sqlfluff does), so Jinja and macros are rendered exactly as in a build. Each
compiled model is parsed and qualified by sqlglot (dialect duckdb; ``*`` expanded with the columns of its parents:
seeds from their CSV header, staging and Python models from their documented columns, every other model from its
own qualified SQL), and the column is traced through the scopes (CTEs, subqueries, ``union all`` by position and
``union all by name``), into the models it reads (the manifest's ``depends_on``), to its leaves:

- a literal in a value position (a select item, ``case``/``if`` branches, ``coalesce``, ``min``/``max``, casts) is a
  value the model emits;
- a seed column: its non-empty values, in the rows the SQL can select (below);
- a staging model (a feed): its values are safe only if ingestion holds them to the same code table, so the test
  checks that the staging column is a contract field with an ``enum`` within this one, unknown values quarantined;
- anything else in a value position (a function computing a string, a lateral alias): the test fails, saying it
  cannot enumerate the expression, so the tracer grows with the SQL rather than letting it through unseen.

``sqlglot.lineage.lineage`` traces one column's sources, but not which rows reach it, and reading whole seed columns
is not enough: one seed column (``rule_list_parameters.display_reason``) holds the labels of both lists, and the
term-expiry branch of ``int_lists__list_periods`` is the serious list's only. So the tracer walks sqlglot's
scopes itself and follows the row filters too: the equalities of a select's ``where`` and inner-join ``on`` (and a
left join's ``on`` for the values read from its right side) with string literals and between columns, together with
the filter the consumer puts on the select's output (``pub_abnormal_list``'s ``record_type = 'abnormal_list'``), are
merged into classes of equal columns. A select none of whose rows can pass (a class allowing no value, a literal or
an inner-joined source with no allowed value: the ``'serious_list'`` term rows under the abnormal list's filter) is
dropped; otherwise the allowed values go on as a filter on the source's columns, down to the seed's rows. Conditions
the tracer does not understand (ranges, ``is null``, numbers, subqueries) are ignored: they can only widen the
enumeration, never hide a value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import pytest
import sqlglot
from helpers import dbt_ok, manifest
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from contracts import Field, load_contracts
from contracts.codegen import STAGING_RENAMES, staging_model_name
from contracts.publication import record_types
from ground.settings import DBT_PROJECT_DIR

Where = dict[str, frozenset[str]]  # column → the values a row may have there (a filter on a relation's output)


def coded_columns() -> list[tuple[str, str, tuple[str, ...]]]:
    """(relation, column, code table) for every coded public column of every publication model."""
    contracts = load_contracts()
    out = []
    for rt in record_types():
        for f in contracts[rt.feed].fields:
            if f.publishable and f.enum and not f.list_separator:
                out.append((rt.relation, f.name, f.enum))
    return out


CODED = coded_columns()


def feed_fields() -> dict[tuple[str, str], Field]:
    """(staging model, column) → the contract field it carries (what ingestion validated it against)."""
    return {
        (staging_model_name(c), STAGING_RENAMES.get((c.name, f.name), f.name)): f
        for c in load_contracts().values()
        for f in c.fields
    }


@dataclass(frozen=True)
class Found:
    """One leaf of a column's lineage: a ``value`` the model emits (a literal, a seed's value), a ``feed`` (values
    validated at ingestion) or an expression the tracer cannot enumerate (``unknown``)."""

    kind: Literal["value", "feed", "unknown"]
    value: str | None
    origin: str
    feed_column: tuple[str, str] | None = None  # (staging model, column) of a feed leaf


class Tracer:
    """Traces a column of a compiled model to the literals and seed values it can carry (see the module doc)."""

    def __init__(self, manifest: dict) -> None:
        self.nodes: dict[str, dict] = manifest["nodes"]
        self.by_relation = {
            (n["database"], n["schema"], n["alias"]): uid
            for uid, n in self.nodes.items()
            if n["resource_type"] in ("model", "seed", "snapshot")
        }
        self.schema: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        self.columns: dict[str, list[str]] = {}
        self.scopes: dict[str, Scope] = {}

    # --- the nodes: kinds, columns, qualified SQL ---------------------------------------------------------------

    def uid(self, name: str) -> str:
        return next(uid for uid, n in self.nodes.items() if n["resource_type"] == "model" and n["name"] == name)

    def is_feed(self, node: dict) -> bool:
        return node["resource_type"] == "model" and node["original_file_path"].startswith("models/staging/")

    def node_columns(self, uid: str) -> list[str]:
        if uid not in self.columns:
            node = self.nodes[uid]
            if node["resource_type"] == "seed":
                with (DBT_PROJECT_DIR / node["original_file_path"]).open(encoding="utf-8", newline="") as f:
                    cols = next(csv.reader(f))
            elif self.is_feed(node) or node.get("language") == "python" or node["resource_type"] == "snapshot":
                cols = list(node["columns"])
                assert cols, f"{node['name']}: columns not documented, so `select *` from it cannot be expanded"
            else:
                cols = self.qualified(uid).named_selects
            self.columns[uid] = cols
            by_schema = self.schema.setdefault(node["database"], {}).setdefault(node["schema"], {})
            by_schema[node["alias"]] = dict.fromkeys(cols, "varchar")
        return self.columns[uid]

    def qualified(self, uid: str) -> exp.Query:
        """The compiled SQL, every column qualified by its table alias and every ``*`` expanded."""
        node = self.nodes[uid]
        for parent in node["depends_on"]["nodes"]:
            if parent in self.nodes:
                self.node_columns(parent)
        parsed = sqlglot.parse_one(node["compiled_code"], dialect="duckdb")
        query = qualify(parsed, schema=self.schema, dialect="duckdb")
        assert isinstance(query, exp.Query), node["name"]
        return query

    def root(self, uid: str) -> Scope:
        if uid not in self.scopes:
            scope = build_scope(self.qualified(uid))
            assert scope is not None
            self.scopes[uid] = scope
        return self.scopes[uid]

    # --- tracing ------------------------------------------------------------------------------------------------

    def node_values(self, uid: str, column: str, where: Where) -> Iterator[Found]:
        """The leaves of ``column`` of a node, in the rows that pass ``where``."""
        node = self.nodes[uid]
        if self.is_feed(node):
            # straight from a feed: validated at ingestion (the test checks against which code table)
            yield Found("feed", None, f"{node['name']}.{column}", (node["name"], column))
        elif node["resource_type"] == "seed":
            yield from self.seed_values(node, column, where)
        elif node["resource_type"] == "model" and node.get("language") == "sql":
            yield from self.scope_values(self.root(uid), column, where, node["name"])
        else:
            yield Found("unknown", None, f"{node['resource_type']} {node['name']}.{column} is not SQL")

    def seed_values(self, node: dict, column: str, where: Where) -> Iterator[Found]:
        path = DBT_PROJECT_DIR / node["original_file_path"]
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        filters = {c: v for c, v in where.items() if rows and c in rows[0]}
        shown = ", ".join(f"{c} in {sorted(v)}" for c, v in sorted(filters.items())) or "all rows"
        for row in rows:
            if row[column] and all(row[c] in allowed for c, allowed in filters.items()):
                yield Found("value", row[column], f"seed {node['name']}.{column}, rows where {shown}")

    def scope_values(self, scope: Scope, column: str, where: Where, model: str) -> Iterator[Found]:
        query = scope.expression
        if isinstance(query, exp.SetOperation):
            names = query.named_selects
            for branch in scope.set_operation_scopes:
                branch_names = branch.expression.named_selects
                if query.args.get("by_name"):
                    mapping = {n: n for n in names if n in branch_names}
                else:
                    mapping = dict(zip(names, branch_names))
                if column in mapping:
                    branch_where = {mapping[c]: v for c, v in where.items() if c in mapping}
                    yield from self.scope_values(branch, mapping[column], branch_where, model)
            return
        assert isinstance(query, exp.Select), f"{model}: unexpected {type(query).__name__}"
        selects = {s.alias_or_name: s.unalias() for s in query.selects}
        here = f"{model}, {_scope_name(scope)}"
        conditions = Conditions(query, selects, where)
        if conditions.unreachable or not all(
            self.has_rows(scope, alias, conditions, model, here) for alias in conditions.inner_aliases
        ):
            return  # no row of this select passes the filters
        for leaf in _value_leaves(selects[column]):
            if isinstance(leaf, exp.Literal | exp.Boolean):
                value = leaf.name if isinstance(leaf, exp.Literal) else str(leaf.this).lower()
                if column not in where or value in where[column]:
                    yield Found("value", value, f"literal in {here}")
            elif isinstance(leaf, exp.Column):
                source_where = conditions.for_alias(leaf.table)
                if source_where is not None:  # else the rows this value comes from fail the filters
                    yield from self.source_values(scope, leaf, source_where, model, here)
            else:
                yield Found("unknown", None, f"{here}: cannot enumerate {leaf.sql('duckdb')}")

    def source_values(self, scope: Scope, column: exp.Column, where: Where, model: str, here: str) -> Iterator[Found]:
        """The leaves of a column a select reads from one of its sources (a CTE, a subquery, a node)."""
        source = scope.sources.get(column.table)
        if isinstance(source, Scope):
            yield from self.scope_values(source, column.name, where, model)
        elif isinstance(source, exp.Table) and (uid := self.by_relation.get((source.catalog, source.db, source.name))):
            yield from self.node_values(uid, column.name, where)
        else:
            yield Found("unknown", None, f"{here}: cannot trace {column.sql('duckdb')}")

    def has_rows(self, scope: Scope, alias: str, conditions: Conditions, model: str, here: str) -> bool:
        """False when an inner source provably has no row passing the filters: a filtered column whose values are
        all known (literals, seeds) and none allowed (the serious list's ``'serious_list'`` term rows under the
        abnormal list's filter)."""
        where = conditions.for_alias(alias)
        if where is None:
            return False
        for name in where:
            found = list(self.source_values(scope, exp.column(name, table=alias), where, model, here))
            if not found:
                return False
        return True


# Value positions: what an expression can return is one of these arguments' values (conditions, orderings and
# partitions are not values).
_PASS_THROUGH: dict[type[exp.Expression], tuple[str, ...]] = {
    exp.Paren: ("this",),
    exp.Cast: ("this",),
    exp.TryCast: ("this",),
    exp.Window: ("this",),
    exp.Min: ("this",),
    exp.Max: ("this",),
    exp.AnyValue: ("this",),
    exp.First: ("this",),
    exp.Last: ("this",),
    exp.Nullif: ("this",),
    exp.Coalesce: ("this", "expressions"),
    exp.Greatest: ("this", "expressions"),
    exp.Least: ("this", "expressions"),
    exp.If: ("true", "false"),
    exp.Case: ("ifs", "default"),
}


def _value_leaves(e: exp.Expression) -> Iterator[exp.Expression]:
    if isinstance(e, exp.Null):
        return
    for kind, args in _PASS_THROUGH.items():
        if type(e) is kind:
            for arg in args:
                value = e.args.get(arg)
                for item in value if isinstance(value, list) else [value]:
                    if item is not None:
                        yield from _value_leaves(item)
            return
    yield e  # a literal, a column, or something the caller cannot enumerate


def _scope_name(scope: Scope) -> str:
    node: exp.Expression | None = scope.expression
    while node is not None and not isinstance(node, exp.CTE):
        node = node.parent
    return f"cte {node.alias}" if node is not None else "final select"


def _conjuncts(e: exp.Expression | None) -> list[exp.Expression]:
    if e is None:
        return []
    if isinstance(e, exp.Where | exp.Paren):
        return _conjuncts(e.this)
    if isinstance(e, exp.And):
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def _literal_set(e: exp.Expression) -> frozenset[str] | None:
    """The values of an expression made only of literals in value positions (None if anything else)."""
    values = set()
    for leaf in _value_leaves(e):
        if isinstance(leaf, exp.Literal):
            values.add(leaf.name)
        else:
            return None
    return frozenset(values)


Key = tuple[str, str]  # (table alias, column) in a qualified scope


class Conditions:
    """The equalities a select's rows satisfy, merged into classes of equal columns with the literals allowed.

    ``where`` is the consumer's filter on this select's output: on a column it passes to the source column, on a
    literal it can rule the whole select out."""

    def __init__(self, query: exp.Select, selects: dict[str, exp.Expression], where: Where) -> None:
        self.unreachable = False
        base = _conjuncts(query.args.get("where"))
        from_ = query.args.get("from") or query.args.get("from_")
        self.inner_aliases = [from_.this.alias_or_name] if from_ is not None else []
        self.left_joined: dict[str, list[exp.Expression]] = {}
        for join in query.args.get("joins") or []:
            on = _conjuncts(join.args.get("on"))
            if join.side == "LEFT":
                self.left_joined[join.this.alias_or_name] = on
            elif not join.side and join.kind in ("", "INNER", "CROSS", "SEMI"):
                base += on
                self.inner_aliases.append(join.this.alias_or_name)
        self.facts: list[tuple[Key, Key] | tuple[Key, frozenset[str]]] = []
        for name, allowed in where.items():
            target = selects.get(name)
            if isinstance(target, exp.Column):
                self.facts.append(((target.table, target.name), allowed))
            elif target is not None and (values := _literal_set(target)) is not None:
                self.unreachable = self.unreachable or not values & allowed
        self.base = self._facts(base)
        self.unreachable = self.unreachable or self.solve(self.base + self.facts) is None

    @staticmethod
    def _facts(conjuncts: list[exp.Expression]) -> list[tuple[Key, Key] | tuple[Key, frozenset[str]]]:
        facts: list[tuple[Key, Key] | tuple[Key, frozenset[str]]] = []
        for c in conjuncts:
            if isinstance(c, exp.EQ):
                left, right = c.left, c.right
                if isinstance(right, exp.Column) and not isinstance(left, exp.Column):
                    left, right = right, left
                if isinstance(left, exp.Column) and isinstance(right, exp.Column):
                    facts.append(((left.table, left.name), (right.table, right.name)))
                elif isinstance(left, exp.Column) and isinstance(right, exp.Literal) and right.is_string:
                    facts.append(((left.table, left.name), frozenset({right.name})))
            elif isinstance(c, exp.In) and isinstance(c.this, exp.Column) and not c.args.get("query"):
                items = c.expressions
                if items and all(isinstance(i, exp.Literal) and i.is_string for i in items):
                    facts.append(((c.this.table, c.this.name), frozenset(i.name for i in items)))
        return facts

    @staticmethod
    def solve(facts: list[tuple[Key, Key] | tuple[Key, frozenset[str]]]) -> dict[Key, frozenset[str]] | None:
        """Column → allowed values, for every column in a class with a literal restriction; None if a class
        allows nothing (no row satisfies the conditions)."""
        parent: dict[Key, Key] = {}

        def find(k: Key) -> Key:
            while parent.setdefault(k, k) != k:
                k = parent[k]
            return k

        for a, b in facts:
            if isinstance(b, tuple):
                parent[find(a)] = find(b)
        allowed: dict[Key, frozenset[str]] = {}
        for a, b in facts:
            if isinstance(b, frozenset):
                root = find(a)
                allowed[root] = allowed[root] & b if root in allowed else b
        if any(not v for v in allowed.values()):
            return None
        return {k: allowed[find(k)] for k in parent if find(k) in allowed}

    def for_alias(self, alias: str) -> Where | None:
        """The filter on the rows of ``alias`` that reach this select's output (None: no row does)."""
        facts = self.base + self.facts + self._facts(self.left_joined.get(alias, []))
        solved = self.solve(facts)
        if solved is None:
            return None
        return {col: values for (table, col), values in solved.items() if table == alias}


@pytest.fixture(scope="module")
def tracer(tmp_path_factory) -> Tracer:
    """The publication models and everything they read, compiled with the profile's in-memory ``lint`` target."""
    home = tmp_path_factory.mktemp("vocabulary")
    selection = " ".join(f"+{rt.relation}" for rt in record_types())
    dbt_ok("compile", "--target", "lint", "--select", selection, "--quiet", home=home)
    return Tracer(manifest(home))


def _emitted(tracer: Tracer, relation: str, column: str) -> list[Found]:
    return list(tracer.node_values(tracer.uid(relation), column, {}))


@pytest.mark.parametrize(("relation", "column", "code_table"), CODED, ids=[f"{r}.{c}" for r, c, _ in CODED])
def test_every_value_a_publication_model_emits_is_in_the_code_table(tracer, relation, column, code_table):
    found = _emitted(tracer, relation, column)
    problems = [
        f"{relation}.{column} = {f.value!r} ({f.origin}) is not in the contract's code table"
        for f in found
        if f.kind == "value" and f.value not in code_table
    ] + [f"{relation}.{column}: {f.origin}" for f in found if f.kind == "unknown"]
    # a feed's values are safe only if ingestion refused whatever is not in this code table
    fields = feed_fields()
    for f in found:
        if f.kind == "feed" and f.feed_column is not None:
            field = fields.get(f.feed_column)
            if field is None or not field.enum or field.list_separator or field.on_unknown != "quarantine":
                problems.append(
                    f"{relation}.{column} reads {f.origin}, whose values ingestion does not hold to a code table"
                )
            elif not set(field.enum) <= set(code_table):
                extra = sorted(set(field.enum) - set(code_table))
                problems.append(f"{relation}.{column} reads {f.origin}, whose code table also allows {extra}")
    assert not problems, "\n  ".join(["the gate would refuse what the warehouse emits:", *problems])


def test_the_tracer_reaches_the_warehouse_s_own_removal_reasons(tracer):
    """The enumeration is not vacuous: it finds the labels the warehouse derives from its rule seeds, each list
    only its own (the repair rule rows of both lists share one seed column), and the feed's own values."""
    abnormal = _emitted(tracer, "pub_abnormal_list", "removal_reason")
    serious = _emitted(tracer, "pub_serious_list", "removal_reason")
    assert {f.value for f in abnormal if f.kind == "value"} == {"信用修复后移出"}
    assert {f.value for f in serious if f.kind == "value"} == {
        "信用修复提前移出",
        "列入满三年自动移出",
        "列入依据被撤销",
    }
    assert {f.origin for f in abnormal if f.kind == "feed"} == {"stg_landing__abnormal_listings.removal_reason"}
    assert {f.origin for f in serious if f.kind == "feed"} == {"stg_landing__serious_listings.removal_reason"}


def test_the_tracer_follows_filters_into_seeds_and_prunes_unreachable_rows():
    """A small model, traced without dbt: a seed read through a join keeps only the rows the consumer's filter lets
    through; a literal in a branch, or behind an inner join, that the filter rules out is dropped; an expression the
    tracer cannot enumerate is reported."""
    seed = {
        "database": "memory",
        "schema": "rules",
        "alias": "rule_list_parameters",
        "name": "rule_list_parameters",
        "resource_type": "seed",
        "original_file_path": "seeds/lists/rule_list_parameters.csv",
        "depends_on": {"nodes": []},
    }
    sql = """
        with rules as (select * from memory.rules.rule_list_parameters where removal_path = 'repair'),
        kinds as (select 'abnormal' as list_type union all select 'serious'),
        terms as (select 'serious' as list_type, 3 as years),
        labelled as (
            select kinds.list_type, rules.display_reason as reason
            from kinds inner join rules on kinds.list_type = rules.list_type
            union all
            select 'serious', '已撤销'
            union all
            select kinds.list_type, '期满移出'
            from kinds inner join terms on kinds.list_type = terms.list_type
            union all
            select 'abnormal', upper(kinds.list_type) from kinds
        )
        select * from labelled where list_type = 'abnormal'
    """
    model = {
        "database": "memory",
        "schema": "main",
        "alias": "m",
        "name": "m",
        "resource_type": "model",
        "language": "sql",
        "original_file_path": "models/marts/m.sql",
        "compiled_code": sql,
        "depends_on": {"nodes": ["seed.x.rule_list_parameters"]},
    }
    tracer = Tracer({"nodes": {"seed.x.rule_list_parameters": seed, "model.x.m": model}})
    found = list(tracer.node_values("model.x.m", "reason", {}))
    assert [(f.kind, f.value) for f in found] == [("value", "信用修复后移出"), ("unknown", None)]
    assert "list_type in ['abnormal']" in found[0].origin
    assert "UPPER" in found[1].origin
