"""Latin text in right-to-left documents: each left-to-right stretch of a paragraph (a version,
a period, a figure, a partner's name, an English sentence not yet translated) is put between
Unicode's isolates, LRI and PDI, so that the paragraph's right-to-left order takes it as one word
and keeps its own order. Word and LibreOffice (writers/rtl.py), Typst (the PDFs, through
pandoc's JSON: ``isolate_left_to_right_in_ast``) and browsers (the site's pages) all apply them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

# Unicode's isolates: LRI opens a left-to-right stretch that the paragraph's right-to-left order
# treats as one unbreakable word; PDI closes it. Word (2016 and later) and LibreOffice apply them.
LRI, PDI = "\u2066", "\u2069"
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
_LEFT_TO_RIGHT = frozenset({"L", "EN"})


def strong(char: str) -> str:
    """'rtl' (a right-to-left letter: Arabic, Hebrew), 'ltr' (any other letter, a digit) or ''."""
    direction = unicodedata.bidirectional(char)
    return "rtl" if direction in _RIGHT_TO_LEFT else "ltr" if direction in _LEFT_TO_RIGHT else ""


def left_to_right_stretches(text: str) -> list[tuple[int, int]]:
    """(start, end) of each stretch from a Latin letter or digit to the last one before the next
    Arabic letter: "2027.1-draft", "(2026-12" + ")", "2027-H1", a partner's whole name. What
    trails it (a full stop, a colon, a space) stays outside and follows the Arabic sentence; a
    paragraph with no Arabic at all (text not yet translated) is one stretch, its full stop
    included, so that it does not jump to the start of the line."""
    if not any(strong(c) == "rtl" for c in text):
        stripped = text.strip()
        return [(text.index(stripped), text.index(stripped) + len(stripped))] if stripped else []
    stretches: list[tuple[int, int]] = []
    start = last = None
    for i, char in enumerate(text):
        kind = strong(char)
        if kind == "ltr" or (char == "%" and last == i - 1):
            start = i if start is None else start
            last = i
        elif kind == "rtl" and start is not None and last is not None:
            stretches.append((start, last + 1))
            start = last = None
    if start is not None and last is not None:
        stretches.append((start, last + 1))
    return [_with_closing_punctuation(text, a, b) for a, b in stretches]


def _with_closing_punctuation(text: str, start: int, end: int) -> tuple[int, int]:
    """Keep "(2026-12)" whole: a bracket opened inside the stretch closes inside it too. A Latin
    sentence (three words or more) keeps its own full stop, question or exclamation mark."""
    inside = text[start:end]
    if inside.count("(") > inside.count(")") and text[end : end + 1] == ")":
        end += 1
    if len(inside.split()) >= 3 and text[end : end + 1] in (".", "!", "?"):
        end += 1
    return start, end


def isolated(pieces: Sequence[str]) -> list[str]:
    """The pieces of one paragraph's text (its runs, or its words and spaces), with LRI and PDI
    put around each left-to-right stretch of the whole (``left_to_right_stretches``): a stretch
    may start in one piece and end in another."""
    text = "".join(pieces)
    if not any(strong(c) == "ltr" for c in text):
        return list(pieces)
    stretches = left_to_right_stretches(text)
    opens = {start for start, _ in stretches}
    closes = {end - 1 for _, end in stretches}  # after the stretch's last character, same piece
    result, offset = [], 0
    for piece in pieces:
        result.append(
            "".join(
                (LRI if offset + i in opens else "") + char + (PDI if offset + i in closes else "")
                for i, char in enumerate(piece)
            )
        )
        offset += len(piece)
    return result


# Pandoc's inline elements that hold inlines, and where in their "c" (None: "c" itself).
_INLINE_HOLDERS: dict[str, int | None] = {
    **dict.fromkeys(("Emph", "Underline", "Strong", "Strikeout", "Superscript"), None),
    **dict.fromkeys(("Subscript", "SmallCaps"), None),
    **dict.fromkeys(("Quoted", "Cite", "Link", "Span"), 1),
}
_SPACES = ("Space", "SoftBreak", "LineBreak")
_OBJECT = "\ufffc"  # a footnote mark, an image, a formula: neutral, as in the laid-out line


def isolate_left_to_right_in_ast(blocks: list[Any]) -> None:
    """The same stretches isolated in every paragraph, heading and table cell of a document as
    pandoc's JSON gives it (``-t json``), for writers other than Word (the PDF's Typst): Typst,
    like Word, lays out a stretch between LRI and PDI as one left-to-right word."""
    for block in _blocks(blocks):
        kind = block["t"]
        if kind in ("Para", "Plain"):
            _isolate_inlines(block["c"])
        elif kind == "Header":
            _isolate_inlines(block["c"][2])
        elif kind == "LineBlock":
            for line in block["c"]:
                _isolate_inlines(line)


def _blocks(node: Any) -> Iterator[dict[str, Any]]:
    """Every element of a JSON tree that has a type (blocks and inlines, nested ones too: a
    footnote's paragraphs, a table cell's), parents first."""
    if isinstance(node, list):
        for item in node:
            yield from _blocks(item)
    elif isinstance(node, dict):
        if "t" in node:
            yield node
        for value in node.values():
            yield from _blocks(value)


def _isolate_inlines(inlines: list[dict[str, Any]]) -> None:
    slots: list[tuple[Any, Any]] = []
    _text_slots(inlines, slots)
    pieces = [holder[key] if holder is not None else key for holder, key in slots]
    for (holder, key), text in zip(slots, isolated(pieces), strict=True):
        if holder is not None:
            holder[key] = text


def _text_slots(inlines: list[dict[str, Any]], slots: list[tuple[Any, Any]]) -> None:
    """(holder, key) of each piece of text a line shows, in order: a word (Str) or code is
    ``holder[key]``; a space or an object is (None, the character it counts as)."""
    for inline in inlines:
        kind = inline["t"]
        if kind == "Str":
            slots.append((inline, "c"))
        elif kind == "Code":
            slots.append((inline["c"], 1))
        elif kind in _SPACES:
            slots.append((None, " "))
        elif kind in _INLINE_HOLDERS:
            where = _INLINE_HOLDERS[kind]
            _text_slots(inline["c"] if where is None else inline["c"][where], slots)
        else:  # Note (its paragraphs are isolated on their own), Image, Math, RawInline
            slots.append((None, _OBJECT))
