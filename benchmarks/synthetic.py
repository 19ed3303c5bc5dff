"""A synthetic operation N times the size of the example, for the benchmark.

Every listed item of the example is repeated N times with fresh ids (``T1`` becomes ``T1x2`` in
the second copy), references pointing into the same copy; only the first copy keeps its priority
risks, so the operation stays valid. Text is changed slightly per copy so that nothing is cached
by accident and the leak check sees distinct wording.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

LISTS = {
    "analysis.yaml": (
        "drivers",
        "exacerbating_factors",
        "threats",
        "vulnerabilities",
        "capacities",
        "risks",
        "sources",
    ),
    "strategic-objectives.yaml": ("strategic_objectives",),
    "cluster-contributions.yaml": ("clusters",),
    "partners.yaml": ("partners", "human_rights_engagement"),
    "monitoring.yaml": ("indicators", "reviews", "capacity_gaps"),
}
TEXT_FIELDS = ("text", "title", "name", "group", "findings", "complementarity", "purpose")


def make(example: Path, target: Path, factor: int) -> Path:
    """Write the operation ``factor`` times the example's size into ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(example, target, ignore=shutil.ignore_patterns("data"))
    ids = _all_ids(example)
    member_ids = {m["id"] for m in _read(example / "operation.yaml")["hct_members"]}
    # Areas of responsibility are one per kind, so they are not repeated: what points at their
    # objectives points at the one copy.
    aors = _read(example / "analysis.yaml").get("areas_of_responsibility") or []
    member_ids |= _all_ids_in(aors)
    for name, keys in LISTS.items():
        data = _read(example / name)
        for key in keys:
            original = data.get(key) or []
            data[key] = [
                _copy(item, copy, ids - member_ids) for copy in range(factor) for item in original
            ]
        (target / name).write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return target


def _read(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _all_ids(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.glob("*.yaml"):
        found |= _all_ids_in(_read(path))
    return found


def _all_ids_in(tree: Any) -> set[str]:
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                found.add(node["id"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(tree)
    return found


def _copy(node: Any, copy: int, ids: set[str]) -> Any:
    """The item for copy number ``copy`` (0 is the original)."""
    if copy == 0:
        return node
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "priority":
                value = False
            elif key in TEXT_FIELDS and isinstance(value, str):
                value = f"{value.rstrip()} (copy {copy})"
            out[key] = _copy(value, copy, ids)
        return out
    if isinstance(node, list):
        return [_copy(item, copy, ids) for item in node]
    if isinstance(node, str) and node in ids:
        return f"{node}x{copy}"
    return node
