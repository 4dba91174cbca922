"""Typed view of an ODCS v3 contract, as the pipeline uses it.

The ODCS pydantic model (``open_data_contract_standard``) parses and validates the YAML; this module
flattens the parts we rely on (producer, SLA, fields, aliases, checks, classification) into small frozen
dataclasses so callers never dig through ``customProperties`` lists themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    clean: tuple[str, ...] = ()
    check: str | None = None
    code_table: str | None = None
    on_unknown: Literal["quarantine", "warn"] = "quarantine"
    list_separator: str | None = None

    @property
    def is_negative(self) -> bool:
        """负面清单字段：永不公示、不共享。"""
        return self.classification == "negative"

    @property
    def publishable(self) -> bool:
        return self.classification == "public"


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
        """Header (as the producer writes it) → canonical field name; matched by label, never by position."""
        mapping: dict[str, str] = {}
        for f in self.fields:
            for alias in f.aliases:
                key = normalise_header(alias)
                if mapping.get(key, f.name) != f.name:
                    raise ContractError(f"{self.source_file.name}: alias {alias!r} maps to two fields")
                mapping[key] = f.name
        return mapping


def normalise_header(header: str) -> str:
    """Headers are compared after NFKC, trimming and case-folding, so （万元） and (万元) are one alias."""
    import unicodedata

    return unicodedata.normalize("NFKC", header).strip().casefold()


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
    aliases = [prop.name, prop.businessName or prop.name] + [s.synonym for s in (prop.synonyms or []) if s.synonym]
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
        clean=clean,
        check=check,
        code_table=custom.get("code_table"),
        on_unknown=custom.get("on_unknown", "quarantine"),
        list_separator=custom.get("list_separator"),
    )


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
    )
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
