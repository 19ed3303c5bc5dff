"""Column widths of the documents' tables, so that Word never breaks a word in two.

Pandoc sizes a pipe table's columns by the dashes under each header. Weights alone left narrow
columns too narrow for their longest word ("Mediu|m", "[CON|FIDE|NTIA|L]"), which is how a
drafter's Word file reached layout. Each column now gets at least the width of its longest word,
measured with Arial's character widths at the table text size, and the rest of the page goes to
the columns by their weights. The page's text width and the table text size are read from
templates/reference.docx, so a layout team that changes the margins or the table style in Word
keeps the columns right.
"""

from __future__ import annotations

import json
import math
import re
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from .resources import REFERENCE_DOC

CELL_PADDING = 0.55  # cm: Word's cell margins (2 x 0.19) and some air for rendering
TWIPS_PER_CM = 1440 / 2.54
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# The styles whose size a table cell's text takes, most specific first: pandoc's table style,
# the "Compact" paragraphs it puts in cells, then the body text's.
_TABLE_TEXT_STYLES = ("Table", "Compact", "BodyText", "Normal")


@dataclass(frozen=True)
class PageLayout:
    """What the column widths depend on in the reference document."""

    portrait_cm: float = 17.0  # text width of an A4 page with 2 cm margins
    landscape_cm: float = 25.7
    table_pt: float = 9.0

    def text_width(self, landscape: bool) -> float:
        return self.landscape_cm if landscape else self.portrait_cm

    @property
    def em_cm(self) -> float:
        return self.table_pt / 72 * 2.54


@cache
def page_layout(reference: Path = REFERENCE_DOC) -> PageLayout:
    """The text width (page size less the left and right margins) of the reference document's
    first section, portrait and landscape, and its table text size; the defaults above if it
    cannot be read."""
    try:
        with zipfile.ZipFile(reference) as docx:
            document = ElementTree.fromstring(docx.read("word/document.xml"))
            styles = ElementTree.fromstring(docx.read("word/styles.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return PageLayout()
    size, margins = document.find(f".//{_W}pgSz"), document.find(f".//{_W}pgMar")
    default = PageLayout()
    if size is None or margins is None:
        return PageLayout(table_pt=_table_points(styles) or default.table_pt)
    side = int(margins.get(f"{_W}left", 0)) + int(margins.get(f"{_W}right", 0))
    width, height = int(size.get(f"{_W}w", 0)), int(size.get(f"{_W}h", 0))
    short, long = sorted((width, height))
    return PageLayout(
        portrait_cm=round((short - side) / TWIPS_PER_CM, 2),
        landscape_cm=round((long - side) / TWIPS_PER_CM, 2),
        table_pt=_table_points(styles) or default.table_pt,
    )


def _table_points(styles: Element) -> float | None:
    """The font size of a table cell's text: the first of the table styles that sets one."""
    by_id = {s.get(f"{_W}styleId"): s for s in styles.iter(f"{_W}style")}
    for style_id in _TABLE_TEXT_STYLES:
        style = by_id.get(style_id)
        size = style.find(f"{_W}rPr/{_W}sz") if style is not None else None
        if size is not None and size.get(f"{_W}val", "").isdigit():
            return int(size.get(f"{_W}val", "")) / 2  # half-points
    return None


ARABIC_CM = 0.21  # a joined Arabic letter in the wider fonts that stand in for Arial on Linux
OTHER_CM = 0.2  # any other character the width table does not hold
DASHES_PER_CM = 10  # any separator line longer than pandoc's 72 columns makes widths relative
_BOLD = re.compile(r"(\*\*)")
# Markup that prints nothing: review anchors (anchors.py), bold, escapes, link targets, and the
# language marks of a text in another language (mdtext.in_language), private-use characters.
_MARKUP = re.compile(r"\[\]\{#pd[SE]_[^}]*\}|\*\*|\\(?=[|{}\[\]*_])|\]\([^)]*\)|\[|[\ue000-\ue1ff]")


@cache
def _metrics() -> dict[str, dict[str, int]]:
    """Arial's advance widths (1/1000 em), regular and bold, for the characters table cells
    hold (Latin, punctuation): ``arial-widths.json``, written by ``python -m generator.columns``
    from Liberation Sans, which has Arial's metrics."""
    text = resources.files("generator").joinpath("arial-widths.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {
        style: dict(zip(table["chars"], table["widths"], strict=True))
        for style, table in data.items()
    }


@lru_cache(maxsize=1 << 16)  # tables repeat their words
def word_width(word: str, bold: bool = False) -> float:
    """A word's width in cm at the table text size (9 pt Arial)."""
    widths = _metrics()["bold" if bold else "regular"]
    em_cm = page_layout().em_cm
    width = 0.0
    for char in word:
        if char in widths:
            width += widths[char] * em_cm / 1000
        elif "\u0600" <= char <= "\u06ff":
            width += ARABIC_CM
        else:
            width += OTHER_CM
    return width


@lru_cache(maxsize=1 << 16)  # and their cells: statuses, names, dates
def longest_word(cell: str, bold: bool = False) -> float:
    """The widest word of a Markdown cell, as printed (markup removed, bold counted; a header
    cell is all bold)."""
    widest = 0.0
    for part in _BOLD.split(cell):
        if part == "**":
            bold = not bold
            continue
        for word in _MARKUP.sub("", part).split():
            widest = max(widest, word_width(word, bold))
    return widest


def dashes(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    weights: Sequence[float] | None = None,
    landscape: bool = False,
) -> list[int]:
    """The dashes under each header: the page shared by ``weights``, no column narrower than
    its longest word (when all of them fit on the page at all)."""
    page = page_layout().text_width(landscape)
    shares = list(weights or [1] * len(headers))
    needed = [
        min(
            page * 0.4,
            CELL_PADDING + max([longest_word(header, bold=True), *map(longest_word, cells)]),
        )
        for header, *cells in zip(headers, *([str(c) for c in row] for row in rows), strict=True)
    ]
    widths = _fit(needed, shares, page) if sum(needed) <= page else needed
    # A column held at its longest word is rounded up, the others down, so that pandoc (which
    # scales the dashes to the page) does not take back from the first what the second gained.
    return [
        max(3, math.ceil(w * DASHES_PER_CM) if w <= n else math.floor(w * DASHES_PER_CM))
        for w, n in zip(widths, needed, strict=True)
    ]


EMPTY_CELLS = frozenset({"", "—", "–", "-"})


def without_empty_columns(
    table: tuple[Sequence[str], Sequence[Sequence[str]], Sequence[float] | None],
) -> tuple[list[str], list[list[str]], list[float] | None]:
    """A table without the columns that are empty (or a bare dash) in every row: a column
    headed "Partners" with nothing under it tells a reader nothing, or something false.
    A table without rows keeps its headers."""
    headers, rows, weights = table
    keep = [
        n
        for n in range(len(headers))
        if not rows or any(str(row[n]).strip() not in EMPTY_CELLS for row in rows)
    ]
    return (
        [headers[n] for n in keep],
        [[row[n] for n in keep] for row in rows],
        [weights[n] for n in keep] if weights else None,
    )


def _fit(needed: list[float], shares: list[float], page: float) -> list[float]:
    """Share ``page`` by weight, raising too-narrow columns to what they need and taking the
    difference from the others, still by weight."""
    fixed: dict[int, float] = {}
    while True:
        free = page - sum(fixed.values())
        weight = sum(s for i, s in enumerate(shares) if i not in fixed)
        short = {
            i: needed[i]
            for i, s in enumerate(shares)
            if i not in fixed and free * s / weight < needed[i]
        }
        if not short:
            return [fixed[i] if i in fixed else free * s / weight for i, s in enumerate(shares)]
        fixed.update(short)


def measure(regular: str, bold: str) -> dict[str, dict[str, object]]:
    """The width table, from a regular and a bold font file (maintainers: Liberation Sans)."""
    from fontTools.ttLib import TTFont  # installed with matplotlib

    ranges = [(0x20, 0x7E), (0xA0, 0x17F), (0x2010, 0x2027), (0x2030, 0x203A)]
    table: dict[str, dict[str, object]] = {}
    for style, path in (("regular", regular), ("bold", bold)):
        font = TTFont(path)
        glyphs, advances = font.getBestCmap(), font["hmtx"]
        units = font["head"].unitsPerEm
        chars = [chr(c) for a, b in ranges for c in range(a, b + 1) if c in glyphs]
        table[style] = {
            "chars": "".join(chars),
            "widths": [round(advances[glyphs[ord(c)]][0] * 1000 / units) for c in chars],
        }
    return table


if __name__ == "__main__":  # python -m generator.columns REGULAR.ttf BOLD.ttf > arial-widths.json
    json.dump(measure(sys.argv[1], sys.argv[2]), sys.stdout, ensure_ascii=False)
