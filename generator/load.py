"""Stage 1, load: read the operation's YAML files into trees that remember file and line.

Only plain YAML is read: strings, numbers, true/false, null, mappings and lists. Every other tag
(``!!python/...``, ``!!binary``, ``!!set``, ``!!omap``, ``!!timestamp``, custom ``!tags``) is
refused with its line, as is a key that is a list or a mapping, an alias that contains itself, and
aliases that expand to more values than any content file needs (a "billion laughs" file of 2 KB
would otherwise take the validator minutes and gigabytes). These are checked on the parsed node
graph before anything is built from it, in time proportional to the file. A key given twice in one
mapping is reported instead of silently keeping the last value (a second ``classification:
public`` would publish an item).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
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

# Values that aliases (*name) may add to a file beyond what is written in it. Reusing a list of
# places or a timeframe a few hundred times stays far below; a file of nested aliases that
# expands to millions of values is refused before it is built.
ALIAS_EXPANSION_LIMIT = 100_000

_YAML = "tag:yaml.org,2002:"
# The only tags a content file may use, by the kind of node that may carry them.
_ALLOWED_TAGS: dict[type, frozenset[str]] = {
    yaml.ScalarNode: frozenset(_YAML + t for t in ("str", "int", "float", "bool", "null", "merge")),
    yaml.SequenceNode: frozenset({_YAML + "seq"}),
    yaml.MappingNode: frozenset({_YAML + "map"}),
}
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]{1,40}")


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
                    _key_shown(key),
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


def _key_shown(key: Any) -> str:
    """A key as a field path: a field name or a language code is shown, any other key only by
    its place (its item's level is not known yet, and a key may be a strictly-confidential
    name typed as one)."""
    from .schema import known_keys

    text = str(key)
    return text if _PLAIN_KEY.fullmatch(text) and text in known_keys() else "(this key)"


def _as_written(
    construct: Callable[[Any, yaml.ScalarNode], Any], what: str
) -> Callable[[_ContentLoader, yaml.ScalarNode], Any]:
    """A scalar constructor that never raises: a value it cannot read is kept as written.

    An explicit ``!!int abc`` becomes a problem on its line; ``.nan``, ``.inf`` and numbers too
    large for a document (``1.0e+400``, 5,000 digits) stay text, so that a number field reports
    "expected a number" on that line and a text field simply holds what the drafter typed.
    """

    def constructor(loader: _ContentLoader, node: yaml.ScalarNode) -> Any:
        try:
            value = construct(loader, node)
        except (ValueError, KeyError, TypeError, OverflowError):
            if node.tag != node_implicit_tag(loader, node):
                loader.problems.append(
                    Problem(
                        loader.path,
                        node.start_mark.line + 1,
                        "",
                        f"{_shorten(node.value)!r} cannot be read as {what}",
                        f"Remove the tag !!{node.tag.removeprefix(_YAML)} or correct the value.",
                    )
                )
            return node.value
        if isinstance(value, float) and not math.isfinite(value):
            return node.value
        return value

    return constructor


def node_implicit_tag(loader: _ContentLoader, node: yaml.ScalarNode) -> str:
    """The tag the value would have without an explicit one (to tell ``!!int x`` from ``12``)."""
    return str(loader.resolve(yaml.ScalarNode, node.value, (True, False)))


def _shorten(text: str, width: int = 40) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


_ContentLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_ContentLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
for _tag, _what in (("int", "a whole number"), ("float", "a number"), ("bool", "true or false")):
    _ContentLoader.add_constructor(
        _YAML + _tag,
        _as_written(getattr(yaml.SafeLoader, f"construct_yaml_{_tag}"), _what),
    )


def check_nodes(path: Path, root: yaml.Node) -> list[Problem]:
    """Refuse what plain data never holds, before anything is built from the node graph.

    One quick pass over the nodes checks the tags and the keys and notes whether any list or
    mapping is reached twice (an alias is the node it names, reached again). Only then are
    the expanded sizes counted, memoised per node, so a file that would expand to a billion
    values is measured in microseconds, and an alias inside the item it names is found.
    """
    scalar, mapping = yaml.ScalarNode, yaml.MappingNode
    scalar_tags, map_tag, seq_tag = _ALLOWED_TAGS[scalar], _YAML + "map", _YAML + "seq"
    odd: list[yaml.Node] = []  # nodes to report; a plain file has none
    seen: set[int] = set()
    shared = False
    scalars = 0
    stack: list[yaml.Node] = [root]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        if node.__class__ is scalar:
            scalars += 1
            if node.tag not in scalar_tags:
                odd.append(node)
            continue
        if id(node) in seen:
            shared = True
            continue
        seen.add(id(node))
        if node.__class__ is mapping:
            if node.tag != map_tag:
                odd.append(node)
            for key, value in node.value:
                if key.__class__ is not scalar:
                    odd.append(node)
                push(key)
                push(value)
        else:
            if node.tag != seq_tag:
                odd.append(node)
            extend(node.value)
    if odd:
        reported = dict.fromkeys(odd)  # once each, in the order found
        return [problem for node in reported for problem in _tag_problems(path, node)]
    return _expansion_problems(path, root, scalars + len(seen)) if shared else []


def _expansion_problems(path: Path, root: yaml.Node, distinct: int) -> list[Problem]:
    """An alias inside the item it names, or aliases adding more values than the limit.

    Each list's and mapping's expanded size is counted once, children first (a value is 1);
    ``distinct`` is the number of nodes written in the file.
    """
    scalar = yaml.ScalarNode
    size: dict[int, int] = {}
    on_path: set[int] = set()  # the lists and mappings the walk is inside
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        if done:
            on_path.discard(ident)
            children = _children(node)
            size[ident] = 1 + sum(1 if c.__class__ is scalar else size[id(c)] for c in children)
            continue
        if ident in size:
            continue
        if ident in on_path:
            return [
                _node_problem(
                    path,
                    node,
                    "an alias (*name) is used inside the very item its anchor (&name) marks, "
                    "which would repeat it for ever",
                    "Write the item out instead of the alias.",
                )
            ]
        on_path.add(ident)
        stack.append((node, True))
        stack.extend(
            (c, False) for c in _children(node) if c.__class__ is not scalar and id(c) not in size
        )
    added = size[id(root)] - distinct
    if added <= ALIAS_EXPANSION_LIMIT:
        return []
    return [
        _node_problem(
            path,
            root,
            f"the aliases (*name) in this file would repeat its values {added:,} times, more "
            f"than the {ALIAS_EXPANSION_LIMIT:,} a content file may use",
            "Write the items out, or reuse fewer anchors inside one another.",
        )
    ]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _tag_problems(path: Path, node: yaml.Node) -> list[Problem]:
    found = []
    if node.tag not in _ALLOWED_TAGS[type(node)]:
        tag = str(node.tag).replace(_YAML, "!!")
        if any(node.tag in tags for tags in _ALLOWED_TAGS.values()):
            message = f"the YAML tag {tag} does not fit the value it is on"
        else:
            message = f"the YAML tag {tag} is not allowed: content files hold plain data only"
        found.append(
            _node_problem(path, node, message, "Remove the tag; nothing in it was executed.")
        )
    if isinstance(node, yaml.MappingNode):
        found.extend(
            _node_problem(
                path,
                key,
                "a key must be a plain word (a field name or a language code), "
                f"not a {'list' if isinstance(key, yaml.SequenceNode) else 'mapping'}",
                "Write the key as a single word followed by a colon.",
            )
            for key, _ in node.value
            if not isinstance(key, yaml.ScalarNode)
        )
    return found


def _node_problem(path: Path, node: yaml.Node, message: str, hint: str) -> Problem:
    return Problem(path, node.start_mark.line + 1, "", message, hint)


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
    except OSError as exc:
        problems.append(Problem(path, None, "", f"cannot be read ({exc.strerror})"))
        return None
    loader = _ContentLoader(text)
    loader.path, loader.problems = path, problems
    try:
        node = loader.get_single_node()
        refused = check_nodes(path, node) if node is not None else []
        if refused:
            problems.extend(refused)
            return None
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        problems.append(_yaml_problem(path, exc))
        return None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        problems.append(
            Problem(
                path,
                line,
                "",
                f"the character {_code_point(exc.character)} is not allowed in a YAML file",
                "Delete it (it is often an invisible control character pasted with the text).",
            )
        )
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(path, None, "", f"YAML error: {exc}"))
        return None
    except RecursionError:
        problems.append(
            Problem(path, None, "", "lists or mappings are nested too deeply to be content")
        )
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


def _code_point(character: Any) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return f"U+{code:04X}"


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
    return Problem(
        path,
        line,
        "",
        f"YAML syntax error: {text}{context}",
        "Check indentation and quoting on this line and the one above.",
    )


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
                "Copy content/operation.yaml from the example and edit it.",
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
