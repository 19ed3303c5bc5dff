"""A release's copy of its content, so that `protdocs diff` can compare without git.

The copy is the validated content at the confidential ceiling (``audience.ceiling``), as JSON:
every record with its classification and its text in every language, so that both the internal
changes and the public view of a release can be rebuilt from it. Strictly-confidential records,
and every reference to them, are left out: they never reach any output, and a release bundle is
an output like the others. The raw YAML is not copied for that reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .audience import Audience, ceiling, id_index
from .errors import ProtdocsError
from .model import Content

SNAPSHOT = "content-snapshot.json"
FORMAT = 1


def dump(content: Content) -> bytes:
    """The content as a release keeps it: stable JSON, file paths relative to the content."""
    kept = ceiling(content, Audience.CONFIDENTIAL)
    tree = {"format": FORMAT, "operation": kept.operation, "sections": kept.sections}
    text = json.dumps(_portable(tree, content.folder), ensure_ascii=False, indent=1, sort_keys=True)
    return (text + "\n").encode("utf-8")


def load(data: bytes, origin: Path) -> Content:
    """The content of a release again, ready for the audience filter and the diff."""
    try:
        tree = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ProtdocsError(f"{origin}: {SNAPSHOT} is not valid JSON: {exc}") from exc
    if not isinstance(tree, dict) or tree.get("format") != FORMAT:
        raise ProtdocsError(
            f"{origin}: {SNAPSHOT} is not a content snapshot this protdocs can read "
            f"(format {FORMAT} expected)"
        )
    operation, sections = tree["operation"], tree["sections"]
    return Content(origin, operation, sections, index=id_index([operation, *sections.values()]))


def _portable(node: Any, folder: Path) -> Any:
    """The same tree with ``_file`` relative to the content folder: no machine's paths in it."""
    if isinstance(node, dict):
        return {
            key: _relative(value, folder) if key == "_file" else _portable(value, folder)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_portable(item, folder) for item in node]
    return node


def _relative(path: str, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()
