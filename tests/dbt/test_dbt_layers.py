"""The dbt project's declared layers, checked on the manifest of the shared demo build.

Each model's layer is its folder under ``models/`` (staging, intermediate, marts, reference). Data flows one way::

    sources ─► staging ─► intermediate ─► marts
    seeds, reference (ref_calendar), snapshots ─► intermediate, marts

- staging reads sources, seeds and other staging models only (casts and renames, no business logic);
- intermediate reads staging, seeds, reference models, snapshots and other intermediate models — never a mart;
- marts read anything below them, and other marts.

Only staging reads a source. Names follow the layer: ``stg_<source>__<what>`` (the folder under staging/ is the
source), ``int_<area>__<what>`` (the folder under intermediate/ is the area), ``dim_|fct_|mart_|pub_`` for marts
and ``ref_`` for reference models.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = PROJECT_ROOT / "dbt_project"

# layer of the depending model → layers it may depend on
ALLOWED: dict[str, frozenset[str]] = {
    "staging": frozenset({"source", "seed", "staging"}),
    "intermediate": frozenset({"seed", "reference", "snapshot", "staging", "intermediate"}),
    "marts": frozenset({"seed", "reference", "snapshot", "staging", "intermediate", "marts"}),
    "reference": frozenset({"seed", "reference"}),
}
MART_NAME = re.compile(r"(dim|fct|mart|pub)_[a-z0-9_]+")


@pytest.fixture(scope="module")
def manifest(demo) -> dict:
    """The manifest of the shared demo build (the same project ``dbt parse`` would read)."""
    return json.loads((demo.ws.home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))


def _model_path(node: dict) -> PurePosixPath:
    """The model's path under models/ (``staging/landing/stg_landing__batches.sql``)."""
    return PurePosixPath(node["original_file_path"]).relative_to("models")


def _layer(node: dict) -> str:
    if node["resource_type"] == "model":
        return _model_path(node).parts[0]
    return node["resource_type"]  # source, seed, snapshot


def _models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def _nodes(manifest: dict) -> dict[str, dict]:
    return {**manifest["nodes"], **manifest["sources"]}


def test_every_model_is_in_a_declared_layer(manifest):
    layers = {_layer(n) for n in _models(manifest)}
    assert layers <= set(ALLOWED), f"models outside the declared layers: {sorted(layers - set(ALLOWED))}"


def test_models_depend_only_on_lower_layers(manifest):
    nodes = _nodes(manifest)
    offences = []
    for model in sorted(_models(manifest), key=lambda n: n["name"]):
        layer = _layer(model)
        for parent_id in model["depends_on"]["nodes"]:
            parent = nodes[parent_id]
            parent_layer = _layer(parent)
            if parent_layer not in ALLOWED.get(layer, frozenset()):
                what = (
                    f"source('{parent['source_name']}', '{parent['name']}')"
                    if parent_layer == "source"
                    else (f"ref('{parent['name']}')")
                )
                offences.append(f"{layer} model {model['name']} uses {what} ({parent_layer})")
    assert not offences, "layer rule broken (see dbt_project/README.md):\n  " + "\n  ".join(offences)


def test_snapshots_do_not_feed_marts_back_into_intermediate(manifest):
    """A snapshot of a mart is mart-level: an intermediate model reading it would depend on a mart after all."""
    nodes = _nodes(manifest)
    mart_snapshots = {
        node_id
        for node_id, n in manifest["nodes"].items()
        if n["resource_type"] == "snapshot" and any(_layer(nodes[p]) == "marts" for p in n["depends_on"]["nodes"])
    }
    offences = [
        f"intermediate model {m['name']} uses ref('{nodes[p]['name']}'), a snapshot of a mart"
        for m in _models(manifest)
        if _layer(m) == "intermediate"
        for p in m["depends_on"]["nodes"]
        if p in mart_snapshots
    ]
    assert not offences, "\n  ".join(offences)


def test_model_names_follow_their_layer(manifest):
    offences = []
    for model in _models(manifest):
        path, name = _model_path(model), model["name"]
        layer = path.parts[0]
        if layer == "staging":
            ok = len(path.parts) == 3 and re.fullmatch(rf"stg_{path.parts[1]}__[a-z0-9_]+", name)
            expected = f"stg_{path.parts[1]}__<what> (the folder under staging/ names the source)"
        elif layer == "intermediate":
            ok = len(path.parts) == 3 and re.fullmatch(rf"int_{path.parts[1]}__[a-z0-9_]+", name)
            expected = f"int_{path.parts[1]}__<what> (the folder under intermediate/ names the area)"
        elif layer == "marts":
            ok = bool(MART_NAME.fullmatch(name))
            expected = "dim_|fct_|mart_|pub_<what>"
        else:
            ok = name.startswith("ref_")
            expected = "ref_<what>"
        if not ok:
            offences.append(f"{path}: model {name} should be named {expected}")
    assert not offences, "\n  ".join(offences)
