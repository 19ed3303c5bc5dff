"""PDF output: a tagged, accessible PDF (PDF/UA-1) beside each Word file, from the same Markdown.

pandoc's Typst writer turns the Markdown into Typst markup (content text escaped), through the
template and filter in ``templates/pdf/`` (layout, alt text, the reference document's named
styles), and the ``typst`` package compiles it in-process: no LaTeX, no LibreOffice. Typst tags
the PDF (headings, tables, lists, figures with alt text), writes PDF/UA-1 identification, the
title and the language, and takes its creation date from the build time, so the same content
and time give the same bytes. LibreOffice's export of the Word file, the alternative, writes an
untagged PDF (no structure tree, no MarkInfo) and took 8 s for the HNO on this project's busy
2-core machine, against 1.1 s for pandoc and Typst (Typst's own part about 0.3 s).

Fonts: typst embeds only fonts it is given, and its bundled ones have no Arabic. The PDF uses
Noto Sans for Latin text when its package (``fontpkg-noto-sans``) is installed, and DejaVu Sans,
which matplotlib ships, for the rest (Latin and Arabic). System fonts are never used: every
machine makes the same PDF.
"""

from __future__ import annotations

import importlib.util
import json
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pypandoc
import typst

from ..bidi import isolate_left_to_right_in_ast
from ..errors import BuildFailed
from ..resources import TEMPLATES
from . import write_atomically
from .docx import MARKDOWN_FORMAT, DocxMeta, metadata_file, split_front_matter

PDF_TEMPLATE = TEMPLATES / "pdf" / "protdocs.typ"
PDF_FILTER = TEMPLATES / "pdf" / "protdocs.lua"
# Font packages looked for, each with the families it gives, best first; then matplotlib's.
# Not Noto Sans Arabic (fontpkg-noto-sans-arabic): with it, a PDF reader (and so the leak
# check) gets a quarter of Arabic words back garbled, where DejaVu Sans gives them back whole.
FONT_PACKAGES = (
    ("fontpkg_noto_sans", "files", ("Noto Sans",)),
    ("matplotlib", "mpl-data/fonts/ttf", ("DejaVu Sans",)),
)
# Typst code that reads files, loads packages or plugins or evaluates strings: the template uses
# none, and pandoc escapes '#' in content text (``\#``), so an unescaped one (after an even run
# of backslashes) means something got through that must not.
_FORBIDDEN = re.compile(
    r"(?<!\\)(?:\\\\)*#\s*(import|include|read|json|yaml|toml|csv|xml|cbor|eval|plugin)\b"
)


@dataclass(frozen=True)
class PdfMeta:
    """A PDF's properties: the Word file's, plus what only the PDF prints."""

    document: DocxMeta  # title, author, banner, language, orientation, build time
    page_of: str  # "page {page} of {pages}", translated
    draft_mark: str = ""  # printed across every page of a draft; empty for a release


@dataclass(frozen=True)
class FontSet:
    folders: tuple[str, ...]
    families: tuple[str, ...]


@cache
def fonts() -> FontSet:
    """The font folders of the installed packages and the families they give, best first."""
    folders: list[str] = []
    families: list[str] = []
    for package, inner, names in FONT_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        folder = Path(spec.origin).parent / inner
        if folder.is_dir():
            folders.append(str(folder))
            families.extend(names)
    return FontSet(tuple(folders), tuple(families))


@cache
def _font_book() -> typst.Fonts:
    """Read once per process: every compile shares it."""
    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=list(fonts().folders)
    )


def typst_source(markdown: str, right_to_left: bool = False) -> str:
    """The document as Typst markup, laid out by the PDF template. Right to left, the Latin
    stretches of each paragraph are isolated first (``bidi.isolate_left_to_right_in_ast``), as
    they are in the Word file: "2027.1-draft" would print "draft-2027.1", and an English
    sentence not yet translated would print its full stop at its start."""
    # As for Word: the front matter reaches pandoc as a metadata file we write (block syntax is
    # off in MARKDOWN_FORMAT, so content can open none), and pandoc runs in its sandbox.
    front, body = split_front_matter(markdown)
    reader = MARKDOWN_FORMAT
    try:
        if right_to_left:
            body, reader = _isolated_json(body), "json"
        with tempfile.TemporaryDirectory(prefix="protdocs-typst-") as tmp:
            source = pypandoc.convert_text(
                body,
                "typst",
                format=reader,
                sandbox=True,
                verify_format=False,  # not `pandoc --list-*-formats` twice a conversion
                extra_args=[
                    "--standalone",
                    f"--template={PDF_TEMPLATE}",
                    f"--lua-filter={PDF_FILTER}",
                    f"--metadata-file={metadata_file(front, Path(tmp))}",
                    "--wrap=preserve",
                ],
            )
    except RuntimeError as exc:
        raise BuildFailed(f"pandoc could not make the PDF's Typst source: {exc}") from exc
    found = _FORBIDDEN.search(source)
    if found:
        raise BuildFailed(
            f"the PDF's Typst source holds {found.group(0)!r}, which reads files; "
            "a template or filter let code through: report this as a bug"
        )
    return source


def _isolated_json(body: str) -> str:
    """The Markdown as pandoc reads it (its JSON), its left-to-right stretches isolated."""
    tree = json.loads(
        pypandoc.convert_text(
            body, "json", format=MARKDOWN_FORMAT, sandbox=True, verify_format=False
        )
    )
    isolate_left_to_right_in_ast(tree["blocks"])
    return json.dumps(tree, ensure_ascii=False)


def pdf_inputs(meta: PdfMeta) -> dict[str, str]:
    """What the template reads as sys.inputs: plain strings, never markup."""
    doc = meta.document
    return {
        "title": doc.title,
        "author": doc.author,
        "subject": doc.subject,
        "banner": doc.banner,
        "lang": doc.lang,
        "landscape": "true" if doc.landscape else "false",
        "page-of": meta.page_of,
        "draft-mark": meta.draft_mark,
        "fonts": ",".join(fonts().families),
    }


def write_pdf(markdown: str, target: Path, meta: PdfMeta, resources: Path) -> None:
    """``resources`` is the folder the Markdown's images are relative to, and all Typst may
    read: a path out of it (``../``, an absolute one) is refused by the compiler."""
    source = typst_source(markdown, meta.document.right_to_left)

    def produce(tmp: Path) -> None:
        try:
            # The stubs tie root's type to the input's (bytes here): a path is what it takes.
            data, _warnings = typst.compile_with_warnings(  # type: ignore[call-overload]
                source.encode("utf-8"),
                root=str(resources),
                font_paths=_font_book(),
                ignore_system_fonts=True,
                format="pdf",
                sys_inputs=pdf_inputs(meta),
                pdf_standards=["ua-1"],
                timestamp=meta.document.timestamp,
            )
        except typst.TypstError as exc:
            hints = "".join(f"\n  hint: {h}" for h in exc.hints)
            message = (
                f"{target.name}: the PDF could not be made: {exc.message}{hints}\n"
                f"  The Markdown it is made from is {target.with_suffix('.md').name}, beside it; "
                "if nothing in the content explains this, report it with that file."
            )
            raise BuildFailed(message) from exc
        tmp.write_bytes(data)

    write_atomically(target, produce)
