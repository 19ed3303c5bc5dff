"""The Word side of ``anchors.py``: pandoc writes each anchor as two empty bookmarks, one where
the text starts (``pdS_CORE``) and one where it ends (``pdE_CORE``); this joins each pair into
one bookmark ``_pd_CORE`` around the text, which may run over several paragraphs (a bookmark in
Word is a start and an end with the same id, anywhere in the body). A text printed twice gets
``_pd_CORE__2`` the second time: Word keeps only one bookmark of a name. The leading underscore,
which pandoc does not allow in a name it is given, makes them Word's hidden bookmarks.

The document's marker (``pd_doc_…``, renamed ``_pd_doc_…``), which pandoc puts in a last
paragraph of its own, moves to the start of the first paragraph and that paragraph goes.
"""

from __future__ import annotations

from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from lxml import etree

_START, _END, _NAME, _ID = qn("w:bookmarkStart"), qn("w:bookmarkEnd"), qn("w:name"), qn("w:id")
_P, _PPR, _R = qn("w:p"), qn("w:pPr"), qn("w:r")


def mark_anchors(doc: WordDocument) -> None:
    """Join the anchors' start and end bookmarks and move the document's marker to the top."""
    body = doc.element.body
    ends = {el.get(_ID): el for el in body.iter(_END)}
    open_at: dict[str, list[etree._Element]] = {}
    seen: dict[str, int] = {}
    for start in list(body.iter(_START)):
        name = start.get(_NAME) or ""
        if name.startswith("pdS_"):
            core = name[4:]
            _remove(ends.pop(start.get(_ID), None))
            seen[core] = seen.get(core, 0) + 1
            count = seen[core]
            start.set(_NAME, f"_pd_{core}" + (f"__{count}" if count > 1 else ""))
            open_at.setdefault(core, []).append(start)
        elif name.startswith("pdE_"):
            pending = open_at.get(name[4:])
            end = ends.pop(start.get(_ID), None)
            _remove(start)
            if pending and end is not None:
                end.set(_ID, pending.pop().get(_ID) or "")
            else:
                _remove(end)
        elif name.startswith("pd_doc_"):
            start.set(_NAME, f"_{name}")
            _move_to_top(body, start, ends.pop(start.get(_ID), None))
    for starts in open_at.values():  # a start without its end (never made by the templates)
        for start in starts:
            _remove(start)


def _remove(element: etree._Element | None) -> None:
    if element is not None and element.getparent() is not None:
        element.getparent().remove(element)


def _move_to_top(body: etree._Element, start: etree._Element, end: etree._Element | None) -> None:
    holder = start.getparent()
    first = next(body.iter(_P), None)
    if first is None or end is None:
        return
    _remove(start)
    _remove(end)
    at = 1 if len(first) and first[0].tag == _PPR else 0
    first.insert(at, end)
    first.insert(at, start)
    is_empty = holder is not None and not any(child.tag == _R for child in holder.iter())
    if holder is not None and holder.tag == _P and holder is not first and is_empty:
        _remove(holder)
