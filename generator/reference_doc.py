"""Make ``templates/reference.docx``: the Word styles every output uses.

pandoc takes its styles from this one file, so a layout team restyles all outputs by editing it in
Word. This module only creates the starting point (``make reference-doc``); the file is committed.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pypandoc
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .resources import REFERENCE_DOC

BLUE = RGBColor(0x1F, 0x4E, 0x79)
RED = RGBColor(0xA3, 0x1F, 0x1F)
FONT = "Arial"  # ships Latin and Arabic glyphs on the layout teams' machines


def _set_font(style, size: float | None = None, bold: bool | None = None, color=None) -> None:
    style.font.name = FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if color is not None:
        style.font.color.rgb = color


def _border(parent, tag: str, edges: tuple[str, ...], color: str, size: int = 4) -> None:
    box = OxmlElement(tag)
    for edge in edges:
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "4")
        el.set(qn("w:color"), color)
        box.append(el)
    parent.append(box)


def _shade(parent, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    parent.append(shd)


def _paragraph_style(doc, name: str, base: str):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.quick_style = True
    return style


def _table_style(doc) -> None:
    """Borders and a shaded, bold header row on pandoc's 'Table' style."""
    style = doc.styles["Table"]
    tblpr = style.element.find(qn("w:tblPr"))
    if tblpr is None:
        tblpr = OxmlElement("w:tblPr")
        style.element.append(tblpr)
    _border(
        tblpr, "w:tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV"), "8EA9C1"
    )
    first = OxmlElement("w:tblStylePr")
    first.set(qn("w:type"), "firstRow")
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:b"))
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "FFFFFF")
    rpr.append(color)
    first.append(rpr)
    tcpr = OxmlElement("w:tcPr")
    _shade(tcpr, "1F4E79")
    first.append(tcpr)
    style.element.append(first)


def _print_flow(doc) -> None:
    """How text flows over pages: no widow or orphan line anywhere, headings (and a figure's
    picture) kept on the page of what follows them, a heading's own lines never split."""
    for name in ("Normal", "Body Text", "First Paragraph", "Compact", "Block Text"):
        doc.styles[name].paragraph_format.widow_control = True
    for name in ("Title", "Subtitle", *(f"Heading {level}" for level in range(1, 7))):
        flow = doc.styles[name].paragraph_format
        flow.keep_with_next = flow.keep_together = flow.widow_control = True
    for name in ("Captioned Figure", "Figure"):
        doc.styles[name].paragraph_format.keep_with_next = True


def _contents_styles(doc) -> None:
    """The table of contents (writers/docx.py writes its field): a heading and two levels, and
    the DRAFT mark printed under the banner of every page of a draft."""
    _set_font(doc.styles["TOC Heading"], 13, True, BLUE)
    for level, indent in ((1, 0.0), (2, 0.6)):
        style = _paragraph_style(doc, f"TOC {level}", "Normal")
        _set_font(style, 10, level == 1)
        style.paragraph_format.left_indent = Cm(indent)
        style.paragraph_format.space_after = Pt(2)
    draft = _paragraph_style(doc, "Draft mark", "Normal")
    _set_font(draft, 14, True, RED)
    draft.paragraph_format.alignment = 1


def make_reference_doc(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        default = Path(tmp) / "default.docx"
        subprocess.run(
            [
                pypandoc.get_pandoc_path(),
                "-o",
                str(default),
                "--print-default-data-file",
                "reference.docx",
            ],
            check=True,
        )
        doc = Document(str(default))
    for name, size in (("Normal", 10), ("Body Text", 10), ("First Paragraph", 10), ("Compact", 9)):
        _set_font(doc.styles[name], size)
    _set_font(doc.styles["Title"], 24, True, BLUE)
    _set_font(doc.styles["Subtitle"], 14, False, BLUE)
    for level, heading_size in ((1, 16.0), (2, 13.0), (3, 11.5), (4, 10.5), (5, 10.0)):
        _set_font(doc.styles[f"Heading {level}"], heading_size, True, BLUE)
    passage = _paragraph_style(doc, "Confidential passage", "Body Text")
    ppr = passage.element.get_or_add_pPr()
    _border(ppr, "w:pBdr", ("left",), "A31F1F", 18)
    _shade(ppr, "FBEAEA")
    notice = _paragraph_style(doc, "Classification notice", "Body Text")
    _set_font(notice, 10, True, RED)
    _border(notice.element.get_or_add_pPr(), "w:pBdr", ("top", "bottom"), "A31F1F", 8)
    banner = _paragraph_style(doc, "Classification banner", "Normal")
    _set_font(banner, 8, True, RED)
    banner.paragraph_format.alignment = 1
    _table_style(doc)
    _print_flow(doc)
    _contents_styles(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    props = doc.core_properties
    props.author = props.last_modified_by = "protdocs"
    props.title = props.subject = props.keywords = props.comments = ""
    doc.save(str(target))


if __name__ == "__main__":
    make_reference_doc(REFERENCE_DOC)
