"""The PDFs: one beside each Word file, tagged for PDF/UA-1, with the Word file's look and
properties, only their audience's text, and read by the leak check.

PDFs are opened with pypdf as a reader's software would: structure tree and MarkInfo (tagged),
XMP metadata (PDF/UA identification, title), /Lang, page size, page text and alt text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from generator.build import BuildResult
from generator.cli import main
from generator.docmeta import is_draft
from generator.documents import DOCUMENTS
from generator.errors import BuildFailed
from generator.formats import _pdfium_texts, _without_file_ids, extract
from generator.leaks import pdf_text, tokens, windows
from generator.validate import load_and_validate
from generator.writers.docx import DocxMeta
from generator.writers.pdf import PdfMeta, fonts, write_pdf
from tests.conftest import EXAMPLE
from tests.test_leaks import T6_TEXT

A4 = (595.28, 841.89)  # points
PUBLIC_HNO = "public/hno-protection-analysis.pdf"
INTERNAL_PLAN = "internal/hct-protection-action-plan.pdf"
PUBLIC_RISK = "Gender-based violence against displaced women and girls in Lower Tarvan"  # R2
CHART_ALT = "People in need of protection by sex and age"
SEVERITY_ALT = (
    "Severity of protection needs by area: Upper Tarvan 4 (Extreme); Marisk 4 (Extreme); "
    "Lower Tarvan 3 (Severe); Orlen (capital district) 2 (Stress)"
)
WHEN = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def words(text: str) -> str:
    return " ".join(text.split())


def pdfs(op_dir: Path) -> list[Path]:
    return sorted(p for p in op_dir.rglob("*.pdf") if "site" not in p.relative_to(op_dir).parts[0])


def structure(reader: PdfReader) -> list[DictionaryObject]:
    """Every element of the structure tree, depth first."""
    found: list[DictionaryObject] = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, DictionaryObject):
            if node.get("/Type") == "/StructElem":
                found.append(node)
            kids = node.get("/K")
            if kids is not None:
                stack.extend(kids if isinstance(kids, list) else [kids])
        elif isinstance(node, list):
            stack.extend(node)
    return found


# -- every document, from the shared build of the example ---------------------------------------
def test_a_pdf_beside_each_word_file(example_build: BuildResult) -> None:
    op_dir = example_build.op_dir
    words_files = {p.with_suffix("") for p in op_dir.rglob("*.docx")}
    assert {p.with_suffix("") for p in pdfs(op_dir)} == words_files
    assert len(words_files) == len(DOCUMENTS)  # one each: 5 public, 8 internal


def test_every_pdf_is_tagged_pdf_ua_with_title_and_language(example_build: BuildResult) -> None:
    for path in pdfs(example_build.op_dir):
        reader = PdfReader(path)
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root, path
        assert bool(root["/MarkInfo"]["/Marked"]), path
        assert root["/Lang"] == "en", path
        xmp = reader.xmp_metadata
        assert xmp is not None
        raw = root["/Metadata"].get_object().get_data().decode("utf-8")
        assert re.search(r"pdfuaid:part(>|=\")1", raw), path
        title = reader.metadata.title if reader.metadata else None
        assert title and title.startswith("Norvania: "), path
        assert xmp.dc_title and next(iter(xmp.dc_title.values())) == title
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]), path
        assert any(e["/S"] == "/H1" for e in structure(reader)), path


def test_pages_are_a4_and_annexes_landscape(example_build: BuildResult) -> None:
    for path in pdfs(example_build.op_dir):
        for page in PdfReader(path).pages:
            size = (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))
            expected = A4[::-1] if "annex-" in path.name else A4
            assert size == pytest.approx(expected, abs=0.5), path


def test_banner_page_numbers_and_draft_mark(example_build: BuildResult) -> None:
    reader = PdfReader(example_build.op_dir / INTERNAL_PLAN)
    pages = len(reader.pages)
    assert pages > 1
    assert is_draft(load_and_validate(EXAMPLE).operation["version"])  # 2027.1-draft
    for number, page in enumerate(reader.pages, 1):
        text = words(page.extract_text())
        assert "CONFIDENTIAL — HCT Norvania · 2027 — do not forward" in text
        assert f"page {number} of {pages}" in text
        assert "DRAFT" in text


def test_public_pdf_has_public_text_and_no_internal_text(example_build: BuildResult) -> None:
    public = words(pdf_text(example_build.op_dir / PUBLIC_HNO))
    assert PUBLIC_RISK in public
    assert CHART_ALT in public
    internal = words(pdf_text(example_build.op_dir / INTERNAL_PLAN))
    a1 = "In closed meetings with the Minister of Defence and the army Chief of Staff"
    assert a1 in internal  # the reader finds text when it is there
    for path in pdfs(example_build.op_dir / "public"):
        text = words(pdf_text(path))
        assert a1 not in text and T6_TEXT[:60] not in text, path


def test_charts_are_figures_with_their_description_as_alt_text(
    example_build: BuildResult,
) -> None:
    reader = PdfReader(example_build.op_dir / PUBLIC_HNO)
    figures = [e for e in structure(reader) if e["/S"] == "/Figure"]
    assert sorted(str(f.get("/Alt")) for f in figures) == sorted([CHART_ALT, SEVERITY_ALT])
    annex = PdfReader(example_build.op_dir / "public/annexes/annex-3-monitoring-framework.pdf")
    alts = [str(e.get("/Alt")) for e in structure(annex) if e["/S"] == "/Figure"]
    assert alts and all(a and "pdS_" not in a and "\ue000" not in a for a in alts)


def test_tables_have_header_cells(example_build: BuildResult) -> None:
    reader = PdfReader(example_build.op_dir / PUBLIC_HNO)
    kinds = [str(e["/S"]) for e in structure(reader)]
    assert "/Table" in kinds and "/TH" in kinds and "/TD" in kinds


def test_the_pdf_embeds_its_fonts_and_no_system_font(example_build: BuildResult) -> None:
    reader = PdfReader(example_build.op_dir / PUBLIC_HNO)
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert (
                "/FontFile2" in descendant["/FontDescriptor"]
                or "/FontFile3" in descendant["/FontDescriptor"]
            )
            names.add(str(font["/BaseFont"]).split("+", 1)[1])
    families = set(fonts().families)
    assert all(any(n.startswith(f.replace(" ", "")) for f in families) for n in names), names


# -- one document at a time ----------------------------------------------------------------------
def meta(lang: str = "en", draft: str = "", title: str = "Norvania: Test") -> PdfMeta:
    return PdfMeta(
        DocxMeta(
            title=title,
            subject="Norvania 2027 — Test",
            author="Humanitarian Country Team, Norvania",
            category="Public",
            banner="Norvania · 2027 · PUBLIC",
            timestamp=WHEN,
            lang=lang,
            right_to_left=lang == "ar",
        ),
        page_of="page {page} of {pages}",
        draft_mark=draft,
    )


MARKDOWN = "---\ntitle: Test\n---\n\n# Section\n\nA public sentence about the river.\n"


def test_same_content_and_time_give_the_same_bytes(tmp_path: Path) -> None:
    first, second, later = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "c.pdf"
    write_pdf(MARKDOWN, first, meta(), tmp_path)
    write_pdf(MARKDOWN, second, meta(), tmp_path)
    assert first.read_bytes() == second.read_bytes()
    info = PdfReader(first).metadata
    assert info is not None and info.creation_date == WHEN
    other = PdfMeta(
        DocxMeta(**{**meta().document.__dict__, "timestamp": WHEN + dt.timedelta(days=1)}),
        page_of="page {page} of {pages}",
    )
    write_pdf(MARKDOWN, later, other, tmp_path)
    assert later.read_bytes() != first.read_bytes()


def test_a_release_has_no_draft_mark(tmp_path: Path) -> None:
    write_pdf(MARKDOWN, tmp_path / "draft.pdf", meta(draft="DRAFT"), tmp_path)
    write_pdf(MARKDOWN, tmp_path / "final.pdf", meta(), tmp_path)
    assert "DRAFT" in pdf_text(tmp_path / "draft.pdf")
    assert "DRAFT" not in pdf_text(tmp_path / "final.pdf")


def test_arabic_is_right_to_left_with_an_arabic_font(tmp_path: Path) -> None:
    sentence = "الحد من الأضرار التي تلحق بالمدنيين"
    target = tmp_path / "ar.pdf"
    page_of = "الصفحة {page} من {pages}"
    write_pdf(
        f"# القسم\n\n{sentence}\n",
        target,
        PdfMeta(meta(lang="ar").document, page_of=page_of),
        tmp_path,
    )
    reader = PdfReader(target)
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    text = reader.pages[0].extract_text()
    # Each Arabic word comes out of the PDF as it went in: shaped by a font that has it.
    assert all(word in text for word in sentence.split())
    # Right to left: the Arabic text's right edge is at the right margin, not the left.
    xs: list[float] = []
    reader.pages[0].extract_text(
        visitor_text=lambda t, cm, tm, *_: (
            xs.append(cm[4] + tm[4]) if re.search("[\u0600-\u06ff]", t) else None
        )
    )
    assert xs and min(xs) > 595.28 / 3  # left to right, it would start at the 2 cm margin


def test_the_leak_check_reads_arabic_phrases_in_reading_order(tmp_path: Path) -> None:
    """A PDF holds right-to-left words in visual order; the leak check reads every five-word
    phrase of an Arabic paragraph back as it was written."""
    sentence = "الحد من الأضرار التي تلحق بالمدنيين في أعالي تارفان وماريسك"
    target = tmp_path / "ar.pdf"
    write_pdf(
        f"# القسم\n\n{sentence}\n", target, PdfMeta(meta(lang="ar").document, "{page}"), tmp_path
    )
    found = set(windows(tokens(pdf_text(target)), 5))
    assert set(windows(tokens(sentence), 5)) <= found


def test_the_leak_check_reads_english_words_within_arabic_in_reading_order(
    tmp_path: Path,
) -> None:
    """PDFium reads an Arabic line in reading order but the English words within it last word
    first; the leak check reads them as they were written too."""
    english = "Closed-door advocacy with armed groups"
    # An English paragraph of an Arabic document, over several lines, with numbers.
    paragraph = (
        "Train 2,600 teachers to run evacuation drills and explosive ordnance risk education, "
        "and to refer distressed children to psychosocial support in 41,000 households. " * 3
    )
    target = tmp_path / "ar.pdf"
    write_pdf(
        f"# القسم\n\nالحد من الأضرار {english} في أعالي تارفان\n\n{paragraph}\n",
        target,
        PdfMeta(meta(lang="ar").document, "{page}"),
        tmp_path,
    )
    read = tokens(pdf_text(target))
    phrase = tuple(tokens(english))
    assert phrase in set(windows(read, len(phrase)))
    assert set(windows(tokens(paragraph), 5)) <= set(windows(read, 5))


def test_content_text_cannot_run_typst_code(tmp_path: Path) -> None:
    """What pandoc writes from text is escaped: Typst code in content is printed, not run."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET FILE BODY", encoding="utf-8")
    hostile = (
        '#read("secret.txt") #import "@preview/cetz:0.3.0" $x$ <label> @ref `#eval("1")` '
        '] #read("secret.txt") [ \\\\#read("secret.txt") a // comment /* b */ end'
    )
    target = tmp_path / "out.pdf"
    write_pdf(f"# Title\n\n{hostile}\n", target, meta(), tmp_path)
    text = words(pdf_text(target))
    assert "SECRET FILE BODY" not in text
    assert "a // comment /* b */ end" in text  # not read as a Typst comment
    assert (
        "#read(" in text
        and "secret.txt" in text
        and '#import "@preview/cetz' in text.replace("“", '"')
    )


def test_links_within_the_document_and_thematic_breaks_make_no_failure(tmp_path: Path) -> None:
    """Content text may link to a heading that is not there, or keep a link whose unsafe target
    protdocs took away ("#"); a line of '---' is a thematic break. None stops the PDF."""
    markdown = (
        "# Title\n\nSee [below](#nowhere), [this](#) and [the web](https://example.org).\n\n"
        "---\n\nAfter the break.\n"
    )
    write_pdf(markdown, tmp_path / "links.pdf", meta(), tmp_path)
    text = " ".join(pdf_text(tmp_path / "links.pdf").split())
    assert "See below, this and the web." in text and "After the break." in text


def test_an_image_outside_the_documents_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "public"
    folder.mkdir()
    Image.new("RGB", (8, 8), "red").save(tmp_path / "outside.png")
    with pytest.raises(BuildFailed, match=r"out\.pdf: the PDF could not be made: .*outside"):
        write_pdf("![a picture](../outside.png)\n", folder / "out.pdf", meta(), folder)
    assert not (folder / "out.pdf").exists()


# -- the leak check reads PDFs -----------------------------------------------------------------
@pytest.mark.parametrize("where", ["page", "title", "alt text"])
def test_a_leak_placed_in_a_pdf_stops_check_leaks(
    runner: CliRunner, example_build: BuildResult, tmp_path: Path, where: str
) -> None:
    op_dir = tmp_path / "out" / example_build.op_dir.name
    shutil.copytree(example_build.op_dir, op_dir)
    shutil.copy(op_dir / "public/charts/people-in-need.png", tmp_path / "chart.png")
    markdown = {
        "page": f"# Notes\n\n{T6_TEXT}\n",
        "title": "# Notes\n\nNothing here.\n",
        "alt text": f"# Notes\n\n![{T6_TEXT}](chart.png)\n",
    }[where]
    title = T6_TEXT if where == "title" else "Norvania: Notes"
    write_pdf(markdown, tmp_path / "notes.pdf", meta(title=title), tmp_path)
    shutil.copy(tmp_path / "notes.pdf", op_dir / "public/notes.pdf")
    result = runner.invoke(
        main, ["check-leaks", "--content", str(EXAMPLE), "--out", str(op_dir.parent)]
    )
    assert result.exit_code == 3, result.output
    assert "notes.pdf: text of T6 (text, internal" in result.output


def test_an_unreadable_pdf_stops_the_check(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 20)
    found = extract(broken.name, broken.read_bytes())
    assert found.unreadable and "PDF" in found.unreadable[0][1]  # a finding, never skipped


# -- the leak check reads pages with PDFium, and what PDFium leaves out with pypdf ---------------
def test_every_page_is_read_by_pdfium_as_fully_as_pypdf_reads_it(
    example_build: BuildResult,
) -> None:
    """Every page of the example is read by PDFium, and every three-word phrase pypdf reads
    from a page, the leak check reads too."""
    for path in pdfs(example_build.op_dir):
        pages = _pdfium_texts(path.read_bytes())
        assert pages is not None, f"{path.name}: PDFium could not open it"
        read = PdfReader(path).pages
        assert len(pages) == len(read), path.name
        for number, (texts, page) in enumerate(zip(pages, read, strict=True), 1):
            ours = set(windows(tokens(" ".join(texts)), 3))
            theirs = set(windows(tokens(page.extract_text()), 3))
            assert theirs <= ours, f"{path.name}, page {number}: {sorted(theirs - ours)[:5]}"


def test_pdfs_read_in_several_threads_read_as_one_after_another(
    example_build: BuildResult,
) -> None:
    """The build reads its outputs in a pool of threads, and PDFium is not thread-safe (without
    the lock this crashed the process): read at once, every PDF gives what it gives alone."""
    datas = [path.read_bytes() for path in pdfs(example_build.op_dir)] * 3
    alone = [_pdfium_texts(data) for data in datas]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(_pdfium_texts, datas)) == alone


def test_a_page_with_an_inline_image_is_read(tmp_path: Path) -> None:
    """An inline image (which only a hand-edited or foreign PDF holds) changes nothing: the
    page's text is still read."""
    write_pdf(MARKDOWN, tmp_path / "typst.pdf", meta(), tmp_path)
    writer = PdfWriter(clone_from=tmp_path / "typst.pdf")
    contents = writer.pages[0]["/Contents"].get_object()
    contents.set_data(contents.get_data() + b"\nq BI /W 1 /H 1 /CS /G /BPC 8 ID \x00 EI Q\n")
    with (tmp_path / "edited.pdf").open("wb") as handle:
        writer.write(handle)
    assert "A public sentence about the river." in words(pdf_text(tmp_path / "edited.pdf"))


@pytest.mark.parametrize(
    "properties",
    [
        b"/Alt (Closed-door advocacy with armed groups)",
        b"/ActualText <FEFF0043006C006F007300650064002D0064006F006F0072> /Alt (advocacy)",
        b"/Alt (a <<(Closed-door advocacy>> \\) with armed groups)",  # `<<` inside the string
        b"/Alt (Closed-door advocacy with armed groups",  # never closed: read raw
    ],
)
def test_marked_content_properties_of_a_page_are_read(tmp_path: Path, properties: bytes) -> None:
    """Alternate and actual text written in a page's content stream (which a screen reader
    speaks, and no page text holds) reach the leak check, however they are written."""
    write_pdf(MARKDOWN, tmp_path / "typst.pdf", meta(), tmp_path)
    writer = PdfWriter(clone_from=tmp_path / "typst.pdf")
    contents = writer.pages[0]["/Contents"].get_object()
    contents.set_data(contents.get_data() + b"\n/Span <</MCID 99 " + properties + b">> BDC EMC\n")
    with (tmp_path / "edited.pdf").open("wb") as handle:
        writer.write(handle)
    read = tokens(" ".join(extract("edited.pdf", (tmp_path / "edited.pdf").read_bytes()).texts))
    assert "closed-door" in read or ("closed" in read and "door" in read)
    assert "advocacy" in read


_READ_AT_ONCE = """
import sys, threading
from generator.formats import extract
assert "pypdf" not in sys.modules, "imported before the threads start"
data = open(sys.argv[1], "rb").read()
start, failures = threading.Barrier(8), []
def read():
    start.wait()
    try:
        extract("edited.pdf", data)
    except Exception as exc:
        failures.append(repr(exc))
threads = [threading.Thread(target=read) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(failures or "read")
"""


def test_pdfs_read_at_once_by_a_fresh_process_import_pypdf_whole(tmp_path: Path) -> None:
    """The first PDFs a build reads are read on several threads at once, and a property list
    that is not Typst's plain one is parsed by pypdf, imported on first need: two threads
    importing it at once each got the other's half-imported module (a build failed so, on a
    busy machine). Eight threads reading such a PDF in a new process all read it."""
    write_pdf(MARKDOWN, tmp_path / "typst.pdf", meta(), tmp_path)
    writer = PdfWriter(clone_from=tmp_path / "typst.pdf")
    contents = writer.pages[0]["/Contents"].get_object()
    properties = b"/ActualText <FEFF0043006C006F007300650064> /Alt (advocacy)"
    contents.set_data(contents.get_data() + b"\n/Span <</MCID 99 " + properties + b">> BDC EMC\n")
    with (tmp_path / "edited.pdf").open("wb") as handle:
        writer.write(handle)
    for _attempt in range(3):
        run = subprocess.run(
            [sys.executable, "-c", _READ_AT_ONCE, str(tmp_path / "edited.pdf")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "read"


def assert_covered_glyphs_are_read(writer: PdfWriter, path: Path) -> None:
    """Written to ``path``, the page's sentence is not what PDFium reads (an /ActualText
    stands for it), and the leak check reads it all the same."""
    with path.open("wb") as handle:
        writer.write(handle)
    pages = _pdfium_texts(path.read_bytes())
    assert pages is not None and "river" not in " ".join(pages[0])
    text = words(" ".join(extract(path.name, path.read_bytes()).texts))
    assert "A public sentence about the river." in text


@pytest.mark.parametrize("name", [b"/ActualText", b"/Actual#54ext"])  # one name, two spellings
def test_glyphs_an_actual_text_covers_are_read_too(tmp_path: Path, name: bytes) -> None:
    """PDFium reads an /ActualText instead of the glyphs under it: text drawn on the page
    cannot hide behind a harmless /ActualText."""
    write_pdf(MARKDOWN, tmp_path / "typst.pdf", meta(), tmp_path)
    writer = PdfWriter(clone_from=tmp_path / "typst.pdf")
    contents = writer.pages[0]["/Contents"].get_object()
    data = contents.get_data()
    covered = re.sub(
        rb"BT.*?ET", b"/Span <<" + name + rb" (Nothing here)>> BDC \g<0> EMC", data, flags=re.S
    )
    contents.set_data(covered)
    assert_covered_glyphs_are_read(writer, tmp_path / "edited.pdf")  # PDFium shows "Nothing here"


@pytest.mark.parametrize("where", ["attachments", "annotation"])
def test_a_file_attached_to_a_pdf_is_read(tmp_path: Path, where: str) -> None:
    """A file attached to a PDF, listed with its attachments or only on a page's annotation
    (which pypdf's list of attachments did not hold), is read through the registry by its
    name: a reader's software opens it with a click."""
    write_pdf(MARKDOWN, tmp_path / "typst.pdf", meta(), tmp_path)
    with pikepdf.open(tmp_path / "typst.pdf") as pdf:
        spec = pikepdf.AttachedFileSpec(pdf, T6_TEXT.encode(), filename="notes.txt")
        if where == "attachments":
            pdf.attachments["notes.txt"] = spec
        else:
            annotation = pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.FileAttachment,
                Rect=[0, 0, 10, 10],
                FS=spec.obj,
            )
            pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([annotation]))
        pdf.save(tmp_path / "edited.pdf")
    found = extract("edited.pdf", (tmp_path / "edited.pdf").read_bytes())
    assert not found.unreadable
    assert words(T6_TEXT) in words(" ".join(found.texts))


@pytest.mark.parametrize(
    "plain",
    [
        b"/MCID 3/Lang(en)",
        b"/MCID 31/Alt(Severity by area: Upper Tarvan 4 (Extreme); Marisk 3 (Severe))",
        b"/ActualText (Nothing here) /MCID 4",
        b" /Type /Pagination /Subtype /Footer ",
    ],
)
def test_plain_property_lists_are_read_as_pypdf_reads_them(plain: bytes) -> None:
    """What Typst writes is read without pypdf (whose import was most of a rebuild's start),
    and gives the strings, and the /ActualText, that pypdf's parser gives."""
    from pypdf.generic import read_object

    from generator.formats import _direct_strings, _marked_content_strings

    ours: list[bool] = []
    theirs: list[bool] = []
    expected: list[str] = []
    _direct_strings(read_object(io.BytesIO(b"<<" + plain + b">>"), None), expected, theirs)
    assert _marked_content_strings(b"/Span <<" + plain + b">> BDC EMC", ours) == expected
    assert ours == theirs


def test_glyphs_an_actual_text_of_a_named_property_list_covers_are_read_too(
    tmp_path: Path,
) -> None:
    """The same /ActualText given in the page's resources (``/Span /P0 BDC``), inside another
    dictionary rather than an object of its own: still not a hiding place."""
    write_pdf(MARKDOWN, tmp_path / "typst.pdf", meta(), tmp_path)
    writer = PdfWriter(clone_from=tmp_path / "typst.pdf")
    page = writer.pages[0]
    contents = page["/Contents"].get_object()
    covered = re.sub(rb"BT.*?ET", rb"/Span /P0 BDC \g<0> EMC", contents.get_data(), flags=re.S)
    contents.set_data(covered)
    resources = page["/Resources"].get_object()
    resources[NameObject("/Properties")] = DictionaryObject(
        {NameObject("/P0"): DictionaryObject({NameObject("/ActualText"): TextStringObject("Nil")})}
    )
    assert_covered_glyphs_are_read(writer, tmp_path / "edited.pdf")  # PDFium shows "Nil"


def test_a_pdf_pdfium_cannot_open_has_its_pages_read_by_pypdf(tmp_path: Path) -> None:
    """PDFium refuses some files pypdf reads (here one whose header was rubbed out): their
    pages are read by pypdf, never skipped."""
    write_pdf(MARKDOWN, tmp_path / "typst.pdf", meta(), tmp_path)
    data = (tmp_path / "typst.pdf").read_bytes().replace(b"%PDF-", b"%XYZ-", 1)
    assert _pdfium_texts(data) is None
    found = extract("typst.pdf", data)
    assert not found.unreadable
    assert "A public sentence about the river." in words(" ".join(found.texts))


def test_the_files_identifier_is_not_read_as_words() -> None:
    """Typst names each PDF by two base64 digests (trailer and XMP); read as words, one held
    "a4", a confidential item's id, and stopped a clean build. Text in their place is read."""
    digest, other = "NIC/clu+a4/IJWD6JDIuow==", "xAYQyq/0eSjaMcTzkVKCJg=="
    xmp = f"<xmpMM:InstanceID>{digest}</xmpMM:InstanceID> Norvania"
    assert "a4" not in tokens(" ".join(_without_file_ids([xmp, digest], [digest, other])))
    assert "norvania" in tokens(" ".join(_without_file_ids([xmp], [digest, other])))
    planted = "A4 Closed-door advocacy"
    assert "a4" in tokens(" ".join(_without_file_ids([planted], [planted, other])))


# -- PDF/UA validation by veraPDF, where a registry offers it ---------------------------------
def test_verapdf_validates_pdf_ua(example_build: BuildResult) -> None:
    verapdf = shutil.which("verapdf")
    if verapdf is None:
        pytest.skip(
            "veraPDF is on neither PyPI nor Debian; the tags, metadata and alt text are "
            "checked above, and typst refuses to write a PDF/UA-1 file that breaks its rules"
        )
    result = subprocess.run(
        [verapdf, "--flavour", "ua1", str(example_build.op_dir / PUBLIC_HNO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 'isCompliant="true"' in result.stdout, result.stdout[-2000:]
