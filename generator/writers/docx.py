"""Word output: pandoc turns the Markdown into .docx with the reference styles, then python-docx
does what pandoc cannot (classification banners, deliberate document properties, landscape pages),
and the zip is rewritten with fixed dates and without parts that could carry stray metadata.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypandoc
import yaml
from defusedxml import ElementTree as DefusedET
from docx import Document as open_docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tc
from docx.oxml.xmlchemy import BaseOxmlElement

from ..anchors import strip_anchors
from ..errors import BuildFailed
from ..i18n import translator
from ..mdtext import is_safe_target, plain_text
from ..model import language_tag
from ..resources import REFERENCE_DOC
from . import write_atomically, zip_entry
from .bookmarks import mark_anchors
from .language import tag_other_languages
from .rtl import _PPR, _RPR, _child, _ensure, _order, make_right_to_left, pandoc_language_args

# Raw HTML/TeX/attribute syntax are off: content is already inert, this is a second lock.
# pandoc's extensions beyond the Markdown of docs/content-format.md are off too, so that Word
# reads content text as the site does (no math, sub/superscript, strikeout, definition lists,
# other table syntaxes, code blocks, footnotes...); the documents' own syntax (pipe tables,
# fenced divs and spans with a custom-style, an image's width) is all still there, and reading
# is ~7% quicker. A YAML metadata block is read wherever it stands in a document, and its YAML
# escapes (\x21 for !) got past the content's sanitiser: the metadata goes to pandoc in a file
# of its own (see ``metadata_file``) and the block syntax is off, as is the `% title` block.
_UNUSED = (
    "raw_html raw_tex raw_attribute native_divs native_spans citations tex_math_dollars"
    " subscript superscript strikeout example_lists definition_lists grid_tables"
    " multiline_tables simple_tables line_blocks task_lists inline_notes abbreviations emoji"
    " mark latex_macros yaml_metadata_block pandoc_title_block markdown_in_html_blocks"
    " fenced_code_blocks backtick_code_blocks fenced_code_attributes inline_code_attributes"
    " header_attributes table_attributes table_captions footnotes implicit_header_references"
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
    draft: bool = False  # a DRAFT mark on every page (see lay_out_for_print)


def write_docx(
    markdown: str,
    target: Path,
    meta: DocxMeta,
    resources: Path,
    edit: Callable[[WordDocument], None] | None = None,
) -> None:
    """``edit`` changes the document before it is saved (the tracked-changes copy uses it).

    ``resources`` is the folder the Markdown's chart images are relative to: they are the only
    files the Word document may embed, and it is checked after writing that it embeds nothing
    else and links to no unsafe address.
    """

    def produce(tmp: Path) -> None:
        charts = _pandoc(
            markdown, tmp, resources, pandoc_language_args(meta.lang, meta.right_to_left)
        )
        _finish(tmp, meta, edit, charts)
        _normalise_zip(tmp, meta.timestamp, charts)
        check_parts(tmp, {hashlib.sha256(chart.data).hexdigest() for chart in charts.values()})

    write_atomically(target, produce)


def _pandoc(
    markdown: str, out: Path, resources: Path, extra: list[str] | None = None
) -> dict[str, _Chart]:
    """Run pandoc in its sandbox; returns the charts it was given, by their stand-in's digest.

    In the sandbox pandoc reads no file but those named on its command line and opens no
    network connection, so an image or a link in a document cannot make it fetch anything:
    the charts are handed to it inside the Markdown, as data: URIs (``_embed_charts``).
    """
    front, body = split_front_matter(markdown)
    body, charts = _embed_charts(body, resources)
    warnings = _PandocWarnings()
    logger = logging.getLogger("pypandoc")
    with tempfile.TemporaryDirectory(prefix="protdocs-pandoc-") as tmp:
        metadata = metadata_file(front, Path(tmp))
        logger.addHandler(warnings)
        try:
            pypandoc.convert_text(
                body,
                "docx",
                format=MARKDOWN_FORMAT,
                outputfile=str(out),
                sandbox=True,
                verify_format=False,  # not `pandoc --list-*-formats` twice a conversion
                extra_args=[
                    "--reference-doc",
                    str(REFERENCE_DOC),
                    f"--metadata-file={metadata}",
                    *(extra or []),
                ],
            )
        except RuntimeError as exc:
            raise BuildFailed(f"pandoc could not write {out.name}: {exc}") from exc
        finally:
            logger.removeHandler(warnings)
    missing = [m.strip() for m in warnings.messages if "Could not fetch resource" in m]
    if missing:  # pandoc only warns, and writes a Word file with a broken picture
        raise BuildFailed(f"pandoc could not write {out.name} completely: " + "; ".join(missing))
    return charts


class _PandocWarnings(logging.Handler):
    """The warnings pandoc gave on this thread (pypandoc logs them; several run at once)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)
# The templates' images: ![alt](charts/NAME.png){width=...}. Content text cannot write ``![``
# (mdtext escapes it), so every image in a document is a template's.
_IMAGE = re.compile(r"(!\[(?:\\.|[^\]\\\n])*\]\()([^)\s]+)(\))")  # escapes allowed
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def split_front_matter(markdown: str) -> tuple[dict[str, str], str]:
    """The template's own YAML front matter (title, subtitle, date) and the rest of the text.

    The templates write it with ``yaml_string``; a document without one has no metadata.
    """
    match = _FRONT_MATTER.match(markdown)
    if match is None:
        return {}, markdown
    try:
        loaded = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        loaded = exc
    if not isinstance(loaded, dict):
        raise BuildFailed(
            f"the front matter of a template is not a YAML mapping ({loaded}): check that the "
            "template writes each value with the yaml_string filter"
        )
    # Metadata reaches pandoc as literal text: the review's anchors (spans) have no place in it.
    front = {str(k): strip_anchors(str(v)) for k, v in loaded.items()}
    return front, markdown[match.end() :]


def literal_markdown(text: str) -> str:
    """Text (already made inert by ``mdtext``) as Markdown that pandoc reads as exactly that
    text: every ASCII punctuation character backslash-escaped, so nothing in it is syntax."""
    plain = plain_text(text) or ""
    return _ASCII_PUNCTUATION.sub(r"\\\1", plain)


def metadata_file(front: dict[str, str], folder: Path) -> Path:
    """pandoc's metadata as a YAML file we write ourselves (``yaml.safe_dump``): values are
    quoted scalars, and pandoc reads each as literal text."""
    path = folder / "metadata.yaml"
    literal = {key: literal_markdown(value) for key, value in front.items()}
    path.write_text(yaml.safe_dump(literal, allow_unicode=True), encoding="utf-8")
    return path


@dataclass(frozen=True)
class _Chart:
    path: str  # as the template wrote it: what Word describes the picture by
    data: bytes  # the PNG the build drew


def _embed_charts(markdown: str, resources: Path) -> tuple[str, dict[str, _Chart]]:
    """Each image the templates point at in ``resources`` as a data: URI of a stand-in (see
    ``_stand_in``), and the charts so embedded, by the SHA-256 of their stand-in.

    An image whose file is not a PNG inside ``resources`` is left as written: the sandboxed
    pandoc cannot read it, and ``check_parts`` would refuse whatever it embedded.
    """
    root = resources.resolve()
    charts: dict[str, _Chart] = {}

    def inline(match: re.Match[str]) -> str:
        path = (root / match.group(2)).resolve()
        if path.suffix != ".png" or not path.is_relative_to(root) or not path.is_file():
            return match.group(0)
        data = path.read_bytes()
        stand_in = _stand_in(data)
        if stand_in is None:
            return match.group(0)
        charts[hashlib.sha256(stand_in).hexdigest()] = _Chart(match.group(2), data)
        uri = "data:image/png;base64," + base64.b64encode(stand_in).decode("ascii")
        return f"{match.group(1)}{uri}{match.group(3)}"

    return _IMAGE.sub(inline, markdown), charts


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _stand_in(png: bytes) -> bytes | None:
    """A PNG of the chart's size, resolution and colour type whose pixels are all zero (a few
    hundred bytes), marked with the chart's digest so that no two charts share one: all pandoc
    needs of an image to lay it out. The chart goes into the Word file in its place afterwards
    (``_normalise_zip``): pandoc's Markdown reader takes ~50 ms per 10 KB of a data: URI, which
    made the annexes seconds slower. An interlaced PNG is its own stand-in; not a PNG: None."""
    if not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        return None
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    depth, colour, interlace = png[24], png[25], png[28]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None or interlace != 0:
        return png
    kept = [_PNG_SIGNATURE]
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(png):
        length = int.from_bytes(png[offset : offset + 4], "big")
        if png[offset + 4 : offset + 8] in (b"IHDR", b"PLTE", b"pHYs"):
            kept.append(png[offset : offset + 12 + length])
        offset += 12 + length
    marker = b"protdocs\0" + hashlib.sha256(png).hexdigest().encode("ascii")
    kept.append(_png_chunk(b"tEXt", marker))
    row = (width * channels * depth + 7) // 8
    kept.append(_png_chunk(b"IDAT", zlib.compress(bytes((row + 1) * height), 9)))
    kept.append(_png_chunk(b"IEND", b""))
    return b"".join(kept)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data).to_bytes(4, "big")
    return len(data).to_bytes(4, "big") + kind + data + crc


_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def check_parts(path: Path, charts: set[str]) -> None:
    """What the Word file holds is what the build made: every media part is one of ``charts``
    (by SHA-256), and every external relationship is a hyperlink with an allowed scheme."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as docx:
        for name in docx.namelist():
            if name.startswith("word/media/"):
                if hashlib.sha256(docx.read(name)).hexdigest() not in charts:
                    problems.append(f"{name} is not one of the build's charts")
            elif name.endswith(".rels"):
                root = DefusedET.fromstring(docx.read(name))
                for rel in root.iter(_RELATIONSHIP):
                    if rel.get("TargetMode") != "External":
                        continue
                    target = rel.get("Target", "")
                    if rel.get("Type") != _HYPERLINK or not is_safe_target(target):
                        problems.append(f"{name} links to {target!r}")
    if problems:
        raise BuildFailed(
            f"{path.name}: the Word file holds what the build did not make "
            f"({'; '.join(problems)}); this is a bug in protdocs or an attack through the "
            "content: report it with the content that caused it"
        )


def _finish(
    path: Path,
    meta: DocxMeta,
    edit: Callable[[WordDocument], None] | None,
    charts: dict[str, _Chart] | None = None,
) -> None:
    doc = open_docx(str(path))
    _name_pictures(doc, charts or {})
    for section in doc.sections:
        if meta.landscape:
            _landscape(section)
        _banner(section.header, meta.banner)
        _banner(section.footer, meta.banner)  # "Page X of Y" follows it (lay_out_for_print)
    _shade_highlighted_rows(doc)
    tag_other_languages(doc)
    lay_out_for_print(doc, meta)
    if edit is not None:  # after the layout, so that it compares a finished old and new body
        edit(doc)
    mark_anchors(doc)  # the review's anchors (see anchors.py)
    if meta.right_to_left:
        make_right_to_left(doc)
    props = doc.core_properties
    props.author = props.last_modified_by = meta.author
    props.title, props.subject, props.category = meta.title, meta.subject, meta.category
    props.keywords = props.comments = props.content_status = ""
    props.identifier = props.version = ""
    props.language = language_tag(meta.lang)  # dc:language: en-GB, fr-FR, ar-SA
    props.created = props.modified = meta.timestamp.replace(tzinfo=None)
    props.revision = 1
    _accessibility(doc, meta)
    doc.save(str(path))


def _name_pictures(doc: WordDocument, charts: dict[str, _Chart]) -> None:
    """pandoc describes a picture by its source: the chart's path, not its data: URI."""
    for picture in doc.element.body.iter(qn("pic:cNvPr")):
        descr = picture.get("descr", "")
        if descr.startswith("data:"):
            chart = charts.get(
                hashlib.sha256(base64.b64decode(descr.partition(",")[2])).hexdigest()
            )
            picture.set("descr", chart.path if chart else "")


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
    tag = language_tag(meta.lang)  # en-GB, fr-FR, ar-SA
    doc.core_properties.language = tag
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    for properties in defaults.iter(qn("w:rPr")):
        lang = _ensure(properties, "w:lang", _RPR)
        attribute = "w:bidi" if meta.right_to_left else "w:val"
        if not (lang.get(qn(attribute)) or "").startswith(meta.lang):
            lang.set(qn(attribute), tag)


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


def _banner(part, text: str) -> None:
    part.is_linked_to_previous = False
    paragraph = part.paragraphs[0] if part.paragraphs else part.add_paragraph()
    paragraph.text = text
    paragraph.style = "Classification banner"


def _normalise_zip(
    path: Path, timestamp: dt.datetime, charts: dict[str, _Chart] | None = None
) -> None:
    """Fixed entry dates and order (reproducible builds), no custom or comment parts, and each
    chart's stand-in replaced with the chart."""
    with zipfile.ZipFile(path) as src:
        entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    dropped = set(_DROPPED_PARTS)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            if name in dropped:
                continue
            if charts and name.startswith("word/media/"):
                chart = charts.get(hashlib.sha256(data).hexdigest())
                data = chart.data if chart else data
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


# -- layout for print --------------------------------------------------------------------------
# Child order of w:trPr (ECMA-376 part 1, 17.4.82): Word refuses elements out of order.
_TRPR = _order(
    "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader "
    "tblCellSpacing jc hidden ins del trPrChange"
)
# A document estimated longer than three pages gets a table of contents. The estimate errs
# long (a three-page annex may get one), never short: a long document without one is worse.
TOC_OVER_PAGES = 3.0
TOC_LEVELS = 2
TOC_STYLE = "TOC Heading"
DRAFT_STYLE = "Draft mark"


def lay_out_for_print(doc: WordDocument, meta: DocxMeta) -> None:
    """What a publications officer checks on paper before sending a file to layout: no table
    row broken across pages (nor a last row left alone on one), header rows repeated, "page X
    of Y" in every footer, a DRAFT mark on every page of a draft, and a table of contents in a
    document longer than three pages (Word fills in its page numbers when it opens the file)."""
    _ = translator(meta.lang)
    names = {style.name for style in doc.styles}
    draft_style = DRAFT_STYLE if DRAFT_STYLE in names else "Classification banner"
    for table in doc.element.body.iter(qn("w:tbl")):
        _keep_rows_whole(table)
    _keep_introductions_with_what_follows(doc)
    for section in doc.sections:
        _page_x_of_y(section.footer, _("Page {page} of {pages}"))
        if meta.draft:
            paragraph = section.header.add_paragraph(_("DRAFT — not for publication"))
            paragraph.style = draft_style
    if estimated_pages(doc, meta.landscape) > TOC_OVER_PAGES:
        _table_of_contents(doc, _("Contents"))


def _keep_rows_whole(table: BaseOxmlElement) -> None:
    """Every row on one page; the header row repeated on each page and kept with the first
    row, and the last two rows kept together, so that no page holds a lone header or row."""
    rows = table.findall(qn("w:tr"))
    header = [row for row in rows if row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None]
    for index, row in enumerate(rows):
        properties = _child(row, "w:trPr", first=True)
        _ensure(properties, "w:cantSplit", _TRPR)
        if row in header or index == len(rows) - 2:
            for paragraph in row.iter(qn("w:p")):
                _keep_with_next(paragraph)


def _keep_introductions_with_what_follows(doc: WordDocument) -> None:
    """A paragraph that introduces a table, or a list ("Exposed to:"), stays on the page of
    what it introduces: a heading's intro text would otherwise be stranded as one was in
    Annex 3."""
    body = doc.element.body
    for child in body.iterchildren(qn("w:p")):
        following = child.getnext()
        while following is not None and following.tag == qn("w:bookmarkStart"):
            following = following.getnext()
        text = "".join(t.text or "" for t in child.iter(qn("w:t"))).rstrip()
        if following is not None and (following.tag == qn("w:tbl") or text.endswith(":")):
            _keep_with_next(child)


def _keep_with_next(paragraph: BaseOxmlElement) -> None:
    _ensure(_child(paragraph, "w:pPr", first=True), "w:keepNext", _PPR)


def _field(run, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES, TOC…) in ``run``, its result left for Word to fill in."""
    for kind, text in (("begin", None), (None, f" {instruction} "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _page_x_of_y(footer, wording: str) -> None:
    """ "Page 3 of 12" after the banner, the numbers being Word fields, in the language's
    own word order (the catalogue's ``{page}`` and ``{pages}``)."""
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.add_run(" · ")
    for piece in re.split(r"(\{page\}|\{pages\})", wording):
        if piece == "{page}":
            _field(paragraph.add_run(), "PAGE")
        elif piece == "{pages}":
            _field(paragraph.add_run(), "NUMPAGES")
        elif piece:
            paragraph.add_run(piece)


def _table_of_contents(doc: WordDocument, title: str) -> None:
    """A TOC field after the cover (the first table), before the first heading: its cached
    result lists the headings so that a file printed without Word shows them; Word refreshes
    it with page numbers when the file is opened (``w:dirty``)."""
    body = doc.element.body
    first_heading = next(
        (p for p in body.iterchildren(qn("w:p")) if _heading_level(doc, p) == 1), None
    )
    if first_heading is None:
        return
    heading = OxmlElement("w:p")
    _ensure(_child(heading, "w:pPr", first=True), "w:pStyle", _PPR).set(
        qn("w:val"), _style_id(doc, TOC_STYLE)
    )
    _text_run(heading, title)
    entries = [
        (level, "".join(t.text or "" for t in p.iter(qn("w:t"))))
        for p in body.iterchildren(qn("w:p"))
        if 1 <= (level := _heading_level(doc, p)) <= TOC_LEVELS
    ]
    paragraphs = [heading]
    for n, (level, text) in enumerate(entries):
        paragraph = OxmlElement("w:p")
        ppr = _child(paragraph, "w:pPr", first=True)
        _ensure(ppr, "w:pStyle", _PPR).set(qn("w:val"), _style_id(doc, f"TOC {level}"))
        if n == 0:
            begin = OxmlElement("w:r")
            _raw_field_part(begin, "begin", dirty=True)
            _raw_instruction(begin, f'TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u')
            _raw_field_part(begin, "separate")
            paragraph.append(begin)
        _text_run(paragraph, text)
        if n == len(entries) - 1:
            end = OxmlElement("w:r")
            _raw_field_part(end, "end")
            paragraph.append(end)
        paragraphs.append(paragraph)
    anchor = first_heading
    previous = first_heading.getprevious()
    while previous is not None and previous.tag == qn("w:bookmarkStart"):
        anchor, previous = previous, previous.getprevious()
    for paragraph in paragraphs:
        anchor.addprevious(paragraph)


def _text_run(paragraph: BaseOxmlElement, text: str) -> None:
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    paragraph.append(run)


def _raw_field_part(run: BaseOxmlElement, kind: str, dirty: bool = False) -> None:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    if dirty:
        el.set(qn("w:dirty"), "true")
    run.append(el)


def _raw_instruction(run: BaseOxmlElement, instruction: str) -> None:
    el = OxmlElement("w:instrText")
    el.set(qn("xml:space"), "preserve")
    el.text = f" {instruction} "
    run.append(el)


def _style_id(doc: WordDocument, name: str) -> str:
    """A style's id (pandoc's reference document names "TOC Heading" ``TOCHeading``)."""
    for style in doc.styles:
        if style.name == name:
            return style.style_id
    return name.replace(" ", "")


def _heading_level(doc: WordDocument, paragraph: BaseOxmlElement) -> int:
    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    value = style.get(qn("w:val")) if style is not None else ""
    match = re.fullmatch(r"Heading(\d)", value or "")
    return int(match.group(1)) if match else 0


# A4 with 2 cm margins, less the header and footer lines; 10 pt text on 14 pt lines.
_PAGE_LINES = {False: 50.0, True: 31.0}
_LINE_CHARS_PER_CM = 5.6  # 10 pt Arial: about 95 characters on a 17 cm line
_TWIPS_PER_CM = 567
_EMU_PER_LINE = 14 * 12700  # a 14 pt line in EMU, for pictures


def estimated_pages(doc: WordDocument, landscape: bool) -> float:
    """The printed length, estimated without a layout engine: lines of text at the page's
    width, table rows at their tallest cell, pictures at their placed height."""
    width = 25.7 if landscape else 17.0
    lines = 0.0
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines += _paragraph_lines(child, width) + 0.5
        elif child.tag == qn("w:tbl"):
            lines += _table_lines(child) + 1
    return lines / _PAGE_LINES[landscape]


def _paragraph_lines(paragraph: BaseOxmlElement, width_cm: float, scale: float = 1.0) -> float:
    """Lines of text (``scale``: their height against a body line) plus pictures' heights."""
    text = "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
    pictures = sum(
        int(extent.get("cy", "0")) / _EMU_PER_LINE for extent in paragraph.iter(qn("wp:extent"))
    )
    chars = max(width_cm * _LINE_CHARS_PER_CM / scale, 1.0)
    return max(1.0 if text else 0.0, -(-len(text) // chars)) * scale + pictures


def _table_lines(table: BaseOxmlElement) -> float:
    """Rows at their tallest cell (9 pt text), each at least a line and its padding; a row
    that cannot break leaves, on average, half a row empty at the foot of a page."""
    widths = [
        int(col.get(qn("w:w"), "0")) / _TWIPS_PER_CM
        for col in table.iterfind(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")
    ]
    lines = 0.0
    for row in table.iterfind(qn("w:tr")):
        tallest = 0.75
        for n, cell in enumerate(row.findall(qn("w:tc"))):
            width = max((widths[n] if n < len(widths) else 2.0) - 0.4, 0.8)
            height = sum(_paragraph_lines(p, width, _CELL_SCALE) for p in cell.iter(qn("w:p")))
            tallest = max(tallest, height)
        lines += tallest + 0.3
    rows = len(table.findall(qn("w:tr")))
    return lines + (lines / rows / 2 if rows else 0)


_CELL_SCALE = 0.75  # 9 pt table text on 10.5 pt lines, against 10 pt body text on 14 pt lines
