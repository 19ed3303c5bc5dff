"""Attacks through content files and the command line only: each is refused with its file and
line, or built with nothing of it in any output it may not reach."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.audience import Audience, view
from generator.cli import main
from generator.documents import DOCUMENTS
from generator.errors import ValidationFailed, display_path
from generator.render import BuildInfo, render
from generator.validate import load_and_validate, validated
from tests.conftest import EXAMPLE, line_of, replace_in


# -- content files (YAML, names, what commands print) ---------------------------------------------
def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args))


def _validate(runner: CliRunner, content: Path, *extra: str) -> Result:
    return _run(runner, "validate", "--content", str(content), *extra)


def _refused(result: Result) -> str:
    """The content was refused as a drafter's mistake, never as a crash of the tool."""
    assert result.exit_code == 1, result.output
    assert "unexpected failure" not in result.output
    assert "Traceback" not in result.output
    return result.output


# A strictly-confidential witness: no command may ever print this name.
WITNESS = "Zebulon Quartermaine"
# A confidential passage: printed only when an analyst asks for the internal audience.
CONFIDENTIAL_WORDS = "quiet meeting with the brigade commander in Velm"

# ---- free text naming a non-public actor ----
NCHR = "Norvanian Commission for Human Rights"  # partners.yaml: internal
TLF_HIGHLANDS = "Tarvan Liberation Front (TLF) highland sectors"  # a threat actor of T2


@pytest.mark.parametrize(
    ("file", "old", "new", "path"),
    [
        (  # a public action's lead, written in another case and punctuation
            "strategic-objectives.yaml",
            'lead: "Office of the Humanitarian Coordinator"',
            'lead: "NORVANIAN commission for human-rights."',
            "strategic_objectives[SO1].actions[A2].lead",
        ),
        (  # one of a public action's support names
            "strategic-objectives.yaml",
            'support: [nrc, "Shelter/NFI and CCCM clusters"]',
            f'support: [nrc, "{NCHR}"]',
            "strategic_objectives[SO1].actions[A3].support[1]",
        ),
        (  # a member of the (public) analysis team
            "analysis.yaml",
            'members: [nrc, unicef, irc, nwsn, ohchr, "Inter-Cluster Coordination Group"',
            f'members: [nrc, unicef, irc, nwsn, ohchr, "{NCHR}"',
            "analysis_team.members[5]",
        ),
        (  # written with look-alike Cyrillic letters (о, а, е)
            "strategic-objectives.yaml",
            'support: [nrc, "Shelter/NFI and CCCM clusters"]',
            'support: [nrc, "N\u043ervanian C\u043emmissi\u043en f\u043er Human Rights"]',
            "strategic_objectives[SO1].actions[A3].support[1]",
        ),
    ],
)
def test_a_non_public_partner_typed_as_free_text_is_refused(
    runner: CliRunner, content: Path, file: str, old: str, new: str, path: str
) -> None:
    line = replace_in(content / file, old, new)
    output = _refused(_validate(runner, content))
    partner = line_of(content / "partners.yaml", "- id: nchr")
    where = f"{display_path(content / 'partners.yaml')}:{partner}"
    assert (
        f"{file}:{line}: {path}: this free text is the name of partner 'nchr' (internal, {where})"
        in output
    ), output
    assert "Write the id nchr instead" in output


def test_the_partner_id_still_works_and_names_it_only_where_it_may_be_read(
    runner: CliRunner, content: Path
) -> None:
    replace_in(
        content / "strategic-objectives.yaml",
        'support: [nrc, "Shelter/NFI and CCCM clusters"]',
        "support: [nrc, nchr]",
    )
    result = _validate(runner, content)
    assert result.exit_code == 0, result.output
    loaded = load_and_validate(content)
    public = json.dumps(view(loaded, Audience.PUBLIC), ensure_ascii=False)
    internal = view(loaded, Audience.INTERNAL)
    a3 = internal["index"]["A3"]
    assert NCHR not in public
    assert a3["support"] == ["Norwegian Refugee Council", NCHR]


def test_a_threat_actor_typed_in_a_public_item_is_refused(runner: CliRunner, content: Path) -> None:
    path = content / "analysis.yaml"
    line = replace_in(
        path,
        'locations: ["Upper Tarvan: Sarnow, Dravo and Hesk districts", "Marisk: Velm district"]',
        'locations: ["Upper Tarvan: Sarnow, Dravo and Hesk districts", '
        '"tarvan liberation front, TLF, highland sectors"]',
    )
    output = _refused(_validate(runner, content))
    actor = line_of(path, TLF_HIGHLANDS)
    assert f"analysis.yaml:{line}: threats[T1].locations[1]: this free text is the name of a " in (
        output
    )
    assert "threat actor of threat 'T2' (confidential, " in output
    assert f"analysis.yaml:{actor}): typed out, it is printed wherever this public item goes" in (
        output
    )
    assert "Do not name the actor here" in output
    assert "tarvan liberation front" not in output.lower()


def test_a_threat_actor_named_in_an_item_as_strict_as_itself_is_fine(
    runner: CliRunner, content: Path
) -> None:
    # A4 is a confidential action: the actor is confidential too, no reader of A4 learns more.
    replace_in(
        content / "strategic-objectives.yaml",
        'lead: "OCHA Humanitarian Civil-Military Coordination Unit"',
        f'lead: "{TLF_HIGHLANDS}"',
    )
    result = _validate(runner, content)
    assert result.exit_code == 0, result.output


def test_a_strictly_confidential_name_is_refused_without_being_printed(
    runner: CliRunner, content: Path
) -> None:
    replace_in(
        content / "partners.yaml",
        "partners:\n",
        "partners:\n"
        "  - id: witness-group\n"
        "    classification: strictly-confidential\n"
        f'    name: "{WITNESS}"\n'
        "    type: other\n",
    )
    line = replace_in(
        content / "strategic-objectives.yaml",
        'lead: "Office of the Humanitarian Coordinator"',
        f'lead: "{WITNESS.upper()}"',
    )
    output = _refused(_validate(runner, content))
    assert f"strategic-objectives.yaml:{line}: " in output
    assert "partner 'witness-group' (strictly-confidential, " in output
    assert WITNESS.lower() not in output.lower()


# ---- what commands print ----
def _with_secrets(content: Path) -> None:
    """S6 (strictly confidential) and A4 (confidential) given per language, French missing."""
    replace_in(content / "operation.yaml", "languages: [en]", "languages: [en, fr]")
    analysis = content / "analysis.yaml"
    replace_in(
        analysis,
        'name: "Trusted-informant network of nine',
        f'name: {{en: "{WITNESS}, trusted informant:',
    )
    text = analysis.read_text(encoding="utf-8")
    start = text.index(f'name: {{en: "{WITNESS}')
    end = text.index("\n", start)
    analysis.write_text(text[:end] + "}" + text[end:], encoding="utf-8")
    replace_in(
        content / "strategic-objectives.yaml",
        'verification: "Session attendance sheets; acknowledgement messages from the '
        "command's operations centre.\"",
        f'verification: {{en: "{CONFIDENTIAL_WORDS}"}}',
    )


def test_validate_never_quotes_a_value_of_a_strictly_confidential_item(
    runner: CliRunner, content: Path
) -> None:
    path = content / "analysis.yaml"
    type_line = replace_in(
        path,
        "    type: affected-people\n    date: 2026-12-10",
        f'    type: "{WITNESS}"\n    date: "{WITNESS} 2026"\n    "{WITNESS}": seen at the gate',
    )
    output = _refused(_validate(runner, content))
    for line in (type_line, type_line + 1, type_line + 2):
        assert f"analysis.yaml:{line}: " in output, output
    assert "a value of a strictly-confidential item (not shown)" in output
    assert "zebulon" not in output.lower()


def test_translations_list_public_texts_unless_internal_is_asked_and_never_strict(
    runner: CliRunner, content: Path
) -> None:
    _with_secrets(content)
    public = _run(runner, "translations", "--missing", "--content", str(content))
    assert public.exit_code == 0, public.output
    assert "Norvania enters 2027" in public.output  # the public context is listed
    assert CONFIDENTIAL_WORDS not in public.output
    assert "text(s) of the internal documents, not listed: --audience internal" in public.output
    internal = _run(
        runner, "translations", "--missing", "--audience", "internal", "--content", str(content)
    )
    assert internal.exit_code == 0, internal.output
    assert CONFIDENTIAL_WORDS in internal.output
    for result in (public, internal):
        assert "zebulon" not in result.output.lower()
    helped = _run(runner, "translations", "--help").output
    assert "--audience internal adds the" in " ".join(helped.split())
    assert "Strictly-confidential texts are never listed" in " ".join(helped.split())


@pytest.mark.parametrize("output_format", ["table", "json", "markdown"])
def test_assess_never_prints_strictly_confidential_text_or_ids(
    runner: CliRunner, content: Path, output_format: str
) -> None:
    _with_secrets(content)
    replace_in(content / "analysis.yaml", "  - id: S6\n", "  - id: zebulon-source\n")
    result = _run(runner, "assess", "--format", output_format, "--content", str(content))
    assert result.exit_code == 0, result.output
    assert "zebulon" not in result.output.lower()
    assert CONFIDENTIAL_WORDS not in result.output  # ids and fixed wording only


def test_diff_prints_confidential_wording_only_when_asked_and_strict_never(
    runner: CliRunner, content: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    _with_secrets(content)
    shutil.copytree(content, old)
    replace_in(content / "analysis.yaml", f"{WITNESS}, trusted informant", f"{WITNESS}, informant")
    replace_in(content / "strategic-objectives.yaml", "quiet meeting", "discreet meeting")
    public = _run(runner, "diff", str(old), str(content))
    assert public.exit_code == 0, public.output
    assert "**A4** (action, strategic-objectives.yaml, confidential)" in public.output
    assert "verification.en: changed (confidential, not shown: --audience internal shows it)" in (
        public.output
    )
    assert "brigade commander" not in public.output
    internal = _run(runner, "diff", "--audience", "internal", str(old), str(content))
    assert internal.exit_code == 0, internal.output
    assert "verification.en: [-quiet-] {+discreet+} meeting with the brigade" in internal.output
    for result in (public, internal):
        assert "zebulon" not in result.output.lower()
        assert "S6" not in result.output


# ---- odd but valid YAML ----
RISK_FIGURE = "    people_at_risk: 212000"
ODD_YAML = {
    "binary": (RISK_FIGURE, "    people_at_risk: !!binary MjEyMDAw", "the YAML tag !!binary"),
    "nan": (RISK_FIGURE, "    people_at_risk: .nan", "expected a whole number, got '.nan'"),
    "inf": (RISK_FIGURE, "    people_at_risk: -.inf", "expected a whole number, got '-.inf'"),
    "set": (
        "    legal_frameworks: [IHL, IHRL]",
        "    legal_frameworks: !!set {IHL, IHRL}",
        "the YAML tag !!set is not allowed",
    ),
    "omap": (
        "    legal_frameworks: [IHL, IHRL]",
        "    legal_frameworks: !!omap [{IHL: 1}]",
        "the YAML tag !!omap is not allowed",
    ),
    "pairs": (
        "    legal_frameworks: [IHL, IHRL]",
        "    legal_frameworks: !!pairs [{IHL: 1}]",
        "the YAML tag !!pairs is not allowed",
    ),
    "sequence key": (
        RISK_FIGURE,
        "    [people, at, risk]: 212000",
        "a key must be a plain word (a field name or a language code), not a list",
    ),
    "mapping key": (
        RISK_FIGURE,
        "    {people: at risk}: 212000",
        "a key must be a plain word (a field name or a language code), not a mapping",
    ),
    "timestamp as text": (
        'title: "Attacks on civilians and civilian objects in Upper Tarvan and Marisk"',
        "title: !!timestamp 2027-01-01",
        "the YAML tag !!timestamp is not allowed",
    ),
    "tag on the wrong node": (RISK_FIGURE, "    people_at_risk: !!map 212000", "does not fit"),
    "explicit int": (
        RISK_FIGURE,
        "    people_at_risk: !!int many",
        "'many' cannot be read as a whole number",
    ),
    "explicit bool": (
        "    articulated_by_affected_people: true",
        "    articulated_by_affected_people: !!bool perhaps",
        "'perhaps' cannot be read as true or false",
    ),
    "alias inside itself": (
        RISK_FIGURE,
        "    people_at_risk: &loop [*loop]",
        "an alias (*name) is used inside the very item its anchor (&name) marks",
    ),
    "number too long": (
        RISK_FIGURE,
        "    people_at_risk: " + "9" * 5000,
        "expected a whole number, got '99999",
    ),
    "python": (
        RISK_FIGURE,
        '    people_at_risk: !!python/object/apply:os.system ["touch pwned"]',
        "the YAML tag !!python/object/apply:os.system is not allowed",
    ),
    "control character": (RISK_FIGURE, "    people_at_risk: 212000\x07", "U+0007 is not allowed"),
}


@pytest.mark.parametrize("case", list(ODD_YAML))
def test_odd_yaml_is_refused_with_file_and_line(
    runner: CliRunner, content: Path, case: str
) -> None:
    old, new, message = ODD_YAML[case]
    line = replace_in(content / "analysis.yaml", old, new)
    output = _refused(_validate(runner, content))
    assert message in output
    assert any(
        f"analysis.yaml:{line}: " in row and message in row for row in output.splitlines()
    ), output
    assert not Path("pwned").exists()


def test_an_indicator_value_of_infinity_is_refused(runner: CliRunner, content: Path) -> None:
    line = replace_in(
        content / "monitoring.yaml",
        "{period: 2027-H1, value: 512,",
        "{period: 2027-H1, value: .inf,",
    )
    output = _refused(_validate(runner, content))
    assert f"monitoring.yaml:{line}: " in output and "expected a number, got '.inf'" in output


def test_build_refuses_odd_yaml_the_same_way(
    runner: CliRunner, content: Path, tmp_path: Path
) -> None:
    replace_in(content / "analysis.yaml", RISK_FIGURE, "    [people, at, risk]: 212000")
    result = _run(runner, "build", "--content", str(content), "--out", str(tmp_path / "out"))
    output = _refused(result)
    assert "analysis.yaml:" in output and "a key must be a plain word" in output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.docx"))


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("classification: !!binary cHVibGlj", "the YAML tag !!binary is not allowed"),
        ("classification: &c [*c]", "an alias (*name) is used inside the very item"),
    ],
)
def test_a_table_sidecar_is_read_as_plainly(
    runner: CliRunner, content: Path, new: str, message: str
) -> None:
    line = replace_in(content / "data" / "people-in-need.meta.yaml", "classification: public", new)
    output = _refused(_validate(runner, content))
    assert f"people-in-need.meta.yaml:{line}: {message}" in output


# Pieces of YAML a careless or hostile drafter may type, in any order.
_YAML_PIECES = [
    *("!!binary ", "!!set ", "!!omap ", "!!str ", "!!int ", "!!float ", "!!bool ", "!!map "),
    *("!!seq ", "!foo ", "&a ", "*a ", "<<: ", "? ", ": ", "- ", "[", "]", "{", "}", ","),
    *("\n", "  ", "    ", '"', "'", "|\n", ".nan", "-.inf", "1e400", "2027-01-01", "no", "~"),
    *("0x1F", "12:30", "id", "classification", "public", "strictly-confidential", "text"),
    *("name", "en", "T1", "lead", "\t", "#", "---\n", "\u200b", "é"),
]
_FUZZ_PREFIX = {
    "analysis.yaml": "threats:\n  - id: T9\n    text: x\n    ",
    "operation.yaml": "id: op\nlanguages: [en, fr]\n",
    "strategic-objectives.yaml": (
        "strategic_objectives:\n  - id: SO9\n    title: t\n    actions:\n"
        "      - id: A99\n        text: t\n        "
    ),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_YAML_PIECES), max_size=30), st.sampled_from(list(_FUZZ_PREFIX)))
def test_any_yaml_is_valid_or_refused_never_a_crash(pieces: list[str], name: str) -> None:
    """Whatever is typed, validation lists problems or accepts: it never raises anything else."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        shutil.copytree(EXAMPLE, folder)
        (folder / name).write_text(_FUZZ_PREFIX[name] + "".join(pieces) + "\n", encoding="utf-8")
        try:
            validated(folder)
        except ValidationFailed as failed:
            assert all(problem.file for problem in failed.problems)


def _laughs(levels: int = 12) -> str:
    lines = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"lol{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    lines.append(f"indicators: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_file_is_refused_in_well_under_a_second(
    runner: CliRunner, content: Path
) -> None:
    bomb = _laughs()
    assert len(bomb.encode()) < 2048  # expands to 10^12 values
    (content / "monitoring.yaml").write_text(bomb, encoding="utf-8")
    started = time.perf_counter()
    output = _refused(_validate(runner, content))
    elapsed = time.perf_counter() - started
    assert "monitoring.yaml:1: the aliases (*name) in this file would repeat its values" in output
    assert elapsed < 1.0, f"{elapsed:.2f} s"


def test_aliases_reused_a_few_times_are_fine(runner: CliRunner, content: Path) -> None:
    path = content / "strategic-objectives.yaml"
    replace_in(
        path,
        "timeframe: {start: 2027-01, end: 2027-12}",
        "timeframe: &year {start: 2027-01, end: 2027-12}",
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("timeframe: {start: 2027-01, end: 2027-12}", "timeframe: *year"),
        encoding="utf-8",
    )
    result = _validate(runner, content)
    assert result.exit_code == 0, result.output


# ---- the operation id ----
@pytest.mark.parametrize(
    ("written", "message"),
    [
        ('"norvania-2027\\n"', "is not a valid id"),
        ('"norvania-2027\\r"', "is not a valid id"),
        ('"../norvania-2027"', "is not a valid id"),
        ('"norvania/2027"', "is not a valid id"),
        ("Norvania-2027", "the operation id 'Norvania-2027' is not a slug"),
        ("norvania.2027.", "the operation id 'norvania.2027.' is not a slug"),
    ],
)
def test_an_operation_id_outside_a_safe_slug_is_refused(
    runner: CliRunner, content: Path, written: str, message: str
) -> None:
    line = replace_in(content / "operation.yaml", "id: norvania-2027", f"id: {written}")
    output = _refused(_validate(runner, content))
    assert f"operation.yaml:{line}: id: " in output and message in output, output


def test_an_item_id_ending_in_a_newline_is_refused(runner: CliRunner, content: Path) -> None:
    line = replace_in(content / "analysis.yaml", "  - id: D1\n", '  - id: "D1\\n"\n')
    output = _refused(_validate(runner, content))
    assert f"analysis.yaml:{line}: " in output and "is not a valid id" in output


# ---- a file-level classification: public ----
def test_a_file_level_public_classification_is_a_warning(runner: CliRunner, content: Path) -> None:
    path = content / "monitoring.yaml"
    path.write_text("classification: public\n" + path.read_text(encoding="utf-8"))
    result = _validate(runner, content)
    assert result.exit_code == 0, result.output
    assert (
        "monitoring.yaml:1: warning: classification: 'public' as the default makes every "
        "unmarked item of this file public"
    ) in result.output
    assert "mark each public item with classification: public" in result.output
    strict = _validate(runner, content, "--strict")
    assert strict.exit_code == 1


def test_a_public_operation_default_is_a_warning(runner: CliRunner, content: Path) -> None:
    line = replace_in(
        content / "operation.yaml",
        "default_classification: internal",
        "default_classification: public",
    )
    result = _validate(runner, content)
    assert result.exit_code == 0, result.output
    assert (
        f"operation.yaml:{line}: warning: default_classification: 'public' as the default "
        "makes every unmarked item of every file public"
    ) in result.output


def test_the_example_marks_its_public_items_one_by_one(runner: CliRunner) -> None:
    for path in sorted(EXAMPLE.glob("*.yaml")):
        top = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert top.get("classification") != "public", path.name
        assert top.get("default_classification") != "public", path.name
    result = _validate(runner, EXAMPLE)
    assert result.exit_code == 0 and "warning:" not in result.output, result.output
    # Its own text, marked on its own, still opens the public HNO analysis.
    public = view(load_and_validate(EXAMPLE), Audience.PUBLIC)
    hno = next(doc for doc in DOCUMENTS if doc.slug == "hno-protection-analysis")
    markdown = render(hno, public, BuildInfo(dt.date(2027, 1, 15), "test"))
    assert "Norvania enters 2027 facing two overlapping crises" in markdown


def test_an_item_added_unmarked_to_the_example_stays_internal(content: Path) -> None:
    replace_in(
        content / "analysis.yaml",
        "drivers:\n",
        'drivers:\n  - id: D99\n    text: "Newly added driver nobody has classified yet"\n',
    )
    loaded = load_and_validate(content)
    assert not loaded.errors, loaded.errors
    public = json.dumps(view(loaded, Audience.PUBLIC), ensure_ascii=False)
    assert "Newly added driver" not in public
    assert "Newly added driver" in json.dumps(view(loaded, Audience.INTERNAL))


def test_a_figure_too_large_to_print_is_refused(runner: CliRunner, content: Path) -> None:
    line = replace_in(
        content / "analysis.yaml",
        "people_at_risk: 212000",
        "people_at_risk: 99999999999999999999999999",
    )
    output = _refused(_validate(runner, content))
    assert f"analysis.yaml:{line}: risks[R1].people_at_risk: " in output
    assert "too large for a figure" in output and "unexpected failure" not in output


@pytest.mark.parametrize("kind", ["folder", "broken link", "pipe"])
def test_a_data_table_that_is_no_file_is_refused_by_name(
    runner: CliRunner, content: Path, kind: str
) -> None:
    odd = content / "data" / "odd.csv"
    if kind == "folder":
        odd.mkdir()
    elif kind == "broken link":
        odd.symlink_to(content / "nowhere.csv")
    else:
        os.mkfifo(odd)
    output = _refused(_validate(runner, content))  # a pipe would make it wait for ever
    assert ".csv: named like a data table but not a file" in output
    assert "unexpected failure" not in output


def test_a_non_public_name_in_a_public_data_table_is_refused(
    runner: CliRunner, content: Path
) -> None:
    """A public table's area names are printed in the HNO and on the site like any text."""
    table = content / "data" / "people-in-need.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace(
            "Marisk,Internally", "Tarvan Valley Paralegal Network,Internally"
        ),
        encoding="utf-8",
    )
    output = _refused(_validate(runner, content))
    assert "people-in-need.csv:9: area: this free text is the name of partner 'tvpn'" in output
