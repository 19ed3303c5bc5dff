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

from ..errors import BuildFailed
from ..mdtext import is_safe_target, plain_text
from ..model import language_tag
from ..resources import REFERENCE_DOC
from . import write_atomically, zip_entry
from .bookmarks import mark_anchors
from .language import tag_other_languages
from .rtl import _RPR, _ensure, make_right_to_left, pandoc_language_args

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
_IMAGE = re.compile(r"(!\[[^\]\n]*\]\()([^)\s]+)(\))")
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
    return {str(k): str(v) for k, v in loaded.items()}, markdown[match.end() :]


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
    if edit is not None:
        edit(doc)
    mark_anchors(doc)  # the review's anchors (see anchors.py)
    for section in doc.sections:
        if meta.landscape:
            _landscape(section)
        _banner(section.header, meta.banner, page_number=False)
        _banner(section.footer, meta.banner, page_number=True)
    _shade_highlighted_rows(doc)
    tag_other_languages(doc)
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
