"""Documents a publications officer can send to layout: rows that never break, no id or gapped
numbering in public documents, no empty column, every confidential passage marked once, charts
at print quality, covers, DRAFT marks, page X of Y and a table of contents; read from the Word
files and from their LibreOffice print (tests/doccheck.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from generator import schema as s
from generator.build import BuildResult, build
from generator.charts import alt_text
from generator.cli import main
from generator.columns import without_empty_columns
from generator.documents import DOCUMENTS
from generator.i18n import natural_list
from generator.model import walk_records
from generator.validate import validated
from tests import doccheck
from tests.conftest import EXAMPLE, copy_of_build, replace_in
from tests.docx_text import all_text, folded
from tests.paper import print_to_pdf

CONFIDENTIAL_FIELDS = ("text", "risk", "findings", "purpose", "complementarity", "mitigation")


def _documents(result: BuildResult, folder: str = "") -> list[Path]:
    return sorted((result.op_dir / folder).glob("**/*.docx"))


@pytest.fixture(scope="module")
def public(example_build: BuildResult) -> list[Path]:
    found = _documents(example_build, "public")
    assert len(found) == 5
    return found


# -- tables -------------------------------------------------------------------------------------
def test_no_table_row_can_break_across_pages_and_headers_repeat(
    example_build: BuildResult,
) -> None:
    documents = _documents(example_build)
    assert len(documents) == len(DOCUMENTS)  # one Word file each (the example is in English)
    for path in documents:
        assert doccheck.rows_without_cant_split(path) == 0, path.name
        assert doccheck.header_rows_not_repeated(path) == 0, path.name


def test_no_public_table_has_an_empty_column(public: list[Path]) -> None:
    """The by-AoR table had a "Partners" column with nothing in it."""
    for path in public:
        assert doccheck.empty_columns(path) == [], path.name


def test_a_column_empty_in_every_row_is_dropped_with_its_width() -> None:
    headers, rows, widths = without_empty_columns(
        (["Area", "Partners", "People"], [["North", "", "5"], ["South", "—", "7"]], [3, 1, 2])
    )
    assert (headers, rows, widths) == (["Area", "People"], [["North", "5"], ["South", "7"]], [3, 2])
    assert without_empty_columns((["A", "B"], [], None)) == (["A", "B"], [], None)


# -- ids and numbering --------------------------------------------------------------------------
def test_public_documents_print_no_id_and_no_numbering_with_a_gap(public: list[Path]) -> None:
    """The example withholds R6, I7, C4, V6…: a public reader must not see R1–R5 and R7."""
    index = validated(EXAMPLE).index
    # objective codes are printed as written, even where one equals an id (SO1; the child
    # protection cluster's contribution CP1 and the AoR objective coded CP1)
    codes = {r.get("code") for r in index.values()}
    ids = [i for i in index if any(c.isdigit() for c in i) and i not in codes]
    for path in public:
        text = all_text(path)
        assert doccheck.ids_shown(text, ids) == [], path.name
        assert doccheck.id_gaps(text) == {}, path.name
        assert doccheck.numbering_gaps(text, ["Risk", "Objective"]) == {}, path.name


def test_public_risks_are_numbered_within_the_document(public: list[Path]) -> None:
    hno = next(p for p in public if p.name == "hno-protection-analysis.docx")
    headings = [p.text for p in Document(str(hno)).paragraphs if p.text.startswith("Risk ")]
    assert [h.split(":")[0] for h in headings] == [f"Risk {n}" for n in range(1, 6)]


def test_an_id_gap_is_seen_by_the_check() -> None:
    """The check itself: the sequences the issue found are caught, periods are not ids."""
    assert doccheck.id_gaps("R1 R2 R3 R4 R5 R7") == {"R": [1, 2, 3, 4, 5, 7]}
    assert doccheck.id_gaps("I1, I2 and 2027-H1, 2027-Q2") == {}
    assert doccheck.numbering_gaps("Risk 1 … Risk 3", ["Risk"]) == {"Risk": [1, 3]}


# -- sentences -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "written"),
    [
        ("en", "UNHCR, NRC and OHCHR"),
        ("fr", "UNHCR, NRC et OHCHR"),
        ("es", "UNHCR, NRC y OHCHR"),
        ("ar", "UNHCR وNRC وOHCHR"),
    ],
)
def test_lists_are_written_as_each_language_writes_them(lang: str, written: str) -> None:
    assert natural_list(["UNHCR", "NRC", "OHCHR"], lang) == written


def test_the_hno_writes_sentences_not_concatenations(public: list[Path]) -> None:
    text = folded(all_text(next(p for p in public if p.name == "hno-protection-analysis.docx")))
    for glued in (". ;", "updated: quarterly", " 0 men", "Build date", "norvania-2027"):
        assert glued not in text
    assert "143,000 people: 78,000 women and 65,000 girls; 21,400 with a disability." in text
    assert "Update frequency: quarterly." in text


# -- covers, marks and pages ----------------------------------------------------------------------
def test_covers_name_their_own_publication(example_build: BuildResult) -> None:
    subtitles = {}
    for path in _documents(example_build):
        doc = Document(str(path))
        subtitle = next(p.text for p in doc.paragraphs if p.style.name == "Subtitle")
        subtitles[path.relative_to(example_build.op_dir).as_posix()] = subtitle
    assert subtitles["public/hno-protection-analysis.docx"] == (
        "Humanitarian Needs Overview 2027, protection chapter"
    )
    assert subtitles["public/hrp-protection-section.docx"] == (
        "Humanitarian Response Plan 2027, protection section"
    )
    for name, subtitle in subtitles.items():
        if name.startswith("public/"):
            assert "action plan" not in subtitle.lower(), name


def test_a_draft_is_marked_on_every_page_with_page_x_of_y(example_build: BuildResult) -> None:
    """The example's version is 2027.1-draft."""
    for path in _documents(example_build):
        doc = Document(str(path))
        for section in doc.sections:
            assert "DRAFT" in " ".join(p.text for p in section.header.paragraphs), path.name
            footer = section.footer._element.xml
            assert " PAGE " in footer and " NUMPAGES " in footer, path.name


def test_a_version_without_draft_prints_no_draft_mark(content: Path, tmp_path: Path) -> None:
    replace_in(content / "operation.yaml", '"2027.1-draft"', '"2027.1"')
    result = build(content, tmp_path / "out")
    plan = result.op_dir / "public" / "hrp-protection-section.docx"
    assert "DRAFT" not in all_text(plan)
    assert "Published" in all_text(plan)


def test_build_draft_marks_a_version_that_does_not_say_draft(
    content: Path, tmp_path: Path, runner: CliRunner
) -> None:
    replace_in(content / "operation.yaml", '"2027.1-draft"', '"2027.1"')
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", "--content", str(content), "--out", str(out), "--draft"])
    assert result.exit_code == 0, result.output
    plan = out / "norvania-2027" / "public" / "hrp-protection-section.docx"
    doc = Document(str(plan))
    assert "DRAFT" in " ".join(p.text for p in doc.sections[0].header.paragraphs)
    cover = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert cover["Document version"] == "2027.1-draft (draft, not for publication)"


def test_long_documents_have_a_table_of_contents(example_build: BuildResult) -> None:
    hno = example_build.op_dir / "public" / "hno-protection-analysis.docx"
    assert 'TOC \\o "1-2"' in doccheck.document_xml(hno)
    doc = Document(str(hno))
    assert [p.text for p in doc.paragraphs if p.style.name == "TOC 2"][:3] == [
        "People in need of protection",
        "Severity of needs by area",
        "Context and drivers",
    ]


# -- confidential passages ---------------------------------------------------------------------
def _confidential_texts(folder: Path) -> list[str]:
    content = validated(folder)
    texts = []
    for section in content.sections.values():
        for record in walk_records(section):
            if record.get("_level") != s.CONFIDENTIAL:
                continue
            for name in CONFIDENTIAL_FIELDS:
                value = record.get(name)
                if isinstance(value, str) and len(value) > 40:
                    texts.append(value)
    return texts


@pytest.fixture(scope="module")
def nested(
    tmp_path_factory: pytest.TempPathFactory, example_build: BuildResult
) -> tuple[Path, BuildResult]:
    """The example with confidential advocacy risks under a public action (A2, as written),
    under an internal one (A12, added here) and under confidential ones (A1, A8)."""
    import shutil

    folder = tmp_path_factory.mktemp("nested") / "content"
    shutil.copytree(EXAMPLE, folder)
    objectives = folder / "strategic-objectives.yaml"
    text = objectives.read_text(encoding="utf-8")
    start = text.index("      - id: A12")
    anchor = text.index("        verification:", start)
    risk = (
        "        advocacy_risks:\n"
        "          - risk: A perpetrator learns where the reserved shelter beds are and waits"
        " outside them.\n"
        "            likelihood: low\n"
        "            impact: high\n"
        "            mitigation: Addresses are given only by case workers, by phone.\n"
    )
    objectives.write_text(text[:anchor] + risk + text[anchor:], encoding="utf-8")
    out = tmp_path_factory.mktemp("nested-out") / "out"
    copy_of_build(example_build, out)  # built over the example: what the edit changed is made
    return folder, build(folder, out)


def test_every_confidential_record_is_marked_once_whatever_its_parent(
    nested: tuple[Path, BuildResult],
) -> None:
    folder, result = nested
    texts = _confidential_texts(folder)
    assert any(t.startswith("A perpetrator learns") for t in texts)  # under the internal A12
    plan = result.op_dir / "internal" / "hct-protection-action-plan.docx"
    assert doccheck.unmarked(plan, texts) == []
    for path in sorted((result.op_dir / "internal" / "annexes").glob("annex-[45]*.docx")):
        assert [p for p in doccheck.unmarked(path, texts) if p.startswith("unmarked")] == []


def test_the_actions_table_carries_each_action_and_no_loose_label(
    example_build: BuildResult,
) -> None:
    plan = example_build.op_dir / "internal" / "hct-protection-action-plan.docx"
    doc = Document(str(plan))
    actions = [t for t in doc.tables if t.rows[0].cells[0].text == "Action"]
    assert actions and "Relocate displacement sites" in folded(
        " ".join(c.text for t in actions for r in t.rows for c in r.cells)
    )
    for paragraph in doc.paragraphs:
        assert not paragraph.text.startswith("[CONFIDENTIAL] - "), paragraph.text


# -- charts -------------------------------------------------------------------------------------
def test_charts_are_at_least_300_dpi_where_word_places_them(example_build: BuildResult) -> None:
    found = [
        (path.name, image, dpi)
        for path in _documents(example_build)
        for image, dpi in doccheck.chart_dpi(path)
    ]
    assert len(found) >= 9  # 8 indicator charts in the annex, the people-in-need chart
    assert [f for f in found if f[2] < 299.5] == []


def test_chart_alt_text_says_what_the_chart_shows() -> None:
    indicator = {
        "text": "Verified incidents",
        "unit": "incidents",
        "baseline": {"value": 420, "date": "2026-09"},
        "target": {"value": 300, "date": "2027-12"},
        "results": [{"period": "2027-Q2", "value": 372}, {"period": "2026-H2", "value": 401}],
    }
    assert alt_text(indicator) == (
        "Verified incidents fell from 420 in September 2026 to 372 in 2027-Q2; "
        "target 300 by December 2027"
    )
    assert alt_text({**indicator, "unit": "percent"}, "fr").endswith(
        "\u202f; cible 300\u00a0% d'ici décembre 2027"
    )


# -- on paper -----------------------------------------------------------------------------------
def test_a_page_with_a_lone_fragment_is_seen_by_the_check() -> None:
    """The check itself, on page texts as pdftotext gives them: Annex 2's page holding the
    single word "Tarvan" between its banners is caught; a short last page is not."""
    banner, footer = "Norvania · 2027 · PUBLIC", "Norvania · 2027 · PUBLIC · Page {n} of 3"
    full = "\n".join(f"Row {n} of the partners table" for n in range(30))
    pages = [
        f"{banner}\n{full}\n{footer.format(n=1)}",
        f"{banner}\nTarvan\n{footer.format(n=2)}",
        f"{banner}\nLast words.\n{footer.format(n=3)}",
    ]
    assert doccheck.fragment_pages(pages) == [2]


def test_no_printed_page_holds_a_lone_fragment(example_build: BuildResult, tmp_path: Path) -> None:
    """LibreOffice's print of every document: no page but the last with fewer than three lines
    (a stranded row, heading or word); every page carries its DRAFT mark and "Page X of Y"."""
    sources = _documents(example_build)
    for source, pdf in zip(sources, print_to_pdf(sources, tmp_path), strict=True):
        pages = doccheck.page_texts(pdf)
        assert doccheck.lone_fragments(pdf) == [], source.name
        for n, page in enumerate(pages, start=1):
            assert "DRAFT" in page and f"Page {n} of {len(pages)}" in page, (source.name, n)
        if len(pages) > 3:
            assert 'TOC \\o "1-2"' in doccheck.document_xml(source), source.name


def test_chart_text_is_at_least_7_pt_at_the_printed_size() -> None:
    """A chart is drawn at the size Word places it, so its font sizes are printed sizes."""
    from matplotlib.text import Text

    from generator.charts import INDICATOR_CM, Labels, _style, draw

    indicator = {
        "unit": "percent",
        "baseline": {"value": 64},
        "target": {"value": 35},
        "results": [{"period": f"202{n}-H1", "value": 40 + n} for n in range(6)],
    }
    with _style():
        figure = draw(indicator, Labels("fr"))
        figure.canvas.draw()
        texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
        size = tuple(round(x * 2.54, 2) for x in figure.get_size_inches())
    shown = {t.get_text() for t in texts}
    assert size == INDICATOR_CM
    assert min(t.get_fontsize() for t in texts) >= 7
    assert "Cible 35\u00a0%" in shown and "45\u00a0%" in shown  # "%" in the language's form


def _lightness(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def test_chart_colours_stay_apart_in_greyscale() -> None:
    from generator.charts import BAR, FEMALE, MALE, TARGET

    assert abs(_lightness(FEMALE) - _lightness(MALE)) > 0.29
    assert abs(_lightness(BAR) - _lightness(TARGET)) > 0.3


@pytest.fixture(scope="module")
def arabic(tmp_path_factory: pytest.TempPathFactory, example_build: BuildResult) -> BuildResult:
    """The example in English and Arabic (right to left): only the Arabic files are read."""
    import shutil

    folder = tmp_path_factory.mktemp("arabic") / "content"
    shutil.copytree(EXAMPLE, folder)
    replace_in(folder / "operation.yaml", "languages: [en]", "languages: [en, ar]")
    out = tmp_path_factory.mktemp("arabic-out") / "out"
    copy_of_build(example_build, out)  # the English build before Arabic was added
    return build(folder, out, lang="ar")


def test_arabic_documents_keep_rows_whole_and_print_no_lone_fragment(
    arabic: BuildResult, tmp_path: Path
) -> None:
    sources = sorted(arabic.op_dir.glob("**/*.ar.docx"))
    assert len(sources) == len(DOCUMENTS)
    for source in sources:
        assert doccheck.rows_without_cant_split(source) == 0, source.name
    for source, pdf in zip(sources, print_to_pdf(sources, tmp_path), strict=True):
        assert doccheck.lone_fragments(pdf) == [], source.name
        assert all("مسودة" in page for page in doccheck.page_texts(pdf)), source.name
