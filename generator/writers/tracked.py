"""Tracked changes: a new Word document with what changed since an old one marked as Word
revisions (``w:ins`` and ``w:del``), so that a reviewer can accept or reject each in Word.

Both documents come from the same template through pandoc, so their bodies line up block by
block. Paragraphs and tables are matched on their text with difflib; a table's rows, and a row's
cells, are matched the same way. An unmatched new block is marked inserted, an unmatched old one
is copied in at its old place and marked deleted, and a matched pair of paragraphs is compared
word by word. Formatting-only differences are not marked: reviewers read the words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from docx import Document as open_docx
from docx.document import Document as WordDocument
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from lxml import etree

from . import docx as word

_P, _TBL, _TR, _TC, _R = (qn(f"w:{tag}") for tag in ("p", "tbl", "tr", "tc", "r"))
_T, _DEL_TEXT = qn("w:t"), qn("w:delText")
_BLOCKS = (_P, _TBL)
# Leading properties that must stay first in their container.
_PROPERTIES = {qn(f"w:{tag}") for tag in ("tblPr", "tblGrid", "tcPr", "trPr", "tblPrEx", "pPr")}
# Parts of an old paragraph that point into the old file (links, images, notes) or carry ids
# of their own: a deleted copy goes without them.
_UNLINKED = {
    qn(f"w:{tag}")
    for tag in (
        "drawing",
        "pict",
        "object",
        "footnoteReference",
        "endnoteReference",
        "commentReference",
        "bookmarkStart",
        "bookmarkEnd",
    )
}
_SIMPLE_PARAGRAPH = {qn("w:pPr"), _R, qn("w:bookmarkStart"), qn("w:bookmarkEnd")}
_SIMPLE_RUN = {qn("w:rPr"), _T}
_TOKEN = re.compile(r"\S+\s*|\s+")
SIMILAR = 0.6  # how alike two blocks must be to be shown as one changed block


@dataclass
class Revisions:
    """Who and when for every mark, the next free revision id, and how many marks were made."""

    author: str
    date: str
    next_id: int
    inserted: int = 0
    deleted: int = 0

    def mark(self, kind: str) -> etree._Element:
        element = OxmlElement(
            f"w:{kind}",
            {qn("w:id"): str(self.next_id), qn("w:author"): self.author, qn("w:date"): self.date},
        )
        self.next_id += 1
        return element


def write_tracked_docx(
    old_markdown: str,
    new_markdown: str,
    target: Path,
    meta: word.DocxMeta,
    resources: Path,
    author: str = "protdocs",
) -> Revisions:
    """The new document as Word writes it, with the changes from the old one tracked."""
    old_path = target.with_name(f".{target.name}.old.docx")
    try:
        word.write_docx(old_markdown, old_path, meta, resources)
        old = open_docx(str(old_path))
    finally:
        old_path.unlink(missing_ok=True)
    found: list[Revisions] = []
    word.write_docx(
        new_markdown,
        target,
        meta,
        resources,
        edit=lambda new: found.append(mark_changes(old, new, author, meta.timestamp)),
    )
    return found[0]


def mark_changes(old: WordDocument, new: WordDocument, author: str, when: dt.datetime) -> Revisions:
    """Mark in ``new`` every difference from ``old``; returns the marks made."""
    body = new.element.body
    revisions = Revisions(author, when.strftime("%Y-%m-%dT%H:%M:%SZ"), _first_free_id(body))
    numbered = set(new.part.numbering_part.element.xpath("./w:num/@w:numId"))
    _Marker(revisions, numbered).children(old.element.body, body, _blocks)
    return revisions


def _first_free_id(body: etree._Element) -> int:
    ids = [int(v) for v in body.xpath(".//@w:id") if str(v).isdigit()]
    return max(ids, default=0) + 1


def _blocks(container: etree._Element) -> list[etree._Element]:
    return [child for child in container if child.tag in _BLOCKS]


def _rows(table: etree._Element) -> list[etree._Element]:
    return [child for child in table if child.tag == _TR]


def _cells(row: etree._Element) -> list[etree._Element]:
    return [child for child in row if child.tag == _TC]


def text_of(element: etree._Element) -> str:
    """A block's words: paragraphs joined by new lines, cells by tabs."""
    if element.tag == _P:
        return "".join(t.text or "" for t in element.iter(_T, _DEL_TEXT))
    if element.tag == _TBL:
        return "\n".join(text_of(row) for row in _rows(element))
    if element.tag == _TR:
        return "\t".join(text_of(cell) for cell in _cells(element))
    return "\n".join(text_of(block) for block in _blocks(element))


def _key(element: etree._Element) -> tuple[str, str, str]:
    style = element.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") if element.tag == _P else None
    return element.tag, style.get(qn("w:val")) if style is not None else "", text_of(element)


def similarity(old: etree._Element, new: etree._Element) -> float:
    """0 for blocks that cannot be one changed block, else how alike their text is."""
    if _key(old)[:2] != _key(new)[:2]:
        return 0.0
    if old.tag == _TR:
        return _row_similarity(old, new)
    if old.tag == _TBL:
        same_header = bool(_rows(old)) and bool(_rows(new))
        same_header = same_header and text_of(_rows(old)[0]) == text_of(_rows(new)[0])
        return 1.0 if same_header else _word_ratio(old, new)
    return SequenceMatcher(None, text_of(old), text_of(new), autojunk=False).ratio()


def _row_similarity(old: etree._Element, new: etree._Element) -> float:
    """Rows are one changed row when they have as many cells and the same first cell (an id)."""
    old_cells, new_cells = _cells(old), _cells(new)
    if len(old_cells) != len(new_cells):
        return 0.0
    ratio = _word_ratio(old, new)
    if old_cells and text_of(old_cells[0]) == text_of(new_cells[0]):
        return max(ratio, SIMILAR + 0.01)
    return ratio


def _word_ratio(old: etree._Element, new: etree._Element) -> float:
    return SequenceMatcher(None, text_of(old).split(), text_of(new).split(), autojunk=False).ratio()


def pairs(
    olds: list[etree._Element], news: list[etree._Element]
) -> list[tuple[etree._Element | None, etree._Element | None]]:
    """Old and new blocks in reading order, the most alike paired first (as difflib.Differ)."""
    best, found = SIMILAR, None
    for j, new in enumerate(news):
        for i, old in enumerate(olds):
            score = similarity(old, new)
            if score > best:
                best, found = score, (i, j)
    if found is None:
        return [(old, None) for old in olds] + [(None, new) for new in news]
    i, j = found
    return [
        *pairs(olds[:i], news[:j]),
        (olds[i], news[j]),
        *pairs(olds[i + 1 :], news[j + 1 :]),
    ]


class _Marker:
    """Walks two matching containers and marks the new one."""

    def __init__(self, revisions: Revisions, numbered: set[str]) -> None:
        self.revisions = revisions
        self.numbered = numbered

    def children(
        self,
        old_parent: etree._Element,
        new_parent: etree._Element,
        select: Callable[[etree._Element], list[etree._Element]],
    ) -> None:
        olds, news = select(old_parent), select(new_parent)
        matcher = SequenceMatcher(None, [_key(b) for b in olds], [_key(b) for b in news], False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            last = news[j1 - 1] if j1 else None
            for old, new in pairs(olds[i1:i2], news[j1:j2]):
                if new is None:
                    assert old is not None
                    last = self.deleted(new_parent, last, old)
                else:
                    self.inserted(new) if old is None else self.changed(old, new)
                    last = new

    def changed(self, old: etree._Element, new: etree._Element) -> None:
        if new.tag == _TBL:
            self.children(old, new, _rows)
        elif new.tag == _TR:
            for old_cell, new_cell in zip(_cells(old), _cells(new), strict=True):
                self.children(old_cell, new_cell, _blocks)
        elif _simple(old) and _simple(new):
            self.words(old, new)
        else:
            self.deleted(new.getparent(), new.getprevious(), old)
            self.inserted(new)

    def inserted(self, block: etree._Element) -> None:
        for paragraph in _paragraphs(block):
            self.wrap_runs(paragraph, "ins")
        for row in _rows_in(block):
            _row_properties(row).append(self.revisions.mark("ins"))

    def deleted(
        self, parent: etree._Element, after: etree._Element | None, old: etree._Element
    ) -> etree._Element:
        """Copy ``old`` in after ``after`` (or first in ``parent``), marked deleted."""
        copy = self.detached(old)
        if after is None:
            position = sum(1 for child in parent if child.tag in _PROPERTIES)
            parent.insert(position, copy)
        else:
            after.addnext(copy)
        for text in copy.iter(_T):
            text.tag = _DEL_TEXT
        for paragraph in _paragraphs(copy):
            self.wrap_runs(paragraph, "del")
        for row in _rows_in(copy):
            _row_properties(row).append(self.revisions.mark("del"))
        return copy

    def detached(self, old: etree._Element) -> etree._Element:
        """A copy of an old block that points at nothing in the old file."""
        copy = parse_xml(etree.tostring(old))
        for link in list(copy.iter(qn("w:hyperlink"))):
            for child in list(link):
                link.addprevious(child)
            link.getparent().remove(link)
        for element in [e for e in copy.iter() if e.tag in _UNLINKED]:
            element.getparent().remove(element)
        for numbering in copy.iter(qn("w:numPr")):
            number = numbering.find(qn("w:numId"))
            if number is None or number.get(qn("w:val")) not in self.numbered:
                numbering.getparent().remove(numbering)
        return copy

    def wrap_runs(self, paragraph: etree._Element, kind: str) -> None:
        """Every run of the paragraph, and its paragraph mark, marked inserted or deleted."""
        for group in _run_groups(paragraph):
            wrapper = self.revisions.mark(kind)
            group[0].addprevious(wrapper)
            wrapper.extend(group)
            self.count(kind)
        _paragraph_mark(paragraph).insert(0, self.revisions.mark(kind))

    def words(self, old: etree._Element, new: etree._Element) -> None:
        """Word-level marks inside one changed paragraph, each word with its own formatting."""
        before, after = _tokens(old), _tokens(new)
        matcher = SequenceMatcher(None, [t for t, _ in before], [t for t, _ in after], False)
        pieces: list[etree._Element] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                pieces.extend(_runs(after[j1:j2], _T))
                continue
            removed, added, space = _shared_space(before[i1:i2], after[j1:j2])
            if removed:
                pieces.append(self.revision("del", _runs(removed, _DEL_TEXT)))
            if added:
                pieces.append(self.revision("ins", _runs(added, _T)))
            pieces.extend(_runs(space, _T))
        runs = [child for child in new if child.tag == _R]
        anchor = runs[0] if runs else None
        for piece in pieces:
            if anchor is not None:
                anchor.addprevious(piece)
            else:
                new.append(piece)
        for run in runs:
            new.remove(run)

    def revision(self, kind: str, runs: list[etree._Element]) -> etree._Element:
        wrapper = self.revisions.mark(kind)
        wrapper.extend(runs)
        self.count(kind)
        return wrapper

    def count(self, kind: str) -> None:
        if kind == "ins":
            self.revisions.inserted += 1
        else:
            self.revisions.deleted += 1


def _paragraphs(block: etree._Element) -> list[etree._Element]:
    return [block] if block.tag == _P else list(block.iter(_P))


def _rows_in(block: etree._Element) -> list[etree._Element]:
    return [block] if block.tag == _TR else list(block.iter(_TR))


def _run_groups(paragraph: etree._Element) -> Iterator[list[etree._Element]]:
    """Runs side by side in the paragraph or in one of its links, each group wrapped as one."""
    for parent in [paragraph, *paragraph.iter(qn("w:hyperlink"))]:
        group: list[etree._Element] = []
        for child in list(parent):
            if child.tag == _R:
                group.append(child)
            elif group:
                yield group
                group = []
        if group:
            yield group


def _simple(paragraph: etree._Element) -> bool:
    """Plain runs of text only: such a paragraph can be compared word by word."""
    return paragraph.tag == _P and all(
        child.tag in _SIMPLE_PARAGRAPH
        and (child.tag != _R or all(part.tag in _SIMPLE_RUN for part in child))
        for child in paragraph
    )


def _tokens(paragraph: etree._Element) -> list[tuple[str, bytes]]:
    """Words with their trailing space, each with its run's formatting."""
    found: list[tuple[str, bytes]] = []
    for run in paragraph.iter(_R):
        properties = run.find(qn("w:rPr"))
        style = etree.tostring(properties) if properties is not None else b""
        for text in run.iter(_T):
            found.extend((token, style) for token in _TOKEN.findall(text.text or ""))
    return found


def _shared_space(
    removed: list[tuple[str, bytes]], added: list[tuple[str, bytes]]
) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """`480 ` → `450 `: the space after both stays unmarked, so only the number is changed."""
    if not removed or not added:
        return removed, added, []
    (old_word, old_style), (new_word, new_style) = removed[-1], added[-1]
    space = new_word[len(new_word.rstrip()) :]
    if not space or not old_word.endswith(space) or not old_word.strip() or not new_word.strip():
        return removed, added, []
    return (
        [*removed[:-1], (old_word.rstrip(), old_style)],
        [*added[:-1], (new_word.rstrip(), new_style)],
        [(space, new_style)],
    )


def _runs(tokens: list[tuple[str, bytes]], text_tag: str) -> list[etree._Element]:
    """As few runs as the formatting allows."""
    runs: list[etree._Element] = []
    current: bytes | None = None
    for token, style in tokens:
        if style != current or not runs:
            run = OxmlElement("w:r")
            if style:
                run.append(parse_xml(style))
            text = etree.SubElement(run, text_tag)
            text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            text.text = ""
            runs.append(run)
            current = style
        last = runs[-1][-1]
        last.text = (last.text or "") + token
    return runs


def _paragraph_mark(paragraph: etree._Element) -> etree._Element:
    """The run properties of the paragraph mark, where Word records its insertion or deletion."""
    properties = paragraph.find(qn("w:pPr"))
    if properties is None:
        properties = OxmlElement("w:pPr")
        paragraph.insert(0, properties)
    mark = properties.find(qn("w:rPr"))
    if mark is None:
        mark = OxmlElement("w:rPr")
        later = [c for c in properties if c.tag in (qn("w:sectPr"), qn("w:pPrChange"))]
        if later:
            later[0].addprevious(mark)
        else:
            properties.append(mark)
    return mark


def _row_properties(row: etree._Element) -> etree._Element:
    properties = row.find(qn("w:trPr"))
    if properties is None:
        properties = OxmlElement("w:trPr")
        row.insert(1 if len(row) and row[0].tag == qn("w:tblPrEx") else 0, properties)
    return properties
