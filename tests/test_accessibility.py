"""Accessibility of the outputs a reader meets: the charts' colours against WCAG's contrast
ratios, and Word's alt text, language, headings and header rows. Every preview-site page is
checked under axe-core in test_site_browser.py, with that module's browser and build (made
once for both)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document as WordDocument

from generator import charts
from generator.audience import Audience
from generator.build import BuildResult
from generator.leaks import LeakChecker
from generator.validate import load_and_validate
from tests.conftest import EXAMPLE
from tests.test_leaks import T6_TEXT


# -- chart colours -----------------------------------------------------------------------------
def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #RRGGBB colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag_examples() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the AA grey


def chart_colours() -> dict[str, str]:
    """Every colour constant of the chart module (bars, lines, labels), those of a scale
    (a tuple of colours, such as the severity phases') each under its own name."""
    found: dict[str, str] = {}
    for name, value in vars(charts).items():
        values = value if isinstance(value, tuple) else (value,)
        for n, colour in enumerate(values):
            if isinstance(colour, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
                found[f"{name}[{n}]" if isinstance(value, tuple) else name] = colour
    return found


def test_chart_colours_meet_wcag_contrast_on_white() -> None:
    """Bars and lines are graphics (WCAG 1.4.11: 3:1); the baseline colour also writes text
    ("No results yet"), which needs 4.5:1 (1.4.3)."""
    colours = chart_colours()
    assert {"BAR", "BASELINE", "TARGET", "FEMALE", "MALE", "SEVERITY_COLOURS[0]"} <= set(colours)
    writes_text = {"BASELINE", "TARGET"}  # the reference lines' names are in their colour
    weak = {
        n: round(contrast(c, "#FFFFFF"), 2)
        for n, c in colours.items()
        if contrast(c, "#FFFFFF") < (4.5 if n in writes_text else 3.0)
    }
    assert weak == {}


# -- Word ------------------------------------------------------------------------------------
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
PIC = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"


def word_files(op_dir: Path) -> list[Path]:
    return sorted(op_dir.rglob("*.docx"))


def test_every_word_picture_has_its_chart_description(example_build: BuildResult) -> None:
    """Word's alt text (wp:docPr) and the picture's own description are the chart's
    description, never empty and never a file name."""
    seen = 0
    for path in word_files(example_build.op_dir):
        body = WordDocument(str(path)).element.body
        for frame in body.iter(f"{WP}docPr"):
            seen += 1
            description = frame.get("descr")
            assert description and not description.endswith(".png"), path
            pictures = list(frame.getparent().iter(f"{PIC}cNvPr"))
            assert [p.get("descr") for p in pictures] == [description], path
    assert seen >= 8  # the HNO's chart and the monitoring annexes' indicator charts
    hno = WordDocument(str(example_build.op_dir / "public/hno-protection-analysis.docx"))
    frames = list(hno.element.body.iter(f"{WP}docPr"))
    assert [f.get("descr") for f in frames] == [
        "People in need of protection by sex and age",
        "Severity of protection needs by area: Upper Tarvan 4 (Extreme); Marisk 4 (Extreme); "
        "Lower Tarvan 3 (Severe); Orlen (capital district) 2 (Stress)",
    ]


def test_word_language_title_headings_and_header_rows(example_build: BuildResult) -> None:
    for path in word_files(example_build.op_dir):
        doc = WordDocument(str(path))
        assert doc.core_properties.language == "en-GB", path  # UN English
        assert doc.core_properties.title.startswith("Norvania: "), path
        defaults = doc.styles.element.find(f"{W}docDefaults")
        lang = next(defaults.iter(f"{W}lang"))
        assert lang.get(f"{W}val").startswith("en"), path
        headings = [p for p in doc.paragraphs if p.style.name.startswith("Heading")]
        assert headings and headings[0].style.name == "Heading 1", path
        for table in doc.tables:
            first = table.rows[0]._tr
            texts = [c.text for c in table.rows[0].cells]
            if any(texts) and table.rows[0].cells[0].text != "Operation":
                assert first.find(f"{W}trPr/{W}tblHeader") is not None, (path, texts)


def test_alt_text_in_a_page_is_read_by_the_leak_check(tmp_path: Path) -> None:
    """A screen reader reads alt text and Word's descriptions aloud: so does the leak check."""
    checker = LeakChecker(load_and_validate(EXAMPLE))
    page = tmp_path / "page.html"
    page.write_text(f'<p>Nothing here.</p><img src="x.png" alt="{T6_TEXT}">', encoding="utf-8")
    assert [f.secret.item for f in checker.check_file(page, Audience.PUBLIC)] == ["T6"]
    part = tmp_path / "document.xml"
    part.write_text(f'<w:p/><wp:docPr descr="{T6_TEXT}" title=""/>', encoding="utf-8")
    assert [f.secret.item for f in checker.check_file(part, Audience.PUBLIC)] == ["T6"]
