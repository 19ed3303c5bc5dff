"""Column widths of the documents' tables, so that Word never breaks a word in two.

Pandoc sizes a pipe table's columns by the dashes under each header. Weights alone left narrow
columns too narrow for their longest word ("Mediu|m", "[CON|FIDE|NTIA|L]"), which is how a
drafter's Word file reached layout. Each column now gets at least the width of its longest word,
estimated from Arial's character widths at the table text size (9 pt), and the rest of the page
goes to the columns by their weights.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Text width of the reference document's A4 pages (2 cm margins), in cm.
TEXT_WIDTH = {False: 17.0, True: 25.7}
CELL_PADDING = 0.45  # cm: Word's cell margins and a little air
DASHES_PER_CM = 6  # any separator line longer than pandoc's 72 columns makes widths relative
_MARKUP = re.compile(r"\*\*|\\(?=[|{}\[\]*_])|\]\([^)]*\)|\[")
_NARROW = set("ijl.,;:!|'()[]/-")
_WIDE = set("MW%@—–")


def word_width(word: str, bold: bool = False) -> float:
    """A word's width in cm, in 9 pt Arial (a little generous rather than short)."""
    width = 0.0
    for char in word:
        if char in _WIDE:
            width += 0.27
        elif char in _NARROW:
            width += 0.1
        elif char.isupper():
            width += 0.22
        else:
            width += 0.17
    return width * (1.08 if bold else 1.0)


def longest_word(cell: str, bold: bool = False) -> float:
    """The widest word of a Markdown cell, as printed (markup removed, bold counted; a header
    cell is all bold)."""
    widest = 0.0
    for part in re.split(r"(\*\*)", cell):
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
    page = TEXT_WIDTH[landscape]
    count = len(headers)
    shares = list(weights or [1] * count)
    needed = [
        min(
            page * 0.4,
            CELL_PADDING + max([longest_word(header, bold=True), *map(longest_word, cells)]),
        )
        for header, *cells in zip(headers, *([str(c) for c in row] for row in rows), strict=True)
    ]
    widths = _fit(needed, shares, page) if sum(needed) <= page else needed
    return [max(3, round(w * DASHES_PER_CM)) for w in widths]


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
