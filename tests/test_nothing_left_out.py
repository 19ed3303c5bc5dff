"""Nothing silently left out: every text of the content below strictly-confidential reaches at
least one internal Word file, and no strictly-confidential text reaches any output (issue 19).

The HCT works from the internal Word files. A text the audience filter lets the HCT see but no
internal document prints is analysis the HCT never reads (threat actors were such texts until
the internal protection analysis, ``internal/hct-protection-analysis.docx``, printed them).

The walk covers every record of every content file, any kind added later included, so a new
field that no internal document prints fails here. Texts are compared as runs of words
(casefolded ``\\w+``), so Markdown emphasis, typography and Word's runs do not matter. Word
files are read on their own (``tests/docx_text.py``), not through the code under test.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document as WordDocument
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import schema as s
from generator.assess import evaluate
from generator.audience import Audience, view
from generator.build import BuildResult, build
from generator.documents import DOCUMENTS
from generator.model import Content, walk_records
from generator.render import BuildInfo, render
from generator.validate import load_and_validate, validated
from tests.conftest import EXAMPLE, FIXTURES
from tests.docx_text import all_text, visible
from tests.test_leaks_property import _write, generate

EVERY_LEVEL = FIXTURES / "every-level"
ANALYSIS = "hct-protection-analysis"
# The word each text of the every-level fixture carries: the level its author meant.
LEVEL_WORDS = {"lvpub": 0, "lvint": 1, "lvconf": 2, "lvsc": 3}
INFO = BuildInfo(dt.date(2027, 3, 31), "left-out")
_WORD = re.compile(r"\w+")


def words(text: str) -> str:
    """A text as a run of words, padded so that a match starts and ends on whole words."""
    return " " + " ".join(_WORD.findall(visible(text).casefold())) + " "


@dataclass(frozen=True)
class Piece:
    """One text of the content: where it is, its record's level, its language (None: the same
    text is shown in every language) and the text."""

    where: str
    level: int
    lang: str | None
    text: str

    def __str__(self) -> str:
        return f"{self.where} ({s.LEVELS[self.level]}): {self.text[:70]!r}"


def content_texts(content: Content) -> Iterator[Piece]:
    """Every text a drafter wrote: text and name fields, lists of names, and free-text names
    given where an HCT member's or partner's id could be (an id is shown as a name)."""
    for record in walk_records([content.operation, *content.sections.values()]):
        kind = s.RECORDS[record["_kind"]]
        here = f"{Path(record['_file']).name}:{record['_line']}"
        for name, ftype in kind.fields.items():
            value = record.get(name)
            if not value:
                continue
            where = f"{here}: {record.get('id') or record['_kind']}.{name}"
            if isinstance(ftype, s.Text):
                values = [value]
            elif isinstance(ftype, s.TextList):
                values = list(value)
            elif isinstance(ftype, s.Actor):
                given = value if ftype.many else [value]
                values = [v for v in given if v not in content.index]
            else:
                continue
            for one in values:
                if record["_kind"] == "pin_row" and name == "group" and record.get("code"):
                    # a known population group is printed under the vocabulary's name
                    one = s.vocabulary()["population_group"].get(record["code"], one)
                texts = one.items() if isinstance(one, dict) else [(None, one)]
                for lang, text in texts:
                    yield Piece(where, record["_level"], lang, text)


def word_files(folder: Path) -> dict[Path, str]:
    return {path: words(all_text(path)) for path in sorted(folder.rglob("*.docx"))}


def language_of_file(path: Path, languages: list[str]) -> str:
    """hct-protection-analysis.fr.docx is French; files without a language mark are in the
    operation's first language."""
    parts = path.name.split(".")
    return parts[-2] if len(parts) >= 3 and parts[-2] in languages else languages[0]


def left_out(content: Content, op_dir: Path) -> list[str]:
    """Texts below strictly-confidential that no internal Word file of their language holds.
    A text given once is shown in every language (marked as untranslated): it must reach an
    internal Word file of each."""
    internal = word_files(op_dir / "internal")
    languages = content.languages
    missing = []
    for piece in content_texts(content):
        if piece.level >= s.STRICTLY:
            continue
        needle = words(piece.text)
        for lang in [piece.lang] if piece.lang else languages:
            if not any(
                needle in text
                for path, text in internal.items()
                if language_of_file(path, languages) == lang
            ):
                missing.append(f"{piece} [{lang}]")
    return missing


def every_output_text(op_dir: Path) -> dict[Path, str]:
    """Every Word file, Markdown file, site page, search index and data table of a build."""
    found = word_files(op_dir)
    for path in sorted(op_dir.rglob("*")):
        if path.suffix in {".md", ".html", ".json", ".csv"}:
            found[path] = words(path.read_text(encoding="utf-8", errors="replace"))
    return found


def strictly_confidential_found(content: Content, op_dir: Path) -> list[str]:
    """Strictly-confidential wording in any output: each run of five words of such a text
    that no lower-level text of the content also holds (so common phrases do not count)."""
    pieces = list(content_texts(content))
    lower = " ".join(words(p.text) for p in pieces if p.level < s.STRICTLY)
    outputs = every_output_text(op_dir)
    found = []
    for piece in pieces:
        if piece.level < s.STRICTLY:
            continue
        tokens = words(piece.text).split()
        runs = {" ".join(tokens[i : i + 5]) for i in range(max(1, len(tokens) - 4))}
        for run in runs:
            if f" {run} " in lower:
                continue
            for path, text in outputs.items():
                if f" {run} " in text:
                    found.append(f"{piece}: '{run}' in {path.relative_to(op_dir)}")
    return found


# -- the example operation ------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Content:
    return load_and_validate(EXAMPLE)


def test_every_example_text_below_strictly_confidential_reaches_an_internal_word_file(
    example: Content, example_build: BuildResult
) -> None:
    missing = left_out(example, example_build.op_dir)
    assert not missing, "left out of every internal Word file:\n" + "\n".join(missing)


def test_no_strictly_confidential_example_text_reaches_any_output(
    example: Content, example_build: BuildResult
) -> None:
    strict = [p for p in content_texts(example) if p.level == s.STRICTLY]
    assert len(strict) >= 3, "the example keeps strictly-confidential items (V6, S6, an actor)"
    found = strictly_confidential_found(example, example_build.op_dir)
    assert not found, "\n".join(found)


def test_the_example_threat_actors_are_in_the_internal_analysis_and_marked(
    example_build: BuildResult,
) -> None:
    """Threat actors were in no output before: each now has a marked paragraph of its own."""
    doc = WordDocument(str(example_build.op_dir / "internal" / f"{ANALYSIS}.docx"))
    paragraphs = [visible(p.text) for p in doc.paragraphs]
    for actor in (
        "Norvanian Armed Forces (NAF), 4th and 7th Brigades, and the NAF air wing",
        "NAF military intelligence directorate, Kaldor detachment",
    ):
        holding = [p for p in paragraphs if actor in p]
        assert holding, f"{actor!r} is not in the internal analysis"
        assert all(p.startswith("[CONFIDENTIAL]") for p in holding), holding


# -- an operation with items at every level, in two languages -------------------------------


@pytest.fixture(scope="module")
def every_level(tmp_path_factory: pytest.TempPathFactory) -> tuple[Content, Path]:
    folder = tmp_path_factory.mktemp("every-level")
    content_dir = folder / "content"
    shutil.copytree(EVERY_LEVEL, content_dir)
    result = build(content_dir, folder / "out")
    return load_and_validate(content_dir), result.op_dir


def meant_level(text: str) -> int | None:
    levels = [level for word, level in LEVEL_WORDS.items() if word in words(text).split()]
    return levels[0] if len(levels) == 1 else None


def test_the_fixture_is_classified_as_its_author_meant(
    every_level: tuple[Content, Path],
) -> None:
    """Each fixture text names its level; the walk sees every level, each as meant (so the
    tests below do not trust the tool's classification alone)."""
    content, _ = every_level
    pieces = list(content_texts(content))
    wrong = [f"{p} should be {meant_level(p.text)}" for p in pieces if meant_level(p.text) is None]
    wrong += [str(p) for p in pieces if meant_level(p.text) != p.level]
    assert not wrong, "\n".join(wrong)
    assert {p.level for p in pieces} == {0, 1, 2, 3}
    assert {p.lang for p in pieces} == {None, "en", "fr"}


def test_every_fixture_text_below_strictly_confidential_reaches_an_internal_word_file(
    every_level: tuple[Content, Path],
) -> None:
    content, op_dir = every_level
    missing = left_out(content, op_dir)
    assert not missing, "left out of every internal Word file:\n" + "\n".join(missing)


def test_no_strictly_confidential_fixture_text_reaches_any_output(
    every_level: tuple[Content, Path],
) -> None:
    _, op_dir = every_level
    found = [
        f"{path.relative_to(op_dir)}"
        for path, text in every_output_text(op_dir).items()
        if " lvsc " in text
    ]
    assert not found, f"strictly-confidential wording in {found}"


@pytest.mark.parametrize(("lang", "label"), [("en", "[CONFIDENTIAL]"), ("fr", "[CONFIDENTIEL]")])
def test_every_confidential_passage_of_the_internal_analysis_is_marked(
    every_level: tuple[Content, Path], lang: str, label: str
) -> None:
    """In the internal analysis, each paragraph or table cell holding confidential wording is
    labelled, or continues a labelled passage (a confidential context of several paragraphs):
    a reader who copies one paragraph sees that it must not leave the HCT."""
    _, op_dir = every_level
    name = f"{ANALYSIS}.docx" if lang == "en" else f"{ANALYSIS}.{lang}.docx"
    doc = WordDocument(str(op_dir / "internal" / name))
    blocks = [(visible(p.text), p.style.name) for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            blocks.extend((visible(cell.text), "table cell") for cell in row.cells)
    confidential = [(text, style) for text, style in blocks if " lvconf " in words(text)]
    assert len(confidential) >= 15, confidential  # context, drivers, actors, risks, sources…
    unmarked = [
        (text, style)
        for text, style in confidential
        if label not in text and style != "Confidential passage"
    ]
    assert not unmarked, unmarked
    context = [text for text, style in confidential if "basal" in text]
    assert context and context[0].startswith(label), context


def test_the_internal_analysis_is_in_every_language_with_its_banner(
    every_level: tuple[Content, Path],
) -> None:
    _, op_dir = every_level
    for name, banner in (
        (f"{ANALYSIS}.docx", "CONFIDENTIAL"),
        (f"{ANALYSIS}.fr.docx", "CONFIDENTIEL"),
    ):
        doc = WordDocument(str(op_dir / "internal" / name))
        for section in doc.sections:
            assert banner in visible(section.header.paragraphs[0].text), name
            assert banner in " ".join(visible(p.text) for p in section.footer.paragraphs), name
        for suffix in (".md", ".pdf"):
            assert (op_dir / "internal" / name.replace(".docx", suffix)).is_file()


# -- any operation: the rendered Markdown of the internal documents --------------------------


INTERNAL_DOCUMENTS = [d for d in DOCUMENTS if d.audience is not Audience.PUBLIC]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_operation_internal_documents_hold_every_item_below_strictly_confidential(
    data: st.DataObject,
) -> None:
    """The property test's generated operations (each item with a marker word and its level
    worked out from the content spec by the test itself): every marker below
    strictly-confidential is in the Markdown of some internal document."""
    op, files = generate(data)
    with tempfile.TemporaryDirectory() as tmp:
        content = validated(_write(files, Path(tmp) / "content"))
    views = {a: view(content, a) for a in (Audience.INTERNAL, Audience.CONFIDENTIAL)}
    confidential = views[Audience.CONFIDENTIAL]
    confidential["assessment"] = [r.as_dict() for r in evaluate(confidential)]
    markdown = " ".join(render(d, views[d.audience], INFO) for d in INTERNAL_DOCUMENTS).lower()
    missing = [m for m, level in op.markers.items() if level < s.STRICTLY and m not in markdown]
    assert not missing, f"markers left out of every internal document: {missing}"


# -- the content spec's extensions, a confidential area of responsibility ---------------------


def test_areas_of_responsibility_and_severity_are_printed_and_marked(example: Content) -> None:
    """Areas of responsibility and severity by area (CONTENT-SPEC Extensions), as the view
    would give them: printed in the internal analysis, a confidential one labelled."""
    seen = view(example, Audience.CONFIDENTIAL)
    so = seen["objectives"]["strategic_objectives"][0]
    seen["analysis"]["areas_of_responsibility"] = [
        {
            "aor": "child-protection",
            "marked": True,
            "needs": "Needs of children in the Velm highlands.",
            "response": "Response through mobile teams in Velm.",
            "figures": {
                "people_in_need": 800000,
                "people_targeted": 300000,
                "requirements_usd": None,
                "partners": None,
                "marked": False,
            },
            "objectives": [
                {
                    "id": "CP1",
                    "code": "CP1",
                    "text": "Children released from armed groups are reunified.",
                    "contributes_to": [so["id"]],
                    "marked": True,
                }
            ],
        }
    ]
    seen["analysis"]["severity_by_area"] = [
        {"area": "Upper Tarvan", "pcode": "NV01", "severity": 4, "marked": False}
    ]
    doc = next(d for d in DOCUMENTS if d.slug == ANALYSIS)
    markdown = render(doc, seen, INFO)
    assert "### **[CONFIDENTIAL]** Child Protection" in markdown
    assert "**[CONFIDENTIAL]** Needs of children in the Velm highlands." in markdown
    assert "**[CONFIDENTIAL]** Response through mobile teams in Velm." in markdown
    assert (
        f"**[CONFIDENTIAL]** **CP1** Children released from armed groups are reunified. "
        f"(contributes to {so['id']})" in markdown
    )
    assert "| Upper Tarvan | NV01 | 4 – Extreme |" in markdown
