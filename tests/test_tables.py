"""HXL data tables: read as HDX publishes them, merged into the content, every error pinned down."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from generator.audience import Audience, view
from generator.cli import main
from generator.validate import load_and_validate
from tests.conftest import replace_in


def validate(runner: CliRunner, content: Path) -> tuple[int, str]:
    result = runner.invoke(main, ["validate", "--content", str(content)])
    return result.exit_code, result.output


def test_people_in_need_rows_are_read_and_filtered_to_protection(content: Path) -> None:
    rows = view(load_and_validate(content), Audience.PUBLIC)["data"]["people_in_need"]
    assert len(rows) == 6, "the Food Security row and the blank row are skipped"
    assert sum(r["in_need"]["total"] for r in rows) == 2_480_000
    assert sum(r["targeted"]["total"] for r in rows) == 1_120_000
    first = rows[0]
    assert (first["area"], first["group"]) == ("Upper Tarvan", "Internally displaced people")
    assert first["in_need"]["f_children"] == 140_000  # "140,000" in the file


def test_table_without_sidecar_is_internal(content: Path) -> None:
    (content / "data" / "people-in-need.meta.yaml").unlink()
    loaded = load_and_validate(content)
    assert view(loaded, Audience.PUBLIC)["data"]["people_in_need"] == []
    assert len(view(loaded, Audience.INTERNAL)["data"]["people_in_need"]) == 6


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
    assert "monitoring.yaml:19. Keep one of the two." in output


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
        "people-in-need.meta.yaml:4: clasification: unknown field 'clasification'. Did you mean 'classification'?"
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
    from tests.docx_text import table_with_header

    hno = example_build.op_dir / "public/hno-protection-analysis.docx"
    by_area = table_with_header(hno, "Area", "Population group")
    assert by_area[1] == ["Upper Tarvan", "Internally displaced people", "520,000", "240,000"]
    assert len(by_area) == 7
    by_sex_age = table_with_header(hno, "Girls")
    assert by_sex_age[1] == ["656,000", "642,000", "541,000", "436,000", "113,000", "92,000"]


@pytest.mark.parametrize("classification", ["internal", "confidential"])
def test_public_build_leaves_out_a_non_public_table(
    content: Path, tmp_path: Path, classification: str
) -> None:
    from generator.build import build

    replace_in(
        content / "data" / "people-in-need.meta.yaml",
        "classification: public",
        f"classification: {classification}",
    )
    out = build(content, tmp_path / "out").op_dir
    assert (
        "People in need of protection"
        not in (out / "public/hno-protection-analysis.md").read_text()
    )


def test_hno_embeds_the_people_in_need_chart(example_build) -> None:
    import zipfile

    hno = example_build.op_dir / "public/hno-protection-analysis.docx"
    with zipfile.ZipFile(hno) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
    assert len(media) == 1
    assert (example_build.op_dir / "site/charts/people-in-need.png").is_file()


def test_export_hxl_round_trips(runner: CliRunner, content: Path, tmp_path: Path) -> None:
    """The exported table, put back in data/, gives the same results as the YAML did."""
    import csv

    import yaml

    out = tmp_path / "out"
    result = runner.invoke(main, ["export", "--hxl", "--content", str(content), "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = out / "norvania-2027/public/data/indicators.hxl.csv"
    rows = list(csv.reader(exported.read_text(encoding="utf-8").splitlines()))
    assert rows[1][0] == "#indicator+code"
    assert {r[0] for r in rows[2:]} == {"I1", "I2", "I3", "I4", "I5", "I6", "I8"}  # I7 is internal
    before = {
        i: [(r["period"], r["value"]) for r in load_and_validate(content).index[i]["results"]]
        for i in ("I1", "I2", "I6")
    }
    # Take the results out of monitoring.yaml and the old table, and read them from the export.
    monitoring = yaml.safe_load((content / "monitoring.yaml").read_text(encoding="utf-8"))
    for indicator in monitoring["indicators"]:
        indicator.pop("results", None)
    (content / "monitoring.yaml").write_text(yaml.safe_dump(monitoring), encoding="utf-8")
    for name in ("indicator-results.csv", "indicator-results.meta.yaml"):
        (content / "data" / name).unlink()
    (content / "data" / "exported.csv").write_bytes(exported.read_bytes())
    loaded = load_and_validate(content)
    assert loaded.errors == []
    after = {i: [(r["period"], r["value"]) for r in loaded.index[i]["results"]] for i in before}
    assert after == before


def test_build_writes_public_and_internal_exports(example_build) -> None:
    public = (example_build.op_dir / "public/data/indicators.hxl.csv").read_text(encoding="utf-8")
    internal = (example_build.op_dir / "internal/data/indicators.hxl.csv").read_text(
        encoding="utf-8"
    )
    assert "\nI7," not in public
    assert "\nI7," in internal


def test_an_hpc_shaped_export_is_read_as_it_is(content: Path) -> None:
    """A real-shaped export: p-codes, every cluster's rows, AoR rows, spaces as thousands
    separators, untagged percentage and date columns, a blank row."""
    import shutil

    from tests.conftest import FIXTURES

    for name in ("people-in-need.csv", "people-in-need.meta.yaml"):
        (content / "data" / name).unlink()
    for path in (FIXTURES / "hxl").iterdir():
        shutil.copy(path, content / "data" / path.name)
    loaded = load_and_validate(content)
    assert loaded.errors == []
    rows = view(loaded, Audience.PUBLIC)["data"]["people_in_need"]
    # Only the overall protection rows: not Child Protection (an AoR, counted within), not WASH.
    assert [(r["area"], r["in_need"]["total"]) for r in rows] == [
        ("Upper Tarvan", 140_000),
        ("Upper Tarvan", 40_000),
        ("Lower Tarvan", 230_000),
    ]
    assert rows[2]["in_need"]["f_children"] == 61_000
    assert sum(r["targeted"]["total"] for r in rows) == 205_000
