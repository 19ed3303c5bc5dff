"""`protdocs diff`: what changed between two versions of an operation's content, item by item.

Each side is a content folder or a release's internal bundle (its content snapshot). Both are
compared at the confidential ceiling, the level a release keeps: nothing strictly confidential
reaches a summary, release notes or a tracked-changes document. Items are matched by id; an
item's own fields (nested records without an id included) are compared value by value, and a
change of classification is a reclassification. An item that becomes public is listed first:
it is the one change that can put text in front of readers who did not see it before.

What the terminal shows is chosen by the reader: ``summary(..., up_to=PUBLIC)`` (``protdocs
diff`` without ``--audience internal``) prints ids, kinds, levels and the paths that changed
for every item, but the wording, names and figures only of what is public on that side.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import Enum
from hashlib import sha256
from pathlib import Path
from typing import Any

from . import schema as s
from . import snapshot
from .audience import Audience, ceiling, view
from .charts import write_charts
from .docmeta import docx_meta, tool_version
from .documents import CHANGES_DOCX, DOCUMENTS, RELEASE_NOTES
from .errors import ProtdocsError
from .load import CONTENT_FILES, OPERATION_FILE
from .model import Content
from .render import current_build, render
from .validate import validated
from .writers import write_text
from .writers.tracked import Revisions, write_tracked_docx

HRP = next(doc for doc in DOCUMENTS if doc.slug == "hrp-protection-section")
MANIFEST = "MANIFEST.json"
# Nested records without an id are told apart by these fields rather than by position.
_NATURAL_KEYS = {
    "result": ("period",),
    "aor_figures": ("aor",),
    "pin_row": ("area", "group"),
    "area_of_responsibility": ("aor",),
    "area_severity": ("area",),
}
_NAME_FIELDS = ("title", "name", "group", "text", "findings", "risk")
_CONTEXT = 4  # words kept around a change in a text


class Change(Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    RECLASSIFIED = "reclassified"


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any
    # The levels of the old and the new value (the item's, or a stricter nested record's).
    old_level: int = field(default=s.PUBLIC, compare=False)
    new_level: int = field(default=s.PUBLIC, compare=False)

    def __str__(self) -> str:
        return self.shown(s.CONFIDENTIAL)

    def shown(self, up_to: int) -> str:
        """The change as a reviewer cleared up to ``up_to`` reads it: a value above that level
        is replaced by its level; a classification change is always shown."""
        hide_old = self.old_level > up_to and not self.is_classification
        hide_new = self.new_level > up_to and not self.is_classification
        if hide_old and hide_new:
            return f"{self.path}: changed ({_withheld(max(self.old_level, self.new_level))})"
        if hide_old or hide_new:
            old = _withheld(self.old_level) if hide_old else shown(self.old)
            new = _withheld(self.new_level) if hide_new else shown(self.new)
            return f"{self.path}: {old} → {new}"
        if isinstance(self.old, str) and isinstance(self.new, str) and _is_prose(self.old):
            return f"{self.path}: {word_diff(self.old, self.new)}"
        return f"{self.path}: {shown(self.old)} → {shown(self.new)}"

    @property
    def is_classification(self) -> bool:
        return self.path.endswith(" classification")

    @property
    def made_public(self) -> bool:
        """A nested record (a result, a figure) that became public on its own."""
        return self.is_classification and self.old is not None and self.new == s.LEVELS[s.PUBLIC]


@dataclass(frozen=True)
class ItemChange:
    """One item (a record with an id, or a file's own fields) that differs between the sides."""

    section: str
    kind: str
    id: str
    old_level: int | None
    new_level: int | None
    name: str
    fields: tuple[FieldChange, ...] = ()

    @property
    def change(self) -> Change:
        if self.old_level is None:
            return Change.ADDED
        if self.new_level is None:
            return Change.REMOVED
        return Change.RECLASSIFIED if self.old_level != self.new_level else Change.CHANGED

    @property
    def made_public(self) -> bool:
        newly = self.change is Change.RECLASSIFIED and self.new_level == s.PUBLIC
        return newly or any(f.made_public for f in self.fields)

    def headline(self, up_to: int = s.CONFIDENTIAL) -> str:
        """`**I7** (indicator, monitoring.yaml, internal → public) — "Officers moved off…"`;
        the name only when its side (the new one, else the old one) is at most ``up_to``."""
        kind = self.kind.replace("_", " ")
        if self.change is Change.RECLASSIFIED:
            level = f"{_level(self.old_level)} → {_level(self.new_level)}"
        else:
            level = _level(self.new_level if self.new_level is not None else self.old_level)
        if self.kind == "file":
            return f"**{self.id}** (the file's own fields, {level})"
        named_level = self.new_level if self.new_level is not None else self.old_level
        visible = (named_level or 0) <= up_to
        name = f' — "{self.name}"' if self.name and visible else ""
        return f"**{self.id}** ({kind}, {self.section}, {level}){name}"

    def lines(self, prefix: str = "", up_to: int = s.CONFIDENTIAL) -> list[str]:
        return [
            f"- {prefix}{self.headline(up_to)}",
            *(f"  - {change.shown(up_to)}" for change in self.fields),
        ]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it came from and its content at the ceiling."""

    label: str
    content: Content = field(repr=False)

    @property
    def version(self) -> str:
        return str(self.content.operation.get("version", ""))


@dataclass(frozen=True)
class ContentDiff:
    old: Side
    new: Side
    items: tuple[ItemChange, ...]

    def made_public(self) -> list[ItemChange]:
        return [item for item in self.items if item.made_public]

    def of(self, change: Change) -> list[ItemChange]:
        return [item for item in self.items if item.change is change]

    def counts(self) -> str:
        """`2 added, 1 removed, 3 changed, 1 reclassified`, or `no changes`."""
        parts = [f"{len(self.of(c))} {c.value}" for c in Change if self.of(c)]
        return ", ".join(parts) or "no changes"


# -- reading the sides ---------------------------------------------------------------------------
def open_side(path: Path) -> Side:
    """A content folder, or a release's internal bundle (the content snapshot inside it)."""
    if path.is_dir():
        return Side(f"{path}", ceiling(validated(path), Audience.CONFIDENTIAL))
    if path.suffix == ".zip" and path.is_file():
        content, manifest = read_bundle(path)
        return Side(f"release {manifest.get('version', path.stem)}", content)
    raise ProtdocsError(f"{path}: neither a content folder nor a release bundle (.zip)")


def read_bundle(path: Path) -> tuple[Content, dict[str, Any]]:
    """The content snapshot of an internal bundle, checked against the bundle's manifest."""
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            if snapshot.SNAPSHOT not in names or MANIFEST not in names:
                raise ProtdocsError(
                    f"{path}: no {snapshot.SNAPSHOT} in this bundle; "
                    "compare internal bundles (OP-VERSION-internal.zip)"
                )
            manifest = json.loads(bundle.read(MANIFEST))
            data = bundle.read(snapshot.SNAPSHOT)
    except zipfile.BadZipFile as exc:
        raise ProtdocsError(f"{path}: not a readable zip file ({exc})") from exc
    listed = {entry["path"]: entry["sha256"] for entry in manifest.get("files", [])}
    if listed.get(snapshot.SNAPSHOT) != sha256(data).hexdigest():
        raise ProtdocsError(f"{path}: {snapshot.SNAPSHOT} does not match the bundle's manifest")
    return snapshot.load(data, path), manifest


# -- comparing -----------------------------------------------------------------------------------
def compare(old: Side, new: Side) -> ContentDiff:
    """Every item added, removed, changed or reclassified from ``old`` to ``new``."""
    # At the ceiling whatever the caller passed: nothing strictly confidential in a report.
    before = _items(ceiling(old.content, Audience.CONFIDENTIAL))
    after = _items(ceiling(new.content, Audience.CONFIDENTIAL))
    changes = []
    for key in [*after, *(k for k in before if k not in after)]:
        change = _item_change(before.get(key), after.get(key))
        if change is not None:
            changes.append(change)
    order = {name: i for i, name in enumerate(_section_order(old.content, new.content))}
    changes.sort(key=lambda c: order[c.section])  # stable: within a section, file order
    return ContentDiff(old, new, tuple(changes))


@dataclass(frozen=True)
class _Item:
    section: str
    key: str
    record: dict[str, Any]
    parent: str | None

    @property
    def fields(self) -> dict[str, Any]:
        found = own_fields(self.record)
        if self.parent is not None:
            found["under"] = self.parent
        return found


def _items(content: Content) -> dict[str, _Item]:
    """Every item by id, and each file's own fields under the file's name."""
    found: dict[str, _Item] = {}
    for section, record in _sections(content):
        found[f"file:{section}"] = _Item(section, section, record, None)
        for item, parent in _with_parents(record, None):
            found[item["id"]] = _Item(section, item["id"], item, parent)
    return found


def _sections(content: Content) -> Iterator[tuple[str, dict[str, Any]]]:
    if content.operation:
        yield OPERATION_FILE, content.operation
    yield from content.sections.items()


def _section_order(*contents: Content) -> list[str]:
    names = {name for content in contents for name, _ in _sections(content)}
    known = [OPERATION_FILE, *CONTENT_FILES]
    return [n for n in known if n in names] + sorted(names - set(known))


def _with_parents(node: Any, parent: str | None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Records with an id below ``node``, each with the id of the item it sits in."""
    if isinstance(node, list):
        for child in node:
            yield from _with_parents(child, parent)
    elif isinstance(node, dict) and "_kind" in node:
        rec = s.RECORDS[node["_kind"]]
        is_item = rec.has_id and isinstance(node.get("id"), str) and not rec.is_file
        if is_item:
            yield node, parent
        for key, value in node.items():
            if not key.startswith("_"):
                yield from _with_parents(value, node["id"] if is_item else parent)


def _item_change(old: _Item | None, new: _Item | None) -> ItemChange | None:
    some = new or old
    assert some is not None
    fields = _field_changes(old, new) if old and new else ()
    old_level = old.record.get("_level", 0) if old else None
    new_level = new.record.get("_level", 0) if new else None
    if old and new and not fields and old_level == new_level:
        return None
    kind = "file" if some.key == some.section else some.record["_kind"]
    name = _name(some.record)
    return ItemChange(some.section, kind, some.key, old_level, new_level, name, fields)


def _field_changes(old: _Item, new: _Item) -> tuple[FieldChange, ...]:
    """Values that differ; a nested record's level only where it did not just follow its item."""
    before, after = old.fields, new.fields
    paths = [*after, *(path for path in before if path not in after)]
    old_level, new_level = old.record["_level"], new.record["_level"]
    changes = [
        FieldChange(
            path,
            before.get(path),
            after.get(path),
            _value_level(path, before, old_level),
            _value_level(path, after, new_level),
        )
        for path in paths
        if before.get(path) != after.get(path)
    ]
    followed = (s.LEVELS[old.record["_level"]], s.LEVELS[new.record["_level"]])
    return tuple(
        change
        for change in changes
        if not change.is_classification
        or (change.old and change.new and (change.old, change.new) != followed)
    )


_CLASSIFIED = " classification"


def _value_level(path: str, fields: dict[str, Any], item_level: int) -> int:
    """The level of one value: its item's, or that of the stricter nested record it is in."""
    level = item_level
    for key, value in fields.items():
        if key.endswith(_CLASSIFIED) and value in s.LEVELS:
            nested = key[: -len(_CLASSIFIED)]
            if path == key or path.startswith((nested + ".", nested + "[")):
                level = max(level, s.LEVELS.index(value))
    return level


def _withheld(level: int) -> str:
    return f"{s.LEVELS[level]}, not shown: --audience internal shows it"


def own_fields(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """An item's values by path; records with an id of their own are items, not fields."""
    found: dict[str, Any] = {}
    for name, ftype in s.RECORDS[record["_kind"]].fields.items():
        path, value = f"{prefix}{name}", record.get(name)
        if isinstance(ftype, s.Items):
            if not ftype.record.has_id:
                for key, child in _keyed(value or []):
                    found.update(_nested(f"{path}[{key}]", child))
        elif isinstance(ftype, s.Record):
            if value is not None:
                found.update(_nested(path, value))
        elif isinstance(value, dict):  # a text per language, or figures by disaggregation
            found.update({f"{path}.{k}": v for k, v in value.items()})
        else:
            found[path] = value
    return found


def _nested(path: str, record: dict[str, Any]) -> dict[str, Any]:
    """A nested record's fields and its classification (a result may be stricter than its item)."""
    found = own_fields(record, f"{path}.")
    if s.RECORDS[record["_kind"]].classified:
        found[f"{path}{_CLASSIFIED}"] = s.LEVELS[record["_level"]]
    return found


def _keyed(records: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    seen: set[str] = set()
    for position, record in enumerate(records, start=1):
        names = _NATURAL_KEYS.get(record["_kind"], ())
        key = " / ".join(_plain(record.get(n)) for n in names) or str(position)
        key = key if key not in seen else f"{key} #{position}"
        seen.add(key)
        yield key, record


# -- showing -------------------------------------------------------------------------------------
def shown(value: Any) -> str:
    """A value as a reviewer reads it: numbers grouped, lists joined, nothing as a dash."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(map(shown, value))
    return _plain(value)


def word_diff(old: str, new: str) -> str:
    """The changed words of a text, `[-removed-]{+added+}`, with a few words around each."""
    a, b = old.split(), new.split()
    hunks = []
    for group in SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(_CONTEXT):
        words = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                words.extend(a[i1:i2])
                continue
            if i2 > i1:
                words.append("[-" + " ".join(a[i1:i2]) + "-]")
            if j2 > j1:
                words.append("{+" + " ".join(b[j1:j2]) + "+}")
        start, end = group[0][1], group[-1][2]
        hunks.append(("… " if start else "") + " ".join(words) + (" …" if end < len(a) else ""))
    return " ".join(hunks)


def summary(diff: ContentDiff, up_to: int = s.CONFIDENTIAL) -> str:
    """The terminal report: newly public items first, then every change by section; wording
    above ``up_to`` is withheld (never strictly-confidential: both sides are at the ceiling)."""
    lines = [f"# Changes from {diff.old.label} to {diff.new.label}", "", diff.counts() + "."]
    lines += _made_public_block(diff, up_to)
    for section in dict.fromkeys(item.section for item in diff.items):
        lines += ["", f"## {section}", ""]
        for item in diff.items:
            if item.section == section:
                lines += item.lines(prefix=f"{item.change.value}: ", up_to=up_to)
    return "\n".join(lines) + "\n"


def release_notes(diff: ContentDiff, title: str, intro: str) -> str:
    """CHANGELOG-style notes: newly public first, then Added, Changed, Removed, Reclassified."""
    lines = [f"# {title}", "", intro, "", diff.counts() + "."]
    lines += _made_public_block(diff)
    for change in (Change.ADDED, Change.CHANGED, Change.REMOVED, Change.RECLASSIFIED):
        if diff.of(change):
            lines += ["", f"## {change.value.capitalize()}", ""]
            lines += [line for item in diff.of(change) for line in item.lines()]
    return "\n".join(lines) + "\n"


def _made_public_block(diff: ContentDiff, up_to: int = s.CONFIDENTIAL) -> list[str]:
    public = diff.made_public()
    if not public:
        return []
    return [
        "",
        f"## NEWLY PUBLIC: {len(public)} item(s) will appear in public outputs",
        "",
        "Check that each may be published before the public documents go out.",
        "",
        *(line for item in public for line in item.lines(up_to=up_to)),
    ]


# -- the tracked-changes document and the notes --------------------------------------------------
def write_changes(diff: ContentDiff, out_dir: Path, notes: str | None = None) -> list[Path]:
    """The public HRP section with the changes tracked, and the release notes, in ``out_dir``."""
    target = out_dir / CHANGES_DOCX
    write_changes_docx(diff.old.content, diff.new.content, target)
    notes_path = out_dir / RELEASE_NOTES
    title = f"{diff.new.content.operation.get('id', '')} {diff.new.version}".strip()
    write_text(notes_path, notes or release_notes(diff, title, f"Changes since {diff.old.label}."))
    return [target, notes_path]


def write_changes_docx(old: Content, new: Content, target: Path) -> Revisions:
    """Both sides' public HRP section, rendered alike, the new one with the changes tracked."""
    info = current_build(tool_version())
    old_view, new_view = view(old, Audience.PUBLIC), view(new, Audience.PUBLIC)
    with tempfile.TemporaryDirectory(prefix="protdocs-changes-") as tmp:
        if HRP.charts:
            write_charts(HRP.charts, new_view, Path(tmp))
        return write_tracked_docx(
            render(HRP, old_view, info),
            render(HRP, new_view, info),
            target,
            docx_meta(new, info, HRP),
            resources=Path(tmp),
        )


def _name(record: dict[str, Any]) -> str:
    for name in _NAME_FIELDS:
        if record.get(name):
            text = " ".join(_plain(record[name]).split())
            return text if len(text) <= 72 else text[:71].rstrip() + "…"
    return ""


def _plain(value: Any) -> str:
    """A text in its first language, or any value as text."""
    if isinstance(value, dict):
        return str(next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _is_prose(text: str) -> bool:
    return len(text.split()) > 3


def _level(level: int | None) -> str:
    return s.LEVELS[level] if level is not None else "—"
