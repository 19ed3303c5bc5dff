"""`protdocs review`: a reviewer's returned Word file read back into the content.

Every comment, reply and tracked change (insertion, deletion, replacement; formatting changes
aside) is listed with the content file, line and field it falls in, found through the bookmarks
the build put around each item's text (``anchors.py``). Edits made without tracking are found by
comparing the returned text of each field with the build's own text of the same field, which is
made again here exactly as the build makes it. ``--patch`` writes a unified diff of the content
files (``yamlpatch.py``); the content itself is never touched.

The returned file is untrusted: it is read as a zip with limits on its members' number and size
(a zip bomb is refused), its XML with DTDs and entities refused (defusedxml), and a file whose
relationships point outside it for anything but a hyperlink (remote templates, linked objects,
frames) or that carries macros is refused.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from dataclasses import field as attribute
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .anchors import DOC_PREFIX, PREFIX, Anchor, Marker, core_of, marker_of, marker_parts
from .audience import Audience
from .documents import DOCUMENTS, Document
from .errors import ProtdocsError, display_path
from .mdtext import plain_text
from .model import Content

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

MAX_MEMBERS = 2000
MAX_PART = 64 * 1024 * 1024  # one XML part, uncompressed
MAX_TOTAL = 256 * 1024 * 1024  # the whole file, uncompressed
MAX_RATIO = 200  # a member expanding more than this is a zip bomb, not a Word part
_PARTS = (
    "word/document.xml",
    "word/comments.xml",
    "word/commentsExtended.xml",
    "word/_rels/document.xml.rels",
    "[Content_Types].xml",
)
KINDS = ("comment", "insertion", "deletion", "replacement")
# The templates' charts; their descriptions may hold escaped brackets (render.image_description).
_IMAGE = re.compile(r"!\[(?:\\.|[^\]\\\n])*\]\([^)\s]*\)(?:\{[^}]*\})?")


class ReviewRefused(ProtdocsError):
    """The returned file cannot be read safely, or is no Word file at all."""


@dataclass
class Entry:
    """One comment, reply or change, placed in the content as far as the anchors allow."""

    kind: str
    file: str | None
    line: int | None
    field: str | None
    item: str | None
    lang: str | None
    author: str
    date: str
    text: str  # a comment's text; for a change, the text of the field it falls in
    old: str
    new: str
    untracked: bool = False
    reply_to: str | None = None
    note: str = ""
    anchor: str | None = attribute(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("anchor")
        return out


# ---------------------------------------------------------------------------------------------
# Reading the returned file safely


def _read_parts(path: Path) -> dict[str, bytes]:
    """The parts review reads, after the checks that make a hostile file harmless."""
    where = display_path(path)
    if not zipfile.is_zipfile(path):
        raise ReviewRefused(
            f"{where}: not a Word file (.docx): it is not a zip archive. "
            "Pass the .docx the reviewer sent back; an old .doc must first be saved as .docx."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ReviewRefused(f"{where}: refused: {len(infos)} parts in the archive")
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if (
                    info.file_size > MAX_PART
                    or total > MAX_TOTAL
                    or (ratio > MAX_RATIO and info.file_size > 1024 * 1024)
                ):
                    raise ReviewRefused(
                        f"{where}: refused: the part {info.filename} would expand to "
                        f"{info.file_size} bytes from {info.compress_size} (a zip bomb?). "
                        "Ask the reviewer to save the document again from Word."
                    )
            names = {info.filename for info in infos}
            parts = {}
            wanted = [*_PARTS, *sorted(n for n in names if n.endswith(".rels"))[:50]]
            for name in dict.fromkeys(wanted):
                if name in names:
                    with archive.open(name) as member:
                        data = member.read(MAX_PART + 1)
                    if len(data) > MAX_PART:
                        raise ReviewRefused(f"{where}: refused: {name} is larger than declared")
                    parts[name] = data
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ReviewRefused(
                    f"{where}: refused: the file carries macros. Ask the reviewer to save it "
                    "as a plain Word document (.docx)."
                )
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise ReviewRefused(f"{where}: refused: the archive cannot be read ({exc})") from exc
    if "word/document.xml" not in parts:
        raise ReviewRefused(
            f"{where}: not a Word document (no word/document.xml). Pass the returned .docx."
        )
    return parts


def _xml(data: bytes, where: str, part: str) -> Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ReviewRefused(
            f"{where}: refused: {part} declares a DTD or XML entities ({type(exc).__name__}), "
            "which Word never writes and which can make a reader fetch files or run out of "
            "memory. Ask the reviewer to save the document again from Word."
        ) from exc
    except ParseError as exc:
        raise ReviewRefused(f"{where}: refused: {part} is not well-formed XML ({exc})") from exc


def _check_relationships(root: Element, where: str) -> None:
    """Links out of the file are fine (hyperlinks), and so is the template on the reviewer's
    own disk Word names (file:///C:/…/Normal.dotm); anything Word would fetch from elsewhere or
    run is not."""
    for rel in root.iter(f"{REL}Relationship"):
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = (rel.get("Target") or "").strip().lower()
        local = target.startswith("file:///") or re.match(r"[a-z]:[\\/]", target) is not None
        if rel.get("TargetMode") != "External" or kind == "hyperlink":
            continue
        if kind == "attachedTemplate" and local:
            continue
        raise ReviewRefused(
            f"{where}: refused: the document points to an outside {kind} "
            f"({rel.get('Target')}), which Word would fetch when opening it. "
            "Ask the reviewer to remove it (or to paste the text into a copy of the "
            "document protdocs made)."
        )


# ---------------------------------------------------------------------------------------------
# The body as a sequence of pieces, each knowing the anchors around it


@dataclass
class Piece:
    kind: str  # "text", "ins", "del", or "break" (between paragraphs)
    text: str
    anchor: str | None  # bookmark name of the innermost anchor, None outside every item
    author: str = ""
    date: str = ""


@dataclass
class Returned:
    pieces: list[Piece]
    comment_at: dict[str, tuple[int, int, str | None]]  # id -> start, end, anchor
    marker: str | None
    bookmarks: list[str]


def _walk_body(root: Element) -> Returned:
    pieces: list[Piece] = []
    open_marks: dict[str, str] = {}  # bookmark id -> name
    order: list[str] = []  # ids of open anchors, innermost last
    starts: dict[str, tuple[int, str | None]] = {}
    comment_at: dict[str, tuple[int, int, str | None]] = {}
    marker: str | None = None
    bookmarks: list[str] = []

    def anchor() -> str | None:
        return open_marks[order[-1]] if order else None

    def visit(el: Element, change: tuple[str, str, str] | None) -> None:
        nonlocal marker
        tag = el.tag
        if tag in (f"{W}pPr", f"{W}rPr", f"{W}instrText", f"{W}delInstrText", f"{W}tblPr"):
            return
        if tag == f"{W}bookmarkStart":
            name = el.get(f"{W}name") or ""
            bookmarks.append(name)
            if name.startswith(DOC_PREFIX):
                marker = marker or name
            elif name.startswith(PREFIX):
                open_marks[el.get(f"{W}id") or ""] = name
                order.append(el.get(f"{W}id") or "")
            return
        if tag == f"{W}bookmarkEnd":
            ident = el.get(f"{W}id") or ""
            if ident in open_marks:
                open_marks.pop(ident)
                order.remove(ident)
            return
        if tag == f"{W}commentRangeStart":
            starts[el.get(f"{W}id") or ""] = (len(pieces), anchor())
            return
        if tag == f"{W}commentRangeEnd":
            ident = el.get(f"{W}id") or ""
            start, at = starts.get(ident, (len(pieces), anchor()))
            comment_at[ident] = (start, len(pieces), at)
            return
        if tag == f"{W}commentReference":
            ident = el.get(f"{W}id") or ""
            if ident not in comment_at:
                start, at = starts.get(ident, (len(pieces), anchor()))
                comment_at[ident] = (start, len(pieces), at)
            return
        if tag in (f"{W}ins", f"{W}del", f"{W}moveTo", f"{W}moveFrom"):
            kind = "ins" if tag in (f"{W}ins", f"{W}moveTo") else "del"
            change = (kind, el.get(f"{W}author") or "", el.get(f"{W}date") or "")
        if tag in (f"{W}t", f"{W}delText") and el.text:
            kind = change[0] if change else "text"
            who = change[1:] if change else ("", "")
            pieces.append(Piece(kind, el.text, anchor(), *who))
            return
        if tag in (f"{W}tab", f"{W}br", f"{W}cr") and el.text is None:
            kind = change[0] if change else "text"
            pieces.append(Piece(kind, " ", anchor(), *(change[1:] if change else ("", ""))))
            return
        for child in el:
            visit(child, change)
        if tag in (f"{W}p", f"{W}tc"):
            pieces.append(Piece("break", "\n\n", anchor()))

    body = root.find(f"{W}body")
    if body is not None:
        visit(body, None)
    return Returned(pieces, comment_at, marker, bookmarks)


def _comments(parts: dict[str, bytes], where: str) -> dict[str, tuple[str, str, str, str]]:
    """Comment id -> author, date, text, paragraph id of its last paragraph."""
    data = parts.get("word/comments.xml")
    if not data:
        return {}
    found = {}
    for comment in _xml(data, where, "word/comments.xml").iter(f"{W}comment"):
        paragraphs = comment.findall(f".//{W}p")
        text = "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in paragraphs)
        para_id = paragraphs[-1].get(f"{W14}paraId", "") if paragraphs else ""
        found[comment.get(f"{W}id") or ""] = (
            comment.get(f"{W}author") or "",
            comment.get(f"{W}date") or "",
            text.strip(),
            para_id,
        )
    return found


def _reply_parents(parts: dict[str, bytes], where: str) -> dict[str, str]:
    """Paragraph id of a reply's last paragraph -> that of the comment it answers."""
    data = parts.get("word/commentsExtended.xml")
    if not data:
        return {}
    return {
        ex.get(f"{W15}paraId") or "": ex.get(f"{W15}paraIdParent") or ""
        for ex in _xml(data, where, "word/commentsExtended.xml").iter(f"{W15}commentEx")
        if ex.get(f"{W15}paraIdParent")
    }


# ---------------------------------------------------------------------------------------------
# Which document it is


@dataclass
class Identity:
    """What the returned file was made from, as far as its marker tells."""

    doc: Document | None
    lang: str | None
    anchors: dict[str, Anchor]
    current: bool  # same operation, version and texts as the content now
    patchable: bool  # same operation: the anchors name this content's items
    message: str
    markdown: str = ""  # what the build gives pandoc for that document now


def identify(content: Content, marker: str | None, has_anchors: bool) -> Identity:
    from .build import tool_version
    from .render import current_build

    op, version = content.operation.get("id"), content.operation.get("version")
    found = Marker.parse(marker) if marker else None
    if found is None:
        what = (
            "has protdocs anchors but no document marker"
            if has_anchors
            else "was not made by protdocs (it has none of the anchors protdocs puts in its "
            "Word files)"
        )
        return Identity(
            None,
            None,
            {},
            False,
            False,
            f"this file {what}: comments and changes "
            "are listed, placed in the content only where their text is found there.",
        )
    info = current_build(tool_version())
    for doc in DOCUMENTS:
        for lang in content.languages:
            expected = marker_parts(content, doc, lang)
            if (expected.document, expected.lang) != (found.document, found.lang):
                continue
            if expected.operation != found.operation:
                continue
            markdown, anchors = word_markdown(content, doc, lang, info)
            if expected.version != found.version:
                return Identity(
                    doc,
                    lang,
                    anchors,
                    False,
                    True,
                    (
                        f"made from another version of {op} than the content's {version}: "
                        "changes are placed by their anchors; a field whose text has changed "
                        "since is listed but left out of the patch."
                    ),
                    markdown,
                )
            now = Marker.parse(marker_of(markdown) or "")
            current = now is not None and now.texts == found.texts
            note = (
                ""
                if current
                else (
                    f"made from {op} {version}, but some texts have changed since: a field whose "
                    "text differs is listed and left out of the patch."
                )
            )
            return Identity(doc, lang, anchors, current, True, note, markdown)
    return Identity(
        None,
        found.lang,
        {},
        False,
        False,
        (
            f"made by protdocs from another operation than {op} (or a document this content does "
            "not have): comments and changes are placed only where their text is found."
        ),
    )


# ---------------------------------------------------------------------------------------------
# Entries


def _field_texts(pieces: list[Piece]) -> dict[str, tuple[str, str]]:
    """Bookmark name -> (the text as sent, the text with the reviewer's tracked changes)."""
    old: dict[str, list[str]] = {}
    new: dict[str, list[str]] = {}
    for piece in pieces:
        if piece.anchor is None:
            continue
        if piece.kind != "ins":
            old.setdefault(piece.anchor, []).append(piece.text)
        if piece.kind != "del":
            new.setdefault(piece.anchor, []).append(piece.text)
        old.setdefault(piece.anchor, [])
        new.setdefault(piece.anchor, [])
    return {name: (_tidy("".join(old[name])), _tidy("".join(new[name]))) for name in old}


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ?\n\n ?", "\n\n", text)
    return re.sub(r"(\n\n)+", "\n\n", text).strip()


def _changes(pieces: list[Piece]) -> Iterator[tuple[str | None, str, str, str, str, int]]:
    """Runs of tracked pieces side by side: (anchor, author, date, deleted, inserted, where)."""
    run: list[Piece] = []
    first = 0
    for index, piece in enumerate([*pieces, Piece("text", "", None)]):
        if piece.kind in ("ins", "del") and (not run or run[-1].anchor == piece.anchor):
            first = index if not run else first
            run.append(piece)
            continue
        if run:
            deleted = "".join(p.text for p in run if p.kind == "del")
            inserted = "".join(p.text for p in run if p.kind == "ins")
            yield run[0].anchor, run[0].author, run[0].date, deleted, inserted, first
        run = [piece] if piece.kind in ("ins", "del") else []
        first = index


def _realigned(pieces: list[Piece], name: str, own: str) -> tuple[str, str] | None:
    """(sent, changed) of a field whose bookmark an editor moved by a character or a word
    (LibreOffice ends it before a final full stop once the paragraph has tracked changes): when
    the build's own text is found, once, in the paragraphs around the bookmark, the field is
    that text there, and what the reviewer made of it. None when it is not found: the
    difference is then a real edit."""
    held = [i for i, piece in enumerate(pieces) if piece.anchor == name]
    if not held or not own:
        return None
    start, end = held[0], held[-1] + 1
    while start > 0 and pieces[start - 1].kind != "break":
        start -= 1
    while end < len(pieces) and pieces[end].kind != "break":
        end += 1
    chars = [(c, p.kind, p.anchor == name) for p in pieces[start:end] for c in p.text]
    sent_at = [i for i, (_c, kind, _in) in enumerate(chars) if kind != "ins"]
    sent = "".join(chars[i][0] for i in sent_at)
    at = sent.find(own)
    if at < 0 or sent.count(own) > 1:
        return None
    low, high = sent_at[at], sent_at[at + len(own) - 1] + 1
    while low > 0 and chars[low - 1][1] == "ins" and chars[low - 1][2]:
        low -= 1
    while high < len(chars) and chars[high][1] == "ins" and chars[high][2]:
        high += 1
    return own, _tidy("".join(c for c, kind, _in in chars[low:high] if kind != "del"))


def _paragraph_around(pieces: list[Piece], start: int, end: int) -> str:
    """The text (as sent) of the paragraph or paragraphs holding pieces ``start`` to ``end``."""
    while start > 0 and pieces[start - 1].kind != "break":
        start -= 1
    while end < len(pieces) and pieces[end].kind != "break":
        end += 1
    return _tidy("".join(p.text for p in pieces[start:end] if p.kind != "ins"))


@dataclass
class Review:
    """What ``review`` found: the entries, what the file is, and the patch's new field texts."""

    path: Path
    identity: Identity
    entries: list[Entry]
    new_texts: dict[str, str]  # anchor core -> the field's text as the reviewer left it
    own_texts: dict[str, str]  # anchor core -> the build's own text of the field
    notes: list[str]


def review(returned: Path, content: Content) -> Review:
    """Read ``returned`` and place each comment and change in ``content``."""
    where = display_path(returned)
    parts = _read_parts(returned)
    for name in [n for n in parts if n.endswith(".rels")]:
        _check_relationships(_xml(parts[name], where, name), where)
    if b"macroEnabled" in parts.get("[Content_Types].xml", b""):
        raise ReviewRefused(f"{where}: refused: a macro-enabled document. Save it as .docx.")
    try:
        body = _walk_body(_xml(parts["word/document.xml"], where, "word/document.xml"))
    except RecursionError as exc:
        raise ReviewRefused(
            f"{where}: refused: word/document.xml is nested deeper than any Word document. "
            "Ask the reviewer to save the document again from Word."
        ) from exc
    has_anchors = any(core_of(b) for b in body.bookmarks)
    identity = identify(content, body.marker, has_anchors)
    own = _own_texts(content, identity) if identity.doc else {}
    locate = _Locator(identity, content)
    returned_texts = _field_texts(body.pieces)
    entries: list[Entry] = []
    notes: list[str] = [identity.message] if identity.message else []

    comments = _comments(parts, where)
    parents = _reply_parents(parts, where)
    by_para = {para: ident for ident, (_a, _d, _t, para) in comments.items() if para}
    for ident, (author, date, text, para) in comments.items():
        start, end, at = body.comment_at.get(ident, (0, 0, None))
        commented = _tidy("".join(p.text for p in body.pieces[start:end] if p.kind != "del"))
        if at is None:
            at = next((p.anchor for p in body.pieces[start:end] if p.anchor), None)
        parent = by_para.get(parents.get(para, ""))
        context = _paragraph_around(body.pieces, start, end) if at is None else commented
        entry = locate.entry("comment", at, context, author, date, text)
        entry.reply_to = parent
        entry.old = commented
        entries.append(entry)
    for at, author, date, deleted, inserted, first in _changes(body.pieces):
        kind = "replacement" if deleted and inserted else "deletion" if deleted else "insertion"
        context = _paragraph_around(body.pieces, first, first) if at is None else ""
        entry = locate.entry(kind, at, context, author, date, "")
        entry.old, entry.new = deleted, inserted
        entries.append(entry)

    chosen: dict[str, tuple[str, str] | None] = {}  # core -> (own text, reviewer's text)
    for name, (sent, changed) in returned_texts.items():
        core = core_of(name)
        if core is None or core not in identity.anchors or name not in own:
            continue
        mine = own[name]
        if sent != mine and mine not in sent:  # text in the bookmark was not simply added
            sent, changed = _realigned(body.pieces, name, mine) or (sent, changed)
        anchor = identity.anchors[core]
        where = f"{display_path(Path(anchor.file))}: {anchor.item}.{anchor.path}"
        if sent != mine:
            entry = locate.entry("replacement", name, sent, "", "", "")
            entry.old, entry.new, entry.untracked = mine, sent, True
            if not identity.current:
                entry.note = "the content may have changed since the file was made: not patched"
            entries.append(entry)
        if changed == mine or not (identity.current or sent == mine):
            continue
        if not changed:
            notes.append(
                f"{where}: the whole text was deleted: left out of the patch (a field "
                "cannot be empty); remove the item or the field by hand if meant."
            )
            chosen[core] = None
        elif core in chosen and chosen[core] != (mine, changed):
            notes.append(
                f"{where}: shown more than once in the document and changed "
                "differently in each place: left out of the patch."
            )
            chosen[core] = None
        else:
            chosen.setdefault(core, (mine, changed))
    new_texts = {core: pair[1] for core, pair in chosen.items() if pair}
    own_by_core = {core: pair[0] for core, pair in chosen.items() if pair}
    entries.sort(key=lambda e: (e.file or "~", e.line or 0, KINDS.index(e.kind)))
    return Review(returned, identity, entries, new_texts, own_by_core, notes)


def _own_texts(content: Content, identity: Identity) -> dict[str, str]:
    """The build's own text of each anchored field: the same Word file made again, read back."""
    from .build import docx_meta, tool_version
    from .render import current_build
    from .writers.docx import write_docx

    assert identity.doc is not None and identity.lang is not None
    info = current_build(tool_version())
    with tempfile.TemporaryDirectory(prefix="protdocs-review-") as tmp:
        target = Path(tmp) / "own.docx"
        # The charts are not drawn again: their images carry no text the review compares.
        markdown = _IMAGE.sub("", identity.markdown)
        meta = docx_meta(content, info, identity.doc, identity.lang)
        write_docx(markdown, target, meta, target.parent)
        with zipfile.ZipFile(target) as archive:
            root = _xml(archive.read("word/document.xml"), str(target), "word/document.xml")
    texts = _field_texts(_walk_body(root).pieces)
    return {name: sent for name, (sent, _changed) in texts.items()}


def word_markdown(
    content: Content, doc: Document, lang: str, info: Any
) -> tuple[str, dict[str, Anchor]]:
    """The Markdown the build gives pandoc for ``doc`` in ``lang`` (anchored, with its marker),
    and its anchors."""
    from .anchors import anchored_view, document_marker, with_marker
    from .assess import evaluate
    from .audience import view
    from .render import render

    tree, anchors = anchored_view(content, doc.audience, lang)
    if doc.audience is Audience.CONFIDENTIAL:
        plain = view(content, doc.audience, lang)
        tree["assessment"] = [r.as_dict() for r in evaluate(plain)]
    markdown = render(doc, tree, info)
    return with_marker(markdown, document_marker(content, doc, lang, anchors, markdown)), anchors


class _Locator:
    """Anchor names -> file, line and field; text search for files without usable anchors."""

    def __init__(self, identity: Identity, content: Content) -> None:
        self.identity = identity
        self.content = content
        self._search: list[tuple[str, Anchor]] | None = None

    def entry(
        self, kind: str, at: str | None, context: str, author: str, date: str, text: str
    ) -> Entry:
        anchor = None
        core = core_of(at) if at else None
        if core is not None:
            anchor = self.identity.anchors.get(core)
        if anchor is None and not self.identity.patchable:
            anchor = self.by_text(context)
        if anchor is None:
            note = "" if core is None else "unknown anchor: not an item of this content"
            entry = Entry(
                kind,
                None,
                None,
                None,
                None,
                self.identity.lang,
                author,
                date,
                text,
                "",
                "",
                note=note or "on text no item owns (cover, heading or label)",
            )
            return entry
        from .yamlpatch import field_location

        line, path = field_location(Path(anchor.file), anchor.line, anchor.field, anchor.lang)
        return Entry(
            kind,
            display_path(Path(anchor.file)),
            line,
            path,
            anchor.item,
            anchor.lang,
            author,
            date,
            text,
            "",
            "",
            anchor=anchor.core,
        )

    def by_text(self, context: str) -> Anchor | None:
        """The item whose text holds ``context``, among what the internal documents show (never
        anything strictly confidential)."""
        wanted = _words(context)
        if len(wanted.split()) < 6:  # a few words could be anyone's
            return None
        if self._search is None:
            self._search = []
            for lang in self.content.languages:
                from .anchors import anchored_view

                _tree, anchors = anchored_view(self.content, Audience.CONFIDENTIAL, lang)
                self._search.extend((_words(a.text), a) for a in anchors.values())
        for words, anchor in self._search:
            if wanted in words or (len(words.split()) >= 6 and words in wanted):
                return anchor
        return None


def _words(text: str) -> str:
    plain = plain_text(text) or ""
    plain = re.sub(r"[*_`\\]|\]\([^)]*\)|\[", "", plain)
    plain = plain.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(plain.split()).lower()


# ---------------------------------------------------------------------------------------------
# Reports


def as_json(result: Review) -> str:
    return json.dumps([e.as_dict() for e in result.entries], ensure_ascii=False, indent=2)


def _where(entry: Entry) -> str:
    if entry.file is None:
        return "(no item)"
    return f"{entry.file}:{entry.line}: {entry.field} ({entry.item}, {entry.lang})"


def _quote(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


def _difference(old: str, new: str, keep: int = 4) -> tuple[str, str]:
    """The words that differ between two texts of a field, with ``keep`` words around them."""
    a, b = old.split(), new.split()
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    start = max(head - keep, 0)

    def cut(words: list[str]) -> str:
        end = min(len(words) - tail + keep, len(words))
        return (
            ("… " if start else "")
            + " ".join(words[start:end])
            + (" …" if end < len(words) else "")
        )

    return cut(a), cut(b)


def as_text(result: Review) -> str:
    lines = [f"{display_path(result.path)}: {len(result.entries)} comment(s) and change(s)"]
    lines += [f"note: {n}" for n in result.notes]
    for e in result.entries:
        who = f"{e.author or 'unknown'}{', ' + e.date if e.date else ''}"
        if e.kind == "comment":
            what = "reply" if e.reply_to else "comment"
            lines.append(f"{_where(e)}: {what} by {who} on {_quote(e.old, 80)}: {_quote(e.text)}")
        else:
            kind = ("untracked " if e.untracked else "") + e.kind
            by = "" if e.untracked else f" by {who}"
            old, new = _difference(e.old, e.new) if e.untracked else (e.old, e.new)
            lines.append(f"{_where(e)}: {kind}{by}: {_quote(old)} → {_quote(new)}")
        if e.note:
            lines.append(f"    ({e.note})")
    return "\n".join(lines) + "\n"


def as_markdown(result: Review) -> str:
    out = [f"# Review of {display_path(result.path).replace('|', '/')}", ""]
    out += [f"> {n}" for n in result.notes]
    out += ["", "| Where | Item | What | Who | Text |", "|---|---|---|---|---|"]
    for e in result.entries:
        where = f"`{e.file}:{e.line}` {e.field}" if e.file else "no item"
        kind = ("untracked " if e.untracked else "") + e.kind + (" (reply)" if e.reply_to else "")
        old, new = _difference(e.old, e.new) if e.untracked else (e.old, e.new)
        text = e.text if e.kind == "comment" else f"{old} → {new}"
        cells = [where, e.item or "", kind, e.author, " ".join(text.split())]
        cells = [c.replace("|", "\\|").replace("<", "&lt;") for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The patch


def make_patch(result: Review, content: Content) -> tuple[str, list[str]]:
    """A unified diff giving each changed field the reviewer's text, and what was left out."""
    from .anchors import shown_records
    from .model import walk_records
    from .yamlpatch import locate, new_source, record_lines, replace_scalar, unified_diff

    left_out: list[str] = []
    if not result.identity.patchable:
        return "", ["no patch: the file's anchors do not name this content's items."]
    by_file: dict[str, list[tuple[Any, str]]] = {}
    for core, changed in sorted(result.new_texts.items()):
        anchor = result.identity.anchors[core]
        where = f"{display_path(Path(anchor.file))}: {anchor.item}.{anchor.path}"
        found = locate(Path(anchor.file), anchor.line, anchor.field, anchor.lang)
        per_language = found is not None and found.path.endswith(f".{anchor.lang}")
        if found is None or (per_language and not found.node.tag):
            left_out.append(
                f"{where}: no {anchor.lang} text in the content to change; "
                f"add one ({anchor.lang}: …) and apply the change by hand."
            )
            continue
        if not per_language and anchor.lang != content.languages[0]:
            left_out.append(
                f"{where}: the {anchor.lang} document showed the "
                f"{content.languages[0]} text (no {anchor.lang} one yet): "
                "left out; add the translation with the reviewer's words."
            )
            continue
        value = found.node.value
        text = new_source(value, result.own_texts[core], changed)
        if text != value:
            by_file.setdefault(anchor.file, []).append((found.node, text))
    # The lines of what no document shows (strictly confidential) stay out of the diff's context.
    shown = {id(record) for record in shown_records(content, Audience.CONFIDENTIAL)}
    hidden: dict[str, set[int]] = {}
    for record in walk_records([content.operation, *content.sections.values()]):
        if id(record) not in shown and str(record.get("_file")) in by_file:
            lines = record_lines(Path(record["_file"]), record["_line"])
            hidden.setdefault(str(record["_file"]), set()).update(lines)
    patches = []
    for file, edits in sorted(by_file.items()):
        path = Path(file)
        original = path.read_text(encoding="utf-8")
        updated = original
        for node, text in sorted(edits, key=lambda e: e[0].start_mark.index, reverse=True):
            updated = replace_scalar(updated, node, text)
        patches.append(unified_diff(path, original, updated, frozenset(hidden.get(file, ()))))
    if any(patch and not any(x.startswith(" ") for x in patch.splitlines()) for patch in patches):
        left_out.append(
            "a changed field is next to a strictly-confidential item, which the patch does not "
            "show: apply it with `git apply --unidiff-zero FILE`."
        )
    return "".join(patches), left_out
