"""Every document in French, Spanish and Arabic from one content source (issue 6).

The multilingual operation is the example with languages [en, fr, es, ar] and a few fields
translated, built once for the module; the catalogue tests need no build.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypandoc
import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from docx import Document
from lxml import html as lxml_html
from PIL import Image
from pypdf import PdfReader

from generator import i18n
from generator.audience import Audience, view
from generator.bidi import isolate_left_to_right_in_ast
from generator.build import BuildResult, build
from generator.cli import main
from generator.documents import DOCUMENTS
from generator.leaks import audience_of, pdf_text
from generator.render import environment
from generator.schema import vocabulary
from generator.validate import validated
from generator.writers.pdf import typst_source
from tests.conftest import EXAMPLE, ROOT, copy_of_build, line_of, replace_in
from tests.docx_text import headings, visible
from tests.paper import broken_words, office, print_to_pdf, printed_text

LANGUAGES = ["en", "fr", "es", "ar"]
TRANSLATED = ("fr", "es", "ar")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SO1_TITLE = {
    "fr": "Réduire les dommages causés aux civils dans le Haut-Tarvan et à Marisk",
    "es": "Reducir los daños a la población civil en el Alto Tarvan y Marisk",
    "ar": "الحد من الأضرار التي تلحق بالمدنيين في أعالي تارفان وماريسك",
}


# -- the multilingual operation ----------------------------------------------------------------
def make_multilingual(target: Path) -> Path:
    """The example operation in four languages; SO1's title translated, the country in two."""
    shutil.copytree(EXAMPLE, target)
    replace_in(target / "operation.yaml", "languages: [en]", "languages: [en, fr, es, ar]")
    replace_in(
        target / "operation.yaml", "country: Norvania", "country: {en: Norvania, fr: Norvanie}"
    )
    title = "Reduce civilian harm from attacks on populated areas and displacement sites in Upper Tarvan and Marisk"
    translated = ", ".join(f'{lang}: "{text}"' for lang, text in SO1_TITLE.items())
    replace_in(
        target / "strategic-objectives.yaml",
        f'title: "{title}"',
        f'title: {{en: "{title}", {translated}}}',
    )
    return target


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_multilingual(tmp_path_factory.mktemp("i18n") / "content")


@pytest.fixture(scope="module")
def built(
    multilingual: Path, tmp_path_factory: pytest.TempPathFactory, example_build: BuildResult
) -> BuildResult:
    """Built over the English example's build, as a team adding languages would."""
    out = tmp_path_factory.mktemp("i18n-build") / "out"
    copy_of_build(example_build, out)
    return build(multilingual, out)


def docx_files(op_dir: Path, lang: str) -> list[Path]:
    """Every Word output of one language: name.LANG.docx, or name.docx for the first."""
    found = sorted(op_dir.rglob("*.docx"))
    if lang == "en":
        return [p for p in found if not re.search(r"\.(fr|es|ar)\.docx$", p.name)]
    return [p for p in found if p.name.endswith(f".{lang}.docx")]


def story_texts(path: Path) -> list[str]:
    """Each paragraph, heading, table cell, header and footer as Word shows it, stripped."""
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    texts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for section in doc.sections:
        texts += [p.text for p in (*section.header.paragraphs, *section.footer.paragraphs)]
    return [re.sub(r"[ \t\r\n]+", " ", visible(t)).strip() for t in texts if t.strip()]


# -- catalogues ---------------------------------------------------------------------------------
def catalogue_ids() -> set[str]:
    with (i18n.LOCALE_DIR / "protdocs.pot").open("rb") as pot:
        return {m.id for m in read_po(pot) if m.id}


def test_catalogue_template_is_up_to_date_with_the_sources() -> None:
    """`make translations-extract` was run: every fixed string is in protdocs.pot, no stale one."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"_": None, "N_": None}
        )
    }
    assert extracted == catalogue_ids()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_fixed_string_is_translated(lang: str) -> None:
    catalogue = i18n.catalogue(lang)
    assert catalogue is not None
    messages = {m.id: m for m in catalogue if m.id}
    assert set(messages) == catalogue_ids(), "run make translations-update"
    untranslated = [m.id for m in messages.values() if not m.string or m.fuzzy]
    assert untranslated == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_their_placeholders_and_render(lang: str) -> None:
    catalogue = i18n.catalogue(lang)
    assert catalogue is not None
    env = environment(lang=lang)
    plain = env.from_string("{{ _(message) }}")
    in_context = env.from_string("{{ pgettext(context, message) }}")
    for message in catalogue:
        if message.id:
            assert re.findall(r"\{\w+\}", message.string) == re.findall(r"\{\w+\}", message.id)
            # Jinja's newstyle gettext %-formats every string: a stray % would fail the render.
            template = in_context if message.context else plain
            rendered = template.render(message=message.id, context=message.context)
            assert rendered == message.string


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_fifteen_gpc_risks_are_translated(lang: str) -> None:
    _ = i18n.translator(lang)
    names = list(vocabulary()["risk_category"].values())
    assert len(names) == 15
    assert all(_(name) != name for name in names)
    assert len({_(name) for name in names}) == 15


def test_the_vocabulary_is_in_the_catalogue_but_not_language_names() -> None:
    ids = catalogue_ids()
    for vocab, labels in vocabulary().items():
        for label in labels.values():
            assert (str(label) in ids) is (vocab != "language"), (vocab, label)


# -- locale formatting --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "decimal", "compact", "percent", "date"),
    [
        ("en", "1,234.5", "2.1M", "80%", "31 March 2027"),
        ("fr", "1\u202f234,5", "2,1\u00a0M", "80\u00a0%", "31 mars 2027"),
        ("es", "1.234,5", "2,1\u00a0M", "80\u00a0%", "31 de marzo de 2027"),
        ("ar", "1,234.5", "2.1\u00a0مليون", "80%", "31 مارس 2027"),
    ],
)
def test_numbers_and_dates_per_locale(
    lang: str, decimal: str, compact: str, percent: str, date: str
) -> None:
    assert i18n.number(1234.5, lang) == decimal
    assert i18n.compact(2_100_000, lang) == compact
    assert i18n.percent(0.8, lang) == percent
    assert i18n.long_date(dt.date(2027, 3, 31), lang) == date


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["2.5M", "780K", "64.1M", "1M", "950", "12.3K", "1.3B"]),
        (
            "fr",
            [
                "2,5\u00a0M",
                "780\u00a0k",
                "64,1\u00a0M",
                "1\u00a0M",
                "950",
                "12,3\u00a0k",
                "1,3\u00a0Md",
            ],
        ),
        (
            "es",
            [
                "2,5\u00a0M",
                "780\u00a0mil",
                "64,1\u00a0M",
                "1\u00a0M",
                "950",
                "12,3\u00a0mil",
                "1,3\u00a0mil\u00a0M",
            ],
        ),
        (
            "ar",
            [
                "2.5\u00a0مليون",
                "780\u00a0ألف",
                "64.1\u00a0مليون",
                "1\u00a0مليون",
                "950",
                "12.3\u00a0ألف",
                "1.3\u00a0مليار",
            ],
        ),
    ],
)
def test_headline_figures_follow_ochas_house_style(lang: str, expected: list[str]) -> None:
    """Written out per language in the code, so a new CLDR (Babel 2.19: "2.5m") changes nothing."""
    values = [2_480_000, 780_000, 64_100_000, 999_960, 950, 12_345, 1_250_000_000]
    assert [i18n.compact(v, lang) for v in values] == expected


def test_a_word_with_two_meanings_has_a_context_each() -> None:
    """ "Area" as a place (Zone) and as an area of action (Domaine) are two French words."""
    env = environment(lang="fr")
    place = env.from_string('{{ _("Area") }}').render()
    of_action = env.from_string(
        '{{ pgettext("of action: threat, vulnerability or capacity", "Area") }}'
    ).render()
    assert (place, of_action) == ("Zone", "Domaine")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["2027-H1", "2027-Q2", "2027"]),
        ("fr", ["S1\u00a02027", "T2\u00a02027", "2027"]),
        ("es", ["1.er semestre\u00a02027", "2.º trimestre\u00a02027", "2027"]),
        ("ar", ["النصف الأول\u00a02027", "الربع الثاني\u00a02027", "2027"]),
    ],
)
def test_reporting_periods_are_named_in_each_language(lang: str, expected: list[str]) -> None:
    assert [i18n.period(p, lang) for p in ("2027-H1", "2027-Q2", "2027")] == expected


def test_french_typography_spaces_every_colon_semicolon_and_quote() -> None:
    text = (
        "---\ntitle: Plan\n---\nRisque : a; b! « oui » https://x.org à 10:30 **Chef**: moi\n:::\n"
    )
    assert i18n.typography(text, "fr") == (
        "---\ntitle: Plan\n---\nRisque\u00a0: a\u202f; b\u202f! «\u00a0oui\u00a0» https://x.org"
        " à 10:30 **Chef**\u00a0: moi\n:::\n"
    )
    assert i18n.typography(text, "en") == text


def test_arabic_keeps_western_digits() -> None:
    assert not re.search("[\u0660-\u0669]", i18n.number(2_480_000, "ar") + i18n.percent(0.3, "ar"))


# -- outputs, names and audiences -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("relative", "lang"),
    [
        ("public/hrp-protection-section.docx", "en"),
        ("public/hrp-protection-section.fr.docx", "fr"),
        ("public/annexes/charts/ar/I1.png", "ar"),
        ("site/es/index.html", "es"),
        ("site/assets/javascripts/lunr/min/lunr.fr.min.js", "en"),
        ("public/data/indicators.hxl.csv", "en"),
    ],
)
def test_language_of_an_output(relative: str, lang: str) -> None:
    assert i18n.language_of(Path(relative), LANGUAGES) == lang


@pytest.mark.parametrize(
    ("relative", "audience"),
    [
        ("public/hno-protection-analysis.fr.docx", "public"),
        ("internal/hct-protection-action-plan.ar.docx", "confidential"),
        ("internal/annexes/annex-1-cluster-contributions.es.md", "internal"),
        ("internal/annexes/annex-5-action-tracker.fr.docx", "confidential"),
        ("site/ar/hrp-protection-section.html", "public"),
    ],
)
def test_leak_check_knows_the_audience_of_translated_outputs(relative: str, audience: str) -> None:
    assert audience_of(Path(relative)).slug == audience


def test_each_language_has_its_files(built: BuildResult) -> None:
    op = built.op_dir
    for suffix in ("", ".fr", ".es", ".ar"):
        for name in ("public/hno-protection-analysis", "public/hrp-protection-section"):
            assert (op / f"{name}{suffix}.docx").is_file()
            assert (op / f"{name}{suffix}.md").is_file()
        assert (op / f"internal/hct-protection-action-plan{suffix}.docx").is_file()
        assert (op / f"internal/hct-protection-analysis{suffix}.docx").is_file()
        assert (op / f"internal/annexes/annex-6-benchmark-self-assessment{suffix}.docx").is_file()
    for lang in TRANSLATED:
        assert (op / "public/annexes/charts" / lang / "I1.png").is_file()
        assert (op / "site" / lang / "index.html").is_file()
    assert (op / "public/annexes/charts/I1.png").is_file()
    assert (op / "site/index.html").is_file()


PAGE_OF = {"en": "page 1 of", "fr": "page 1 sur", "es": "página 1 de", "ar": "الصفحة 1 من"}
DRAFT_MARK = {"en": "DRAFT", "fr": "PROJET", "es": "BORRADOR", "ar": "مسودة"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_its_pdfs_in_its_language(built: BuildResult, lang: str) -> None:
    suffix = "" if lang == "en" else f".{lang}"
    docx = sorted(built.op_dir.rglob(f"*{suffix}.docx"))
    docx = [p for p in docx if lang != "en" or p.suffixes == [".docx"]]
    assert docx
    for word in docx:
        pdf = word.with_suffix(".pdf")
        reader = PdfReader(pdf)
        assert reader.trailer["/Root"]["/Lang"] == lang, pdf
        text = " ".join(pdf_text(pdf).split())  # as the leak check reads it
        assert DRAFT_MARK[lang] in text, pdf
        if lang == "ar":  # the bold footer's Arabic word comes back from the PDF garbled
            assert re.search(r"1 من ?\d", text), pdf
        else:
            assert PAGE_OF[lang] in text, pdf


# -- the documents ------------------------------------------------------------------------------
EXPECTED_HEADINGS = {
    "fr": ["Protection\u00a0: réponse", "Objectifs stratégiques", "Contributions des clusters"],
    "es": ["Protección: respuesta", "Objetivos estratégicos", "Contribuciones de los clústeres"],
    "ar": ["الحماية: الاستجابة", "الأهداف الاستراتيجية", "مساهمات المجموعات"],
}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_headings_are_translated(built: BuildResult, lang: str) -> None:
    shown = [
        text
        for _style, text in headings(built.op_dir / f"public/hrp-protection-section.{lang}.docx")
    ]
    for heading in EXPECTED_HEADINGS[lang]:
        assert heading in shown
    colon = "\u00a0:" if lang == "fr" else ":"  # French typography
    # the drafter's code, printed as written in every language, before the translated title
    assert f"SO1{colon} {SO1_TITLE[lang]}" in shown  # the drafters' translation
    assert "Strategic objectives" not in shown


def content_strings(folder: Path) -> list[str]:
    """Every string of the content, in every language: the text that may stay English."""

    def strings(node: object) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for item in node:
                yield from strings(item)

    files = [*folder.glob("*.yaml"), *folder.glob("data/*.meta.yaml")]  # tables' titles too
    found = [s for path in files for s in strings(yaml.safe_load(path.read_text()))]
    return [" ".join(s.split()) for s in found]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_english_fixed_string_is_left(built: BuildResult, multilingual: Path, lang: str) -> None:
    """No msgid the catalogue translates is left as a paragraph, heading or cell, or inside one.

    Content that is not translated stays English, so English wording that also occurs in the
    content is not looked for; neither are short msgids inside longer text ("Other", "Age").
    """
    catalogue = i18n.catalogue(lang)
    assert catalogue is not None
    content = content_strings(multilingual)
    english = [
        m.id
        for m in catalogue
        if m.id and m.string != m.id and not any(m.id in text for text in content)
    ]
    files = docx_files(built.op_dir, lang)
    assert len(files) == len(DOCUMENTS)
    for path in files:
        texts = story_texts(path)
        whole = "\n".join(texts)
        left = [msgid for msgid in english if msgid in texts]
        left += [m for m in english if len(m.split()) >= 3 and m in whole and m not in left]
        assert left == [], f"{path.name}: {left}"


def test_untranslated_content_falls_back_to_the_first_language(built: BuildResult) -> None:
    op = built.op_dir
    facts = {
        row.cells[0].text: row.cells[1].text
        for row in Document(str(op / "public/hrp-protection-section.es.docx")).tables[0].rows
    }
    assert facts["Operación"] == "Norvania"  # no 'es' country: the English one
    french = {
        row.cells[0].text: row.cells[1].text
        for row in Document(str(op / "public/hrp-protection-section.fr.docx")).tables[0].rows
    }
    assert french["Opération"] == "Norvanie"


def test_numbers_and_build_date_follow_the_language(built: BuildResult) -> None:
    path = built.op_dir / "public/hrp-protection-section.fr.docx"
    text = "\n".join(story_texts(path))
    assert "2\u202f480\u202f000" in text  # General Protection, people in need
    assert "2,5\u00a0M" in text  # headline people in need
    cover = {r.cells[0].text: r.cells[1].text for r in Document(str(path)).tables[0].rows}
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    assert re.fullmatch(rf"\d{{1,2}} ({'|'.join(months.split())}) \d{{4}}", cover["Date"])


def test_banners_and_properties_are_translated(built: BuildResult) -> None:
    plan = Document(str(built.op_dir / "internal/hct-protection-action-plan.fr.docx"))
    banner = plan.sections[0].header.paragraphs[0].text
    assert banner.startswith("CONFIDENTIEL — EHP Norvanie")
    assert "ne pas transférer" in banner
    assert plan.core_properties.title == "Norvanie\u00a0: Plan d'action de l'EHP pour la protection"
    arabic = Document(str(built.op_dir / "public/hrp-protection-section.ar.docx"))
    assert "علني" in arabic.sections[0].header.paragraphs[0].text


# -- right to left ------------------------------------------------------------------------------
def parts(path: Path) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                yield name, archive.read(name)


@pytest.mark.parametrize(
    "name", ["public/hrp-protection-section", "internal/annexes/annex-3-monitoring-framework"]
)
def test_arabic_paragraphs_tables_and_runs_are_right_to_left(built: BuildResult, name: str) -> None:
    from lxml import etree

    path = built.op_dir / f"{name}.ar.docx"
    tables = 0
    for part, xml in parts(path):
        root = etree.fromstring(xml)
        for paragraph in root.iter(f"{W}p"):
            assert paragraph.find(f"{W}pPr/{W}bidi") is not None, part
        for table in root.iter(f"{W}tbl"):
            tables += 1
            assert table.find(f"{W}tblPr/{W}bidiVisual") is not None, part
        for run in root.iter(f"{W}r"):
            text = "".join(t.text or "" for t in run.iter(f"{W}t"))
            arabic = bool(re.search("[\u0600-\u06ff]", text))
            latin_only = bool(re.search("[A-Za-z0-9]", text)) and not arabic
            # Arabic runs read right to left; Latin ones (ids, versions, names) do not.
            assert (run.find(f"{W}rPr/{W}rtl") is not None) is not latin_only, (part, text)
            for latin, complex_script in (("b", "bCs"), ("i", "iCs")):
                if run.find(f"{W}rPr/{W}{latin}") is not None:
                    assert run.find(f"{W}rPr/{W}{complex_script}") is not None
    assert tables >= 3
    Document(str(path))  # python-docx still opens it


def test_latin_text_in_arabic_documents_is_isolated(built: BuildResult) -> None:
    """Versions, periods, results and names keep their order: each left-to-right stretch sits
    between LRI and PDI, and a Latin sentence keeps its own full stop."""
    texts = story_texts(built.op_dir / "public/hrp-protection-section.ar.docx")
    doc = Document(str(built.op_dir / "public/hrp-protection-section.ar.docx"))
    raw = [c.text for t in doc.tables for r in t.rows for c in r.cells] + [
        p.text for p in doc.paragraphs
    ]
    version = next(t for t in raw if "2027.1-draft" in t)
    assert "\u20662027.1-draft\u2069" in version
    sentence = next(t for t in raw if t.startswith("\u2066By the end of 2027"))
    assert sentence.endswith(".\u2069")  # the full stop inside: it stays at the sentence's end
    assert all(not t.startswith(".") for t in texts)


def test_latin_text_in_arabic_pdfs_is_isolated_as_in_word(built: BuildResult) -> None:
    """The PDF is laid out by Typst from the same Markdown as the Word file, its Latin stretches
    isolated the same way: "2027.1-draft" keeps its order, an English sentence its full stop."""
    markdown = (built.op_dir / "public/hrp-protection-section.ar.md").read_text(encoding="utf-8")
    source = typst_source(markdown, right_to_left=True)
    assert "\u20662027.1-draft\u2069" in source
    assert re.search(r"\u2066By the end of 2027,[^\u2069]* half of 2026\.\u2069", source)
    assert "\u2066" not in typst_source(markdown)  # left to right: nothing to isolate
    reader = PdfReader(built.op_dir / "public/hrp-protection-section.ar.pdf")
    assert "\u2066" in "".join(page.extract_text() for page in reader.pages)  # built so
    english = PdfReader(built.op_dir / "public/hrp-protection-section.pdf")
    assert "\u2066" not in "".join(page.extract_text() for page in english.pages)


def test_a_stretch_across_emphasis_and_a_link_is_isolated_once() -> None:
    """Across italics, a link and spaces, one stretch: LRI on its first word, PDI after its last."""
    tree = json.loads(
        pypandoc.convert_text(
            "\u0646\u0635 *Office of the* [Humanitarian](https://example.org) Coordinator. \u0646\u0635",
            "json",
            format="markdown",
        )
    )
    isolate_left_to_right_in_ast(tree["blocks"])
    assert words(tree) == [
        "\u0646\u0635",
        "\u2066Office",
        "of",
        "the",
        "Humanitarian",
        "Coordinator.\u2069",
        "\u0646\u0635",
    ]  # a Latin sentence (three words or more) keeps its full stop inside


def words(node: object) -> list[str]:
    """The words (pandoc's Str elements) of a JSON tree, in order."""
    if isinstance(node, list):
        return [w for item in node for w in words(item)]
    if isinstance(node, dict):
        if node.get("t") == "Str":
            return [node["c"]]
        return [w for value in node.values() for w in words(value)]
    return []


def test_arabic_styles_name_an_arabic_font_and_complex_script_sizes(built: BuildResult) -> None:
    doc = Document(str(built.op_dir / "public/hrp-protection-section.ar.docx"))
    for name in ("Normal", "Heading 1", "Heading 2", "Title", "Compact"):
        rpr = doc.styles[name].element.rPr
        fonts = rpr.find(f"{W}rFonts")
        assert fonts.get(f"{W}cs") == "Arial" and fonts.get(f"{W}cstheme") is None, name
        size = rpr.find(f"{W}sz")
        if size is not None:
            assert rpr.find(f"{W}szCs").get(f"{W}val") == size.get(f"{W}val"), name
    assert doc.styles["Heading 1"].element.rPr.find(f"{W}bCs") is not None
    styles = doc.styles.element
    assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts").get(f"{W}cs") == "Arial"


def test_other_languages_are_left_to_right(built: BuildResult) -> None:
    for lang in ("en", "fr"):
        suffix = "" if lang == "en" else f".{lang}"
        for _part, xml in parts(built.op_dir / f"public/hrp-protection-section{suffix}.docx"):
            assert b"<w:bidi" not in xml


def test_arabic_site_is_right_to_left(built: BuildResult) -> None:
    site = built.op_dir / "site"
    arabic = (site / "ar/index.html").read_text(encoding="utf-8")
    assert '<html lang="ar"' in arabic and 'dir="rtl"' in arabic
    assert "الأرقام الرئيسية" in arabic  # Headline figures
    french = (site / "fr/hrp-protection-section.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in french and 'dir="ltr"' in french
    assert 'src="charts/fr/' in (site / "fr/annex-3-monitoring-framework.html").read_text(
        encoding="utf-8"
    )
    assert '<html lang="en"' in (site / "index.html").read_text(encoding="utf-8")


def test_latin_text_on_the_arabic_site_is_isolated_as_in_word(built: BuildResult) -> None:
    """The site's Arabic pages isolate their Latin stretches as the Word files and PDFs do, in
    the content (cells, sentences) and in the navigation's titles; the search index keeps its
    words plain, and the pages of the left-to-right languages have no isolate."""
    site = built.op_dir / "site"
    page = lxml_html.fromstring((site / "ar/hrp-protection-section.html").read_bytes())
    cells = [cell.text_content() for cell in page.iter("td")]
    assert any("\u20662027.1-draft\u2069" in cell for cell in cells)
    sentence = next(c for c in cells if "By the end of 2027" in c)
    assert sentence.strip().startswith("\u2066By the end of 2027")
    assert sentence.strip().endswith("2026.\u2069")
    titles = [t.text_content().strip() for t in page.find_class("md-ellipsis")]
    assert any(t.startswith("\u2066SP1.1:") and t.endswith(".\u2069") for t in titles), titles
    assert "\u2066" not in (site / "ar/search/search_index.json").read_text(encoding="utf-8")
    for other in ("hrp-protection-section.html", "fr/hrp-protection-section.html"):
        assert "\u2066" not in (site / other).read_text(encoding="utf-8")


# -- warnings and the translators' list ---------------------------------------------------------
def test_missing_translations_are_warnings_with_file_and_line(
    runner: CliRunner, multilingual: Path
) -> None:
    result = runner.invoke(main, ["validate", "--content", str(multilingual)])
    assert result.exit_code == 0, result.output
    line = line_of(multilingual / "operation.yaml", "country:")
    assert (
        f"operation.yaml:{line}: warning: country: no 'es' translation; the 'en' text is used"
        in result.output
    )
    strict = runner.invoke(main, ["validate", "--strict", "--content", str(multilingual)])
    assert strict.exit_code == 1
    assert "warning: country: no 'ar' translation" in strict.output


def test_translations_missing_lists_what_is_left_per_language(
    runner: CliRunner, multilingual: Path
) -> None:
    result = runner.invoke(main, ["translations", "--missing", "--content", str(multilingual)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    counts = {line.split(":")[0]: line for line in lines if "text(s) to translate" in line}
    fr, es = (int(counts[lang].split()[1]) for lang in ("fr", "es"))
    assert es == fr + 1  # the country has a French name but no Spanish one
    country = line_of(multilingual / "operation.yaml", "country:")
    assert any(line.endswith(f"operation.yaml:{country}: country: Norvania") for line in lines)
    title = line_of(multilingual / "operation.yaml", "title:")
    shortened = [
        line for line in lines if f"operation.yaml:{title}: title: Norvania Humanitarian" in line
    ]
    assert len(shortened) == 3 and all(len(line.split(": title: ")[1]) == 60 for line in shortened)
    only = runner.invoke(
        main, ["translations", "--missing", "--lang", "ar", "--content", str(multilingual)]
    )
    assert only.output.startswith(f"ar: {es} text(s)") and "fr:" not in only.output


SMALL_OPERATION = {
    "operation.yaml": """\
id: small-2027
country: Testland
plan_year: 2027
title: {en: "Protection plan", fr: "Plan de protection"}
languages: [en, fr]
version: "2027.1"
default_classification: public
""",
    "analysis.yaml": """\
context: "Plain context, in English only."
drivers:
  - {id: D1, text: "A driver written once."}
  - {id: D2, text: {all: "CERF"}}
  - {id: D3, text: {en: "Three", fr: "Trois"}}
  - {id: D4, text: {en: "Four"}}
threats:
  - {id: T1, text: "Shelling", locations: ["North province"]}
sources:
  - {id: S1, name: "Protection monitoring", type: inside-hct}
""",
}


def test_plain_strings_count_as_untranslated_names_and_all_do_not(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A plain translatable text is English only; names, places and {all: ...} are the same in
    every language; a mapping without French is missing its French."""
    for name, text in SMALL_OPERATION.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["translations", "--missing", "--content", str(tmp_path)])
    assert result.exit_code == 0, result.output
    listed = [line.split(": ")[1] for line in result.output.splitlines()[1:]]
    assert result.output.splitlines()[0] == "fr: 5 text(s) to translate from en"
    assert sorted(listed) == [
        "context", "drivers[D1].text", "drivers[D4].text", "sources[S1].name", "threats[T1].text"
    ]  # fmt: skip
    strict = runner.invoke(main, ["validate", "--strict", "--content", str(tmp_path)])
    assert strict.exit_code == 1
    assert "analysis.yaml:3: warning: drivers[D1].text: not translated into fr" in strict.output
    assert "{all: ...}" in strict.output


def test_text_in_another_language_is_tagged_with_it(built: BuildResult) -> None:
    """In the French HRP, the English fallback runs say they are English (en-GB); the French
    ones and the translated title are French; each document states its language."""
    from generator.writers.language import marked_runs

    french = Document(str(built.op_dir / "public/hrp-protection-section.fr.docx"))
    tagged = list(marked_runs(french))
    english_only = "Attacks on civilians and civilian objects in Upper Tarvan and Marisk"
    assert any(english_only in text for _lang, text in tagged)
    assert {lang for lang, _text in tagged} == {"en-GB"}
    assert not any(SO1_TITLE["fr"] in text for _lang, text in tagged)
    assert french.core_properties.language == "fr-FR"
    english = Document(str(built.op_dir / "public/hrp-protection-section.docx"))
    assert english.core_properties.language == "en-GB" and not list(marked_runs(english))
    styles = zipfile.ZipFile(built.op_dir / "public/hrp-protection-section.docx").read(
        "word/styles.xml"
    )
    assert b'w:val="en-GB"' in styles  # the document's own language, in its default style
    page = (built.op_dir / "site/fr/hrp-protection-section.html").read_text(encoding="utf-8")
    assert f'<span lang="en-GB">{english_only}</span>' in page
    assert not re.search("[\ue000-\ue1ff]", page)


def test_translations_of_a_one_language_operation(runner: CliRunner) -> None:
    result = runner.invoke(main, ["translations", "--missing", "--content", str(EXAMPLE)])
    assert result.exit_code == 0
    assert "only its first language (en): nothing to translate" in result.output


def test_unknown_language_is_a_clear_error(
    runner: CliRunner, multilingual: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        main, ["build", "--content", str(multilingual), "--out", str(tmp_path), "--lang", "de"]
    )
    assert result.exit_code == 1
    assert (
        "Error: --lang de: not one of this operation's languages (en, fr, es, ar); "
        "they are set by languages: in operation.yaml" in result.output
    )
    assert not (tmp_path / "norvania-2027").exists()


def test_building_one_language_keeps_the_others(
    built: BuildResult, tmp_path: Path, multilingual: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(built.op_dir, out / built.op_dir.name)
    english = (out / built.op_dir.name / "public/hrp-protection-section.md").read_bytes()
    stale = out / built.op_dir.name / "public/hrp-protection-section.fr.md"
    stale.write_text("stale", encoding="utf-8")
    result = build(multilingual, out, lang="fr")
    assert all(
        ".fr." in p.name or "/fr/" in p.as_posix() or "data" in p.parts for p in result.written
    )
    op = result.op_dir
    assert stale.read_text(encoding="utf-8").startswith("---")  # rebuilt
    assert (op / "public/hrp-protection-section.md").read_bytes() == english  # kept
    assert (op / "public/hrp-protection-section.ar.docx").is_file()
    assert (op / "site/index.html").is_file() and (op / "site/es/index.html").is_file()


# -- the picture test ---------------------------------------------------------------------------
def text_lines(png: Path, dark: int = 140) -> tuple[int, list[tuple[int, int]]]:
    """The page width and, for each band of rows holding dark pixels, its leftmost and
    rightmost dark pixel."""
    image = Image.open(png).convert("L")
    width, height = image.size
    pixels = image.load()
    bands: list[tuple[int, int]] = []
    band: list[int] | None = None
    for y in range(height):
        xs = [x for x in range(width) if pixels[x, y] < dark]
        if xs:
            band = [min(band[0], xs[0]), max(band[1], xs[-1])] if band else [xs[0], xs[-1]]
        elif band:
            bands.append((band[0], band[1]))
            band = None
    return width, bands


def hugging(png: Path) -> tuple[int, int]:
    """How many short lines (not full-width paragraph lines nor table rows) touch the right
    margin, and how many the left one."""
    _width, lines = text_lines(png)
    xs = [x for line in lines for x in line]
    left, right = min(xs), max(xs)
    slack = (right - left) // 10
    short = [(a, b) for a, b in lines if 2 < b - a < 0.75 * (right - left)]
    return sum(b >= right - slack for a, b in short), sum(a <= left + slack for a, b in short)


def test_arabic_hrp_section_is_right_aligned_on_paper(built: BuildResult, tmp_path: Path) -> None:
    """The Arabic HRP section, printed by LibreOffice: its lines hug the right margin."""
    pdftoppm = office()[1]
    sources = [built.op_dir / f"public/hrp-protection-section{s}.docx" for s in (".ar", "")]
    pdfs = print_to_pdf(sources, tmp_path)
    counts = {}
    for number, (source, pdf) in enumerate(zip(sources, pdfs, strict=True)):
        page = tmp_path / f"page-{number}"
        subprocess.run(
            [
                pdftoppm,
                "-r",
                "50",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "-png",
                str(pdf),
                str(page),
            ],
            check=True,
            timeout=60,
        )
        counts[source.name] = hugging(tmp_path / f"page-{number}.png")
    right, left = counts["hrp-protection-section.ar.docx"]
    assert right >= 5 and right >= 3 * left, counts
    right, left = counts["hrp-protection-section.docx"]  # the control: English hugs the left
    assert left >= 5 and left >= 3 * right, counts
    # Read back: the version keeps its order and no full stop jumps to the start of a line.
    printed = visible(printed_text(pdfs[0]))
    assert "2027.1-draft" in printed and "draft-2027.1" not in printed
    assert "2,480,000" in printed and "(2027-12)" in printed  # figures and dates in order
    lines = [line.strip() for line in printed.splitlines() if line.strip()]
    assert [line for line in lines if line.startswith(".")] == []


def test_no_word_is_broken_in_the_tables_of_french_and_spanish(
    built: BuildResult, tmp_path: Path
) -> None:
    """Longer words than English ("[CONFIDENTIEL]", "vulnerabilidad") still fit their columns."""
    sources = [
        built.op_dir / f"internal/{name}.{lang}.docx"
        for lang in ("fr", "es")
        for name in (
            "hct-protection-action-plan",
            "hct-protection-analysis",
            "annexes/annex-4-human-rights-engagement",
            "annexes/annex-5-action-tracker",
        )
    ]
    for source, pdf in zip(sources, print_to_pdf(sources, tmp_path), strict=True):
        assert not broken_words(source, pdf), source.name


# -- PO files for translators -------------------------------------------------------------------
def exported(runner: CliRunner, content: Path, tmp_path: Path, *args: str) -> Catalog:
    target = tmp_path / f"export{len(list(tmp_path.glob('export*')))}.po"
    result = runner.invoke(
        main,
        [
            "translations",
            "export",
            "--lang",
            "fr",
            "--content",
            str(content),
            "--out",
            str(target),
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    with target.open("rb") as po:
        return read_po(po)


def test_exports_hold_what_their_readers_may_read(
    runner: CliRunner, multilingual: Path, tmp_path: Path
) -> None:
    """Public texts by default; internal and confidential ones only when asked, under a header
    that says so; strictly-confidential texts never."""
    public = exported(runner, multilingual, tmp_path)
    internal = exported(runner, multilingual, tmp_path, "--audience", "internal")
    secret = ("Hesk farmers", "Trusted-informant network", "Dravo sawmill")
    confidential = "In closed meetings with the Minister of Defence"
    public_ids = " ".join(str(m.id) for m in public)
    internal_ids = " ".join(str(m.id) for m in internal)
    assert "Norvania Humanitarian Response Plan 2027" in public_ids
    assert confidential not in public_ids and confidential in internal_ids
    assert not any(word in public_ids + internal_ids for word in secret)
    assert "CONFIDENTIAL" in internal.header_comment
    assert "CONFIDENTIAL" not in public.header_comment
    title = public.get(
        "Norvania Humanitarian Response Plan 2027: Protection Analysis and HCT Protection "
        "Action Plan",
        context="operation.yaml:title",
    )
    assert title is not None and title.locations[0][1] == line_of(
        multilingual / "operation.yaml", "title:"
    )
    so1 = next(m for m in public if str(m.context).endswith("strategic_objectives[SO1].title"))
    assert so1.string == SO1_TITLE["fr"]  # the current translation travels with its text


def test_import_brings_translations_back_and_touches_no_yaml(
    runner: CliRunner, multilingual: Path, tmp_path: Path
) -> None:
    content = shutil.copytree(multilingual, tmp_path / "content")
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    catalog = exported(runner, content, tmp_path)
    risk = next(m for m in catalog if str(m.context).endswith("risks[R1].title"))
    risk.string = "Attaques contre les civils et les biens civils dans le Haut-Tarvan et à Marisk"
    context = next(m for m in catalog if str(m.context) == "analysis.yaml:context")
    context.string = "Un contexte traduit."
    missing = runner.invoke(
        main, ["translations", "--missing", "--lang", "fr", "--content", str(content)]
    )
    count = int(missing.output.split()[1])
    replace_in(content / "analysis.yaml", "Norvania enters 2027", "Norvania begins 2027")
    before[content / "analysis.yaml"] = (content / "analysis.yaml").read_bytes()
    returned = tmp_path / "returned.po"
    with returned.open("wb") as po:
        write_po(po, catalog)
    result = runner.invoke(
        main, ["translations", "import", str(returned), "--content", str(content)]
    )
    assert result.exit_code == 0, result.output
    assert "1 translation(s) taken" in result.output
    assert "1 left out: their text has changed since the export" in result.output
    after = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    assert {p for p in after if after[p] != before.get(p)} == {content / "translations/fr.po"}
    again = runner.invoke(
        main, ["translations", "--missing", "--lang", "fr", "--content", str(content)]
    )
    assert int(again.output.split()[1]) == count - 1
    french = view(validated(content), Audience.PUBLIC, "fr")
    r1 = next(r for r in french["analysis"]["risks"] if r["id"] == "R1")
    assert r1["title"] == risk.string


def test_arabic_charts_read_from_the_right() -> None:
    """The first age group and the earliest period stand on the right, the value axis too."""
    from generator.charts import Labels, draw, draw_pin

    ages = ["children", "adults", "elderly"]
    by_sex = {"f": [10, 30, 50], "m": [20, 40, 60]}
    for lang, mirrored in (("ar", True), ("fr", False)):
        (axes,) = draw_pin(ages, by_sex, Labels(lang)).axes
        assert bool(axes.xaxis_inverted()) is mirrored
        assert axes.yaxis.get_ticks_position() == ("right" if mirrored else "left")
        indicator = {
            "results": [{"period": "2026-H2", "value": 640}, {"period": "2027-H1", "value": 512}],
            "baseline": {"value": 640},
            "target": {"value": 480},
        }
        bars = draw(indicator, Labels(lang)).axes[0]
        assert bool(bars.xaxis_inverted()) is mirrored
        names = [t.get_text() for t in bars.get_xticklabels()]
        assert ("النصف الأول\n2027" in names) is mirrored


def test_every_colon_of_a_french_document_has_its_no_break_space(built: BuildResult) -> None:
    """French typography everywhere: fixed labels and content text alike, Word and PDF."""
    for name in (
        "public/hrp-protection-section.fr.docx",
        "internal/hct-protection-action-plan.fr.docx",
        "internal/hct-protection-analysis.fr.docx",
    ):
        text = "\n".join(story_texts(built.op_dir / name))
        bare = [
            text[max(0, m.start() - 30) : m.end() + 10]
            for m in re.finditer(r"(?<=[^\s\u00a0\u202f]):(?=\s)", text)
        ]
        assert bare == [], (name, bare)
        assert re.search("\u00a0:", text), name
