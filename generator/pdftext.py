"""The text of a PDF page as Typst writes it, read in one pass of a regular expression.

pypdf reads a page's content stream one character at a time in Python: a quarter of a second
for each page of this project's PDFs, most of a cold build's leak check. Typst writes text one
way only: composite fonts (Type0, Identity-H) with a ToUnicode map, shown with ``Tj`` and ``TJ``
between ``BT`` and ``ET``. This reads that, and answers None for a page holding anything else (a
font of another kind, a code its map lacks, a form or inline image, bytes it cannot split into
tokens), which pypdf then reads as before: a PDF edited by hand, or made by another tool, is
read no less thoroughly than it was.

It gives the page's text runs grouped in lines, in the order they are shown (each right-to-left
stretch of a run in reading order, as pypdf gives it), and the strings of marked content's
properties (alternate text, actual text), which pypdf's text leaves out.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_WS = rb"[\x00\t\n\f\r ]"
_NUMBER = rb"[+-]?+(?:\d++\.?+\d*+|\.\d++)"
_STRING = rb"\((?:[^()\\]++|\\[\s\S])*+\)"  # without parentheses inside: see _nested_string
_HEX = rb"<[0-9A-Fa-f\x00\t\n\f\r ]*>"
_OPERATOR = rb"""[A-Za-z'"][A-Za-z0-9*'"]*"""
# One token, or one whole operation where that saves work: numbers and their operator
# ("1 0 0 -1 56.7 572.2 cm"), or a TJ array and its operator. Strings come whole (only
# parentheses can hide bytes that look like operators), and any byte matches something.
_TOKEN = re.compile(
    rb"(?:" + _WS + rb"++|%[^\r\n]*+)*+"  # spaces and comments before the token
    rb"(?:(?P<adjusted>\[(?P<parts>(?:"
    + _WS
    + rb"*+(?:"
    + _STRING
    + rb"|"
    + _HEX
    + rb"|"
    + _NUMBER
    + rb"))*+)"
    + _WS
    + rb"*+\]"
    + _WS
    + rb"*+TJ(?![A-Za-z0-9*'\"]))"
    rb"|(?P<operation>(?P<numbers>(?:"
    + _NUMBER
    + _WS
    + rb"++)*+)(?P<operator>"
    + _OPERATOR
    + rb"))"
    rb"|(?P<string>" + _STRING + rb")"
    rb"|(?P<hex>" + _HEX + rb")"
    rb"|(?P<open_dict><<)|(?P<close_dict>>>)|(?P<open_array>\[)|(?P<close_array>\])"
    rb"|(?P<name>/[^\x00\t\n\f\r ()<>\[\]{}/%]*)"
    rb"|(?P<number>" + _NUMBER + rb")"
    rb"|(?P<other>[\s\S])|(?P<end>\Z))"
)
_PART = re.compile(_STRING + rb"|" + _HEX + rb"|" + _NUMBER)
_KEYWORDS = {b"true", b"false", b"null"}  # operands, not operators, inside a dictionary
# Escapes Python's own decoder reads as PDF does (7.3.4.2): a string with only these (the
# octal codes Typst writes) is decoded in C; any other is decoded by _ESCAPE, one by one.
_PLAIN_ESCAPES = re.compile(rb"\\(?:[0-3][0-7]{2}|[0-7]{1,2}(?![0-7])|[nrtbf\\]|\n)")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|[\s\S])")
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_LINE_END = (b"\r\n", b"\n", b"\r")
_CMAP_SECTION = re.compile(rb"begin(bfchar|bfrange)(.*?)end\1", re.DOTALL)
_CMAP_TOKEN = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[|\]")
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")
# A TJ adjustment moving the next glyph right by a quarter of the font size or more is a gap
# between words, as pypdf takes it.
_WORD_GAP = -250
_SAME_LINE = 1.0  # points between two baselines that are one line
_FORBIDDEN = {b"BI", b"ID", b"EI", b"d0", b"d1"}  # inline images, Type 3 glyphs: pypdf's

# Right-to-left letters (Hebrew, Arabic and their presentation forms): a PDF holds them in the
# order they are shown, last letter first. A stretch of them, with the spaces and punctuation
# between them, is read backwards, as pypdf does; digits and Latin letters keep their order.
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_RIGHT_TO_LEFT = re.compile(f"[{_RTL}]")
_STRETCH = re.compile("R(?:N*R)*")  # over each glyph's kind: Right-to-left, Neutral, Left

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class Foreign(Exception):
    """Something this reader does not know: pypdf reads the page instead."""


@dataclass
class PageText:
    """A page's text runs by line (as shown, so a right-to-left line's last word first), and
    the strings of its marked content's properties."""

    lines: list[list[str]] = field(default_factory=lambda: [[]])
    properties: list[str] = field(default_factory=list)


def page_text(page: Any, maps: dict[int, dict[int, str]]) -> PageText | None:
    """The text of one pypdf page, or None if it holds what only pypdf reads.

    ``maps`` keeps each font's ToUnicode map (by object number) between the pages of a file."""
    try:
        fonts = _fonts(page, maps)
        forms = _forms(page)
        return _Reader(fonts, forms).read(page.get_contents().get_data())
    except (Foreign, KeyError, ValueError, UnicodeDecodeError, AttributeError, TypeError):
        return None


def _fonts(page: Any, maps: dict[int, dict[int, str]]) -> dict[bytes, dict[int, str]]:
    resources = page.get("/Resources") or {}
    found: dict[bytes, dict[int, str]] = {}
    for name, ref in (resources.get("/Font") or {}).items():
        font = ref.get_object()
        if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
            raise Foreign(f"font {name} is not a composite Identity-H font")
        unicode = font["/ToUnicode"]
        number = getattr(unicode, "idnum", None)
        if number is None or number not in maps:
            mapping = to_unicode(unicode.get_object().get_data())
            if number is None:
                found[name.encode("latin-1")] = mapping
                continue
            maps[number] = mapping
        found[name.encode("latin-1")] = maps[number]
    return found


def _forms(page: Any) -> set[bytes]:
    """The page's XObjects that are forms (which can hold text): showing one is foreign."""
    resources = page.get("/Resources") or {}
    objects = resources.get("/XObject") or {}
    return {
        name.encode("latin-1")
        for name, ref in objects.items()
        if ref.get_object().get("/Subtype") != "/Image"
    }


def to_unicode(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's codes and the text each stands for (bfchar and bfrange sections)."""
    mapping: dict[int, str] = {}
    for kind, body in _CMAP_SECTION.findall(cmap):
        tokens = [
            m.group(1) if m.group(1) is not None else m.group(0) for m in _CMAP_TOKEN.finditer(body)
        ]
        if kind == b"bfchar":
            for source, target in zip(tokens[::2], tokens[1::2], strict=True):
                mapping[_code(source)] = _utf16(target)
        else:
            _ranges(tokens, mapping)
    return mapping


def _ranges(tokens: list[bytes], mapping: dict[int, str]) -> None:
    at = 0
    while at < len(tokens):
        low, high, target = _code(tokens[at]), _code(tokens[at + 1]), tokens[at + 2]
        if target == b"[":
            end = tokens.index(b"]", at + 3)
            for offset, text in enumerate(tokens[at + 3 : end]):
                mapping[low + offset] = _utf16(text)
            at = end + 1
            continue
        first = bytes.fromhex(_NOT_HEX.sub(b"", target).decode("ascii"))
        base = int.from_bytes(first, "big")
        for offset in range(high - low + 1):  # the last byte counts up (PDF 9.10.3)
            mapping[low + offset] = (base + offset).to_bytes(len(first), "big").decode("utf-16-be")
        at += 3


def _code(token: bytes) -> int:
    if token in (b"[", b"]"):
        raise Foreign("a bracket where a code was expected")
    return int(_NOT_HEX.sub(b"", token) or b"0", 16)


def _utf16(token: bytes) -> str:
    if token in (b"[", b"]"):
        raise Foreign("a bracket where text was expected")
    return bytes.fromhex(_NOT_HEX.sub(b"", token).decode("ascii")).decode("utf-16-be")


def _literal(raw: bytes) -> bytes:
    """A literal string's bytes: its escapes undone (PDF 7.3.4.2)."""
    body = raw[1:-1]
    if b"\\" not in body:
        return body
    if b"\\" not in _PLAIN_ESCAPES.sub(b"", body):
        return codecs.escape_decode(body)[0]  # type: ignore[attr-defined,no-any-return]

    def one(match: re.Match[bytes]) -> bytes:
        escape = match.group(1)
        if 0x30 <= escape[0] <= 0x37:  # octal
            return bytes([int(escape, 8) & 0xFF])
        if escape in _LINE_END:
            return b""
        return _ESCAPED.get(escape, escape)

    return _ESCAPE.sub(one, body)


def _nested_string(stream: bytes, start: int) -> tuple[bytes, int]:
    """A literal string holding balanced parentheses, unescaped as PDF allows: the string and
    where it ends."""
    depth, at = 0, start
    while at < len(stream):
        byte = stream[at]
        if byte == 0x5C:  # backslash: the next byte is escaped
            at += 2
            continue
        if byte == 0x28:
            depth += 1
        elif byte == 0x29:
            depth -= 1
            if not depth:
                return stream[start : at + 1], at + 1
        at += 1
    raise Foreign("a string that never ends")


def _hex(raw: bytes) -> bytes:
    digits = _NOT_HEX.sub(b"", raw[1:-1])
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))


def _text_string(data: bytes) -> str:
    """A string of a property list: UTF-16 with its byte order mark, else PDFDocEncoding
    (close enough to Latin-1 for words)."""
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    return data.decode("latin-1")


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    )


class _Reader:
    """Walks one content stream: the operands of each operator, the graphics state's matrix
    (for the baseline each run starts on), and the font each string is shown in."""

    def __init__(self, fonts: dict[bytes, dict[int, str]], forms: set[bytes]) -> None:
        self.fonts, self.forms = fonts, forms
        self.text = PageText()
        self.ctm: Matrix = _IDENTITY
        self.saved: list[Matrix] = []
        self.line: Matrix = _IDENTITY  # the text line matrix (Tlm)
        self.leading = 0.0
        self.font: dict[int, str] | None = None
        self.baseline: float | None = None

    def read(self, stream: bytes) -> PageText:
        self.operands: list[Any] = []
        self.nested: list[list[Any]] = []
        at = 0
        while at < len(stream):
            match = _TOKEN.match(stream, at)
            assert match is not None  # "other" matches any byte
            at = match.end()
            kind = match.lastgroup
            if kind == "adjusted":
                parts = _PART.findall(match.group("parts"))
                self.operator(b"TJ", [[_operand_of(part) for part in parts]])
            elif kind == "operation":
                self.operation(match.group("numbers"), match.group("operator"))
            elif kind == "other" and match.group() == b"(":  # parentheses inside a string
                token, at = _nested_string(stream, at - 1)
                self.operands.append(_literal(token))
            else:
                self.token(kind, match.group())
        return self.text

    def operation(self, numbers: bytes, operator: bytes) -> None:
        if operator in _OPERATORS or self.nested:  # the others' operands are not needed
            self.operands.extend(float(n) for n in numbers.split())
        if self.nested:
            if operator not in _KEYWORDS:
                raise Foreign("an operator inside an array or dictionary")
            self.operands.append(operator)
            return
        self.operator(operator, self.operands)
        self.operands = []

    def token(self, kind: str | None, token: bytes) -> None:
        if kind in ("open_array", "open_dict"):
            self.nested.append(self.operands)
            self.operands = []
        elif kind in ("close_array", "close_dict"):
            if not self.nested:
                raise Foreign("a bracket closes nothing")
            inner, self.operands = self.operands, self.nested.pop()
            self.operands.append(inner)
        elif kind == "string":
            self.operands.append(_literal(token))
        elif kind == "hex":
            self.operands.append(_hex(token))
        elif kind == "number":
            self.operands.append(float(token))
        elif kind == "name":
            self.operands.append(_Name(token))
        elif kind != "end":
            raise Foreign(f"a token this reader does not know: {token[:20]!r}")

    def operator(self, op: bytes, operands: list[Any]) -> None:
        if op in _FORBIDDEN:
            raise Foreign(f"the operator {op.decode('latin-1')}")
        handler = _OPERATORS.get(op)
        if handler is not None:
            handler(self, operands)

    # -- graphics and text state ---------------------------------------------------------
    def save(self, _operands: list[Any]) -> None:
        self.saved.append(self.ctm)

    def restore(self, _operands: list[Any]) -> None:
        self.ctm = self.saved.pop() if self.saved else _IDENTITY

    def transform(self, operands: list[Any]) -> None:
        self.ctm = _multiply(_matrix(operands), self.ctm)

    def begin_text(self, _operands: list[Any]) -> None:
        self.line = _IDENTITY

    def set_matrix(self, operands: list[Any]) -> None:
        self.line = _matrix(operands)

    def move(self, operands: list[Any]) -> None:
        tx, ty = (float(v) for v in operands[-2:])
        self.line = _multiply((1.0, 0.0, 0.0, 1.0, tx, ty), self.line)

    def move_leading(self, operands: list[Any]) -> None:
        self.leading = -float(operands[-1])
        self.move(operands)

    def next_line(self, _operands: list[Any]) -> None:
        self.move([0.0, -self.leading])

    def set_leading(self, operands: list[Any]) -> None:
        self.leading = float(operands[-1])

    def set_font(self, operands: list[Any]) -> None:
        name = operands[-2]
        if not isinstance(name, _Name):
            raise Foreign("Tf without a font name")
        self.font = self.fonts[bytes(name)]

    def marked(self, operands: list[Any]) -> None:
        """BDC and DP: the strings of an inline property list (alternate text, actual text)."""
        for value in _strings(operands):
            self.text.properties.append(_text_string(value))

    def show_form(self, operands: list[Any]) -> None:
        name = operands[-1] if operands else None
        if not isinstance(name, _Name) or bytes(name) in self.forms:
            raise Foreign("a form XObject, which can hold text of its own")

    # -- text ----------------------------------------------------------------------------
    def show(self, operands: list[Any]) -> None:
        self.run([operands[-1]])

    def show_next_line(self, operands: list[Any]) -> None:
        self.next_line([])
        self.run([operands[-1]])

    def show_adjusted(self, operands: list[Any]) -> None:
        parts = operands[-1]
        if not isinstance(parts, list):
            raise Foreign("TJ without an array")
        self.run(parts)

    def run(self, parts: list[Any]) -> None:
        if self.font is None:
            raise Foreign("text shown before a font is set")
        glyphs: list[str] = []  # the text of each glyph, in the order shown
        for part in parts:
            if isinstance(part, bytes):
                glyphs.extend(self.decode(part))
            elif isinstance(part, float):
                if part <= _WORD_GAP:
                    glyphs.append(" ")
            else:
                raise Foreign("a TJ element that is neither text nor a number")
        origin = _multiply(self.line, self.ctm)
        baseline = origin[5]
        if self.baseline is not None and abs(baseline - self.baseline) > _SAME_LINE:
            self.text.lines.append([])
        self.baseline = baseline
        shown = "".join(glyphs)
        if _RIGHT_TO_LEFT.search(shown):
            shown = _reading_order(glyphs)
        self.text.lines[-1].append(shown)

    def decode(self, data: bytes) -> list[str]:
        if len(data) % 2:
            raise Foreign("an odd number of bytes in two-byte codes")
        font = self.font
        assert font is not None
        return [font[(data[i] << 8) | data[i + 1]] for i in range(0, len(data), 2)]


def _reading_order(glyphs: list[str]) -> str:
    """Each right-to-left stretch of a run (its letters, and the spaces and punctuation between
    them) turned back, glyph by glyph: a ligature's letters (lam-alef) keep their order."""
    kinds = "".join(
        "R" if _RIGHT_TO_LEFT.match(g) else "N" if not any(c.isalnum() for c in g) else "L"
        for g in glyphs
    )
    out: list[str] = []
    at = 0
    for stretch in _STRETCH.finditer(kinds):
        out.extend(glyphs[at : stretch.start()])
        out.extend(reversed(glyphs[stretch.start() : stretch.end()]))
        at = stretch.end()
    out.extend(glyphs[at:])
    return "".join(out)


def _operand_of(part: bytes) -> bytes | float:
    """One element of a TJ array as the tokenizer found it."""
    if part[:1] == b"(":
        return _literal(part)
    if part[:1] == b"<":
        return _hex(part)
    return float(part)


class _Name(bytes):
    """A name operand (``/F1``), told apart from a string's bytes."""


def _matrix(operands: list[Any]) -> Matrix:
    values = operands[-6:]
    if len(values) != 6 or not all(isinstance(v, float) for v in values):
        raise Foreign("a matrix without six numbers")
    a, b, c, d, e, f = values
    return (a, b, c, d, e, f)


def _strings(node: Any) -> Iterator[bytes]:
    if isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, bytes) and not isinstance(node, _Name):
        yield node


_OPERATORS = {
    b"q": _Reader.save,
    b"Q": _Reader.restore,
    b"cm": _Reader.transform,
    b"BT": _Reader.begin_text,
    b"Tm": _Reader.set_matrix,
    b"Td": _Reader.move,
    b"TD": _Reader.move_leading,
    b"T*": _Reader.next_line,
    b"TL": _Reader.set_leading,
    b"Tf": _Reader.set_font,
    b"Tj": _Reader.show,
    b"'": _Reader.show_next_line,
    b'"': _Reader.show_next_line,
    b"TJ": _Reader.show_adjusted,
    b"BDC": _Reader.marked,
    b"DP": _Reader.marked,
    b"Do": _Reader.show_form,
}
