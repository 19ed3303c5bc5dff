"""Areas of responsibility, objective codes, indicators per objective and severity by area
(CONTENT-SPEC Extensions): what a drafter is told when one is wrong, what each audience sees,
and what the HNO, the HRP and the monitoring annex print from them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.audience import Audience, view
from generator.build import BuildResult
from generator.charts import draw_severity
from generator.cli import main
from generator.documents import DOCUMENTS
from generator.model import Content
from generator.render import BuildInfo, render
from generator.validate import load_and_validate
from tests.conftest import EXAMPLE, FIXTURES, line_of, replace_in
from tests.docx_text import all_text, headings, table_with_header
from tests.test_validate import expect_error

INFO = BuildInfo(dt.date(2027, 3, 31), "test")
CP2 = "The armed forces hand over children held after screening at Kaldor"
HESK = "NV0107"  # the internal severity row's p-code


# -- validation: file, line, field and what to do ------------------------------------------------
def test_unknown_aor_kind_suggests_the_right_one(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, "  - aor: mine-action\n", "  - aor: mine-actoin\n")
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: areas_of_responsibility[4].aor: 'mine-actoin' is not one of "
        "general-protection, child-protection, gender-based-violence, housing-land-property, "
        "mine-action. Did you mean 'mine-action'?",
    )


def test_contributes_to_an_unknown_objective(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, "contributes_to: [SO2]", "contributes_to: [SO3]")
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: areas_of_responsibility[2].objectives[GBV-1].contributes_to[0]: "
        "unknown id 'SO3'. Did you mean 'SO1'?",
    )


def test_contributes_to_names_an_objective_not_a_risk(runner: CliRunner, content: Path) -> None:
    replace_in(content / "analysis.yaml", "contributes_to: [SO2]", "contributes_to: [R2]")
    expect_error(runner, content, "'R2' is a risk, not a strategic objective")


def test_indicator_naming_an_unknown_objective(runner: CliRunner, content: Path) -> None:
    path = content / "monitoring.yaml"
    line = replace_in(path, "objectives: [CP-1]", "objectives: [CP-7]")
    expect_error(
        runner,
        content,
        f"monitoring.yaml:{line}: indicators[I9].objectives[0]: unknown id 'CP-7'. "
        "Did you mean 'CP-1'?",
    )


def test_severity_outside_the_scale(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, "pcode: NV03, severity: 3", "pcode: NV03, severity: 7")
    expect_error(
        runner, content, f"analysis.yaml:{line}: severity_by_area[2].severity: 7 is not in 1-5"
    )


def test_duplicate_objective_code(runner: CliRunner, content: Path) -> None:
    """Codes are compared ignoring case: "so1" and "SO1" would read as one objective."""
    path = content / "analysis.yaml"
    first = line_of(path, "      - id: MA-1")
    replace_in(path, 'code: "MA1"', 'code: "so1"')
    line = line_of(content / "strategic-objectives.yaml", "  - id: SO1")
    expect_error(
        runner,
        content,
        f"strategic-objectives.yaml:{line}: SO1.code: objective code 'SO1' is used twice "
        f"(also {content / 'analysis.yaml'}:{first}) Each objective needs its own code",
    )


def test_objective_code_that_markup_could_read(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, 'code: "CP1"', 'code: "**CP1**"')
    output = expect_error(
        runner, content, f"analysis.yaml:{line}: areas_of_responsibility[1].objectives[CP-1].code:"
    )
    assert "is not an objective code" in output and "SP1.1" in output


def test_one_entry_per_aor_and_per_area(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    replace_in(path, "  - aor: mine-action\n", "  - aor: child-protection\n")
    replace_in(path, '{area: "Marisk", pcode: NV02', '{area: "Marisk", pcode: NV01')
    output = expect_error(runner, content, "'child-protection' is described twice")
    assert "'NV01' already has a severity" in output


def test_aor_figures_must_agree_with_figures_by_aor(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = line_of(path, "figures: {people_in_need: 910000")
    replace_in(path, "figures: {people_in_need: 910000", "figures: {people_in_need: 990000")
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: areas_of_responsibility[gender-based-violence].figures."
        "people_in_need: 990,000 here, but figures.by_aor gives 910,000",
    )


def test_aor_figures_must_agree_with_the_table(content: Path, runner: CliRunner) -> None:
    """A people-in-need table with AoR rows (#sector Child Protection) gives the AoR's figure:
    an AoR typing another one is an error naming both places."""
    for old in ("people-in-need.csv", "people-in-need.meta.yaml"):
        (content / "data" / old).unlink()
    for suffix in (".csv", ".meta.yaml"):
        shutil.copy(FIXTURES / "hxl" / f"pin-wide{suffix}", content / "data")
    path = content / "analysis.yaml"
    text = path.read_text(encoding="utf-8")  # no figures: the table's are the only ones
    start, end = text.index("\nfigures:"), text.index("\n# Areas of responsibility")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    line = line_of(path, "figures: {people_in_need: 1060000")
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: areas_of_responsibility[child-protection].figures."
        f"people_in_need: 1,060,000 here, but {content / 'data' / 'pin-wide.csv'} gives 280,000",
    )


def test_unmarked_aor_is_internal_even_in_a_public_file(content: Path) -> None:
    """A file default of public publishes unmarked items, but never an AoR, an AoR objective or
    a severity row: those are public only when marked on their own line."""
    path = content / "analysis.yaml"
    replace_in(path, "\ncontext:", "\nclassification: public\ncontext:")
    replace_in(path, "  - aor: mine-action\n    classification: public\n", "  - aor: mine-action\n")
    replace_in(path, 'code: "MA1"\n        classification: public\n', 'code: "MA1"\n')
    replace_in(path, '{area: "Marisk", pcode: NV02, severity: 4, classification: public}',
               '{area: "Marisk", pcode: NV02, severity: 4}')  # fmt: skip
    loaded = load_and_validate(content)
    assert loaded.errors == [], loaded.errors
    public = view(loaded, Audience.PUBLIC)["analysis"]
    internal = view(loaded, Audience.INTERNAL)["analysis"]
    assert "mine-action" not in [a["aor"] for a in public["areas_of_responsibility"]]
    assert "mine-action" in [a["aor"] for a in internal["areas_of_responsibility"]]
    assert "NV02" not in [r["pcode"] for r in public["severity_by_area"]]
    assert "NV02" in [r["pcode"] for r in internal["severity_by_area"]]


# -- the audience filter and the rendered Markdown -----------------------------------------------
@pytest.fixture(scope="module")
def example() -> Content:
    return load_and_validate(EXAMPLE)


def _markdown(content: Content, slug: str, audience: Audience) -> str:
    doc = next(d for d in DOCUMENTS if d.slug == slug and d.audience is audience)
    return render(doc, view(content, audience), INFO)


def test_internal_aor_objective_and_severity_row_stay_internal(example: Content) -> None:
    public = view(example, Audience.PUBLIC)
    internal = view(example, Audience.INTERNAL)

    def codes(v: dict) -> list[str]:
        return [
            o["code"] for a in v["analysis"]["areas_of_responsibility"] for o in a["objectives"]
        ]

    assert "CP2" not in codes(public) and "CP2" in codes(internal)
    assert HESK not in [r["pcode"] for r in public["analysis"]["severity_by_area"]]
    assert HESK in [r["pcode"] for r in internal["analysis"]["severity_by_area"]]
    # the indicator of the internal objective no longer names it in the public view
    assert all("CP-2" not in i["objectives"] for i in public["monitoring"]["indicators"])
    hrp = _markdown(example, "hrp-protection-section", Audience.PUBLIC)
    hno = _markdown(example, "hno-protection-analysis", Audience.PUBLIC)
    assert CP2 not in hrp and "CP2" not in hrp and HESK not in hno
    plan = _markdown(example, "hct-protection-action-plan", Audience.CONFIDENTIAL)
    assert CP2 in plan and HESK in plan  # the HCT's own plan keeps them


def test_hno_has_a_section_per_aor_and_severity_in_gpc_words(example: Content) -> None:
    hno = _markdown(example, "hno-protection-analysis", Audience.PUBLIC)
    shown = [a for a in view(example, Audience.PUBLIC)["analysis"]["areas_of_responsibility"]]
    for name in ("General Protection", "Child Protection", "Gender-Based Violence",
                 "Housing, Land and Property", "Mine Action"):  # fmt: skip
        assert f"\n### {name}\n" in hno
    assert len(shown) == 5
    child = hno[hno.index("\n### Child Protection\n") : hno.index("\n### Gender-Based Violence")]
    assert "| 1.1M | 390K | 17.8M | 14 |" in child  # its own headline block
    assert "floods separated some" in child
    assert "| Upper Tarvan | NV01 | 4 – Extreme |" in hno
    assert "| Orlen (capital district) | NV04 | 2 – Stress |" in hno
    assert "](charts/severity-by-area.png)" in hno
    assert "![Severity of protection needs by area: Upper Tarvan 4 (Extreme)" in hno


def test_hrp_prints_each_objective_with_its_code_and_indicators(example: Content) -> None:
    hrp = _markdown(example, "hrp-protection-section", Audience.PUBLIC)
    gp1 = hrp[hrp.index("#### GP1: ") : hrp.index("#### GP2: ")]
    assert "*Contributes to SP1.1*" in gp1
    assert "| Indicator | Unit | Baseline | Target |" in gp1
    assert "early-warning and safe-shelter plan | committees | 9 (2026-12) | 31 (2027-12) |" in gp1
    sp = hrp[hrp.index("#### SP2.1: ") : hrp.index("## Areas of responsibility")]
    assert "feel unsafe when collecting water or firewood | percent | 64% (2026-11)" in sp
    assert "\n### SO1: " in hrp and "\n#### MA1: " in hrp


def test_monitoring_annex_names_each_indicator_objective(example: Content) -> None:
    annex = _markdown(example, "annex-3-monitoring-framework", Audience.PUBLIC)
    assert "| Dimension | Indicator | Objectives | Baseline |" in annex
    row = next(line for line in annex.splitlines() if "Community protection committees" in line)
    assert "| SP1.1 and GP1 |" in row
    internal = render(
        next(
            d
            for d in DOCUMENTS
            if d.slug == "annex-3-monitoring-framework" and d.audience is Audience.INTERNAL
        ),
        view(example, Audience.INTERNAL),
        INFO,
    )
    assert "## CP2: " in internal and "## CP2: " not in annex


def test_severity_chart_reads_from_the_right_in_arabic() -> None:
    rows = [("Upper Tarvan", 4), ("Lower Tarvan", 3)]
    english, arabic = draw_severity(rows), draw_severity(rows, labels=_labels("ar"))
    left, right = english.axes[0].get_xlim()
    assert left < right
    left, right = arabic.axes[0].get_xlim()
    assert left > right  # mirrored: phase 1 at the right
    size = english.get_size_inches() * 2.54
    assert round(size[0], 1) == 14.0  # drawn at the width the document places it


def _labels(lang: str):  # type: ignore[no-untyped-def]
    from generator.charts import Labels

    return Labels(lang)


# -- end to end: the public HRP Word file ---------------------------------------------------------
def test_public_hrp_word_file_has_objective_tables_not_the_internal_one(
    example_build: BuildResult,
) -> None:
    docx = example_build.op_dir / "public" / "hrp-protection-section.docx"
    titles = [text for _style, text in headings(docx)]
    assert (
        "CP1: Unaccompanied and separated children are identified, placed in family-based care and reunified."
        in titles
    )
    assert not any(t.startswith("CP2") for t in titles)
    table = table_with_header(docx, "Indicator", contains="Unit")
    assert table[0] == ["Indicator", "Unit", "Baseline", "Target"]
    text = all_text(docx)
    assert CP2 not in text and "Kaldor handed over" not in text
    hno = example_build.op_dir / "public" / "hno-protection-analysis.docx"
    severity = table_with_header(hno, "Area", contains="Severity")
    assert ["Upper Tarvan", "NV01", "4 – Extreme"] in severity
    assert not any(HESK in row for row in severity)


# -- the leak check knows the new records --------------------------------------------------------
def test_leak_check_knows_internal_aor_texts_and_figures(content: Path, tmp_path: Path) -> None:
    """An internal AoR's text, its objective's text and a figure only it holds, found in a
    public output, are each reported; the leak check decides without the audience filter."""
    from generator.leaks import Finding, LeakChecker

    path = content / "analysis.yaml"
    replace_in(path, "  - aor: mine-action\n    classification: public\n", "  - aor: mine-action\n")
    replace_in(path, 'code: "MA1"\n        classification: public\n', 'code: "MA1"\n')
    replace_in(
        path,
        "requirements_usd: 10500000, partners: 6}",
        "requirements_usd: 10500000, partners: 60417}",
    )
    loaded = load_and_validate(content)
    assert loaded.errors == [], loaded.errors
    leaked = tmp_path / "public" / "notes.md"
    leaked.parent.mkdir()
    leaked.write_text(
        "Floods moved explosive ordnance onto farmland and return routes in Lower Tarvan.\n\n"
        "Farmland and return routes are surveyed and cleared before the planting season.\n\n"
        "Partners: 60,417.\n",
        encoding="utf-8",
    )
    findings = [
        f for f in LeakChecker(loaded).check_file(leaked, Audience.PUBLIC) if isinstance(f, Finding)
    ]
    assert {(f.secret.field, f.number) for f in findings} >= {
        ("needs", None),
        ("text", None),
        ("partners", "60,417"),
    }
    assert "MA-1" in {f.secret.item for f in findings}


# -- severity fed by a table ---------------------------------------------------------------------
SEVERITY_CSV = """Province,P-code,District,District p-code,Severity
#adm1+name,#adm1+code,#adm2+name,#adm2+code,#severity
Upper Tarvan,NV01,Dravo,NV0102,4
Marisk,NV02,Velm,NV0203,{velm}
"""


def test_severity_table_rows_join_the_typed_ones(content: Path, runner: CliRunner) -> None:
    """A table tagged #severity feeds severity_by_area: its rows are internal unless its
    sidecar marks it public, and a bad severity names the spreadsheet cell."""
    table = content / "data" / "severity.csv"
    table.write_text(SEVERITY_CSV.format(velm=7), encoding="utf-8")
    expect_error(
        runner,
        content,
        "severity.csv:4: column E 'Severity' (#severity): '7' is not a severity. "
        "Write a whole number from 1 (minimal) to 5 (catastrophic).",
    )
    table.write_text(SEVERITY_CSV.format(velm=5), encoding="utf-8")
    loaded = load_and_validate(content)
    assert loaded.errors == [], loaded.errors
    rows = view(loaded, Audience.INTERNAL)["analysis"]["severity_by_area"]
    assert ("Velm", "NV0203", 5) in [(r["area"], r["pcode"], r["severity"]) for r in rows]
    hno = render(
        next(d for d in DOCUMENTS if d.slug == "hno-protection-analysis"),
        view(loaded, Audience.PUBLIC),
        INFO,
    )
    assert "NV0203" not in hno  # no sidecar: internal
    (content / "data" / "severity.meta.yaml").write_text("classification: public\n", "utf-8")
    public = render(
        next(d for d in DOCUMENTS if d.slug == "hno-protection-analysis"),
        view(load_and_validate(content), Audience.PUBLIC),
        INFO,
    )
    assert "| Velm | NV0203 | 5 – Catastrophic |" in public


def test_objective_without_code_is_numbered_in_public_and_named_by_id_inside(
    content: Path,
) -> None:
    path = content / "strategic-objectives.yaml"
    replace_in(path, '    code: "SO2"\n', "")
    replace_in(path, '        code: "SP2.1"\n', "")
    replace_in(content / "analysis.yaml", '        code: "GBV1"\n', "")
    loaded = load_and_validate(content)
    assert loaded.errors == [], loaded.errors
    public = _markdown(loaded, "hrp-protection-section", Audience.PUBLIC)
    assert "\n### Objective 2: Reduce gender-based violence" in public
    assert "\n#### Specific objective 1: Women and girls in flood-displacement" in public
    assert "\n#### Survivors of gender-based violence" in public  # no number of its own
    doc = next(d for d in DOCUMENTS if d.slug == "hrp-protection-section")
    inside = render(doc, view(loaded, Audience.INTERNAL), INFO)
    assert "\n### SO2: " in inside and "\n#### SP2.1: " in inside and "\n#### GBV-1: " in inside


def test_a_public_code_after_a_withheld_one_is_a_warning(runner: CliRunner, content: Path) -> None:
    """CP2 public while CP1 is internal: the public HRP would show CP2 alone."""
    path = content / "analysis.yaml"
    replace_in(path, 'code: "CP1"', 'code: "CP9"')
    replace_in(path, 'code: "CP2"', 'code: "CP1"')
    line = line_of(path, "      - id: CP-1")
    result = runner.invoke(main, ["validate", "--content", str(content)])
    assert result.exit_code == 0, result.output
    assert (
        f"analysis.yaml:{line}: warning: CP-1.code: public documents print CP9 but not every "
        "lower code of the same series"
    ) in result.output
