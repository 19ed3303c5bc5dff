"""What a publications officer checks in a Word file before sending it to layout, read from the
file itself (and from its LibreOffice print), independently of the code that wrote it."""

from __future__ import annotations

import re
import struct
import subprocess
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from tests.docx_text import folded

CONFIDENTIAL_LABEL = "[CONFIDENTIAL]"
EMU_PER_INCH = 914400
EMPTY = {"", "—", "–", "-"}
# An id as drafters write them (T1, V3, SO2, CP1): letters glued to a number, not part of a
# period (2027-H1) or of a longer word.
_ID = re.compile(r"(?<![\w-])([A-Z]{1,4})(\d{1,3})(?![\w.-]?\d)\b")


def rows_without_cant_split(path: Path) -> int:
    """Table rows Word may break across two pages."""
    doc = Document(str(path))
    rows = doc.element.body.iter(qn("w:tr"))
    return sum(1 for row in rows if row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is None)


def header_rows_not_repeated(path: Path) -> int:
    """Tables whose first row is a header (pandoc's pipe tables) but is not repeated."""
    doc = Document(str(path))
    missing = 0
    for table in doc.element.body.iter(qn("w:tbl")):
        look = table.find(f"{qn('w:tblPr')}/{qn('w:tblLook')}")
        first = table.find(qn("w:tr"))
        if look is not None and look.get(qn("w:firstRow")) == "1" and first is not None:
            missing += first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None
    return missing


def id_gaps(text: str) -> dict[str, list[int]]:
    """Id-like sequences (R1 R2 R3 R5) whose numbers do not run 1, 2, 3… without a gap: a
    reader sees that something was withheld."""
    numbers: dict[str, set[int]] = defaultdict(set)
    for prefix, number in _ID.findall(text):
        numbers[prefix].add(int(number))
    return {
        prefix: sorted(found)
        for prefix, found in numbers.items()
        if sorted(found) != list(range(1, max(found) + 1))
    }


def numbering_gaps(text: str, words: Iterable[str]) -> dict[str, list[int]]:
    """Items numbered in words ("Risk 1", "Objective 2") whose numbers have a gap."""
    gaps = {}
    for word in words:
        found = sorted({int(n) for n in re.findall(rf"\b{re.escape(word)} (\d+)\b", text)})
        if found and found != list(range(1, max(found) + 1)):
            gaps[word] = found
    return gaps


def ids_shown(text: str, ids: Iterable[str]) -> list[str]:
    """Content ids printed as words of the text."""
    return sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))


def empty_columns(path: Path) -> list[tuple[int, str]]:
    """(table number, header) of every column with nothing but blanks or dashes under it."""
    found = []
    for n, table in enumerate(Document(str(path)).tables):
        rows = [[_shown(c) for c in row.cells] for row in table.rows]
        if len(rows) < 2:
            continue
        header, body = rows[0], rows[1:]
        for column, name in enumerate(header):
            if all(row[column] in EMPTY for row in body if column < len(row)):
                found.append((n, name))
    return found


def _shown(cell) -> str:
    """A cell's text, or a mark for a picture (a chart is not an empty cell)."""
    return folded(cell.text) or ("[picture]" if cell._tc.xpath(".//w:drawing") else "")


def unmarked(path: Path, texts: Iterable[str]) -> list[str]:
    """The texts (their opening words) found in the document outside a marked row or a
    "Confidential passage" paragraph; and those printed more than once."""
    doc = Document(str(path))
    places: list[tuple[str, bool]] = []
    for paragraph in doc.paragraphs:
        marked = paragraph.style.name == "Confidential passage" or CONFIDENTIAL_LABEL in (
            paragraph.text
        )
        places.append((folded(paragraph.text), marked))
    for table in doc.tables:
        for row in table.rows:
            text = folded(" ".join(c.text for c in row.cells))
            places.append((text, CONFIDENTIAL_LABEL in text))
    problems = []
    for text in texts:
        opening = folded(text)[:50]
        where = [marked for place, marked in places if opening in place]
        if not all(where):
            problems.append(f"unmarked: {opening}")
        if len(where) > 1:
            problems.append(f"printed {len(where)} times: {opening}")
    return problems


def chart_dpi(path: Path) -> list[tuple[str, float]]:
    """(image, dots per inch at its placed width) for every picture of the document."""
    doc = Document(str(path))
    found = []
    for inline in doc.element.body.iter(qn("wp:inline")):
        extent = inline.find(qn("wp:extent"))
        blip = next(inline.iter(qn("a:blip")), None)
        if extent is None or blip is None:
            continue
        part = doc.part.related_parts[blip.get(qn("r:embed"))]
        width_px = _png_width(part.blob)
        inches = int(extent.get("cx")) / EMU_PER_INCH
        found.append((part.partname, width_px / inches))
    return found


def _png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">I", data[16:20])[0]


def page_texts(pdf: Path) -> list[str]:
    """Each printed page's text (pdftotext, page by page)."""
    pages = int(re.search(r"Pages:\s+(\d+)", _run(["pdfinfo", str(pdf)])).group(1))  # type: ignore[union-attr]
    return [
        _run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"])
        for n in range(1, pages + 1)
    ]


def lone_fragments(pdf: Path, fewest: int = 3) -> list[int]:
    """Pages but the last holding fewer than ``fewest`` lines besides the header and footer:
    a stranded row, heading or word."""
    return fragment_pages(page_texts(pdf), fewest)


def fragment_pages(pages: list[str], fewest: int = 3) -> list[int]:
    """The numbers of the pages but the last with fewer than ``fewest`` lines that are not
    on every page (the header and footer, page numbers aside)."""
    lines = [[ln.strip() for ln in page.splitlines() if ln.strip()] for page in pages]
    if len(lines) < 2:
        return []
    common = set.intersection(*({re.sub(r"\d+", "#", ln) for ln in page} for page in lines))
    body = [[ln for ln in page if re.sub(r"\d+", "#", ln) not in common] for page in lines]
    return [n + 1 for n, page in enumerate(body[:-1]) if len(page) < fewest]


def _run(command: list[str]) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml").decode("utf-8")
