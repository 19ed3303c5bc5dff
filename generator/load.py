"""Stage 1, load: read the operation's YAML files into trees that remember file and line.

Only safe YAML is read: no Python tags, and a key given twice in one mapping is reported instead
of silently keeping the last value (a second ``classification: public`` would publish an item).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, Severity

OPERATION_FILE = "operation.yaml"
CONTENT_FILES = (
    "operation.yaml",
    "analysis.yaml",
    "strategic-objectives.yaml",
    "cluster-contributions.yaml",
    "partners.yaml",
    "monitoring.yaml",
)

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YMap(dict):
    """A YAML mapping that knows its file, its line and the line of each key."""

    file: Path
    line: int
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    """A YAML sequence that knows its file and the line of each item."""

    file: Path
    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _ContentLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps positions, reports duplicate keys, and leaves dates as text."""

    problems: list[Problem]
    path: Path


# Dates stay ISO strings: the validator checks their shape (a period like 2027-H1 is no date).
_ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_map(loader: _ContentLoader, node: yaml.MappingNode) -> Any:
    data = YMap()
    data.file, data.line, data.key_lines = loader.path, node.start_mark.line + 1, {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in data.key_lines:
            loader.problems.append(
                Problem(
                    loader.path,
                    line,
                    str(key),
                    f"key given twice (first on line {data.key_lines[key]})",
                    "Keep one of the two lines: YAML would silently keep only the last.",
                )
            )
            continue
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_seq(loader: _ContentLoader, node: yaml.SequenceNode) -> Any:
    data = YList()
    data.file, data.line = loader.path, node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


_ContentLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_ContentLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


@dataclass
class LoadedContent:
    """The raw trees of one operation folder, before any checking of their meaning."""

    folder: Path
    files: dict[str, YMap] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def load_file(path: Path, problems: list[Problem]) -> YMap | None:
    """Parse one content file; syntax errors and refused tags become problems, not exceptions."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, None, "", f"not UTF-8 text ({exc.reason})", "Save as UTF-8."))
        return None
    loader = _ContentLoader(text)
    loader.path, loader.problems = path, problems
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        problems.append(_yaml_problem(path, exc))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(path, None, "", f"YAML error: {exc}"))
        return None
    finally:
        loader.dispose()
    if data is None:
        empty = YMap()
        empty.file, empty.line, empty.key_lines = path, 1, {}
        return empty
    if not isinstance(data, YMap):
        problems.append(
            Problem(path, 1, "", "the file must hold a mapping of fields (key: value) at the top")
        )
        return None
    return data


def _yaml_problem(path: Path, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    text = str(exc.problem or exc.context or "YAML syntax error")
    if "could not determine a constructor" in text or "python/" in text:
        tag = text.split("tag", 1)[-1].strip(" '").replace("tag:yaml.org,2002:", "!!")
        return Problem(
            path,
            line,
            "",
            f"the YAML tag {tag} is not allowed: content files hold plain data only",
            "Remove the tag; nothing in it was executed.",
        )
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    hint = "Check indentation and quoting on this line and the one above."
    if "mapping values are not allowed" in text:  # the usual cause: a colon inside a text
        hint = (
            'A text with ": " in it needs quotes around it, e.g. title: "Displacement: '
            'risks in the north". ' + hint
        )
    return Problem(path, line, "", f"YAML syntax error: {text}{context}", hint)


def load_operation(folder: Path) -> LoadedContent:
    """Read every known content file of an operation folder; unknown YAML files are a warning."""
    loaded = LoadedContent(folder)
    if not folder.is_dir():
        loaded.problems.append(
            Problem(folder, None, "", "no such content folder", "Pass --content DIR.")
        )
        return loaded
    if not (folder / OPERATION_FILE).is_file():
        loaded.problems.append(
            Problem(
                folder / OPERATION_FILE,
                None,
                "",
                "missing: every operation needs an operation.yaml",
                "Start an operation with `protdocs new DIR --country NAME --year YYYY`, or "
                "give the folder that holds operation.yaml with --content.",
            )
        )
    for name in CONTENT_FILES:
        path = folder / name
        if path.is_file():
            data = load_file(path, loaded.problems)
            if data is not None:
                loaded.files[name] = data
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        if path.name not in CONTENT_FILES:
            loaded.problems.append(
                Problem(
                    path,
                    None,
                    "",
                    "unknown content file, ignored",
                    f"Known files: {', '.join(CONTENT_FILES)}.",
                    Severity.WARNING,
                )
            )
    return loaded
