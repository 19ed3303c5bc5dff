"""HXL data tables: read as HDX publishes them, merged into the content, every error pinned down."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from generator.audience import Audience, view
from generator.build import export_hxl
from generator.cli import main
from generator.validate import load_and_validate
from tests.conftest import line_of, replace_in


def validate(runner: CliRunner, content: Path) -> tuple[int, str]:
    result = runner.invoke(main, ["validate", "--content", str(content)])
    return result.exit_code, result.output


def test_people_in_need_rows_are_read_and_filtered_to_protection(content: Path) -> None:
    tables = view(load_and_validate(content), Audience.PUBLIC)["data"]["people_in_need"]
    assert len(tables) == 1
    table = tables[0]
    # The Food Security row and the blank row are skipped; areas are the sum of their groups.
    assert [(r["area"], r["in_need"], r["targeted"]) for r in table["rows"]] == [
        ("Upper Tarvan", 830_000, 360_000),
        ("Lower Tarvan", 1_030_000, 450_000),
        ("Marisk", 620_000, 310_000),
    ]
    assert table["headline"] == {"in_need": 2_480_000, "targeted": 1_120_000}
    # "Internally displaced people" in the file is the IDP group, named by the vocabulary.
    assert [(g["code"], g["in_need"]) for g in table["groups"]] == [
        ("IDP", 1_400_000),
        ("NDP", 1_080_000),
    ]
    assert table["sex_age"]["cells"]["f|children"] == 656_000  # "140,000" and others in the file


def test_table_without_sidecar_is_internal(content: Path) -> None:
    (content / "data" / "people-in-need.meta.yaml").unlink()
    loaded = load_and_validate(content)
    assert view(loaded, Audience.PUBLIC)["data"]["people_in_need"] == []
    internal = view(loaded, Audience.INTERNAL)["data"]["people_in_need"]
    assert len(internal[0]["rows"]) == 3


def test_results_from_a_table_join_their_indicator(content: Path) -> None:
    loaded = load_and_validate(content)
    public = {i["id"]: i for i in view(loaded, Audience.PUBLIC)["monitoring"]["indicators"]}
    i2 = {r["period"]: r["value"] for r in public["I2"]["results"]}
    assert i2 == {"2026-H2": 46, "2027-H1": 33}
    # I7 is internal: its result from the public table stays internal.
    assert "I7" not in public
    assert loaded.index["I7"]["results"][0]["_level"] == 1


def test_result_in_yaml_and_table_names_both_places(runner: CliRunner, content: Path) -> None:
    path = content / "data" / "indicator-results.csv"
    replace_in(path, "I2,2026-12-31,46", "I1,2026-12-31,46")
    code, output = validate(runner, content)
    assert code == 1
    assert "indicator-results.csv:3: column A 'Indicator' (#indicator+code): " in output
    assert "the 2026-H2 result of I1 is also given at " in output
    line = line_of(content / "monitoring.yaml", "      - {period: 2026-H2, value: 640")
    assert f"monitoring.yaml:{line}. Keep one of the two." in output


@pytest.mark.parametrize(
    ("table", "old", "new", "message"),
    [
        (
            "indicator-results.csv",
            "I4,2026-12-31",
            "I44,2026-12-31",
            "indicator-results.csv:4: column A 'Indicator' (#indicator+code): unknown indicator"
            " 'I44'. Did you mean 'I4'?",
        ),
        (
            "people-in-need.csv",
            "80000,78000",
            "80000,7800O",
            "people-in-need.csv:4: column E 'Boys in need' (#inneed+m+children): '7800O' is not"
            " a number",
        ),
        (
            "people-in-need.csv",
            "14000,310000",
            "14000,300000",
            "people-in-need.csv:4: #inneed: the disaggregated figures add up to 310,000, more"
            " than the total 300,000",
        ),
    ],
    ids=["unknown indicator code", "non-numeric figure", "parts above total"],
)
def test_a_wrong_table_cell_is_named_with_its_line_and_column(
    runner: CliRunner, content: Path, table: str, old: str, new: str, message: str
) -> None:
    replace_in(content / "data" / table, old, new)
    code, output = validate(runner, content)
    assert code == 1
    assert message in output


def test_missing_hashtag_row(runner: CliRunner, content: Path) -> None:
    path = content / "data" / "people-in-need.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
    code, output = validate(runner, content)
    assert code == 1
    assert "people-in-need.csv: no HXL hashtag row found. Add a row of hashtags" in output


def test_unknown_sidecar_field(runner: CliRunner, content: Path) -> None:
    path = content / "data" / "people-in-need.meta.yaml"
    path.write_text(path.read_text() + "clasification: internal\n", encoding="utf-8")
    code, output = validate(runner, content)
    assert code == 1
    assert (
        "people-in-need.meta.yaml:6: clasification: unknown field 'clasification'. Did you mean 'classification'?"
        in output
    )


def test_excel_table_with_dates_and_blank_rows(content: Path) -> None:
    (content / "data" / "indicator-results.csv").unlink()
    (content / "data" / "indicator-results.meta.yaml").rename(
        content / "data" / "results.meta.yaml"
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Indicator", "Date", "Women", "Men", "Total", "Comment"])
    sheet.append(["#indicator+code", "#date", "#value+f", "#value+m", "#value", None])
    sheet.append(["I2", dt.datetime(2026, 11, 30), None, None, 40, "Excel date"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["I4", dt.date(2026, 12, 15), 5, 4, None, "sum of parts"])
    book.save(content / "data" / "results.xlsx")
    loaded = load_and_validate(content)
    assert loaded.errors == []
    results = {i: {r["period"]: r for r in loaded.index[i]["results"]} for i in ("I2", "I4")}
    assert results["I2"]["2026-H2"]["value"] == 40
    assert results["I4"]["2026-H2"]["value"] == 9
    assert (results["I4"]["2026-H2"]["female"], results["I4"]["2026-H2"]["male"]) == (5, 4)


def test_hno_prints_the_table_figures(example_build) -> None:
    from tests.docx_text import all_text, table_with_header

    hno = example_build.op_dir / "public/hno-protection-analysis.docx"
    by_area = table_with_header(hno, "Area", "People in need")
    assert by_area[1] == ["Upper Tarvan", "830,000", "360,000"]
    assert by_area[-1] == ["Total", "2,480,000", "1,120,000"]
    by_group = table_with_header(hno, "Population group", "People targeted")
    assert by_group[1] == ["Internally displaced persons", "1,400,000", "670,000"]
    by_sex_age = table_with_header(hno, "People in need, by age")
    assert by_sex_age[0][:3] == ["People in need, by age", "Female", "Male"]
    assert by_sex_age[1][:3] == ["Children", "656,000", "642,000"]
    assert by_sex_age[3][:3] == ["Older people", "113,000", "92,000"]
    source = "Source: Norvania Protection Cluster, JIAF 2.0 analysis, People in need of protection"
    assert all_text(hno).count(source) == 4  # under each table and the chart


@pytest.mark.parametrize("classification", ["internal", "confidential"])
def test_public_build_leaves_out_a_non_public_table(
    content: Path, example_out: Path, classification: str
) -> None:
    from generator.build import build

    replace_in(
        content / "data" / "people-in-need.meta.yaml",
        "classification: public",
        f"classification: {classification}",
    )
    out = build(content, example_out).op_dir  # over a build where the table was public
    assert (
        "People in need of protection"
        not in (out / "public/hno-protection-analysis.md").read_text()
    )


def test_hno_embeds_the_people_in_need_chart(example_build) -> None:
    import zipfile

    hno = example_build.op_dir / "public/hno-protection-analysis.docx"
    with zipfile.ZipFile(hno) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
    assert len(media) == 2  # the people-in-need chart and the severity chart
    assert (example_build.op_dir / "site/charts/people-in-need.png").is_file()


def without_results(content: Path) -> None:
    """Take the indicators' results out of monitoring.yaml and the example's results table."""
    import yaml

    monitoring = yaml.safe_load((content / "monitoring.yaml").read_text(encoding="utf-8"))
    for indicator in monitoring["indicators"]:
        indicator.pop("results", None)
    (content / "monitoring.yaml").write_text(yaml.safe_dump(monitoring), encoding="utf-8")
    for name in ("indicator-results.csv", "indicator-results.meta.yaml"):
        (content / "data" / name).unlink()


def test_export_hxl_round_trips(runner: CliRunner, content: Path, tmp_path: Path) -> None:
    """The exported table, put back in data/, gives the same results as the YAML did."""
    import csv

    out = tmp_path / "out"
    result = runner.invoke(main, ["export", "--hxl", "--content", str(content), "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = out / "norvania-2027/public/data/indicators.hxl.csv"
    rows = list(csv.reader(exported.read_text(encoding="utf-8").splitlines()))
    assert rows[1][0] == "#indicator+code"
    public = {"I1", "I2", "I3", "I4", "I5", "I6", "I8", "I9", "I10", "I12"}  # I7, I11: internal
    assert {r[0] for r in rows[2:]} == public
    before = {
        i: [(r["period"], r["value"]) for r in load_and_validate(content).index[i]["results"]]
        for i in ("I1", "I2", "I6")
    }
    without_results(content)  # read them from the export instead
    (content / "data" / "exported.csv").write_bytes(exported.read_bytes())
    loaded = load_and_validate(content)
    assert loaded.errors == []
    after = {i: [(r["period"], r["value"]) for r in loaded.index[i]["results"]] for i in before}
    assert after == before


def test_an_exported_indicator_without_results_reads_back_as_none(
    content: Path, tmp_path: Path
) -> None:
    """The export writes a row with no period and no value for an indicator that has no
    result yet; dropped into data/, that row is no result, not an error."""
    without_results(content)
    target = export_hxl(content, tmp_path / "out", Audience.PUBLIC)
    assert "\nI1," in target.read_text(encoding="utf-8")  # a row with no result
    (content / "data" / "exported.csv").write_bytes(target.read_bytes())
    loaded = load_and_validate(content)
    assert loaded.errors == []
    assert loaded.index["I1"]["results"] == []


def test_build_writes_public_and_internal_exports(example_build) -> None:
    public = (example_build.op_dir / "public/data/indicators.hxl.csv").read_text(encoding="utf-8")
    internal = (example_build.op_dir / "internal/data/indicators.hxl.csv").read_text(
        encoding="utf-8"
    )
    assert "\nI7," not in public
    assert "\nI7," in internal


def test_an_hpc_shaped_export_is_read_as_it_is(content: Path) -> None:
    """A real-shaped export: p-codes, districts, every cluster's rows, AoR rows, spaces as
    thousands separators, untagged percentage and date columns, a blank row."""
    use_table(content, "hpc-pin-export", figures=None)
    loaded = load_and_validate(content)
    assert loaded.errors == []
    table = view(loaded, Audience.PUBLIC)["data"]["people_in_need"][0]
    # Only protection rows: Child Protection is an AoR (counted within), WASH another cluster;
    # Upper Tarvan is the sum of its two districts.
    assert [(r["area"], r["in_need"]) for r in table["rows"]] == [
        ("Upper Tarvan", 180_000),
        ("Lower Tarvan", 230_000),
    ]
    assert table["headline"] == {"in_need": 410_000, "targeted": 205_000}
    assert table["aors"] == [{"aor": "child-protection", "in_need": 78_000, "targeted": 30_000}]
    assert table["sex_age"]["cells"]["f|children"] == 40_000 + 10_000 + 61_000


# -- real people-in-need tables: both shapes ------------------------------------------------------
SHAPES = ["pin-wide", "pin-long"]
FIGURES = """figures:
  classification: public
  people_in_need: 647000
  people_targeted: 320000
  requirements_usd: 24100000
  partners: 31
  by_aor:
    - {aor: child-protection, people_in_need: 280000, requirements_usd: 8000000, classification: public}
"""


def use_table(content: Path, name: str, figures: str | None = FIGURES, **meta: str) -> Path:
    """Replace the example's people-in-need table by a fixture, and analysis.yaml's figures
    by ``figures`` (None: no figures at all)."""
    import shutil

    from tests.conftest import FIXTURES

    for old in ("people-in-need.csv", "people-in-need.meta.yaml"):
        (content / "data" / old).unlink()
    for suffix in (".csv", ".meta.yaml"):
        shutil.copy(FIXTURES / "hxl" / f"{name}{suffix}", content / "data" / f"{name}{suffix}")
    sidecar = content / "data" / f"{name}.meta.yaml"
    for key, value in meta.items():
        replace_in(sidecar, f"\n{key}: ", f"\n{key}: {value}\n_{key}: ")
        replace_in(sidecar, f"\n_{key}: ", "\n# ")
    analysis = content / "analysis.yaml"
    text = analysis.read_text(encoding="utf-8")
    start = text.index("\nfigures:")
    after = re.compile(r"\n(?![ \n])").search(text, start + 1)  # the next top-level line
    rest = text[after.start() :] if after else ""
    rest = re.sub(r"(?m)^    figures: \{.*\}\n", "", rest)  # the AoRs' own figures too
    analysis.write_text(text[:start] + "\n" + (figures or "") + rest, "utf-8")
    return content / "data" / f"{name}.csv"


def public_table(content: Path) -> dict:
    loaded = load_and_validate(content)
    assert loaded.errors == [], loaded.errors
    tables = view(loaded, Audience.PUBLIC)["data"]["people_in_need"]
    assert len(tables) == 1
    return tables[0]


@pytest.mark.parametrize("shape", SHAPES)
def test_both_shapes_give_the_published_figures(content: Path, shape: str) -> None:
    """Summing every row gave 2,682,800 people in need (long) and 741,800 (wide, a disability
    column taken for a total): the figures are read by meaning instead."""
    use_table(content, shape)
    table = public_table(content)
    assert table["headline"] == {"in_need": 647_000, "targeted": 320_000}
    assert [(r["area"], r["in_need"], r["targeted"]) for r in table["rows"]] == [
        ("North Vale", 275_000, 130_000),
        ("South Vale", 222_000, 110_000),
        ("Eastmarch", 150_000, 80_000),
    ]
    groups = {g["code"]: (g["in_need"], g["targeted"]) for g in table["groups"]}
    assert groups == {"IDP": (390_000, 195_000), "HST": (167_000, 75_000), "REF": (90_000, 50_000)}
    aors = {a["aor"]: (a["in_need"], a["targeted"]) for a in table["aors"]}
    assert aors["child-protection"] == (280_000, 140_000)
    assert aors["gender-based-violence"] == (200_000, 90_000)
    assert aors["mine-action"] == (70_000, 35_000)  # only two areas have mine-action rows
    assert ("housing-land-property" in aors) is (shape == "pin-long")  # national row only
    assert table["disabled"]["in_need"] == 97_000
    cells = table["sex_age"]["cells"]
    if shape == "pin-wide":  # sex and age crossed in columns
        assert [cells[f"f|{age}"] for age in ("children", "adults", "elderly")] == [
            180_000,
            136_000,
            29_000,
        ]
        assert cells["m|children"] == 172_000
    else:  # one breakdown at a time, in rows
        assert (cells["f|*"], cells["m|*"]) == (345_000, 302_000)
        assert [cells[f"*|{age}"] for age in ("0-17", "18-59", "60+")] == [
            352_000,
            244_000,
            51_000,
        ]
    assert cells["*|*"] == 647_000
    assert table["chart"] == "people-in-need.png"


@pytest.mark.parametrize("shape", SHAPES)
def test_the_hno_prints_both_shapes_with_their_source(content: Path, shape: str) -> None:
    from generator.documents import DOCUMENTS
    from generator.render import current_build, render

    use_table(content, shape, figures=None)
    loaded = load_and_validate(content)
    hno = next(d for d in DOCUMENTS if d.slug == "hno-protection-analysis")
    markdown = render(hno, view(loaded, Audience.PUBLIC), current_build("test"))
    # Without figures in analysis.yaml, the headline and the AoR table come from the table.
    assert "| 647K | 320K |\n" in markdown  # no requirements or partners: no such columns
    assert "| Child Protection | 280,000 | 140,000 |\n" in markdown
    assert "| **Total** | **647,000** | **320,000** |" in markdown
    assert "People with disability in need: **97,000**" in markdown
    caption = "by sex and age" if shape == "pin-wide" else "by age"  # the long one: not crossed
    assert f"![People in need of protection {caption}](charts/people-in-need.png)" in markdown
    source = "*Source: OCHA" if shape == "pin-long" else "*Source: OCHA HPC.tools"
    # Under the headline, the AoR table, the three tables, the disability line and the chart.
    assert markdown.count(source) == 7
    assert "2026-11*" in markdown


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("fr", ["Personnes déplacées internes", "Communautés d’accueil", "Réfugiés"]),
        ("es", ["Personas desplazadas internas", "Comunidades de acogida", "Refugiados"]),
        ("ar", ["النازحون داخلياً", "المجتمعات المضيفة", "اللاجئون"]),
    ],
)
def test_population_groups_are_named_in_each_language(
    content: Path, lang: str, names: list[str]
) -> None:
    from generator.documents import DOCUMENTS
    from generator.render import current_build, render

    use_table(content, "pin-long")
    loaded = load_and_validate(content)
    hno = next(d for d in DOCUMENTS if d.slug == "hno-protection-analysis")
    markdown = render(hno, view(loaded, Audience.PUBLIC, lang), current_build("test"))
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "390" in line]
    assert any(names[0] in row for row in rows), rows
    for name in names:
        assert f"| {name} |" in markdown
    assert "| IDP |" not in markdown and "| HST |" not in markdown


def test_a_column_with_unknown_attributes_is_ignored_with_a_warning(
    runner: CliRunner, content: Path
) -> None:
    use_table(content, "pin-wide")
    code, output = validate(runner, content)
    assert code == 0
    assert (
        "pin-wide.csv:2: warning: column N 'Households in need' (#inneed+hh): the attribute(s) +hh"
        " are not understood, so this column is ignored" in output
    )
    assert public_table(content)["headline"]["in_need"] == 647_000  # the column is not counted


WIDE_VARIANTS = {
    "total column and group columns": (
        "Area,Cluster,PiN,PiN IDPs,PiN refugees,PiN host,PiN disabled,Targeted\n"
        "#adm1+name,#sector+cluster,#inneed+total,#inneed+idps,#inneed+refugees,#inneed+host,"
        "#inneed+disabled,#targeted+total\n"
        "North,PRO,100,60,10,30,15,50\n"
        "South,Protection,80,50,,30,12,40\n",
        {"headline": (180, 90), "groups": {"IDP": 110, "REF": 10, "HST": 60}, "disabled": 27},
    ),
    "infants, adolescents, a custom age beside a core one, another sex": (
        "Area,PiN,Girls 0-4,Boys 10-17,Other,Targeted\n"
        "#adm1+name,#inneed,#inneed+f+infants,#inneed+m+adolescents+age_10_17,#inneed+i,#targeted\n"
        "North,100,20,15,1,50\n"
        "South,50,10,5,0,20\n",
        {"headline": (150, 70), "cells": {"f|infants": 30, "m|adolescents": 20, "i|*": 1}},
    ),
    "a Total row under the areas": (
        "Area,PiN,Targeted\n#adm1+name,#inneed,#targeted\nNorth,100,50\nSouth,80,40\n"
        "Total,180,90\n",
        {"headline": (180, 90)},
    ),
    "only parts, no total column": (
        "Area,Women,Men,Targeted\n"
        "#adm1+name,#inneed+f+adults,#inneed+m+adults,#targeted\n"
        "North,40,30,50\n",
        {"headline": (None, 50), "cells": {"f|adults": 40, "m|adults": 30}},
    ),
}


@pytest.mark.parametrize("variant", list(WIDE_VARIANTS), ids=list(WIDE_VARIANTS))
def test_wide_variants_are_read_by_meaning(content: Path, variant: str) -> None:
    """Totals only from total columns (parts are never added up into one); group and age
    attributes feed the breakdowns."""
    csv_text, expected = WIDE_VARIANTS[variant]
    path = use_table(content, "pin-wide", figures=None)
    path.write_text(csv_text, encoding="utf-8")
    table = public_table(content)
    assert (table["headline"]["in_need"], table["headline"]["targeted"]) == expected["headline"]
    if "groups" in expected:
        groups = {g["code"]: g["in_need"] for g in table["groups"]}
        assert groups == expected["groups"]
        assert table["disabled"]["in_need"] == expected["disabled"]
    for key, value in expected.get("cells", {}).items():
        assert table["sex_age"]["cells"][key] == value


def test_a_custom_age_alone_is_not_understood(runner: CliRunner, content: Path) -> None:
    path = use_table(content, "pin-wide", figures=None)
    path.write_text(
        "Area,PiN,Children 5-17\n#adm1+name,#inneed,#inneed+age_5_17\nNorth,100,60\n",
        encoding="utf-8",
    )
    code, output = validate(runner, content)
    assert code == 0
    assert "column C 'Children 5-17' (#inneed+age_5_17): the attribute(s) +age_5_17" in output
    assert public_table(content)["sex_age"]["cells"] == {"*|*": 100}


def test_figures_that_disagree_with_analysis_yaml_name_both_places(
    runner: CliRunner, content: Path
) -> None:
    use_table(content, "pin-long", figures=FIGURES.replace("647000", "650000"))
    code, output = validate(runner, content)
    assert code == 1
    line = line_of(content / "analysis.yaml", "  classification: public\n  people_in_need: 650000")
    assert (
        f"analysis.yaml:{line}: figures.people_in_need: 650,000 here, but data/pin-long.csv gives"
        " 647,000 (row 3: national row, column L 'In Need' (#inneed): total). Make them agree"
    ) in output.replace(str(content) + "/", "")
    # The AoR figure typed in analysis.yaml agrees with the table: no error about it.
    assert "child-protection" not in output


@pytest.mark.parametrize(
    ("shape", "old", "new", "message"),
    [
        (
            "pin-long",
            "NVR,,,PRO,all,ALL,,,all,all,1941000,647000",
            "NVR,,,PRO,all,ALL,,,all,all,1941000,650000",
            "pin-long.csv:3: column L 'In Need' (#inneed): the national row gives 650,000 people in need (protection),"
            " but its areas (rows 14, 24, 34) add up to 647,000. Correct the national row",
        ),
        (
            "pin-wide",
            ',,Child Protection,all,,"120,000"',
            ',,Child Protection,all,,"280,000"',
            "",
        ),
        (
            "pin-wide",
            "national total",
            "national total",
            "",
        ),
    ],
    ids=["long", "wide, national AoR row that agrees", "wide, untouched"],
)
def test_a_national_row_must_agree_with_its_areas(
    runner: CliRunner, content: Path, shape: str, old: str, new: str, message: str
) -> None:
    path = use_table(content, shape, figures=None)
    if shape == "pin-wide" and old.startswith(",,Child"):
        # add a national child-protection row that agrees with its three areas
        path.write_text(
            path.read_text(encoding="utf-8")
            + ',,Child Protection,all,,"280,000",,,,,,,,,"140,000",AoR national\n',
            encoding="utf-8",
        )
    else:
        replace_in(path, old, new)
    code, output = validate(runner, content)
    if message:
        assert code == 1
        assert message in output
    else:
        assert code == 0, output
        assert public_table(content)["aors"][0]["in_need"] == 280_000


def test_a_wide_national_row_that_disagrees(runner: CliRunner, content: Path) -> None:
    path = use_table(content, "pin-wide", figures=None)
    replace_in(path, ',,Protection,all,,"647,000"', ',,Protection,all,,"700,000"')
    code, output = validate(runner, content)
    assert code == 1
    assert (
        "pin-wide.csv:9: column F 'People in need' (#inneed): the national row gives 700,000 people in need (protection), but"
        " its areas (rows 3-8) add up to 647,000" in output
    )


def test_a_table_without_sex_and_age_points_at_no_chart(content: Path) -> None:
    from generator.documents import DOCUMENTS
    from generator.render import current_build, render

    path = use_table(content, "pin-wide", figures=None)
    path.write_text(
        "Area,PiN,Targeted\n#adm1+name,#inneed,#targeted\nNorth,100,50\n", encoding="utf-8"
    )
    public = view(load_and_validate(content), Audience.PUBLIC)
    assert public["data"]["people_in_need"][0]["chart"] is None
    hno = next(d for d in DOCUMENTS if d.slug == "hno-protection-analysis")
    assert "people-in-need.png" not in render(hno, public, current_build("test"))


def test_a_document_pointing_at_an_image_the_build_did_not_make_fails(
    content: Path, tmp_path: Path
) -> None:
    """pandoc only warns "Could not fetch resource" and writes a broken picture: the build
    refuses before, naming the document and the image."""
    import shutil

    from generator.build import build
    from generator.errors import BuildFailed
    from generator.render import TEMPLATES

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    hno = templates / "hno-protection-analysis.md.j2"
    replace_in(hno, "{% endblock %}", "![Map](charts/severity-map.png)\n{% endblock %}")
    with pytest.raises(BuildFailed) as failed:
        build(content, tmp_path / "out", template_dir=templates)
    assert (
        "hno-protection-analysis.md points at the image charts/severity-map.png, which this"
        " build did not make" in str(failed.value)
    )
    assert not (tmp_path / "out" / "norvania-2027").exists()


def test_protdocs_figures_shows_where_each_figure_comes_from(
    runner: CliRunner, content: Path
) -> None:
    use_table(content, "pin-long")
    result = runner.invoke(main, ["figures", "--content", str(content)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "pin-long.csv (public): Global HPC HNO dataset, Norvania extract" in out
    assert "Source: OCHA, Humanitarian Data Exchange, 2026-11" in out
    assert (
        "  Protection, people in need: 647,000\n"
        "      row 3: national row, column L 'In Need' (#inneed): total\n"
    ) in out
    assert "      analysis.yaml figures.people_in_need: 647,000 (agrees)\n" in out
    assert (
        "      analysis.yaml figures.by_aor.child-protection.people_in_need: 280,000 (agrees)"
        in out
    )
    assert "  Child Protection, people targeted: 140,000\n      row 44: national row" in out
    assert "  Housing, Land and Property, people in need: 45,000\n" in out
    assert "the national row's people in need (647,000) equals the sum of its areas" in out


def test_protdocs_figures_of_a_table_without_totals(runner: CliRunner, content: Path) -> None:
    use_table(content, "pin-wide", figures=None)
    (content / "data" / "pin-wide.csv").write_text(
        "Area,Group,Women,Men,Targeted\n#adm1+name,#population+type,#inneed+f,#inneed+m,"
        "#targeted\nNorth,IDPs,40,30,50\nNorth,Host community,20,10,30\nSouth,IDPs,5,5,10\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["figures", "--content", str(content)])
    assert result.exit_code == 0, result.output
    assert "Protection, people in need: not in this table" in result.output
    assert (
        "Protection, people targeted: 90\n      rows 3-5: sum of 2 areas, each the sum of its"
        " population groups (no total row for them)"
    ) in result.output


@pytest.mark.parametrize(("level", "shown"), [("internal", True), ("strictly-confidential", False)])
def test_protdocs_figures_never_shows_a_strictly_confidential_table(
    runner: CliRunner, content: Path, level: str, shown: bool
) -> None:
    use_table(content, "pin-long", classification=level)
    result = runner.invoke(
        main, ["figures", "--content", str(content), "--audience", "confidential"]
    )
    assert ("647,000" in result.output) is shown
    assert ("North Vale" in result.output) is False  # area names are not printed at all


def test_parsed_tables_cache_is_private_and_never_holds_strictly_confidential_ones(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import stat

    cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    use_table(content, "pin-long")
    previous = os.umask(0)  # the most permissive umask: the modes must not come from it
    try:
        load_and_validate(content)
    finally:
        os.umask(previous)
    folder = cache / "protdocs" / "tables"
    files = list(folder.iterdir())
    assert len(files) == 2  # the people-in-need and the indicator-results tables
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    for path in files:
        path.unlink()
    replace_in(content / "data" / "pin-long.meta.yaml", "public", "strictly-confidential")
    load_and_validate(content)
    remaining = list(folder.iterdir())
    assert len(remaining) == 1
    assert b"North Vale" not in remaining[0].read_bytes()


def test_a_breakdown_some_areas_do_not_give_is_not_shown_as_national(content: Path) -> None:
    """South gives no sex and age figures: adding up North's alone would print a national
    figure for girls that is only North's."""
    path = use_table(content, "pin-wide", figures=None)
    path.write_text(
        "Area,PiN,Girls,Boys\n#adm1+name,#inneed,#inneed+f+children,#inneed+m+children\n"
        "North,100,40,30\nSouth,80,,\n",
        encoding="utf-8",
    )
    table = public_table(content)
    assert table["headline"]["in_need"] == 180
    assert "f|children" not in table["sex_age"]["cells"]
    assert table["chart"] is None


def test_a_sidecar_date_must_be_a_date(runner: CliRunner, content: Path) -> None:
    path = content / "data" / "people-in-need.meta.yaml"
    line = replace_in(path, 'date: "2026-11"', 'date: "November, see ![x](/etc/passwd)"')
    code, output = validate(runner, content)
    assert code == 1
    assert f"people-in-need.meta.yaml:{line}: date: 'November, see" in output
    assert 'e.g. date: "2026-11"' in output


def test_a_table_whose_sector_is_spelled_otherwise_says_so(
    runner: CliRunner, content: Path
) -> None:
    path = use_table(content, "pin-wide", figures=None)
    path.write_text(
        "Area,Sector,PiN\n#adm1+name,#sector,#inneed\nNorth,Protección,100\nSouth,WASH,80\n",
        encoding="utf-8",
    )
    code, output = validate(runner, content)
    assert code == 0
    assert (
        "pin-wide.csv:2: warning: column B 'Sector' (#sector): no row of this table is a protection"
        " row (sectors found: Protección, WASH), so it gives no figure. Protection rows say PRO"
    ) in output
    replace_in(
        content / "data" / "pin-wide.meta.yaml",
        "classification:",
        "sector: Protección\nclassification:",
    )
    assert public_table(content)["headline"]["in_need"] == 100


def test_pandoc_could_not_fetch_resource_is_an_error_not_a_warning(tmp_path: Path) -> None:
    """The second lock: were a document to reach pandoc pointing at a missing image, the Word
    file is refused rather than written with a broken picture."""
    from generator.errors import BuildFailed
    from generator.writers.docx import _pandoc

    with pytest.raises(BuildFailed) as failed:
        _pandoc("# HNO\n\n![Chart](charts/people-in-need.png)\n", tmp_path / "hno.docx", tmp_path)
    assert "Could not fetch resource charts/people-in-need.png" in str(failed.value)


def test_a_total_row_that_disagrees_with_its_areas(runner: CliRunner, content: Path) -> None:
    path = use_table(content, "pin-wide", figures=None)
    path.write_text(
        "Area,PiN\n#adm1+name,#inneed\nNorth,100\nSouth,80\nTotal,190\n", encoding="utf-8"
    )
    code, output = validate(runner, content)
    assert code == 1
    assert (
        "pin-wide.csv:5: column B 'PiN' (#inneed): the national row gives 190 people in need"
        " (protection), but its areas (rows 3-4) add up to 180" in output
    )


def test_validate_prints_no_figure_of_a_strictly_confidential_table(
    runner: CliRunner, content: Path
) -> None:
    use_table(content, "pin-long", classification="strictly-confidential")
    replace_in(content / "analysis.yaml", "people_in_need: 647000", "people_in_need: 650000")
    code, output = validate(runner, content)
    assert code == 1
    assert "figures.people_in_need: 650,000 here, but " in output
    assert "gives another figure (row 3: national row" in output
    assert "647,000" not in output
