"""Typed view of an ODCS v3 contract, as the pipeline uses it.

The ODCS pydantic model (``open_data_contract_standard``) parses and validates the YAML; this module
flattens the parts we rely on (producer, SLA, fields, aliases, checks, classification) into small frozen
dataclasses so callers never dig through ``customProperties`` lists themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty

from ground.errors import ActionableError

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same safe subset of YAML, in C when built with it

T = TypeVar("T")
CONTRACT_DIR = Path(__file__).resolve().parent / "feeds"

LogicalType = Literal["string", "date", "number", "integer"]
Classification = Literal["public", "internal", "restricted", "negative"]
_CLASSIFICATIONS = ("public", "internal", "restricted", "negative")
# What each classification means for a field's use (负面清单 / 限制): rendered into docs/three-lists/negative-list.md.
CLASSIFICATION_TREATMENT: dict[str, tuple[str, str]] = {
    "public": ("公开", "依规定公示"),
    "internal": ("内部", "仅内部使用，不公示"),
    "restricted": ("限制", "仅内部使用，不公示、不共享；展示范围限于承办人员"),
    "negative": ("负面清单", "永不公示、不共享；仅用于关联（哈希），内部展示须脱敏"),
}
_CLEAN_STEPS = ("strip", "nfkc", "t2s", "brackets", "upper")
_CHECKS = ("uscc", "ric", "licence_number", "decision_number")
# A field's documented default (customProperties ``default``), applied where the warehouse reads the field (the
# generated staging model): a literal value, another column of the landed row, or a dbt macro deriving it.
_DEFAULT_KINDS = ("value", "column", "macro")


class ContractError(ActionableError, ValueError):
    """A contract file is malformed: the message names the file and the field."""


def _required(value: T | None, what: str, path: Path) -> T:
    if value is None:
        raise ContractError(f"{path.name}: {what} is required")
    return value


def _required_int(value: str | float | None, what: str, path: Path) -> int:
    if value is None:
        raise ContractError(f"{path.name}: {what} is required")
    return int(value)


def _custom(props: list[Any] | None) -> dict[str, Any]:
    return {p.property: p.value for p in (props or []) if p.property}


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # 中文名称 (businessName)
    logical_type: LogicalType
    required: bool
    primary_key: bool
    classification: Classification
    description: str
    aliases: tuple[str, ...]  # every accepted header, the canonical name and label included
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: float | None = None
    max_length: int | None = None  # characters, after cleaning (ODCS logicalTypeOptions.maxLength)
    clean: tuple[str, ...] = ()
    check: str | None = None
    code_table: str | None = None
    on_unknown: Literal["quarantine", "warn"] = "quarantine"
    list_separator: str | None = None
    # what staging reads when the value is missing: ("value", literal) | ("column", name) | ("macro", name)
    default: tuple[str, str] | None = None
    # code → contract value, as a template generation writes the field (当前状态 0/1/2/3): set per batch by
    # FeedContract.for_template, applied by cleaning after the clean steps; empty in the contract itself
    codes: tuple[tuple[str, str], ...] = ()

    @property
    def is_negative(self) -> bool:
        """负面清单字段：永不公示、不共享。"""
        return self.classification == "negative"

    @property
    def publishable(self) -> bool:
        return self.classification == "public"


_GLOSS = re.compile(r"\s*[（(][^（）()]*[)）]\s*$")  # a label's trailing bracketed gloss: 代码_2(工商注册号)


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a national 双公示 template generation, and the contract field it fills."""

    label: str  # as the standard prints it, e.g. 行政相对人代码_2(工商注册号)
    field: str
    code: str | None = None  # the coded header of database exports (CF_XDR_GSZC, XK_WSH …)
    required: bool = False  # mandatory in this generation (the standard's 必填 mark, as this warehouse enforces it)
    aliases: tuple[str, ...] = ()  # further spellings seen in real exports
    codes: tuple[tuple[str, str], ...] = ()  # value code → contract value (当前状态: 0 → 正常 …)

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header naming this column: the label, the label without its bracketed gloss (行政相对人代码_2),
        the coded header and the extra aliases. Compared after :func:`normalise_header` (brackets, spaces)."""
        bare = _GLOSS.sub("", self.label)
        return tuple(dict.fromkeys(h for h in (self.label, bare, self.code, *self.aliases) if h))


@dataclass(frozen=True)
class Template:
    """A generation of the national template (2016, 2021): its columns, which are mandatory, its value codes."""

    generation: str
    title: str
    source: str
    in_force: bool
    columns: tuple[TemplateColumn, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.field for c in self.columns))

    @property
    def mandatory(self) -> frozenset[str]:
        return frozenset(c.field for c in self.columns if c.required)

    def headers(self) -> dict[str, str]:
        """Normalised header → field, for every header of every column of this generation."""
        return {normalise_header(h): c.field for c in self.columns for h in c.headers}

    def columns_of(self, field: str) -> tuple[TemplateColumn, ...]:
        return tuple(c for c in self.columns if c.field == field)

    def codes(self, field: str) -> tuple[tuple[str, str], ...]:
        return tuple(pair for c in self.columns_of(field) for pair in c.codes)


@dataclass(frozen=True)
class Producer:
    code: str  # folder name in the landing zone
    department: str
    department_uscc: str
    providing_system: str


@dataclass(frozen=True)
class FeedContract:
    name: str
    version: str
    title: str  # 中文名称 (dataProduct)
    purpose: str
    producer: Producer
    fields: tuple[Field, ...]
    record_key: tuple[str, ...]
    subject_field: str
    latency_working_days: int
    latency_field: str
    frequency_days: int
    latency_note: str  # the SLA's description: the deadline and its regulation
    frequency_note: str
    version_field: str | None
    source_file: Path
    templates: tuple[Template, ...] = ()  # the national template generations a delivery may use

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}: no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    @property
    def negative_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_negative)

    def alias_map(self) -> dict[str, str]:
        """Header (as the producer writes it) → canonical field name; matched by label, never by position.

        Every field's names and synonyms, and every template column header that means the same field in every
        generation that has it. Headers whose meaning depends on the generation (行政相对人代码_2 is the 组织机构代码
        in 2016 and the 工商注册号 in 2021) are left out: see :meth:`generation_headers`."""
        return dict(_alias_map(self))

    def generation_headers(self) -> dict[str, dict[str, str]]:
        """Normalised header → {generation → field} for the headers whose field differs between generations."""
        return _generation_headers(self)

    def batch_alias_map(self, template: Template | None) -> dict[str, str]:
        """The headers of one delivery: :meth:`alias_map`, plus the generation-dependent headers of ``template``."""
        mapping = self.alias_map()
        if template is not None:
            mapping.update(
                {
                    h: by_gen[template.generation]
                    for h, by_gen in self.generation_headers().items()
                    if template.generation in by_gen
                }
            )
        return mapping

    @property
    def template_in_force(self) -> Template | None:
        return next((t for t in self.templates if t.in_force), None)

    def template(self, generation: str) -> Template:
        for t in self.templates:
            if t.generation == generation:
                return t
        raise KeyError(f"{self.name}: no template generation {generation!r}")

    def detect_template(self, headers: Iterable[str]) -> Template | None:
        """The generation a delivery's header row is written in, decided by its marker headers (headers that
        only one generation has): the generation with strictly the most markers, else None (no evidence, or a
        tie). Headers outside every template (local extensions such as 监管领域) count for none."""
        found = {normalise_header(h) for h in headers}
        markers = _template_markers(self)
        counts = sorted(((len(found & markers[t.generation]), t.generation) for t in self.templates), reverse=True)
        if not counts or counts[0][0] == 0 or (len(counts) > 1 and counts[1][0] == counts[0][0]):
            return None
        return self.template(counts[0][1])

    def mandatory_fields(self, template: Template | None) -> frozenset[str]:
        """Fields a delivery must carry and fill: the contract's required fields, and the mandatory columns of the
        delivery's template generation — or, when no generation is recognised, of the generation in force."""
        applied = template or self.template_in_force
        return frozenset(f.name for f in self.required_fields) | (applied.mandatory if applied else frozenset())

    def for_template(self, template: Template | None) -> FeedContract:
        """This contract as it reads a delivery in ``template``: the fields that generation writes as codes
        (当前状态 0/1/2/3) carry them, for cleaning to map to the contract's values."""
        if template is None:
            return self
        fields = tuple(replace(f, codes=codes) if (codes := template.codes(f.name)) else f for f in self.fields)
        return replace(self, fields=fields)


def normalise_header(header: str) -> str:
    """Headers are compared after NFKC, removing every space and case-folding, so （万元）, (万元) and ` (万元)`
    are one alias (national-template labels come with full-width or ASCII brackets, with or without a space)."""
    import unicodedata

    return _SPACES.sub("", unicodedata.normalize("NFKC", header)).casefold()


_SPACES = re.compile(r"\s+")


@cache
def _alias_map(c: FeedContract) -> tuple[tuple[str, str], ...]:
    mapping: dict[str, str] = {}
    for f in c.fields:
        for alias in f.aliases:
            key = normalise_header(alias)
            if mapping.get(key, f.name) != f.name:
                raise ContractError(f"{c.source_file.name}: alias {alias!r} maps to two fields")
            mapping[key] = f.name
    ambiguous = _generation_headers(c)
    for t in c.templates:
        for col in t.columns:
            for header in col.headers:
                key = normalise_header(header)
                if key in ambiguous:
                    continue
                if mapping.get(key, col.field) != col.field:
                    raise ContractError(
                        f"{c.source_file.name}: template {t.generation} header {header!r} names {col.field}, "
                        f"but the contract gives it to {mapping[key]}"
                    )
                mapping[key] = col.field
    return tuple(mapping.items())


@cache
def _generation_headers(c: FeedContract) -> dict[str, dict[str, str]]:
    by_header: dict[str, dict[str, str]] = {}
    for t in c.templates:
        for key, field in t.headers().items():
            by_header.setdefault(key, {})[t.generation] = field
    return {key: by_gen for key, by_gen in by_header.items() if len(set(by_gen.values())) > 1}


@cache
def _template_markers(c: FeedContract) -> dict[str, frozenset[str]]:
    """Per generation, the normalised headers no other generation has."""
    headers = {t.generation: frozenset(t.headers()) for t in c.templates}
    return {
        gen: own - frozenset().union(*(other for g, other in headers.items() if g != gen))
        for gen, own in headers.items()
    }


def _max_length(value: object, prop: SchemaProperty, where: str) -> int | None:
    """``logicalTypeOptions.maxLength``: required of every text field but a single-valued code (its enum bounds it),
    so no field lands a value of any length (a 10 MB cell is quarantined). Tiers: docs/contracts.md."""
    if value is None:
        single_code = bool(prop.enum) and not _custom(prop.customProperties).get("list_separator")
        if prop.logicalType == "string" and not single_code:
            raise ContractError(f"{where}: logicalTypeOptions.maxLength is required of text (docs/contracts.md)")
        return None
    if prop.logicalType != "string":
        raise ContractError(f"{where}: maxLength applies to text fields only")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ContractError(f"{where}: maxLength must be a positive whole number of characters")
    return value


def _field(prop: SchemaProperty, source: Path) -> Field:
    where = f"{source.name}: field {prop.name!r}"
    if not prop.name or not prop.logicalType:
        raise ContractError(f"{where}: name and logicalType are required")
    if prop.logicalType not in ("string", "date", "number", "integer"):
        raise ContractError(f"{where}: unsupported logicalType {prop.logicalType!r}")
    classification = prop.classification or "internal"
    if classification not in _CLASSIFICATIONS:
        raise ContractError(f"{where}: classification must be one of {_CLASSIFICATIONS}")
    custom = _custom(prop.customProperties)
    clean = tuple(custom.get("clean", ()))
    if bad := [s for s in clean if s not in _CLEAN_STEPS]:
        raise ContractError(f"{where}: unknown clean step(s) {bad}")
    check = custom.get("check")
    if check is not None and check not in _CHECKS:
        raise ContractError(f"{where}: unknown check {check!r}")
    options = prop.logicalTypeOptions or {}
    max_length = _max_length(options.get("maxLength"), prop, where)
    aliases = [prop.name, prop.businessName or prop.name] + [s.synonym for s in (prop.synonyms or []) if s.synonym]
    default = _default(custom.get("default"), prop, where)
    return Field(
        name=prop.name,
        label=prop.businessName or prop.name,
        logical_type=prop.logicalType,  # type: ignore[arg-type]
        required=bool(prop.required),
        primary_key=bool(prop.primaryKey),
        classification=classification,  # type: ignore[arg-type]
        description=prop.description or "",
        aliases=tuple(dict.fromkeys(aliases)),
        enum=tuple(str(e.value) for e in (prop.enum or [])),
        pattern=options.get("pattern"),
        minimum=options.get("minimum"),
        max_length=max_length,
        clean=clean,
        check=check,
        code_table=custom.get("code_table"),
        on_unknown=custom.get("on_unknown", "quarantine"),
        list_separator=custom.get("list_separator"),
        default=default,
    )


def _default(value: Any, prop: SchemaProperty, where: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if isinstance(value, str | int | float):
        enum = [str(e.value) for e in (prop.enum or [])]
        if enum and str(value) not in enum:
            raise ContractError(f"{where}: default {value!r} is not in the field's code table {enum}")
        return ("value", str(value))
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _DEFAULT_KINDS[1:]:
        kind, name = next(iter(value.items()))
        return (str(kind), str(name))
    raise ContractError(f"{where}: default must be a value, {{column: <name>}} or {{macro: <name>}}")


def _templates(raw: Any, fields: tuple[Field, ...], required: frozenset[str], path: Path) -> tuple[Template, ...]:
    """The ``templates`` custom property: the national template generations, validated against the fields."""
    if raw is None:
        return ()
    by_name = {f.name: f for f in fields}
    out = []
    for item in raw:
        gen = str(item["generation"])
        where = f"{path.name}: template {gen}"
        columns = []
        for col in item["columns"]:
            name = col["field"]
            if name not in by_name:
                raise ContractError(f"{where}: column {col['label']!r} names no field {name!r}")
            codes = tuple((str(k), str(v)) for k, v in (col.get("codes") or {}).items())
            if bad := [v for _, v in codes if by_name[name].enum and v not in by_name[name].enum]:
                raise ContractError(f"{where}: codes of {col['label']!r} map to {bad}, outside {name}'s code table")
            columns.append(
                TemplateColumn(
                    label=str(col["label"]),
                    field=name,
                    code=col.get("code"),
                    required=bool(col.get("required", False)),
                    aliases=tuple(str(a) for a in col.get("aliases", ())),
                    codes=codes,
                )
            )
        t = Template(
            gen, str(item.get("title", gen)), str(item.get("source", "")), bool(item.get("in_force")), tuple(columns)
        )
        for name in t.fields:
            if len(t.columns_of(name)) > 1 and not by_name[name].list_separator:
                raise ContractError(f"{where}: several columns fill {name}, which has no list_separator to join them")
        if missing := sorted(required - t.mandatory):
            raise ContractError(
                f"{where}: required field(s) {missing} are not mandatory columns of this generation; a field is "
                "required only if every generation makes it mandatory"
            )
        out.append(t)
    if len({t.generation for t in out}) != len(out) or sum(t.in_force for t in out) != 1:
        raise ContractError(f"{path.name}: templates need distinct generations and exactly one in_force")
    return tuple(out)


def load_contract(path: Path) -> FeedContract:
    try:
        # the model's own from_file parses with PyYAML's pure-Python loader: ten times slower than libyaml's, and
        # every process that ingests or builds loads all contracts
        odcs = OpenDataContractStandard(**yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER))
    except Exception as exc:  # pydantic/yaml errors carry their own detail
        raise ContractError(f"{path.name}: not a valid ODCS v3 contract: {exc}") from exc
    if not odcs.schema_ or len(odcs.schema_) != 1:
        raise ContractError(f"{path.name}: exactly one schema object is expected")
    team = odcs.team
    if team is None or isinstance(team, list):
        raise ContractError(f"{path.name}: team must name the producing department")
    tprops = _custom(team.customProperties)
    sla = {s.property: s for s in (odcs.slaProperties or [])}
    if "latency" not in sla or "frequency" not in sla:
        raise ContractError(f"{path.name}: slaProperties need latency and frequency")
    if sla["latency"].unit != "working_days":
        raise ContractError(f"{path.name}: latency must be counted in working_days")
    custom = _custom(odcs.customProperties)
    schema = odcs.schema_[0]
    fields = tuple(_field(p, path) for p in (schema.properties or []))
    names = {f.name for f in fields}
    templates = _templates(custom.get("templates"), fields, frozenset(f.name for f in fields if f.required), path)
    contract = FeedContract(
        name=odcs.name or path.stem.split(".")[0],
        version=_required(odcs.version, "version", path),
        title=odcs.dataProduct or odcs.name or "",
        purpose=(odcs.description.purpose if odcs.description else "") or "",
        producer=Producer(
            code=tprops["producer_code"],
            department=team.name or "",
            department_uscc=tprops["department_uscc"],
            providing_system=tprops["providing_system"],
        ),
        fields=fields,
        record_key=tuple(custom["record_key"]),
        subject_field=custom.get("subject_field", "uscc"),
        latency_working_days=_required_int(sla["latency"].value, "slaProperties.latency", path),
        latency_field=str(sla["latency"].element).split(".")[-1],
        frequency_days=_required_int(sla["frequency"].value, "slaProperties.frequency", path),
        latency_note=sla["latency"].description or "",
        frequency_note=sla["frequency"].description or "",
        version_field=custom.get("version_field"),
        source_file=path,
        templates=templates,
    )
    for f in fields:
        if f.default and f.default[0] == "column" and f.default[1] not in names and not f.default[1].startswith("_"):
            raise ContractError(f"{path.name}: field {f.name!r}: default column {f.default[1]!r} is not a field")
    for ref in (*contract.record_key, contract.latency_field, contract.subject_field):
        if ref not in names:
            raise ContractError(f"{path.name}: {ref!r} is referenced but not a field")
    contract.alias_map()  # raises on ambiguous aliases
    return contract


@cache
def _load_all(directory: str) -> dict[str, FeedContract]:
    contracts = [load_contract(p) for p in sorted(Path(directory).glob("*.odcs.yaml"))]
    return {c.name: c for c in contracts}


def load_contracts(directory: Path | None = None) -> dict[str, FeedContract]:
    """All feed contracts by name, in a stable order."""
    return dict(_load_all(str(directory or CONTRACT_DIR)))
