"""Reading Word files in tests independently of the code under test."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from docx import Document

# Bidi controls (the isolates around Latin text in Arabic documents, marks): invisible to readers.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """The text as a reader sees it: without the invisible bidi controls."""
    return _BIDI_CONTROLS.sub("", text)


def all_text(path: Path) -> str:
    """Every XML part's text, runs joined, paragraphs separated, whitespace folded."""
    parts = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                xml = archive.read(name).decode("utf-8")
                xml = re.sub(r"</w:p>|</w:tc>|<w:tab/>", " ", xml)
                parts.append(visible(html.unescape(re.sub(r"<[^>]+>", "", xml))))
    return re.sub(r"\s+", " ", " ".join(parts))


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def headings(path: Path) -> list[tuple[str, str]]:
    doc = Document(str(path))
    return [
        (p.style.name, visible(p.text).strip())
        for p in doc.paragraphs
        if p.style.name.startswith("Heading") or p.style.name == "Title"
    ]


def table_with_header(
    path: Path, first_header: str, contains: str | None = None
) -> list[list[str]]:
    doc = Document(str(path))
    for table in doc.tables:
        rows = [[visible(c.text).strip() for c in row.cells] for row in table.rows]
        if rows and rows[0][0] == first_header and (contains is None or contains in rows[0]):
            return rows
    raise AssertionError(f"no table headed {first_header!r} in {path.name}")
