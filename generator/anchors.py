"""Anchors: each item's text in a Word file is wrapped in a bookmark named from its id and field,
so that a reviewer's comments and tracked changes can be traced back to the content (``review``).

The anchors are made on the render side: a view whose texts carry two empty pandoc spans,
``[]{#pdS_CORE}text[]{#pdE_CORE}``, which pandoc writes as zero-length bookmarks and
``writers/bookmarks.py`` joins into one bookmark ``_pd_CORE`` around the text. ``CORE`` is
``OWNER__FIELD_PATH``: the nearest id the document shows (or the file's kind, ``analysis``), then
the field, with list positions counted among the items this document shows, so a public document's
anchors name nothing but what it prints (any character Word does not take in a name is ``_``).
Content text cannot make such a span (``mdtext`` escapes its braces), and the Markdown outputs
and the site get the text with the spans taken out again.

Bookmarks need no room on the page and survive Word's editing, comments and tracked changes.
Names starting with an underscore are Word's hidden bookmarks (like its own ``_Toc``): listed in
its Bookmark dialog only when "Hidden bookmarks" is ticked, seen only as grey brackets when "Show
bookmarks" is on (it is off by default). Names are at most 40 characters (Word's limit), long
ones shortened with a hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from . import schema as s
from .audience import SECTION_KEYS, Audience, _Filter, view
from .documents import Document
from .mdtext import without_marks
from .model import Content

PREFIX = "_pd_"  # every anchor's bookmark name starts so (the underscore hides it in Word)
DOC_PREFIX = "_pd_doc_"  # the one bookmark naming the document, operation and version
_CORE_MAX = 32  # "_pd_" + core + "__NN" (a repeated field) stays within Word's 40 characters
_START, _END = "pdS_", "pdE_"
_SPAN = re.compile(r"\[\]\{#pd[SE]_[A-Za-z0-9_]+\}")
_DOC_SPAN = re.compile(r"\n\[\]\{#pd_doc_[A-Za-z0-9_-]+\}\n\Z")
_MARKER = re.compile(r"\n\[\]\{#(pd_doc_[A-Za-z0-9_-]+)\}\n\Z")
_PRINTED = re.compile(r"\[\]\{#pdS_([A-Za-z0-9_]+)\}")
# Block syntax a text may start with: the start span goes after it, not before.
_BLOCK_START = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)]|#{1,6}|>)[ \t]+)*")


@dataclass(frozen=True)
class Anchor:
    """Where one anchored text comes from: its record's file and line, its field and language."""

    core: str
    file: str
    line: int  # the record's first line; the field's own line is found in the file
    item: str  # the nearest id (or the file's kind: analysis, operation)
    path: str  # the field below that item: ``text``, ``advocacy_risks.0.mitigation``
    lang: str
    text: str  # the text as the document's Markdown holds it (inert Markdown)

    @property
    def field(self) -> str:
        return self.path.rsplit(".", 1)[-1]


def core_name(item: str, path: str) -> str:
    """The bookmark name's middle part: letters, digits and underscores only (all Word takes
    in a name; an id's ``-`` or ``.`` and the path's dots become ``_``), at most ``_CORE_MAX``
    characters. The review maps names back through the same function, never by parsing them."""
    core = re.sub(r"[^A-Za-z0-9_]", "_", f"{item}__{path}")
    if len(core) > _CORE_MAX:
        digest = hashlib.sha1(core.encode("utf-8")).hexdigest()[:8]
        core = f"{core[: _CORE_MAX - 9]}_{digest}"
    return core


def core_of(bookmark: str) -> str | None:
    """The core of a bookmark ``_pd_CORE`` or ``_pd_CORE__N`` (a field shown again), else None.
    (A core never ends in ``__`` and digits: it ends with a field's name or a hash.)"""
    if not bookmark.startswith(PREFIX) or bookmark.startswith(DOC_PREFIX):
        return None
    return re.sub(r"__\d+$", "", bookmark[len(PREFIX) :])


def mark(text: str, core: str) -> str:
    """The text between a start and an end span; leading list or heading syntax stays first."""
    lead = _BLOCK_START.match(text)
    start = lead.end() if lead else 0
    body = text[start:]
    kept = body.rstrip()
    return f"{text[:start]}[]{{#{_START}{core}}}{kept}[]{{#{_END}{core}}}{body[len(kept) :]}"


def strip_anchors(markdown: str) -> str:
    """The Markdown without the anchors' spans: what the .md files and the site get."""
    return _SPAN.sub("", _DOC_SPAN.sub("", markdown))


class _Tracing(_Filter):
    """The audience filter, unchanged, noting which content record each view record came from."""

    def __init__(self, content: Content, audience: Audience, lang: str) -> None:
        super().__init__(content, audience, lang)
        self.origin: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}

    def record(self, record: dict[str, Any], parent_level: int) -> dict[str, Any] | None:
        out = super().record(record, parent_level)
        if out is not None:
            self.origin[id(out)] = (out, record)
        return out


def anchored_view(
    content: Content, audience: Audience, lang: str | None = None
) -> tuple[dict[str, Any], dict[str, Anchor]]:
    """``view(content, audience, lang)`` with each item's text anchored, and the anchors."""
    made: list[_Tracing] = []

    def make(c: Content, a: Audience, language: str) -> _Filter:
        made.append(_Tracing(c, a, language))
        return made[-1]

    tree = view(content, audience, lang, make_filter=make)
    anchors: dict[str, Anchor] = {}
    walker = _Anchoring(made[0].origin, tree["lang"], anchors)
    walker.walk(tree["operation"], "operation", "")
    for key in SECTION_KEYS.values():
        walker.walk(tree[key], key, "")
    return tree, anchors


def shown_records(content: Content, audience: Audience) -> list[dict[str, Any]]:
    """The content records ``audience`` sees (the filter's own decision)."""
    made: list[_Tracing] = []

    def make(c: Content, a: Audience, language: str) -> _Filter:
        made.append(_Tracing(c, a, language))
        return made[-1]

    view(content, audience, make_filter=make)
    return [record for _out, record in made[0].origin.values()]


@dataclass
class _Anchoring:
    origin: dict[int, tuple[dict[str, Any], dict[str, Any]]]
    lang: str
    anchors: dict[str, Anchor]

    def walk(self, node: Any, item: str, path: str) -> None:
        entry = self.origin.get(id(node)) if isinstance(node, dict) else None
        if entry is None or entry[0] is not node:
            return
        record = entry[1]
        rec = s.RECORDS[record["_kind"]]
        if rec.has_id and isinstance(node.get("id"), str):
            item, path = node["id"], ""
        elif rec.is_file:
            item, path = rec.kind, ""
        in_yaml = str(record.get("_file", "")).endswith((".yaml", ".yml"))
        for name, ftype in rec.fields.items():
            sub = f"{path}.{name}" if path else name
            value = node.get(name)
            if isinstance(ftype, s.Text) and isinstance(value, str) and value.strip() and in_yaml:
                core = core_name(item, sub)
                self.anchors[core] = Anchor(
                    core,
                    str(record["_file"]),
                    record["_line"],
                    item,
                    sub,
                    self.lang,
                    without_marks(value),  # the text as the reader sees it
                )
                node[name] = mark(value, core)
            elif isinstance(ftype, s.Items) and isinstance(value, list):
                for index, child in enumerate(value):
                    self.walk(child, item, f"{sub}.{index}")
            elif isinstance(ftype, s.Record):
                self.walk(value, item, sub)


def _h4(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:4]


def texts_digest(anchors: dict[str, Anchor], markdown: str) -> str:
    """Four hex digits that change when a text the document prints changes (and only then, so
    that a change elsewhere does not make every Word file new)."""
    printed = set(_PRINTED.findall(markdown))
    return _h4(json.dumps(sorted((a.core, a.text) for a in anchors.values() if a.core in printed)))


def marker_parts(content: Content, doc: Document, lang: str) -> Marker:
    """The marker of ``doc`` in ``lang`` but for its texts' digest (left empty)."""
    op = content.operation
    safe_lang = re.sub(r"[^A-Za-z0-9]", "", lang)[:12]
    return Marker(
        _h4(str(op.get("id"))),
        _h4(str(op.get("version"))),
        _h4(f"{doc.slug}/{doc.audience.slug}"),
        "",
        safe_lang,
    )


def document_marker(
    content: Content, doc: Document, lang: str, anchors: dict[str, Anchor], markdown: str
) -> str:
    """The name of the bookmark that says which operation, version, document and language a
    Word file is: four hex digits for each of the first three, for its texts, then the language.
    All of it is printed on the document's cover anyway."""
    part = marker_parts(content, doc, lang)
    digest = texts_digest(anchors, markdown)
    # pandoc takes no name starting with "_": the Word writer adds it (writers/bookmarks.py)
    return f"{DOC_PREFIX[1:]}{part.operation}{part.version}{part.document}{digest}_{part.lang}"


def with_marker(markdown: str, marker: str) -> str:
    """The Word Markdown with the document's marker in a last paragraph of its own (the Word
    writer moves the bookmark to the top and drops the paragraph)."""
    return f"{markdown}\n[]{{#{marker}}}\n"


def marker_of(markdown: str) -> str | None:
    found = _MARKER.search(markdown)
    return found.group(1) if found else None


@dataclass(frozen=True)
class Marker:
    """A document marker read back: which of its parts match a given content."""

    operation: str
    version: str
    document: str
    texts: str
    lang: str

    @classmethod
    def parse(cls, name: str) -> Marker | None:
        found = re.fullmatch(r"_?pd_doc_" + r"([0-9a-f]{4})" * 4 + r"_(\w*)", name)
        return cls(*found.groups()) if found else None
