"""Stage 3, filter by audience: the one place where classification decides what is seen.

A view is a plain tree of dicts and lists holding only the records an audience may see, with
references to unseen items removed, texts in one language and made inert (``mdtext``), and
no classification left in it except ``marked`` on every confidential record (whatever its
parent's level: a reader of one row or paragraph must see that it is confidential).
Templates and writers only ever receive a view.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from . import schema as s
from .mdtext import in_language, safe_markdown
from .model import META_KEYS, Content, language_tag, walk_records
from .pin import chart_kind, chart_name, chart_series, merged_figures


class Audience(Enum):
    """Who reads an output; the value is the highest level that audience may see."""

    PUBLIC = s.PUBLIC
    INTERNAL = s.INTERNAL
    CONFIDENTIAL = s.CONFIDENTIAL

    @property
    def slug(self) -> str:
        return self.name.lower()


SECTION_KEYS = {
    "analysis.yaml": "analysis",
    "strategic-objectives.yaml": "objectives",
    "cluster-contributions.yaml": "clusters",
    "partners.yaml": "partners",
    "monitoring.yaml": "monitoring",
}


class _Filter:
    def __init__(self, content: Content, audience: Audience, lang: str) -> None:
        self.content = content
        self.max_level = audience.value
        self.lang = lang
        self.first_lang = content.languages[0]
        self.visible = self._visible_ids()
        self.highest = 0

    def _visible_ids(self) -> set[str]:
        """Ids of records this audience may see, their ancestors included in the test."""
        seen: set[str] = set()

        def visit(node: Any, parent_ok: bool) -> None:
            if isinstance(node, list):
                for item in node:
                    visit(item, parent_ok)
            elif isinstance(node, dict) and "_kind" in node:
                ok = parent_ok and self.sees(node)
                if ok and node.get("id") and node["_kind"] in s.RECORDS and "id" in node:
                    seen.add(node["id"])
                for key, value in node.items():
                    if not key.startswith("_"):
                        visit(value, ok)

        visit(list(self.content.sections.values()), True)
        visit(self.content.operation.get("hct_members", []), True)
        return seen

    def sees(self, record: dict[str, Any]) -> bool:
        return record["_level"] <= self.max_level or bool(s.RECORDS[record["_kind"]].is_file)

    def record(self, record: dict[str, Any], parent_level: int) -> dict[str, Any] | None:
        rec = s.RECORDS[record["_kind"]]
        level = record["_level"]
        if not rec.is_file and level > self.max_level:
            return None
        out: dict[str, Any] = {}
        if rec.classified and not rec.is_file:
            self.highest = max(self.highest, level)
            out["marked"] = level >= s.CONFIDENTIAL
        scalars_visible = level <= self.max_level
        if rec.is_file and rec.classified and scalars_visible and _own_text(rec, record):
            # A file's own text (analysis.yaml's context) has the file's level: marked like an
            # item's, so that a confidential context is labelled where it is printed.
            self.highest = max(self.highest, level)
            out["marked"] = level >= s.CONFIDENTIAL
        for name, ftype in rec.fields.items():
            value = record[name]
            if rec.is_file and not scalars_visible and not isinstance(ftype, s.Items | s.Record):
                value = None
            out[name] = self.value(ftype, value, level if not rec.is_file else -1)
        return out

    def value(self, ftype: Any, value: Any, level: int) -> Any:
        if value is None:
            return [] if s.is_list_type(ftype) else None
        if isinstance(ftype, s.Record):
            return self.record(value, level)
        if isinstance(ftype, s.Items):
            kept = (self.record(item, level) for item in value)
            return [item for item in kept if item is not None]
        if isinstance(ftype, s.Text):
            return self.text(value, translatable=not ftype.name)
        if isinstance(ftype, s.TextList):
            return [self.text(v, translatable=False) for v in value]
        if isinstance(ftype, s.Ref):
            return self.refs(ftype, value)
        if isinstance(ftype, s.Actor):
            return self.actors(ftype, value)
        return value

    def text(self, value: str | dict[str, str], translatable: bool = False) -> str:
        """The text in the view's language. A translation not given falls back to the first
        language's text, marked as being in that language (``mdtext.in_language``); so does a
        translatable text given as a plain string (a name is the same in every language)."""
        if isinstance(value, dict):
            if value.get(self.lang):
                return safe_markdown(value[self.lang])
            return self.in_first_language(safe_markdown(value[self.first_lang]))
        if translatable:
            return self.in_first_language(safe_markdown(value))
        return safe_markdown(value)

    def in_first_language(self, markdown: str) -> str:
        if self.lang == self.first_lang:
            return markdown
        return in_language(markdown, language_tag(self.first_lang))

    def refs(self, ftype: s.Ref, value: Any) -> Any:
        if not ftype.many:
            return value if value in self.visible else None
        return [v for v in value if v in self.visible]

    def actors(self, ftype: s.Actor, value: Any) -> Any:
        names = [self.actor_name(v) for v in (value if ftype.many else [value])]
        shown = [n for n in names if n is not None]
        return shown if ftype.many else (shown[0] if shown else None)

    def actor_name(self, value: str) -> str | None:
        """An id is shown as its member's or partner's name, if this audience may see it."""
        target = self.content.index.get(value)
        if target is None or target["_kind"] not in s.ACTOR_KINDS:
            return safe_markdown(value)
        if value not in self.visible:
            return None
        return self.text(target["name"])


def view(
    content: Content,
    audience: Audience,
    lang: str | None = None,
    make_filter: Callable[[Content, Audience, str], _Filter] | None = None,
) -> dict[str, Any]:
    """What one audience may see of the content, in one language.

    ``make_filter`` gives a subclass of the filter that makes the same decisions but notes what
    it made (the Word anchors of ``anchors.py`` learn which record each text came from).
    """
    flt = (make_filter or _Filter)(content, audience, lang or content.languages[0])
    out: dict[str, Any] = {
        "operation": flt.record(content.operation, 0) if content.operation else {}
    }
    for file_name, key in SECTION_KEYS.items():
        section = content.section(file_name)
        rec = s.FILES[file_name]
        out[key] = flt.record(section, -1) if section else flt.value(rec, None, -1) or _empty(rec)
    tables = _pin_tables(flt, content)
    out["data"] = {
        "people_in_need": tables,
        "figures": merged_figures(out["analysis"].get("figures"), tables),
    }
    out["audience"] = audience.slug
    out["lang"] = flt.lang
    out["languages"] = content.languages  # the first one keeps the outputs' plain file names
    out["highest_level"] = s.LEVELS[flt.highest]
    out["index"] = _index(out)
    return out


def _pin_tables(flt: _Filter, content: Content) -> list[dict[str, Any]]:
    """People-in-need tables this audience may see, in file order; each names the chart drawn
    from it (charts.write_pin_chart draws exactly these), or None."""
    tables: list[dict[str, Any]] = []
    for _name, section in sorted(content.sections.items()):
        if section["_kind"] == "pin_table":
            table = flt.record(section, -1)
            if table is not None:
                tables.append(table)
    charted = 0
    for table in tables:
        series = chart_series(table)
        table["chart"] = chart_name(charted) if series else None
        table["chart_by"] = chart_kind(series) if series else None
        charted += table["chart"] is not None
    return tables


def _own_text(rec: s.Record, record: dict[str, Any]) -> bool:
    """Whether a file record holds text of its own (not only items), which its level covers."""
    return any(isinstance(t, s.Text) and record.get(n) for n, t in rec.fields.items())


def _empty(rec: s.Record) -> dict[str, Any]:
    return {name: [] if s.is_list_type(t) else None for name, t in rec.fields.items()}


def _index(tree: Any, found: dict[str, Any] | None = None) -> dict[str, Any]:
    """Visible items by id, for templates that follow a reference."""
    found = {} if found is None else found
    if isinstance(tree, dict):
        if isinstance(tree.get("id"), str) and "marked" in tree:
            found[tree["id"]] = tree
        for key, value in tree.items():
            if key != "index":
                _index(value, found)
    elif isinstance(tree, list):
        for item in tree:
            _index(item, found)
    return found


class _Ceiling(_Filter):
    """The filter's decisions, but records keep their own form: every language, ids, levels."""

    def record(self, record: dict[str, Any], parent_level: int) -> dict[str, Any] | None:
        out = super().record(record, parent_level)
        if out is not None:
            out.pop("marked", None)
            out.update({key: record[key] for key in META_KEYS if key in record})
        return out

    def text(  # type: ignore[override]
        self, value: str | dict[str, str], translatable: bool = False
    ) -> str | dict[str, str]:
        return value

    def actor_name(self, value: str) -> str | None:
        target = self.content.index.get(value)
        if target is not None and target["_kind"] in s.ACTOR_KINDS and value not in self.visible:
            return None
        return value


def ceiling(content: Content, audience: Audience) -> Content:
    """The content without anything above ``audience``, still classified, as a release keeps it.

    Records, text in every language and references to records that stay are kept as validated;
    records above the ceiling and every reference to them are gone.
    """
    flt = _Ceiling(content, audience, content.languages[0])
    sections = {name: flt.record(section, -1) for name, section in content.sections.items()}
    kept = {name: section for name, section in sections.items() if section is not None}
    operation = (flt.record(content.operation, 0) if content.operation else None) or {}
    return Content(content.folder, operation, kept, index=id_index([operation, *kept.values()]))


def id_index(tree: Any) -> dict[str, dict[str, Any]]:
    """Records by id, as validation indexes them, for content rebuilt from a release."""
    return {
        record["id"]: record
        for record in walk_records(tree)
        if s.RECORDS[record["_kind"]].has_id and isinstance(record.get("id"), str)
    }
