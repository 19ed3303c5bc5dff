"""Word output: pandoc turns the Markdown into .docx with the reference styles, then python-docx
does what pandoc cannot (classification banners, deliberate document properties, landscape pages),
and the zip is rewritten with fixed dates and without parts that could carry stray metadata.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypandoc
from docx import Document as open_docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tc

from ..errors import BuildFailed
from ..resources import REFERENCE_DOC
from . import write_atomically, zip_entry
from .rtl import _RPR, _ensure, make_right_to_left, pandoc_language_args

# Raw HTML/TeX/attribute syntax are off: content is already inert, this is a second lock.
# pandoc's extensions beyond the Markdown of docs/content-format.md are off too, so that Word
# reads content text as the site does (no math, sub/superscript, strikeout, definition lists,
# other table syntaxes...); the documents' own syntax is all still there, and reading is ~7%
# quicker.
_UNUSED = (
    "raw_html raw_tex raw_attribute native_divs native_spans citations tex_math_dollars"
    " subscript superscript strikeout example_lists definition_lists grid_tables"
    " multiline_tables simple_tables line_blocks task_lists inline_notes abbreviations emoji"
    " mark latex_macros"
)
MARKDOWN_FORMAT = "markdown" + "".join(f"-{name}" for name in _UNUSED.split())
# The character style of the templates' `highlight` macro (an overdue action, an unmet item).
HIGHLIGHT_STYLE = "Row highlight"
HIGHLIGHT_FILL = "FBE4D5"
_DROPPED_PARTS = ("docProps/custom.xml", "word/comments.xml")


@dataclass(frozen=True)
class DocxMeta:
    """Every property Word shows under File > Info, set on purpose."""

    title: str
    subject: str
    author: str
    category: str
    banner: str
    timestamp: dt.datetime
    landscape: bool = False
    lang: str = "en"
    right_to_left: bool = False  # Arabic: bidi paragraphs and tables (see writers/rtl.py)


def write_docx(
    markdown: str,
    target: Path,
    meta: DocxMeta,
    resources: Path,
    edit: Callable[[WordDocument], None] | None = None,
) -> None:
    """``edit`` changes the document before it is saved (the tracked-changes copy uses it)."""

    def produce(tmp: Path) -> None:
        _pandoc(markdown, tmp, resources, pandoc_language_args(meta.lang, meta.right_to_left))
        _finish(tmp, meta, edit)
        _normalise_zip(tmp, meta.timestamp)

    write_atomically(target, produce)


def _pandoc(markdown: str, out: Path, resources: Path, extra: list[str] | None = None) -> None:
    try:
        pypandoc.convert_text(
            markdown,
            "docx",
            format=MARKDOWN_FORMAT,
            outputfile=str(out),
            extra_args=[
                "--reference-doc",
                str(REFERENCE_DOC),
                f"--resource-path={resources}",
                *(extra or []),
            ],
        )
    except RuntimeError as exc:
        raise BuildFailed(f"pandoc could not write {out.name}: {exc}") from exc


def _finish(path: Path, meta: DocxMeta, edit: Callable[[WordDocument], None] | None) -> None:
    doc = open_docx(str(path))
    if edit is not None:
        edit(doc)
    for section in doc.sections:
        if meta.landscape:
            _landscape(section)
        _banner(section.header, meta.banner, page_number=False)
        _banner(section.footer, meta.banner, page_number=True)
    _shade_highlighted_rows(doc)
    if meta.right_to_left:
        make_right_to_left(doc)
    props = doc.core_properties
    props.author = props.last_modified_by = meta.author
    props.title, props.subject, props.category = meta.title, meta.subject, meta.category
    props.keywords = props.comments = props.content_status = ""
    props.identifier = props.language = props.version = ""
    props.created = props.modified = meta.timestamp.replace(tzinfo=None)
    props.revision = 1
    _accessibility(doc, meta)
    doc.save(str(path))


def _accessibility(doc: WordDocument, meta: DocxMeta) -> None:
    """What a screen reader needs that pandoc leaves out: each picture's description in both
    places Word keeps one (pandoc puts the image's file name in the second, which some readers
    announce), and the document's language in its properties and its default text style
    (pandoc writes it only for languages other than English)."""
    body = doc.element.body
    for frame in body.iter(qn("wp:docPr")):
        description = frame.get("descr") or ""
        inline = frame.getparent()
        for picture in inline.iter(qn("pic:cNvPr")):
            picture.set("descr", description)
    doc.core_properties.language = meta.lang
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    for properties in defaults.iter(qn("w:rPr")):
        lang = _ensure(properties, "w:lang", _RPR)
        attribute = "w:bidi" if meta.right_to_left else "w:val"
        if not (lang.get(qn(attribute)) or "").startswith(meta.lang):
            lang.set(qn(attribute), meta.lang)


def _shade_highlighted_rows(doc: WordDocument) -> None:
    """Pandoc cannot shade a table row: shade each row that holds a run in the highlight style."""
    style = next((st for st in doc.styles if st.name == HIGHLIGHT_STYLE), None)
    if style is None:
        return
    runs = f".//w:r[w:rPr/w:rStyle/@w:val='{style.style_id}']"
    for table in doc.tables:
        for row in table.rows:
            if row._tr.xpath(runs):
                for tc in row._tr.tc_lst:
                    _shade_cell(tc)


def _shade_cell(tc: CT_Tc) -> None:
    tcpr = tc.get_or_add_tcPr()
    for old in tcpr.findall(qn("w:shd")):
        tcpr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), HIGHLIGHT_FILL)
    tcpr.append(shd)


def _landscape(section) -> None:
    if section.orientation != WD_ORIENT.LANDSCAPE:
        width, height = section.page_width, section.page_height
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = height, width


def _banner(part, text: str, page_number: bool) -> None:
    part.is_linked_to_previous = False
    paragraph = part.paragraphs[0] if part.paragraphs else part.add_paragraph()
    paragraph.text = text
    paragraph.style = "Classification banner"
    if page_number:
        paragraph.add_run(" · ")
        _page_field(paragraph.add_run())


def _page_field(run) -> None:
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _normalise_zip(path: Path, timestamp: dt.datetime) -> None:
    """Fixed entry dates and order (reproducible builds), and no custom or comment parts."""
    with zipfile.ZipFile(path) as src:
        entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    dropped = set(_DROPPED_PARTS)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            if name in dropped:
                continue
            if name.endswith(".rels") or name == "[Content_Types].xml":
                data = _drop_references(data, dropped)
            out.writestr(zip_entry(name, timestamp), data)


def _drop_references(xml: bytes, dropped: set[str]) -> bytes:
    text = xml.decode("utf-8")
    for part in dropped:
        leaf = part.split("/", 1)[1]
        text = re.sub(
            rf'<Relationship [^>]*Target="/?(?:{re.escape(part)}|{re.escape(leaf)})"[^>]*/>',
            "",
            text,
        )
        text = re.sub(rf'<Override [^>]*PartName="/{re.escape(part)}"[^>]*/>', "", text)
    return text.encode("utf-8")
