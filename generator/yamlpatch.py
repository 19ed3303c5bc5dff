"""New text for single fields of a content file, as a unified diff that ``git apply`` accepts.

Only the lines of the changed value are rewritten, in the style the drafter wrote it (a ``|`` or
``>`` block keeps its indicator and indentation, a quoted or plain value stays one), so the rest of
the file, its comments and layout included, is left exactly as it was. PyYAML's composer gives each
value's exact position; a round trip through a YAML library would re-indent and re-quote more
than the field.

The reviewer's words are placed into the Markdown source by aligning the text Word showed with
the source: emphasis, links and line breaks outside what the reviewer changed stay as written.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .errors import display_path


@dataclass(frozen=True)
class Located:
    path: str  # the field's path from the top of the file: strategic_objectives[0].title.fr
    node: yaml.ScalarNode
    line: int


@cache
def _composed(path: Path, mtime: float) -> yaml.Node | None:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None


def _mappings(node: yaml.Node, path: str) -> list[tuple[str, yaml.MappingNode]]:
    found: list[tuple[str, yaml.MappingNode]] = []
    if isinstance(node, yaml.MappingNode):
        found.append((path, node))
        for key, value in node.value:
            name = str(key.value)
            found.extend(_mappings(value, f"{path}.{name}" if path else name))
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            found.extend(_mappings(child, f"{path}[{index}]"))
    return found


def locate(file: Path, record_line: int, field: str, lang: str) -> Located | None:
    """The scalar holding ``field`` (in ``lang`` when given per language) of the record that
    starts on ``record_line``."""
    root = _composed(file, file.stat().st_mtime if file.exists() else 0.0)
    if root is None:
        return None
    for path, mapping in _mappings(root, ""):
        if mapping.start_mark.line + 1 != record_line:
            continue
        for key, value in mapping.value:
            if key.value != field:
                continue
            here = f"{path}.{field}" if path else field
            if isinstance(value, yaml.ScalarNode):
                return Located(here, value, key.start_mark.line + 1)
            if isinstance(value, yaml.MappingNode):
                for lang_key, text in value.value:
                    if lang_key.value == lang and isinstance(text, yaml.ScalarNode):
                        return Located(f"{here}.{lang}", text, lang_key.start_mark.line + 1)
                return Located(f"{here}.{lang}", yaml.ScalarNode("", ""), key.start_mark.line + 1)
    return None


def field_location(file: Path, record_line: int, field: str, lang: str) -> tuple[int, str]:
    found = locate(file, record_line, field, lang)
    return (found.line, found.path) if found else (record_line, field)


# ---------------------------------------------------------------------------------------------
# The new source text of a field


def _matchable(text: str) -> str:
    """The source with its single line breaks as spaces (same length, so positions agree)."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)


def new_source(source: str, shown: str, changed: str) -> str:
    """``source`` (Markdown) with the edits that turned ``shown`` (what Word showed of it) into
    ``changed`` made at the same places."""
    matcher = difflib.SequenceMatcher(None, shown, _matchable(source), autojunk=False)
    at: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            at[block.a + k] = block.b + k

    def before(i: int) -> int:  # the source position where shown[i] starts
        if i in at:
            return at[i]
        k = i - 1
        while k >= 0 and k not in at:
            k -= 1
        return at[k] + 1 if k >= 0 else 0

    def after(i: int) -> int:  # the source position just after shown[i - 1]
        if i - 1 in at:
            return at[i - 1] + 1
        k = i
        while k < len(shown) and k not in at:
            k += 1
        return at[k] if k < len(shown) else len(source.rstrip("\n"))

    edits = difflib.SequenceMatcher(None, shown, changed, autojunk=False).get_opcodes()
    result = source
    for tag, i1, i2, j1, j2 in reversed(edits):
        if tag == "equal":
            continue
        start = after(i1) if tag == "insert" else before(i1)
        end = start if tag == "insert" else after(i2)
        result = result[:start] + changed[j1:j2] + result[end:]
    return result


# ---------------------------------------------------------------------------------------------
# Writing a scalar back in its own style


def _indent_of(lines: list[str], first: int) -> int:
    for line in lines[first:]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 2


def replace_scalar(text: str, node: yaml.ScalarNode, value: str) -> str:
    """``text`` (a whole content file) with ``node``'s value replaced by ``value``."""
    style = node.style or ""
    if style in ("|", ">"):
        return _replace_block(text, node, value, style)
    start, end = node.start_mark.index, node.end_mark.index
    return text[:start] + _flow_scalar(value, style) + text[end:]


def _flow_scalar(value: str, style: str) -> str:
    one_line = " ".join(value.split()) if "\n\n" not in value else None
    if one_line is not None:
        if style == "'" and "\n" not in one_line:
            return "'" + one_line.replace("'", "''") + "'"
        if style == "" and _plain_ok(one_line):
            return one_line
        value = one_line
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", escaped)
    return f'"{escaped}"'


def _plain_ok(value: str) -> bool:
    """A value that reads back the same unquoted, in a block or a flow mapping alike."""
    if any(char in value for char in ",[]{}#:&*!|>'\"%@`") or not value:
        return False
    try:
        return yaml.safe_load(f"k: {value}") == {"k": value} and value == value.strip()
    except yaml.YAMLError:
        return False


def _replace_block(text: str, node: yaml.ScalarNode, value: str, style: str) -> str:
    lines = text.splitlines(keepends=True)
    head = node.start_mark.line  # the line with the | or > indicator
    first = head + 1
    indent = _indent_of(lines, first)
    last = first
    k = first
    while k < len(lines):
        line = lines[k]
        if line.strip() and len(line) - len(line.lstrip(" ")) < indent:
            break
        if line.strip():
            last = k + 1
        k += 1
    width = max((len(x.rstrip("\n")) for x in lines[first:last]), default=96)
    paragraphs = value.strip("\n").split("\n\n")
    if style == ">":
        body_lines: list[str] = []
        for n, para in enumerate(paragraphs):
            if n:
                body_lines.append("")
            body_lines += textwrap.wrap(" ".join(para.split()), max(width - indent, 40))
    else:
        body_lines = value.strip("\n").split("\n")
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    new = [(" " * indent + b if b.strip() else "") + newline for b in body_lines]
    return "".join(lines[:first] + new + lines[last:])


# ---------------------------------------------------------------------------------------------
# The diff


def record_lines(file: Path, record_line: int) -> range:
    """The lines (0-based) of the record that starts on ``record_line``."""
    root = _composed(file, file.stat().st_mtime if file.exists() else 0.0)
    for _path, mapping in _mappings(root, "") if root is not None else []:
        if mapping.start_mark.line + 1 == record_line:
            return range(mapping.start_mark.line, mapping.end_mark.line + 1)
    return range(record_line - 1, record_line)


def unified_diff(file: Path, old: str, new: str, avoid: frozenset[int] = frozenset()) -> str:
    """A diff ``git apply`` takes from the folder review ran in (paths as shown to the user).

    Its context lines never show a line of ``avoid`` (0-based line numbers of ``old``: the
    strictly-confidential items'): the context shrinks, down to none (``git apply
    --unidiff-zero``) when a changed field's neighbour is one."""
    name = display_path(file).replace("\\", "/")
    if Path(name).is_absolute():
        name = name.lstrip("/")
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    for context in (3, 2, 1, 0):
        if not avoid or not _context_lines(a, b, context) & avoid:
            break
    out = []
    for line in difflib.unified_diff(a, b, f"a/{name}", f"b/{name}", n=context):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _context_lines(a: list[str], b: list[str], context: int) -> set[int]:
    shown: set[int] = set()
    for group in difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(context):
        for tag, i1, i2, _j1, _j2 in group:
            if tag == "equal":
                shown.update(range(i1, i2))
    return shown
