"""Every rule of the content spec, broken once, with the message a drafter sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import did_you_mean, display_path
from generator.validate import load_and_validate
from tests.conftest import line_of, replace_in


def validate(runner: CliRunner, content: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(main, ["validate", "--content", str(content), *extra])
    return result.exit_code, result.output


def expect_error(runner: CliRunner, content: Path, expected: str) -> str:
    code, output = validate(runner, content)
    assert code == 1, output
    assert expected in output, output
    last = output.strip().splitlines()[-1]
    assert last.startswith(f"Error: {content}: checked "), last
    assert "nothing was built" not in output
    return output


def test_example_is_valid(runner: CliRunner, content: Path) -> None:
    code, output = validate(runner, content)
    assert code == 0, output
    assert "valid" in output


def test_yaml_syntax_error_names_file_and_line(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, "    trend: stable", "    trend: [stable")
    output = expect_error(runner, content, "YAML syntax error")
    assert f"analysis.yaml:{line + 1}:" in output or f"analysis.yaml:{line}:" in output


def test_unknown_field_suggests_the_right_one(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, "    people_at_risk: 97000", "    people_at_rsk: 97000")
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: risks[R6].people_at_rsk: unknown field 'people_at_rsk' in risk. "
        "Did you mean 'people_at_risk'?",
    )


def test_unknown_id_suggests_closest(runner: CliRunner, content: Path) -> None:
    path = content / "strategic-objectives.yaml"
    line = line_of(path, "priority_risks: [R1]")
    replace_in(path, "priority_risks: [R1]", "priority_risks: [R11]")
    expect_error(
        runner,
        content,
        f"strategic-objectives.yaml:{line}: strategic_objectives[SO1].priority_risks[0]: "
        "unknown id 'R11'. Did you mean 'R1'?",
    )


def test_reference_to_wrong_kind(runner: CliRunner, content: Path) -> None:
    replace_in(
        content / "strategic-objectives.yaml", "priority_risks: [R1]", "priority_risks: [T1]"
    )
    expect_error(runner, content, "'T1' is a threat, not a risk")


def test_wrong_enum_lists_allowed_values(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, "    trend: stable", "    trend: stabel")
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: threats[T4].trend: 'stabel' is not one of increasing, stable, "
        "decreasing, unknown. Did you mean 'stable'?",
    )


def test_duplicate_id_names_both_places(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    first = line_of(path, "  - id: T1")
    line = replace_in(path, "  - id: T2", "  - id: T1")
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: threats[T1].id: id 'T1' is used twice (also {display_path(path)}:{first})",
    )


def test_python_tag_is_refused_and_not_executed(
    runner: CliRunner, content: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "executed"
    path = content / "partners.yaml"
    text = path.read_text(encoding="utf-8")
    payload = f'evil: !!python/object/apply:os.system ["touch {marker}"]\n'
    path.write_text(payload + text, encoding="utf-8")
    output = expect_error(runner, content, "partners.yaml:1: the YAML tag !!python/object/apply")
    assert "not allowed" in output
    assert not marker.exists()


def test_duplicate_key_is_an_error(runner: CliRunner, content: Path) -> None:
    """A second classification line would otherwise silently publish the item."""
    path = content / "analysis.yaml"
    line = replace_in(
        path,
        "  - id: T6\n    classification: internal\n",
        "  - id: T6\n    classification: internal\n    classification: public\n",
    )
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line + 2}: classification: key given twice (first on line {line + 1})",
    )


def test_looser_child_is_an_error(runner: CliRunner, content: Path) -> None:
    path = content / "strategic-objectives.yaml"
    replace_in(
        path,
        "  - id: SO1\n    classification: public",
        "  - id: SO1\n    classification: confidential",
    )
    line = line_of(path, "      - id: A2\n        classification: public") + 1
    expect_error(
        runner,
        content,
        f"strategic-objectives.yaml:{line}: strategic_objectives[SO1].actions[A2].classification: "
        "marked 'public' inside an item that is 'confidential'",
    )


def test_file_default_is_not_a_parent(runner: CliRunner, content: Path) -> None:
    """partners.yaml defaults to internal; an item marked public in it is fine."""
    code, output = validate(runner, content)
    assert code == 0, output
    assert "classification: internal" in (content / "partners.yaml").read_text()


@pytest.mark.parametrize(
    ("file", "old", "new", "what"),
    [
        (
            "strategic-objectives.yaml",
            "      - id: A8\n        classification: confidential",
            "      - id: A8\n        classification: internal",
            "a private-diplomacy action is confidential at least and cannot be marked 'internal'",
        ),
        (
            "analysis.yaml",
            '{name: "Brask municipal council land committee", type: authority}',
            '{name: "Brask municipal council land committee", type: authority, classification: public}',
            "a threat actor is confidential at least and cannot be marked 'public'",
        ),
        (
            "analysis.yaml",
            "  - id: S3\n    classification: confidential",
            "  - id: S3\n    classification: public",
            "a source from affected people is confidential at least and cannot be marked 'public'",
        ),
    ],
)
def test_confidential_at_least_kinds(
    runner: CliRunner, content: Path, file: str, old: str, new: str, what: str
) -> None:
    replace_in(content / file, old, new)
    expect_error(runner, content, what)


def test_advocacy_risk_cannot_be_internal(runner: CliRunner, content: Path) -> None:
    path = content / "strategic-objectives.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("advocacy_risks:")
    item = text.index("- ", start)
    path.write_text(
        text[:item]
        + "- classification: internal\n"
        + " " * (item - text.rfind("\n", 0, item) - 1)
        + "  "
        + text[item + 2 :],
        encoding="utf-8",
    )
    expect_error(
        runner, content, "an advocacy risk is confidential at least and cannot be marked 'internal'"
    )


def test_unmarked_confidential_kinds_are_confidential(content: Path) -> None:
    """A1 is private diplomacy inside a public objective and carries no classification."""
    from generator.schema import CONFIDENTIAL
    from generator.validate import load_and_validate

    loaded = load_and_validate(content)
    assert loaded.index["A1"]["_level"] == CONFIDENTIAL
    assert loaded.index["SO1"]["_level"] == 0
    actors = loaded.index["T1"]["actors"]
    assert all(a["_level"] >= CONFIDENTIAL for a in actors)


def test_more_than_three_priorities(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    text = path.read_text(encoding="utf-8")
    extra = "    priority: true\n    prioritisation: {acute: Acute., reasonable_expectation: Expected.}\n"
    text = text.replace("    priority: false\n", extra)
    path.write_text(text, encoding="utf-8")
    expect_error(runner, content, "more than 3 priority risks")


def test_priority_needs_prioritisation(runner: CliRunner, content: Path) -> None:
    replace_in(content / "analysis.yaml", "    priority: false\n", "    priority: true\n")
    expect_error(runner, content, "a priority risk needs its prioritisation")


def test_parts_above_total(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("total:")
    end = text.index("\n", start)
    number = text[start:end].split(":")[1].split(",")[0].strip(" }")
    path.write_text(
        text[:start] + f"total: {int(number) - 1}" + text[start + 7 + len(number) :],
        encoding="utf-8",
    )
    expect_error(runner, content, f"more than the total {int(number) - 1}")


def test_all_problems_are_listed_at_once(runner: CliRunner, content: Path) -> None:
    replace_in(content / "analysis.yaml", "    trend: stable", "    trend: stabel")
    replace_in(
        content / "strategic-objectives.yaml", "priority_risks: [R1]", "priority_risks: [R11]"
    )
    code, output = validate(runner, content)
    assert code == 1
    assert "stabel" in output and "R11" in output
    assert "2 errors, 0 warnings" in output


def test_unknown_yaml_file_is_a_warning(runner: CliRunner, content: Path) -> None:
    (content / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    code, output = validate(runner, content)
    assert code == 0
    assert "notes.yaml: warning: unknown content file, ignored" in output
    code, output = validate(runner, content, "--strict")
    assert code == 1


def test_missing_translation_falls_back_with_warning(runner: CliRunner, content: Path) -> None:
    replace_in(content / "operation.yaml", "languages: [en]", "languages: [en, fr]")
    path = content / "analysis.yaml"
    line = replace_in(
        path,
        '    name: "Displacement Tracking Matrix, flood round 4"',
        '    name: {en: "Displacement Tracking Matrix, flood round 4", de: "Matrix"}',
    )
    code, output = validate(runner, content)
    assert code == 0, output
    assert f"analysis.yaml:{line}: warning: sources[S2].name: no 'fr' translation" in output
    assert "language 'de' is not in operation.yaml languages; ignored" in output


def test_version_written_as_number(runner: CliRunner, content: Path) -> None:
    replace_in(content / "operation.yaml", 'version: "2027.1-draft"', "version: 2027.10")
    expect_error(runner, content, "reads as a number")


def test_dates_and_periods(runner: CliRunner, content: Path) -> None:
    replace_in(content / "monitoring.yaml", "period: 2027-H1", "period: 2027-H3")
    expect_error(runner, content, "'2027-H3' is not a valid period")


# -- classification, stricter (CONTENT-SPEC Extensions) and quiet messages ------------------------
def test_a_file_own_text_takes_its_own_classification(runner: CliRunner, content: Path) -> None:
    line = replace_in(
        content / "analysis.yaml",
        "  classification: public\n  en: |",
        "  classification: pubic\n  en: |",
    )
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: context.classification: 'pubic' is not a classification level. "
        "Use one of: public, internal, confidential, strictly-confidential.",
    )


def test_a_file_own_text_without_its_mark_takes_the_file_default(content: Path) -> None:
    from generator.audience import Audience, view
    from generator.validate import load_and_validate

    replace_in(content / "analysis.yaml", "  classification: public\n  en: |", "  en: |")
    public = view(load_and_validate(content), Audience.PUBLIC)
    assert public["analysis"]["context"] is None
    assert public["analysis"]["figures"]["people_in_need"] == 2480000  # marked on its own


def test_a_classification_inside_an_item_text_is_an_error(runner: CliRunner, content: Path) -> None:
    line = replace_in(
        content / "analysis.yaml",
        'title: "Attacks on civilians and civilian objects in Upper Tarvan and Marisk"',
        'title: {classification: internal, en: "Attacks on civilians in Upper Tarvan"}',
    )
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line}: risks[R1].title.classification: a classification goes on the "
        "item, not on one of its texts. Move the line beside the item's id",
    )


def test_figures_of_a_strictly_confidential_item_are_not_printed(
    runner: CliRunner, content: Path
) -> None:
    line = replace_in(
        content / "analysis.yaml",
        "people: {total: 38, women: 17,",
        "people: {total: 30, women: 17,",
    )
    output = expect_error(
        runner, content, f"analysis.yaml:{line}: people.total: women + men + girls + boys are "
    )
    said = output.replace(str(content), "CONTENT").replace(f":{line}:", "")  # not the path's digits
    assert "38" not in said and "30" not in said


def test_an_unknown_field_of_a_strictly_confidential_item_is_not_quoted(
    runner: CliRunner, content: Path
) -> None:
    line = replace_in(
        content / "analysis.yaml",
        "    people: {total: 38,",
        "    Amira Haddad, 14, Hesk: seen\n    people: {total: 38,",
    )
    output = expect_error(runner, content, f"analysis.yaml:{line}: ")
    assert "unknown field '(not shown)' in vulnerability" in output
    assert "Amira" not in output


def test_a_name_yaml_reads_as_false_asks_for_quotes(runner: CliRunner, content: Path) -> None:
    line = replace_in(content / "operation.yaml", "country: Norvania", "country: No")
    expect_error(
        runner,
        content,
        f"operation.yaml:{line}: country: expected text, got False. Put the text in quotes",
    )


def test_a_classification_inside_a_listed_name_is_an_error(
    runner: CliRunner, content: Path
) -> None:
    line = replace_in(
        content / "analysis.yaml",
        'locations: ["Upper Tarvan: Sarnow, Dravo and Hesk districts", "Marisk: Velm district"]',
        'locations: ["Upper Tarvan: Sarnow, Dravo and Hesk districts",\n'
        '                {en: "Marisk: Velm district", classification: confidential}]',
    )
    expect_error(
        runner,
        content,
        f"analysis.yaml:{line + 1}: threats[T1].locations[1]: a classification goes on the item",
    )


# -- how problems are reported -------------------------------------------------------------------
def test_unquoted_colon_gives_one_error_not_a_cascade(runner: CliRunner, content: Path) -> None:
    """The file holding the risks does not parse: its one error, not 40 unknown risk ids."""
    path = content / "analysis.yaml"
    old = '    title: "Attacks on civilians and civilian objects in Upper Tarvan and Marisk"'
    line = replace_in(path, old, "    title: Risk one: attacks on civilians in Upper Tarvan")
    code, output = validate(runner, content)
    assert code == 1
    lines = output.strip().splitlines()
    assert lines[0].startswith(f"{display_path(path)}:{line}: YAML syntax error"), lines[0]
    assert 'needs quotes around it, e.g. title: "' in lines[0]
    assert "unknown id" not in output
    assert lines[1].startswith(f"{display_path(path)}:{line}: warning: "), lines[1]
    assert "could not be checked because analysis.yaml does not parse" in lines[1]
    assert "strategic-objectives.yaml" in lines[1]
    assert len(lines) == 3, output
    assert lines[2].endswith(
        "1 error, 1 warning. Fix each at its file and line, then validate again."
    )


def test_unparsed_operation_file_gives_one_error(runner: CliRunner, content: Path) -> None:
    """No languages, no HCT members: nothing that depends on them is reported besides."""
    replace_in(content / "operation.yaml", "country: Norvania", "country: Norvania: north")
    code, output = validate(runner, content)
    assert code == 1
    assert "1 error, 0 warnings" in output
    assert len(output.strip().splitlines()) == 2, output


def test_problems_are_sorted_by_file_and_line(runner: CliRunner, content: Path) -> None:
    """Reference errors are found last but printed at their place."""
    replace_in(content / "monitoring.yaml", "    direction: decrease", "    direction: lower")
    replace_in(content / "analysis.yaml", "    threats: [T1]", "    threats: [T99]")
    replace_in(content / "analysis.yaml", "    trend: stable", "    trend: stabel")
    code, output = validate(runner, content)
    assert code == 1
    places = [
        (name, int(number)) for name, number in re.findall(r"([a-z-]+\.yaml):(\d+): ", output)
    ]
    assert [name for name, _ in places] == ["analysis.yaml", "analysis.yaml", "monitoring.yaml"]
    assert places == sorted(places, key=lambda place: (place[0] != "analysis.yaml", place[1]))
    assert "3 errors" in output.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("old", "new", "suggestion"),
    [
        (
            "  - id: T6\n    classification: internal",
            "  - id: T6\n    clasification: internal",
            "unknown field 'clasification' in threat. Did you mean 'classification'?",
        ),
        (
            "  - id: T6\n    classification: internal",
            "  - id: T6\n    classification: internl",
            "'internl' is not a classification level. Did you mean 'internal'?",
        ),
        ("    trend: stable", "    trend: Stable", "Did you mean 'stable'?"),
        ("    threats: [T1]", "    threats: [T11]", "unknown id 'T11'. Did you mean 'T1'?"),
        ("    threats: [T1]", "    threats: [T9]", "unknown id 'T9'. Known threat ids: T1, T2"),
    ],
    ids=["field", "level", "case", "id", "no-guess"],
)
def test_did_you_mean_compares_whole_words(
    runner: CliRunner, content: Path, old: str, new: str, suggestion: str
) -> None:
    path = content / "analysis.yaml"
    line = replace_in(path, old, new) + old.count("\n")
    output = expect_error(runner, content, suggestion)
    assert f"analysis.yaml:{line}: " in output


def test_did_you_mean_in_operation_file(runner: CliRunner, content: Path) -> None:
    replace_in(content / "operation.yaml", "default_classification:", "default_clasification:")
    expect_error(runner, content, "Did you mean 'default_classification'?")


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        ("clasification", ["locations", "classification"], "classification"),
        ("locatons", ["locations", "classification"], "locations"),
        ("stabel", ["increasing", "stable", "decreasing"], "stable"),
        ("R11", ["R1", "R2"], "R1"),
        ("R9", ["R1", "R2"], None),
        ("people_at_rsk", ["people", "people_at_risk"], "people_at_risk"),
        ("gender", ["age", "disability"], None),
    ],
)
def test_did_you_mean_by_edit_distance(
    word: str, candidates: list[str], expected: str | None
) -> None:
    hint = did_you_mean(word, candidates)
    assert hint == (f"Did you mean '{expected}'?" if expected else None)


def test_validate_last_line_says_what_it_checked(runner: CliRunner, content: Path) -> None:
    code, output = validate(runner, content)
    assert code == 0
    last = output.strip().splitlines()[-1]
    items = len(load_and_validate(content).index)
    assert last == f"{content}: valid, checked 8 files, {items} items: 0 errors, 0 warnings"
    assert "built" not in output
