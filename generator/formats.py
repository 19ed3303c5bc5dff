"""The registry of output formats: for each, which writer makes it and how its text is read back.

The leak check reads every output through this registry and nothing else, so a format added to
the build without a reader here is a finding ("cannot be read"), not a file waved through:
the check fails closed. Containers (Word files, zip bundles, gzipped sitemaps, PDF attachments)
are opened recursively, and every part of every container goes through the same registry, so a
Word file hidden inside a Word file is read like the outer one. Images are recorded by hash, so
that the build can prove each image it publishes is one it drew.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import importlib
import io
import json
import logging
import re
import struct
import threading
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .layout import MARKER

MAX_DEPTH = 6  # containers inside containers; deeper is refused, not skipped
MAX_EXPANDED = 512 * 1024 * 1024  # bytes unpacked from one output, against zip bombs
SEPARATOR = "!"  # public/plan.docx!word/embeddings/x.docx!word/document.xml

_TAG = re.compile(r"<[^>]*>")
_XML_BREAK = re.compile(r"</w:p>|<w:tab/>|<w:br/>|</w:tc>|</a:p>|<w:cr/>")
_BLOCK = re.compile(r"</?(p|div|li|td|th|tr|h\d|br|section|article|nav|header|footer)\b[^>]*>")
# Attributes a reader, a screen reader or a search engine shows, and Word's bookmark and image
# names: their values are text like any other. Other attributes (styles, ids of runs) are not.
_SHOWN_ATTRIBUTE = re.compile(  # after a space or a namespace prefix (w:name): no backtracking
    r"""[\s:](?:alt|title|content|aria-label|label|name|descr|href|src|placeholder|value)"""
    r"""\s?=\s?(?:"([^"]*)"|'([^']*)')"""
)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt"}
_PNG_PIXELS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"pHYs"}
_PNG_PIXELS |= {b"sBIT", b"bKGD", b"hIST", b"tIME", b"iCCP"}


class Unreadable(Exception):
    """A file or part whose text cannot be got out: the leak check reports it, never skips it."""


@dataclass(frozen=True)
class Part:
    """A file inside a container, to be read through the registry in its turn."""

    name: str
    data: bytes


Reader = Callable[[str, bytes], Iterator["str | Part"]]


@dataclass(frozen=True)
class Format:
    """One kind of output: the suffixes that name it, who writes it, how its text is read."""

    name: str
    suffixes: tuple[str, ...]
    read: Reader
    writer: str | None = None  # "module:function", imported only when asked for
    image: bool = False  # recorded by hash: only images the build drew may be published

    def write_function(self) -> Callable[..., Any] | None:
        if self.writer is None:
            return None
        module, name = self.writer.split(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


@dataclass
class Extracted:
    """What one output holds, as the leak check needs it."""

    texts: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (part, why)
    images: list[tuple[str, str]] = field(default_factory=list)  # (part, sha256)
    expanded: int = 0


# -- readers -------------------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (byte {exc.start})") from None


def read_plain(_name: str, data: bytes) -> Iterator[str | Part]:
    yield _decode(data)


def strip_markup(text: str) -> str:
    """XML/HTML to text: runs of one paragraph join up, paragraphs and cells are separated."""
    text = _XML_BREAK.sub(" ", text)
    text = _BLOCK.sub(" ", text)
    return html.unescape(_TAG.sub("", text))


def read_markup(_name: str, data: bytes) -> Iterator[str | Part]:
    """The text between tags, and the values of the attributes people are shown."""
    text = _decode(data)
    yield strip_markup(text)
    shown = _SHOWN_ATTRIBUTE.findall(text)  # one pass in C; unescaped once, all together
    if shown:
        yield html.unescape(" ".join(double or single for double, single in shown))


def json_strings(node: Any) -> Iterator[str]:
    """Every string of a JSON document, keys included, except a search engine's packed index."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            if key != "index":
                yield from json_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from json_strings(item)


def read_json(_name: str, data: bytes) -> Iterator[str | Part]:
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    yield from (strip_markup(t) for t in json_strings(document))


def read_gzip(name: str, data: bytes) -> Iterator[str | Part]:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            inner = unpacked.read(MAX_EXPANDED + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise Unreadable(f"not a readable gzip file ({exc})") from None
    if len(inner) > MAX_EXPANDED:
        raise Unreadable("unpacks to more than the leak check reads")
    yield Part(PurePosixPath(name).stem, inner)


def read_zip(_name: str, data: bytes) -> Iterator[str | Part]:
    """Every member of a zip container (Word files are zip containers), each a part."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"not a readable zip container ({exc})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > MAX_EXPANDED:
            raise Unreadable("unpacks to more than the leak check reads")
        for member in members:
            if member.flag_bits & 0x1:
                raise Unreadable(f"{member.filename}: encrypted")
            try:
                yield Part(member.filename, archive.read(member))
            except (zipfile.BadZipFile, OSError, zlib.error, NotImplementedError) as exc:
                raise Unreadable(f"{member.filename}: cannot be unpacked ({exc})") from None


def read_png(_name: str, data: bytes) -> Iterator[str | Part]:
    """The text chunks of a PNG (tEXt, zTXt, iTXt) and any chunk this reader does not know;
    the pixels of a chart are not text, and the build proves by hash that it drew them."""
    if not data.startswith(_PNG_SIGNATURE):
        raise Unreadable("not a PNG image")
    at = len(_PNG_SIGNATURE)
    while at < len(data):
        if at + 12 > len(data):
            raise Unreadable("truncated PNG chunk")
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IEND":
            if at != len(data):
                raise Unreadable("data after the end of the image")
            return
        if kind in _PNG_TEXT:
            yield _png_text(kind, body)
        elif kind not in _PNG_PIXELS:
            yield body.decode("latin-1")
    raise Unreadable("PNG image without an end")


def _png_text(kind: bytes, body: bytes) -> str:
    keyword, _, rest = body.partition(b"\0")
    try:
        if kind == b"zTXt":
            rest = zlib.decompress(rest[1:])
        elif kind == b"iTXt":
            compressed, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\0")
            _translated, _, rest = rest.partition(b"\0")
            if compressed:
                rest = zlib.decompress(rest)
            return f"{keyword.decode('latin-1')} {_translated.decode('utf-8')} {_decode(rest)}"
    except (zlib.error, IndexError, UnicodeDecodeError) as exc:
        raise Unreadable(f"unreadable {kind.decode()} chunk ({exc})") from None
    return f"{keyword.decode('latin-1')} {rest.decode('latin-1')}"


def read_jpeg(_name: str, data: bytes) -> Iterator[str | Part]:
    """The comment and application segments of a JPEG (EXIF, XMP: where text hides); the
    compressed pixels after the scan header are not text."""
    if not data.startswith(b"\xff\xd8"):
        raise Unreadable("not a JPEG image")
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise Unreadable("damaged JPEG segment")
        marker = data[at + 1]
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        body = data[at + 4 : at + 2 + length]
        if marker == 0xDA:  # start of scan: pixels up to the end-of-image marker
            if not data.rstrip(b"\0").endswith(b"\xff\xd9"):
                raise Unreadable("data after the end of the image")
            return
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:
            yield body.decode("latin-1")
        at += 2 + length
    raise Unreadable("JPEG image without pixels")


# The PDF libraries are imported on first need, by whichever thread of the build reads a PDF
# first: two threads importing one package at once can each get the other's half-made module
# (CPython breaks its import locks' deadlock so). pypdf's circular imports made builds fail so
# ("cannot import name 'IndirectObject' from partially initialized module"), when two PDFs
# were read at once on a busy machine. One import at a time.
_IMPORTING = threading.Lock()

# Unicode's format characters (category Cf): bidi isolates and marks, zero-width spaces and
# joiners, the soft hyphen. A reader does not see them, so "smug\u200bgling" reads "smuggling":
# the leak check reads both the content and the outputs without them (leaks.tokens), so neither
# the isolates the build puts around Latin words in Arabic documents (bidi.py) nor a character
# pasted into a word splits a phrase it looks for; the PDF reader places none on a line.
# (Unicode 14's list, Python 3.11's; a test keeps it whole.)
INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)


def read_pdf(_name: str, data: bytes) -> Iterator[str | Part]:
    """Everything a PDF reader, a screen reader or a search engine gets out of a PDF: each
    page's text as PDFium (Chrome's PDF library) reads it (see ``_pdfium_texts``), every string
    stored in any of its objects (properties, alt text and other structure attributes,
    bookmarks, link targets, annotations, marked-content properties of the pages and forms),
    its XMP metadata, and every embedded file, read through the registry in its turn. The
    objects are read by qpdf (pikepdf), in C++: pypdf, in Python, took four fifths of the leak
    check's time on PDFs. A page PDFium cannot read is read by pypdf; a PDF qpdf cannot open is
    a finding: the check fails closed."""
    with _IMPORTING:
        import pikepdf
        import pypdfium2  # noqa: F401 - imported here for the page readers, under the lock

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pdf = pikepdf.open(io.BytesIO(data))
            except pikepdf.PasswordError:
                raise Unreadable("encrypted PDF") from None
            with pdf:
                texts, attached = _pdf_objects(pdf, data)
    except (
        pikepdf.PdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
    ) as exc:
        raise Unreadable(f"not a readable PDF ({exc})") from None
    yield from texts
    yield from attached


def _pdf_objects(pdf: Any, data: bytes) -> tuple[list[str], list[Part]]:
    """The texts of a PDF qpdf opened: the pages' (PDFium's, and the glyphs an /ActualText
    stands for), and every object's strings and files."""
    pages = _pdfium_texts(data)
    texts = [text for page_texts in pages or [] for text in page_texts]
    actual: list[bool] = []
    for page in pdf.pages:
        texts += _marked_content_strings(_page_contents(page.obj), actual)
    found, attached = _object_strings(pdf, actual)
    texts += found
    if pages is None:  # PDFium cannot open it: pypdf reads the pages
        texts += _pypdf_page_texts(data)
    elif actual:
        texts += _covered_glyphs(pdf, data)
    return texts, attached


def _covered_glyphs(pdf: Any, data: bytes) -> list[str]:
    """PDFium reads an /ActualText instead of the glyphs it covers (Typst writes one for each
    Arabic glyph its font maps to no text), so text drawn on a page could hide behind a
    harmless one: the pages are read again by PDFium from a copy without any /ActualText.
    (pypdf read them, at five times the cost of the rest of an Arabic PDF's check.)"""
    import pikepdf

    kinds = pikepdf.ObjectType
    for obj in pdf.objects:
        for node in _written_inside(obj):
            if node._type_code in (kinds.dictionary, kinds.stream) and "/ActualText" in node:
                del node["/ActualText"]
        if isinstance(obj, pikepdf.Stream) and (
            obj.get("/Subtype") == "/Form" or obj.get("/Type") not in ("/XObject", "/ObjStm")
        ):
            _without_actual_text(obj)
    copy = io.BytesIO()
    pdf.save(copy)
    pages = _pdfium_texts(copy.getvalue())
    if pages is None:
        return _pypdf_page_texts(data)
    return [text for page_texts in pages for text in page_texts]


def _without_actual_text(stream: Any) -> None:
    """A content stream whose property lists no longer say /ActualText."""
    import pikepdf

    try:
        content = stream.read_bytes()
    except pikepdf.PdfError:  # an image or font in a filter qpdf cannot decode: no content
        return
    if b"#" in content or b"/ActualText" in content:
        renamed = _PDF_NAME.sub(_not_actual_text, content)
        if renamed != content:
            stream.write(renamed)


_PDF_NAME = re.compile(rb"/[^\s/\[\]<>(){}%]*")


def _not_actual_text(name: re.Match[bytes]) -> bytes:
    """/ActualText, however written (``/Actual#54ext`` is the same name), renamed."""
    plain = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), name[0])
    return b"/NoActualTxt" if plain == b"/ActualText" else name[0]


def _page_contents(page: Any) -> bytes:
    """A page's content streams, decoded and joined."""
    import pikepdf

    contents = page.get("/Contents")
    if contents is None:
        return b""
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(part.read_bytes() for part in contents)
    return bytes(contents.read_bytes())


def _pypdf_page_texts(data: bytes) -> list[str]:
    """The text of every page as pypdf extracts it, glyph by glyph."""
    with _IMPORTING:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted PDF")
        return [page.extract_text() or "" for page in reader.pages]
    except PyPdfError as exc:
        raise Unreadable(f"not a readable PDF ({exc})") from None


def _object_strings(pdf: Any, actual: list[bool]) -> tuple[list[str], list[Part]]:
    """Every text string of every object of the file and of its trailer (not names such as
    /Type: structure only, nor the file's identifier: see ``_without_file_ids``), the XML
    streams (XMP metadata), the marked-content properties of forms, and the embedded files
    with the names their file specifications give them. Objects no page or catalogue uses
    are read too. Appends to ``actual`` where an object holds an /ActualText."""
    import pikepdf

    found: list[str] = []
    attached: dict[tuple[int, int], Part] = {}
    kinds = pikepdf.ObjectType
    for top in [pdf.trailer, *pdf.objects]:
        if _nothing_to_read(top, kinds):
            continue
        for node in _written_inside(top):
            kind = node._type_code
            if kind == kinds.string:
                found += _string_texts(node)
            elif kind == kinds.dictionary or kind == kinds.stream:
                found += _dictionary_texts(node, actual, attached)
    return _without_file_ids(found, pdf.trailer.get("/ID")), list(attached.values())


def _written_inside(obj: Any) -> Iterator[Any]:
    """An object and every string, array and dictionary written inside it (not the indirect
    objects it points to: those are in pdf.objects, each read there once). Each is yielded
    before its contents are listed, so that a caller may take a key out of it."""
    import pikepdf

    kinds = pikepdf.ObjectType
    stack = [obj]
    while stack:
        node = stack.pop()
        yield node
        # The type code, not isinstance(node, pikepdf.Array): pikepdf's type classes check
        # through a metaclass, which took half of this walk's time.
        kind = node._type_code
        if kind == kinds.array:
            children = list(node)
        elif kind == kinds.dictionary or kind == kinds.stream:
            children = list(node.values())
        else:
            continue
        # Numbers and booleans come back as Python's own.
        stack += [c for c in children if type(c) is pikepdf.Object and not c.is_indirect]


def _nothing_to_read(obj: Any, kinds: Any) -> bool:
    """An object (not a stream) whose PDF syntax, as qpdf writes it, holds no string (literal
    or hex), no /ActualText and no embedded file: half of a Typst PDF's objects (structure
    elements, fonts' dictionaries), skipped without walking them in Python."""
    if obj._type_code == kinds.stream or not obj.is_indirect:
        return False
    syntax = obj.unparse(resolved=True)
    return (
        b"(" not in syntax
        and b"<" not in syntax.replace(b"<<", b"")
        and b"/ActualText" not in syntax
        and b"/EF" not in syntax
    )


def _string_texts(string: Any) -> list[str]:
    """A string as a PDF reader decodes it, and, where its bytes are neither ASCII nor marked
    UTF-16, as UTF-8 too: text written as it should not be is still read."""
    text, raw = str(string), bytes(string)
    if raw.isascii() or raw.startswith((b"\xfe\xff", b"\xff\xfe")):
        return [text]
    return [text, raw.decode("utf-8", errors="replace")]


def _dictionary_texts(
    node: Any, actual: list[bool], attached: dict[tuple[int, int], Part]
) -> list[str]:
    """What a dictionary or stream holds beyond its strings: an /ActualText (noted), the text
    of an XML stream, the marked-content properties of a form, the files it embeds."""
    import pikepdf

    if "/ActualText" in node:
        actual.append(True)
    found: list[str] = []
    if isinstance(node, pikepdf.Stream):
        if node.get("/Type") == "/Metadata" or node.get("/Subtype") == "/XML":
            found.append(_TAG.sub(" ", node.read_bytes().decode("utf-8", errors="replace")))
        if node.get("/Subtype") == "/Form":
            found += _marked_content_strings(node.read_bytes(), actual)
    files = node.get("/EF")
    if isinstance(files, pikepdf.Dictionary):
        name = str(node.get("/UF") or node.get("/F") or "embedded file")
        for stream in files.values():
            if isinstance(stream, pikepdf.Stream):
                attached.setdefault(stream.objgen, Part(name, bytes(stream.read_bytes())))
    return found


# A digest as Typst writes the file's identifier (and XMP's DocumentID and InstanceID): 16 bytes
# in base64, or in hex.
_DIGEST = re.compile(r"[A-Za-z0-9+/]{22}==|[0-9A-Fa-f]{32}")


def _without_file_ids(found: list[str], ids: Any) -> list[str]:
    """The texts without the file's identifier: two digests no reader shows, which, read as
    words, can hold an item's id by chance ("NIC/clu+a4/..."). Only digest-shaped values are
    dropped: text put in their place is read like any other."""
    digests = {str(i) for i in ids or () if _DIGEST.fullmatch(str(i))}
    if not digests:
        return found
    pattern = re.compile("|".join(re.escape(d) for d in sorted(digests)))
    return [pattern.sub(" ", text) for text in found]


_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def _pdfium_texts(data: bytes) -> list[list[str]] | None:
    """Each page's texts as PDFium reads them (in C, several times faster than pypdf, and as a
    reader's software shows them), or None where PDFium cannot open the file. A page with
    right-to-left text is read four ways, so that a phrase is found however it was written:
    as PDFium reads it; with each ligature's letters in their order (see ``_glyph_order``);
    the same with each run of left-to-right words inside a right-to-left line turned back into
    reading order (PDFium gives an Arabic line in reading order, but the English words within
    it last word first); and line by line from where each glyph stands on the page (see
    ``_by_position``: PDFium keeps the order of the content stream, where a footer's page
    number may come before the words around it)."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return None
        try:
            return [_pdfium_page(page) for page in document]
        except pdfium.PdfiumError:
            return None
        finally:
            document.close()


# PDFium is not thread-safe, and the build reads outputs in a pool of threads: one call at a
# time, each page and text page closed inside it (not left to a finaliser in another thread).
_PDFIUM = threading.Lock()


def _pdfium_page(page: Any) -> list[str]:
    try:
        textpage = page.get_textpage()
        try:
            read = textpage.get_text_range()
            if not _RIGHT_TO_LEFT.search(read):
                return [read]
            glyphs = _glyphs(textpage)
        finally:
            textpage.close()
    finally:
        page.close()
    ordered = _glyph_order(glyphs)
    return [read, ordered, _left_to_right_in_order(ordered), _by_position(glyphs)]


@dataclass(frozen=True)
class _Glyph:
    """A character of a page as PDFium reads it: where it stands (None for a line break PDFium
    adds), and its font size."""

    char: str
    origin: tuple[float, float] | None
    size: float


def _glyphs(textpage: Any) -> list[_Glyph]:
    import ctypes

    import pypdfium2.raw as raw

    x, y = ctypes.c_double(), ctypes.c_double()
    found: list[_Glyph] = []
    for index in range(textpage.count_chars()):
        char = chr(raw.FPDFText_GetUnicode(textpage, index))
        if INVISIBLE.fullmatch(char):
            continue  # a bidi isolate or other invisible mark: no glyph, and no place of its own
        if 0xDC00 <= ord(char) <= 0xDFFF and found and 0xD800 <= ord(found[-1].char) <= 0xDBFF:
            last = found.pop()  # the second half of a character beyond the BMP: kept whole
            char = (last.char + char).encode("utf-16", "surrogatepass").decode("utf-16")
            found.append(_Glyph(char, last.origin, last.size))
            continue
        origin = None
        if char not in "\r\n" and raw.FPDFText_GetCharOrigin(textpage, index, x, y):
            origin = (x.value, y.value)
        found.append(_Glyph(char, origin, raw.FPDFText_GetFontSize(textpage, index)))
    return found


def _glyph_order(glyphs: list[_Glyph]) -> str:
    """A page's text with the letters of each right-to-left ligature in their order: PDFium
    turns a right-to-left line around letter by letter, and with it the letters one glyph
    stands for (lam-alef "لأ" comes out "أل"). Those letters share the glyph's origin; a
    group of them holding right-to-left letters (and no combining mark, which may share its
    letter's origin) is turned back."""
    pieces: list[str] = []
    at = 0
    while at < len(glyphs):
        end = at + 1
        origin = glyphs[at].origin
        while end < len(glyphs) and origin is not None and glyphs[end].origin == origin:
            end += 1
        group = "".join(glyph.char for glyph in glyphs[at:end])
        if (
            end - at > 1
            and _RIGHT_TO_LEFT.search(group)
            and not any(unicodedata.combining(c) for c in group)
        ):
            group = group[::-1]
        pieces.append(group)
        at = end
    return "".join(pieces).encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _by_position(glyphs: list[_Glyph]) -> str:
    """A page's text line by line from where its glyphs stand: glyphs on one baseline (within
    a fifth of their size) make a line, read left to right, with a space where a gap wider
    than a glyph parts them; a line holding right-to-left letters is read from the right,
    each left-to-right run in it from the left. A combining mark stays with its letter."""
    clusters: list[tuple[str, float, float, float]] = []  # text, x, y, size
    for glyph in glyphs:
        if glyph.origin is None:
            continue
        if clusters and unicodedata.combining(glyph.char[0]):
            text, x, y, size = clusters[-1]
            clusters[-1] = (text + glyph.char, x, y, size)
        else:
            clusters.append((glyph.char, *glyph.origin, glyph.size))
    clusters.sort(key=lambda cluster: -cluster[2])
    lines: list[list[tuple[str, float, float, float]]] = []
    for cluster in clusters:
        if lines and lines[-1][0][2] - cluster[2] <= max(lines[-1][0][3], 1) / 5:
            lines[-1].append(cluster)
        else:
            lines.append([cluster])
    read: list[str] = []
    for line in lines:
        line.sort(key=lambda cluster: cluster[1])  # stable: a ligature's letters as PDFium gave
        # Pieces parted by a gap wider than three glyphs (table cells) are read each alone.
        cells: list[list[str]] = [[]]
        for before, cluster in zip([None, *line], line, strict=False):
            gap = cluster[1] - before[1] if before is not None else 0
            if gap > 3 * max(before[3] if before else 1, 1):
                cells.append([])
            elif gap > 1.5 * max(before[3] if before else 1, 1):
                cells[-1].append(" ")
            cells[-1].append(cluster[0])
        right_to_left = any(_RIGHT_TO_LEFT.search(c) for cell in cells for c in cell)
        for pieces in cells[::-1] if right_to_left else cells:
            if any(_RIGHT_TO_LEFT.search(piece) for piece in pieces):
                pieces = _right_to_left(pieces[::-1])
            read.append("".join(pieces))
    return "\n".join(read)


def _right_to_left(pieces: list[str]) -> list[str]:
    """A right-to-left line's glyphs taken from the right, with each run of left-to-right
    letters and digits (and the marks and spaces between them) turned back to the left."""
    kinds = [
        "R" if _RIGHT_TO_LEFT.search(p) else "L" if any(c.isalnum() for c in p) else "N"
        for p in pieces
    ]
    at = 0
    while at < len(pieces):
        if kinds[at] != "L":
            at += 1
            continue
        end = last = at
        while end < len(pieces) and kinds[end] != "R":
            if kinds[end] == "L":
                last = end
            end += 1
        pieces[at : last + 1] = pieces[at : last + 1][::-1]
        at = end
    return pieces


_LEFT_TO_RIGHT_RUN = re.compile(  # text between right-to-left letters, without its outer spaces
    "[^\\s\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]"
    "(?:[^\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]*[^\\s\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc])?"
)
_PIECE = re.compile(r"\d+(?:[.,:/-]\d+)*%?|\w+|\W")  # a number is one piece


def _left_to_right_in_order(text: str) -> str:
    """A right-to-left page's lines with their runs of left-to-right words turned back into
    reading order, word by word and around the marks between them ("groups armed door-Closed"
    within Arabic is read "Closed-door armed groups"; PDFium turns an English line of an Arabic
    paragraph around too, so every line is; each number stays whole: "41,000")."""
    return "\n".join(
        _LEFT_TO_RIGHT_RUN.sub(lambda run: "".join(reversed(_PIECE.findall(run[0]))), line)
        for line in text.splitlines()
    )


class _Strict:
    """Stands for the file when pypdf parses a property list: strict, so that a list it cannot
    read raises instead of coming back without the strings it could not read."""

    strict = True


# A property list of plain entries only: each a key spelled without escapes and a number, a
# name, or a string of printable ASCII without backslashes, its parentheses paired at most one
# deep (so read as written: "4 (Extreme)"). Read without pypdf; any other list (nested,
# escaped, hex strings, Unicode) is parsed by it.
_PLAIN_CHAR = rb"[\x20-\x27\x2a-\x5b\x5d-\x7e]"
_PLAIN_TEXT = rb"(?:" + _PLAIN_CHAR + rb"|\(" + _PLAIN_CHAR + rb"*\))*"
_PLAIN_LIST = re.compile(
    rb"(?:\s*/[A-Za-z0-9]+\s*(?:-?\d+(?:\.\d+)?|/[A-Za-z0-9]+|\(" + _PLAIN_TEXT + rb"\)))*\s*"
)
_PLAIN_STRING = re.compile(rb"/([A-Za-z0-9]+)\s*\((" + _PLAIN_TEXT + rb")\)")


def _marked_content_strings(stream: bytes, actual: list[bool]) -> list[str]:
    """The strings of a content stream's inline property lists (``/Span <</Alt (...)>> BDC``,
    ``/ActualText``, ``DP``): alternate text a screen reader speaks, which neither pypdf's nor
    PDFium's page text holds. Every ``<<`` that may open a list holding a string is parsed by
    pypdf; one that does not parse (a ``<<`` inside a string or inside image data, or a broken
    list) is read as raw text up to the next marked-content operator instead, so that what is
    written there is still read. Appends to ``actual`` where a list holds an /ActualText, or
    could not be parsed (see ``read_pdf``). pypdf is imported only for a list to parse (a
    sixth of a second: most of a rebuild's start when the PDFs hold none)."""
    found: list[str] = []
    source = io.BytesIO(stream)
    at = stream.find(b"<<")
    while at != -1:
        end = stream.find(b">>", at + 2)
        head = stream[at + 2 : end if end != -1 else len(stream)]
        if end != -1 and _PLAIN_LIST.fullmatch(head):  # what Typst writes: /MCID 3/Lang(en)
            for key, text in _PLAIN_STRING.findall(head):
                found.append(text.decode("ascii"))
                actual.extend([True] if key == b"ActualText" else [])
        elif b"(" in head or b"<" in head:  # else no string, nor a list inside, before its end
            with _IMPORTING:
                from pypdf.errors import PyPdfError
                from pypdf.generic import read_object

            source.seek(at)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _direct_strings(read_object(source, _Strict()), found, actual)  # type: ignore[arg-type]
            except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
                actual.append(True)
                stops = [i for i in (stream.find(b"BDC", at), stream.find(b"DP", at)) if i != -1]
                found.append(stream[at : min(stops, default=len(stream))].decode("latin-1"))
        at = stream.find(b"<<", at + 2)
    return found


def _direct_strings(node: Any, found: list[str], actual: list[bool]) -> None:
    """Every string of a direct object (a content stream holds no references)."""
    with _IMPORTING:
        from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, TextStringObject

    if isinstance(node, DictionaryObject):
        if "/ActualText" in node:
            actual.append(True)
        for value in node.values():
            _direct_strings(value, found, actual)
    elif isinstance(node, ArrayObject):
        for value in node:
            _direct_strings(value, found, actual)
    elif isinstance(node, TextStringObject):
        found.append(str(node))
    elif isinstance(node, ByteStringObject):
        found.append(bytes(node).decode("utf-8", errors="replace"))


# -- the registry --------------------------------------------------------------------------------
FORMATS: tuple[Format, ...] = (
    Format("Markdown", (".md",), read_plain, "generator.writers:write_text"),
    Format("Word", (".docx",), read_zip, "generator.writers.docx:write_docx"),
    Format("site page", (".html", ".htm"), read_markup, "generator.site:write_site"),
    Format("search index", (".json",), read_json, "generator.site:write_site"),
    Format("chart", (".png",), read_png, "generator.charts:write_charts", image=True),
    Format("JPEG image", (".jpg", ".jpeg"), read_jpeg, image=True),  # Word's thumbnails
    Format("HXL CSV", (".csv",), read_plain, "generator.writers.hxl:write_indicators_hxl"),
    Format("XML", (".xml", ".rels"), read_markup, "generator.site:write_site"),
    Format("SVG", (".svg",), read_markup, "generator.site:write_site"),
    Format("gzip", (".gz",), read_gzip, "generator.site:write_site"),
    Format("zip", (".zip", ".xlsx", ".pptx"), read_zip, "generator.release:write_bundle"),
    Format("PDF", (".pdf",), read_pdf, "generator.writers.pdf:write_pdf"),
    Format("theme script", (".js", ".css", ".map"), read_plain, "generator.site:write_site"),
    Format("text", (".txt", ".yml", ".yaml"), read_plain),
    Format("build marker", (MARKER,), read_plain, "generator.publish:write_marker"),
)
_BY_SUFFIX = {suffix: f for f in FORMATS for suffix in f.suffixes}


def format_of(name: str) -> Format | None:
    """The registered format of a file or part name, by its suffix (or its whole name)."""
    pure = PurePosixPath(name)
    return _BY_SUFFIX.get(pure.name) or _BY_SUFFIX.get(pure.suffix.lower())


def extract(name: str, data: bytes) -> Extracted:
    """Everything the leak check needs from one output: its text (every part of every
    container), the parts it could not read, and the images it holds, by hash."""
    found = Extracted()
    _extract(name, data, found, depth=0)
    return found


def _extract(name: str, data: bytes, found: Extracted, depth: int) -> None:
    fmt = format_of(name)
    if fmt is None:
        found.unreadable.append((name, "a format the leak check does not know"))
        return
    if fmt.image:
        found.images.append((name, hashlib.sha256(data).hexdigest()))
    try:
        for item in fmt.read(name, data):
            if isinstance(item, str):
                found.texts.append(item)
                continue
            found.expanded += len(item.data)
            if depth + 1 > MAX_DEPTH or found.expanded > MAX_EXPANDED:
                raise Unreadable("containers nested too deep or too large to read")
            _extract(f"{name}{SEPARATOR}{item.name}", item.data, found, depth + 1)
    except Unreadable as exc:
        found.unreadable.append((name, str(exc)))
