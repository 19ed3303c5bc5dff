"""Text in another language inside a Word document: its runs tagged with that language.

The view marks a text shown in a document of another language (a translation not yet given) with
private-use characters (``mdtext.in_language``); pandoc carries them into the runs' text. Here each
marked stretch becomes runs of its own with ``w:lang``, and the marks are removed, so that Word's
spelling checker and screen readers read English as English in a French document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

from ..mdtext import LANG_CLOSE, LANG_OPEN, LANG_SEP, tag_of, without_marks
from .rtl import RUN_PROPERTY_ORDER, story_roots

Segment = tuple[str | None, str]  # (language tag or None for the document's own, text)


class _Reader:
    """Reads marked text run after run: a stretch may open in one run and close in another."""

    def __init__(self) -> None:
        self.tag: str | None = None
        self.spelling: str | None = None  # the tag's characters while they are being read

    def segments(self, text: str) -> list[Segment]:
        out: list[Segment] = []
        for char in text:
            if char == LANG_OPEN:
                self.spelling = ""
            elif char == LANG_SEP and self.spelling is not None:
                self.tag, self.spelling = tag_of(self.spelling), None
            elif char == LANG_CLOSE:
                self.tag = None
            elif self.spelling is not None:
                self.spelling += char
            elif out and out[-1][0] == self.tag:
                out[-1] = (self.tag, out[-1][1] + char)
            else:
                out.append((self.tag, char))
        return out


def tag_other_languages(doc: WordDocument) -> None:
    """Every run of marked text gets ``w:lang``; the marks go, from every text of the file."""
    for root in story_roots(doc):
        for paragraph in root.iter(qn("w:p")):
            reader = _Reader()
            for run in list(paragraph.iter(qn("w:r"))):
                _split_run(run, reader)
        for node in root.iter(qn("w:t")):  # anything left (a run of several texts): unmarked
            if node.text:
                node.text = without_marks(node.text)


def _split_run(run: BaseOxmlElement, reader: _Reader) -> None:
    texts = list(run.iter(qn("w:t")))
    if len(texts) != 1 or not texts[0].text:
        return
    segments = reader.segments(texts[0].text)
    if not segments:
        texts[0].text = ""
        return
    if len(segments) == 1 and segments[0][0] is None:
        texts[0].text = segments[0][1]
        return
    parent = run.getparent()
    for tag, text in segments:
        piece = copy.deepcopy(run)
        piece_text = next(piece.iter(qn("w:t")))
        piece_text.text = text
        piece_text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        if tag is not None:
            _set_language(piece, tag)
        run.addprevious(piece)
    parent.remove(run)


def _set_language(run: BaseOxmlElement, tag: str) -> None:
    properties = run.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run.insert(0, properties)
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        successors = RUN_PROPERTY_ORDER[RUN_PROPERTY_ORDER.index("w:lang") + 1 :]
        properties.insert_element_before(lang, *successors)
    lang.set(qn("w:val"), tag)


def marked_runs(doc: WordDocument) -> Iterator[tuple[str, str]]:
    """(language tag, text) of every run that carries its own language: for tests and checks."""
    for root in story_roots(doc):
        for run in root.iter(qn("w:r")):
            lang = run.find(f"{qn('w:rPr')}/{qn('w:lang')}")
            if lang is not None and lang.get(qn("w:val")):
                yield lang.get(qn("w:val")), "".join(t.text or "" for t in run.iter(qn("w:t")))
