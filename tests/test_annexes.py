"""The Word annexes: the example operation built on a fixed date, opened with python-docx."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm
from PIL import Image

from generator.assess import Status, evaluate
from generator.audience import Audience, view
from generator.build import BuildResult
from generator.charts import BAR, PARALLEL_FROM, write_indicator_chart, write_indicator_charts
from generator.documents import DOCUMENTS
from generator.leaks import audience_of
from generator.render import BuildInfo, render
from generator.validate import validated
from generator.writers.docx import HIGHLIGHT_FILL, DocxMeta, write_docx
from tests.conftest import BUILD_DAY, EXAMPLE
from tests.docx_text import all_text, table_with_header
from tests.paper import broken_words, print_to_pdf

PUBLIC_INDICATORS = ["I1", "I2", "I3", "I4", "I5", "I6", "I8", "I9", "I10", "I12"]
ANNEXES = [d for d in DOCUMENTS if d.slug.startswith("annex-")]


@pytest.fixture(scope="module")
def out(example_build: BuildResult) -> Path:
    """The example's build, dated BUILD_DAY as every build of the session is (the overdue
    actions below depend on it)."""
    return example_build.op_dir


def docx_of(out: Path, folder: str, slug: str) -> Path:
    return out / folder / f"{slug}.docx"


def rows_of(path: Path) -> list[list[str]]:
    return [
        [c.text.strip() for c in row.cells] for t in open_docx(str(path)).tables for row in t.rows
    ]


def row_starting(path: Path, text: str):
    for table in open_docx(str(path)).tables:
        for row in table.rows:
            if row.cells[0].text.strip().startswith(text):
                return row
    raise AssertionError(f"no row starting with {text!r} in {path.name}")


def shading(row) -> set[str | None]:
    fills = set()
    for tc in row._tr.tc_lst:
        shd = tc.tcPr.find(qn("w:shd")) if tc.tcPr is not None else None
        fills.add(shd.get(qn("w:fill")) if shd is not None else None)
    return fills


# -- where they go and who they are for ---------------------------------------------------------
def test_annexes_are_registered_once_per_folder() -> None:
    places = [(d.folder, d.slug) for d in ANNEXES]
    assert len(places) == len(set(places)) == 9
    assert all(d.landscape for d in ANNEXES)


@pytest.mark.parametrize("doc", ANNEXES, ids=lambda d: f"{d.folder}/{d.slug}")
def test_leak_check_knows_each_annex_audience(doc) -> None:
    for suffix in (".docx", ".md"):
        assert audience_of(Path(doc.folder) / f"{doc.slug}{suffix}") is doc.audience


def test_annex_files(out: Path) -> None:
    public = sorted(p.name for p in (out / "public/annexes").glob("*.docx"))
    internal = sorted(p.name for p in (out / "internal/annexes").glob("*.docx"))
    assert public == [
        "annex-1-cluster-contributions.docx",
        "annex-2-partners.docx",
        "annex-3-monitoring-framework.docx",
    ]
    assert internal == sorted([*public, *(f"{d.slug}.docx" for d in ANNEXES[6:])])
    for doc in ANNEXES:
        assert (out / doc.folder / f"{doc.slug}.md").is_file()


def test_public_charts_only_for_public_indicators(out: Path) -> None:
    public = sorted(p.stem for p in (out / "public/annexes/charts").glob("*.png"))
    internal = sorted(p.stem for p in (out / "internal/annexes/charts").glob("*.png"))
    assert public == sorted(PUBLIC_INDICATORS)
    assert internal == sorted([*PUBLIC_INDICATORS, "I7", "I11"])


# -- Word layout --------------------------------------------------------------------------------
@pytest.mark.parametrize("doc", ANNEXES, ids=lambda d: f"{d.folder}/{d.slug}")
def test_landscape_repeated_headers_and_table_style(out: Path, doc) -> None:
    word = open_docx(str(docx_of(out, doc.folder, doc.slug)))
    for section in word.sections:
        assert section.orientation == WD_ORIENT.LANDSCAPE
        assert section.page_width > section.page_height
        assert abs(section.page_width - Cm(29.7)) < Cm(0.1)  # A4
    tables = word.tables[1:]  # the first is the cover block, which has no header row
    assert tables
    for table in tables:
        assert table.style.name == "Table"
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None


# -- annex 1: cluster contributions --------------------------------------------------------------
def test_cluster_matrix_areas_and_people_targeted(out: Path) -> None:
    path = docx_of(out, "public/annexes", "annex-1-cluster-contributions")
    header = table_with_header(path, "Cluster (lead agencies)")[0]
    # no cluster reduces the threat of the first risk: the column is left out, and said so
    assert header[1:] == ["Reducing vulnerability", "Strengthening capacities"]
    assert "No cluster contribution is recorded for: reducing the threat." in all_text(path)
    food = row_starting(path, "Food Security (WFP, FAO)")
    cells = [c.text for c in food.cells]
    assert "Move food distributions" in cells[1] and "180,000 people targeted" in cells[1]
    assert "FS2" not in cells[1]  # a public annex prints no id
    assert cells[2] == "–"  # no capacity contribution from food security to this risk
    text = all_text(path)
    assert "Attacks on civilians and civilian objects in Upper Tarvan and Marisk" in text
    assert "R1:" not in text
    assert "96,000 people targeted" in text  # FS1, under R2


def test_cluster_matrix_names_the_clusters_that_do_not_contribute(out: Path) -> None:
    path = docx_of(out, "public/annexes", "annex-1-cluster-contributions")
    text = all_text(path)
    r2 = text[text.index("Gender-based violence against displaced women and girls in Lower") :]
    assert "No contribution recorded from: Education." in r2
    education_rows = [r for r in rows_of(path) if r[0].startswith("Education")]
    assert len(education_rows) == 1  # its R1 row; R2 has none, every cell of it would be "–"
    assert all(any(cell != "–" for cell in row[1:]) for row in rows_of(path)[1:])


def test_cluster_matrix_grows_with_contributions_not_with_clusters() -> None:
    """A large operation's matrix lists only contributing clusters, and counts the rest."""
    public = view(validated(EXAMPLE), Audience.PUBLIC)
    idle = [
        {
            "id": f"idle-{n}",
            "name": f"Idle cluster {n}",
            "lead_agencies": [],
            "contributions": [],
            "marked": False,
        }
        for n in range(40)
    ]
    public["clusters"]["clusters"].extend(idle)
    doc = next(d for d in DOCUMENTS if d.slug == "annex-1-cluster-contributions")
    markdown = render(doc, public, BuildInfo(BUILD_DAY, "test"))
    assert "Idle cluster" not in markdown
    assert "No contribution recorded from 40 other clusters." in markdown  # R1: all contribute
    assert "No contribution recorded from 41 other clusters." in markdown  # R2: and Education


def test_cluster_matrix_internal_items_only_in_internal_version(out: Path) -> None:
    public = all_text(docx_of(out, "public/annexes", "annex-1-cluster-contributions"))
    internal = all_text(docx_of(out, "internal/annexes", "annex-1-cluster-contributions"))
    he2 = "A short list of clinics off the main road corridor"
    assert he2 not in public and "HE2" not in public and "9,000" not in public
    assert he2 in internal and "9,000 people targeted" in internal


# -- annex 2: partners ---------------------------------------------------------------------------
def test_partner_annex(out: Path) -> None:
    public = docx_of(out, "public/annexes", "annex-2-partners")
    internal = docx_of(out, "internal/annexes", "annex-2-partners")
    header = table_with_header(public, "Partner")[0]
    assert header == ["Partner", "Type", "Collaboration", "Risks", "How the HCT works with them"]
    ohchr = [c.text for c in row_starting(public, "OHCHR Country Office in Norvania").cells]
    assert ohchr[1:4] == [
        "UN human rights",
        "Joint action",
        "Attacks on civilians and civilian objects in Upper Tarvan and Marisk and Gender-based"
        " violence against displaced women and girls in Lower Tarvan",
    ]  # the risks by name: a public reader does not know R1 and R2
    commission = "Norvanian Commission for Human Rights"
    assert commission not in all_text(public)
    assert commission in all_text(internal)
    for path in (public, internal):  # a confidential partner belongs to the action plan only
        assert "Tarvan Valley Paralegal Network" not in all_text(path)


# -- annex 3: monitoring framework ---------------------------------------------------------------
def test_monitoring_framework_numbers(out: Path) -> None:
    path = docx_of(out, "public/annexes", "annex-3-monitoring-framework")
    i1 = [c.text for c in row_starting(path, "Threat").cells]
    assert i1[1].startswith("Civilian casualties")  # no id in a public annex
    assert i1[2] == "SO1"  # the objectives it measures, by their codes
    assert i1[3:7] == ["640 (2026-12)", "480 (2027-12)", "2026-H2: 640; 2027-H1: 512", "80%"]
    i4 = [c.text for c in row_starting(path, "Capacity").cells]
    assert i4[1].startswith("Community protection committees") and i4[6] == "36%"
    assert i4[2] == "SP1.1 and GP1"
    i3 = [c.text for c in row_starting(path, "Vulnerability").cells]
    assert i3[3:6] == ["38% (2026-11)", "15% (2027-12)", "2026-H2: 38%; 2027-H1: 31%"]


def test_monitoring_framework_embeds_one_chart_per_indicator(out: Path) -> None:
    for folder, count in (("public/annexes", 10), ("internal/annexes", 12)):
        path = docx_of(out, folder, "annex-3-monitoring-framework")
        shapes = open_docx(str(path)).inline_shapes
        assert len(shapes) == count
        assert all(abs(s.width - Cm(5.6)) < Cm(0.05) for s in shapes)
        with zipfile.ZipFile(path) as archive:
            media = {archive.read(n) for n in archive.namelist() if n.startswith("word/media/")}
        charts = {p.read_bytes() for p in (out / folder / "charts").glob("*.png")}
        assert media == charts  # the very files the site can use


def test_monitoring_framework_internal_indicator_only_internal(out: Path) -> None:
    i7 = "Officers moved off checkpoint duty"
    assert i7 not in all_text(docx_of(out, "public/annexes", "annex-3-monitoring-framework"))
    assert i7 in all_text(docx_of(out, "internal/annexes", "annex-3-monitoring-framework"))


@pytest.mark.parametrize("results", [0, 1, 12], ids=lambda n: f"{n} results")
def test_chart_of_an_indicator_with_no_results_or_many(tmp_path: Path, results: int) -> None:
    indicator = {
        "id": "X1",
        "results": [
            {"period": f"{2025 + n // 4}-Q{n % 4 + 1}", "value": 50_000 * (n + 1)}
            for n in range(results)
        ],
        "baseline": {"value": 500},
        "target": {"value": 250_000},
    }
    target = tmp_path / "X1.png"
    write_indicator_chart(indicator, target)
    with Image.open(target) as image:
        # 5.6 x 3.4 cm, Word's placed size, at 300 dpi
        assert image.size == (661, 401)
        colours = {colour for _count, colour in image.convert("RGB").getcolors(1 << 16)}
    bar = tuple(int(BAR[i : i + 2], 16) for i in (1, 3, 5))
    assert bar in colours or not results  # the bars
    assert (0x1A, 0x1A, 0x1A) in colours  # the target line


@pytest.fixture(scope="module")
def drawn_in_process(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list, list[bytes]]:
    """The public view, enough indicators for the pool to be used, and each one's chart drawn
    in this process (once for both start methods)."""
    public = view(validated(EXAMPLE), Audience.PUBLIC)
    indicators = public["monitoring"]["indicators"]
    many = [{**i, "id": f"{i['id']}-{n}"} for n in range(4) for i in indicators]
    alone = tmp_path_factory.mktemp("in-process") / "alone.png"
    drawn = []
    for indicator in many:
        write_indicator_chart(indicator, alone)
        drawn.append(alone.read_bytes())
    return public, many, drawn


@pytest.mark.parametrize("start", ["forkserver", "spawn"])  # spawn: Windows has only that
def test_charts_drawn_by_worker_processes_are_those_drawn_in_process(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    start: str,
    drawn_in_process: tuple[dict, list, list[bytes]],
) -> None:
    monkeypatch.setattr("multiprocessing.get_all_start_methods", lambda: [start])
    public, many, drawn = drawn_in_process
    assert len(many) >= PARALLEL_FROM  # so the processes are used
    pooled = write_indicator_charts({**public, "monitoring": {"indicators": many}}, tmp_path)
    for path, alone in zip(pooled, drawn, strict=True):
        assert path.read_bytes() == alone, path.name


def test_charts_are_byte_identical_across_builds(tmp_path: Path) -> None:
    public = view(validated(EXAMPLE), Audience.PUBLIC)
    first = write_indicator_charts(public, tmp_path / "a")
    second = write_indicator_charts(public, tmp_path / "b")
    assert [p.stem for p in first] == PUBLIC_INDICATORS
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert b"Software" not in first[0].read_bytes()


# -- annexes 4-6: part of the confidential action plan -------------------------------------------
def test_human_rights_engagement_plan(out: Path) -> None:
    path = docx_of(out, "internal/annexes", "annex-4-human-rights-engagement")
    h3 = [c.text for c in row_starting(path, "H3").cells]
    assert h3[1:3] == [
        "National human rights institution",
        "Norvanian Commission for Human Rights inquiry into screening detentions at Kaldor",
    ]
    assert h3[3].startswith("[CONFIDENTIAL] ")  # the label in the wide column, not beside "H3"
    assert h3[4:] == [
        "R6 Incommunicado detention of displaced men and boys after security screening at Kaldor",
        "OHCHR Country Office in Norvania",
        "2027-02 – 2027-07",
    ]
    assert row_starting(path, "H1").cells[1].text == "Special procedures"
    assert row_starting(path, "A11").cells[1].text == "SO2"


def test_action_tracker_marks_overdue_actions(out: Path) -> None:
    path = docx_of(out, "internal/annexes", "annex-5-action-tracker")
    a3 = row_starting(path, "A3")
    assert [c.text for c in a3.cells][4:6] == ["2026-11 – 2027-02", "OVERDUE Delayed"]
    assert shading(a3) == {HIGHLIGHT_FILL}
    a10 = row_starting(path, "A10")  # ended in January, but done
    assert a10.cells[5].text == "Done" and shading(a10) == {None}
    a5 = row_starting(path, "A5")
    assert a5.cells[5].text == "Ongoing" and shading(a5) == {None}
    assert ["12", "1 (A3)"] in rows_of(path)
    assert (
        row_starting(path, "[CONFIDENTIAL] A8").cells[3].text.startswith("Humanitarian Coordinator")
    )


def test_self_assessment_annex(out: Path) -> None:
    path = docx_of(out, "internal/annexes", "annex-6-benchmark-self-assessment")
    rows = rows_of(path)
    assert ["13", "0", "0"] in rows
    found = {r[0]: r for r in rows if re.fullmatch(r"B\d\.\d", r[0])}
    assert list(found) == [f"B1.{n}" for n in range(1, 7)] + [f"B2.{n}" for n in range(1, 6)] + [
        "B3.1",
        "B3.2",
    ]
    assert found["B3.1"][2] == "Met"
    evidence = found["B3.1"][3]  # named for the HCT, not as a list of ids or field paths
    assert evidence.startswith("I1 Civilian casualties from explosive weapons within")
    assert "I8 Flood-displacement sites" in evidence
    assert found["B1.6"][3] == (
        "the lead of the analysis team; the members of the analysis team; "
        "how often the analysis is updated"
    )
    assert "V6" not in all_text(path) and "S6" not in all_text(path)  # strictly confidential


def test_self_assessment_highlights_unmet_items(tmp_path: Path) -> None:
    content = validated(EXAMPLE)
    confidential = view(content, Audience.CONFIDENTIAL)
    confidential["monitoring"]["capacity_gaps"] = []
    confidential["assessment"] = [r.as_dict() for r in evaluate(confidential)]
    assert confidential["assessment"][9]["status"] == Status.NOT_MET.value
    doc = next(d for d in DOCUMENTS if d.slug == "annex-6-benchmark-self-assessment")
    markdown = render(doc, confidential, BuildInfo(BUILD_DAY, "test"))
    assert "| B2.4 |" in markdown and '[**Not met**]{custom-style="Row highlight"}' in markdown
    target = tmp_path / "annex-6.docx"
    meta = DocxMeta(
        "t", "s", "a", "Confidential", "banner", dt.datetime(2027, 4, 1, tzinfo=dt.UTC), True
    )
    write_docx(markdown, target, meta, resources=tmp_path)
    assert shading(row_starting(target, "B2.4")) == {HIGHLIGHT_FILL}
    assert shading(row_starting(target, "B2.5")) == {None}


def test_word_shows_other_markdown_dialects_as_typed(tmp_path: Path) -> None:
    """Only the Markdown of docs/content-format.md is read, in Word as on the site."""
    typed = "H~2~O, x^2^, ~~old~~ and $5 to $6; Term"
    markdown = f"# Heading\n\n{typed}\n:   not a definition\n"
    target = tmp_path / "dialect.docx"
    meta = DocxMeta("t", "s", "a", "Public", "banner", dt.datetime(2027, 4, 1, tzinfo=dt.UTC))
    write_docx(markdown, target, meta, resources=tmp_path)
    assert f"{typed} : not a definition" in all_text(target)  # one paragraph, every mark kept


# -- on paper -----------------------------------------------------------------------------------
def test_no_word_is_broken_across_lines_in_the_tables(out: Path, tmp_path: Path) -> None:
    """Every word LibreOffice prints is a word of the document: a column too narrow for its
    longest word ("Mediu|m", "[CON|FIDE|NTIA|L]") would print fragments."""
    sources = sorted(out.glob("*/**/*.docx"))
    assert len(sources) == len(DOCUMENTS)
    for source, pdf in zip(sources, print_to_pdf(sources, tmp_path), strict=True):
        assert not broken_words(source, pdf), source.name
