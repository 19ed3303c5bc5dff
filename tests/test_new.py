"""`protdocs new`: from nothing to a first draft that validates, builds, and cannot be released.

One operation is made (with git, in two languages) and built once for the module; the other
tests only ask `new` to refuse, which writes nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from docx import Document

from generator.cli import main
from generator.load import CONTENT_FILES
from generator.validate import EXAMPLE_MARK
from tests.docx_text import all_text

OP = "south-sudan-2027"
REQUIRED = (
    "Context and drivers",
    "Threats",
    "Who is vulnerable and why",
    "Capacities",
    "Protection risks",
    "Sources and methodology",
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder = tmp_path_factory.mktemp("new") / "south-sudan"
    code, output = run(
        "new", str(folder), "--country", "South Sudan", "--year", "2027",
        "--languages", "en,fr", "--git",
    )  # fmt: skip
    assert code == 0, output
    assert f"New operation {OP} in {folder}" in output
    return folder


@pytest.fixture(scope="module")
def built(made: Path) -> Path:
    out = made / "build"
    code, output = run("build", "--content", str(made), "--out", str(out))
    assert code == 0, output
    return out / OP


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


def test_new_writes_every_content_file_with_guidance_and_an_example(made: Path) -> None:
    names = sorted(p.name for p in made.iterdir() if p.name != ".git")
    assert names == sorted([*CONTENT_FILES, "README.md", ".gitignore"])
    for name in CONTENT_FILES:
        text = (made / name).read_text(encoding="utf-8")
        assert text.startswith("# "), f"{name} has no guidance"
    analysis = yaml.safe_load((made / "analysis.yaml").read_text(encoding="utf-8"))
    for key, prefix in [("threats", "T1"), ("vulnerabilities", "V1"), ("risks", "R1")]:
        assert [item["id"] for item in analysis[key]] == [prefix]
    operation = yaml.safe_load((made / "operation.yaml").read_text(encoding="utf-8"))
    assert operation["id"] == OP
    assert operation["languages"] == ["en", "fr"]
    assert set(operation["title"]) == {"en", "fr"}
    assert "build/" in (made / ".gitignore").read_text(encoding="utf-8").splitlines()
    readme = (made / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# South Sudan 2027: protection content")
    assert "protdocs validate --content " in readme


def test_nothing_is_public_until_marked(made: Path) -> None:
    """No file-level, operation-level or item-level `public`: every default stays internal."""

    def levels(node: object) -> list[str]:
        if isinstance(node, dict):
            return [str(node.get("classification"))] * ("classification" in node) + [
                level for value in node.values() for level in levels(value)
            ]
        if isinstance(node, list):
            return [level for value in node for level in levels(value)]
        return []

    for name in CONTENT_FILES:
        tree = yaml.safe_load((made / name).read_text(encoding="utf-8"))
        assert "public" not in levels(tree), name
    operation = yaml.safe_load((made / "operation.yaml").read_text(encoding="utf-8"))
    assert operation["default_classification"] == "internal"


def test_new_operation_validates_and_strict_refuses_empty_sections(made: Path) -> None:
    code, output = run("validate", "--content", str(made))
    assert code == 0, output
    for section in REQUIRED:
        assert f'the section "HNO: {section}" says "To be completed"' in output
    assert output.count('says "To be completed"') == 9
    examples = [  # the files of the example texts, one entry per text
        name
        for name in CONTENT_FILES
        for line in (made / name).read_text(encoding="utf-8").splitlines()
        if EXAMPLE_MARK in line and not line.lstrip().startswith("#")
    ]
    assert len(examples) > 15
    warned = re.findall(r"([a-z-]+\.yaml):\d+: warning: \S+: still the example text", output)
    assert sorted(warned) == sorted(examples)  # each one, in its file
    # The example texts are written in English only: each is also one to translate into French.
    untranslated = len(
        re.findall(r"warning: \S+: (?:not translated into fr|no 'fr' translation)", output)
    )
    assert untranslated >= len(examples) - 2
    warnings = 9 + len(examples) + untranslated
    assert output.strip().splitlines()[-1].endswith(f"0 errors, {warnings} warnings")
    code, output = run("validate", "--strict", "--content", str(made))
    assert code == 1
    assert "(--strict: the warnings count as errors)" in output


def test_release_of_a_new_operation_is_refused(made: Path, tmp_path: Path) -> None:
    code, output = run(
        "release", "--content", str(made), "--out", str(tmp_path), "--version", "2027.1"
    )
    assert code == 1
    assert 'the section "HRP: Strategic objectives" says "To be completed"' in output
    assert not (tmp_path / "releases").exists()


def test_drafts_say_which_sections_are_still_empty(built: Path) -> None:
    hno = Document(str(built / "public" / "hno-protection-analysis.docx"))
    paragraphs = [p.text.strip() for p in hno.paragraphs]
    for section in REQUIRED:
        assert f"To be completed: {section}." in paragraphs
    assert "No threats are recorded." not in paragraphs  # read as a finding, not a gap
    french = all_text(built / "public" / "hno-protection-analysis.fr.docx")
    assert "À compléter : Menaces." in french
    hrp = all_text(built / "public" / "hrp-protection-section.docx")
    assert "To be completed: Strategic objectives." in hrp
    # The examples are internal: in the HCT's plan, nowhere public.
    internal = all_text(built / "internal" / "hct-protection-action-plan.docx")
    assert f"What the HCT does, who leads, by when {EXAMPLE_MARK}." in internal
    for public in (built / "public").glob("*.docx"):
        assert EXAMPLE_MARK not in all_text(public), public.name


def test_git_repository_has_a_first_commit_and_ignores_the_build(made: Path, built: Path) -> None:
    assert git(made, "log", "--format=%s").splitlines() == [f"New operation {OP} (protdocs new)"]
    assert sorted(git(made, "ls-files").split()) == sorted(
        [*CONTENT_FILES, "README.md", ".gitignore"]
    )
    assert built.is_dir()
    assert git(made, "status", "--porcelain") == ""  # build/ is ignored


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    folder = tmp_path / "op"
    folder.mkdir()
    (folder / "notes.txt").write_text("our notes", encoding="utf-8")
    code, output = run("new", str(folder), "--country", "Chad", "--year", "2027")
    assert code == 1
    assert f"Error: {folder} is not empty" in output
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "our notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["op"]  # no staging folder left


def test_new_writes_into_an_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "op"
    folder.mkdir()
    code, output = run("new", str(folder), "--country", "Côte d'Ivoire", "--year", "2026")
    assert code == 0, output
    operation = yaml.safe_load((folder / "operation.yaml").read_text(encoding="utf-8"))
    assert (operation["id"], operation["country"]) == ("cote-divoire-2026", "Côte d'Ivoire")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["op"]


def test_a_country_name_is_data_not_yaml(tmp_path: Path) -> None:
    """Quotes, colons and new lines in a name cannot add a key to operation.yaml."""
    name = 'Narnia: "North"\nclassification: public # x'
    code, output = run("new", str(tmp_path / "op"), "--country", name, "--year", "2027")
    assert code == 0, output
    operation = yaml.safe_load((tmp_path / "op" / "operation.yaml").read_text(encoding="utf-8"))
    assert operation["country"] == name
    assert "classification" not in operation


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--languages", "en,de"], "'de' is not a supported language. Supported: en, fr, es, ar"),
        (["--languages", "en,fre"], "'fre' is not a supported language. Did you mean 'fr'?"),
        (["--languages", "fr,fr"], "--languages names fr twice"),
        (["--country", "السودان"], "give one with --id, e.g. --id sudan-2027"),
        (["--id", "sudan 2027"], "--id 'sudan 2027' is not an id"),
    ],
)
def test_new_refuses_what_it_cannot_use(tmp_path: Path, args: list[str], message: str) -> None:
    options = {"--country": "Sudan", "--year": "2027", "--languages": "en"}
    for option, value in zip(args[::2], args[1::2], strict=True):
        options[option] = value
    flat = [part for pair in options.items() for part in pair]
    code, output = run("new", str(tmp_path / "op"), *flat)
    assert code != 0
    assert message in output
    assert not (tmp_path / "op").exists()
