"""`protdocs diff`: items added, removed, changed and reclassified, and the tracked-changes Word file."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from generator.cli import main
from generator.diff import (
    CHANGES_DOCX,
    RELEASE_NOTES,
    Change,
    FieldChange,
    compare,
    open_side,
    summary,
    word_diff,
    write_changes,
)
from tests.changes import NEW_ACTION, edit_for_next_round
from tests.conftest import EXAMPLE, replace_in

# The public HRP's indicator rows: no id column (a public document prints no id).
I7_ROW = [
    "Officers moved off checkpoint duty or sent to prosecutors after complaints of abuse",
    "Capacity",
    "officers",
    "0 (2026-12)",
    "25 (2027-12)",
]
I8_ROW = [
    "Flood-displacement sites where a women’s committee follows up an agreed site safety plan",
    "Capacity",
    "sites",
    "0 (2026-10)",
    "30 (2027-12)",
]


# The same indicators in their objective's table (SO2, SP2.1): Indicator | Unit | Baseline | Target.
I7_OBJECTIVE_ROW = [I7_ROW[0], *I7_ROW[2:]]
I8_OBJECTIVE_ROW = [I8_ROW[0], *I8_ROW[2:]]


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("next-round") / "content"
    shutil.copytree(EXAMPLE, content)
    edit_for_next_round(content)
    return content


@pytest.fixture(scope="module")
def written(edited: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("changes")
    write_changes(compare(open_side(EXAMPLE), open_side(edited)), out)
    return out


def test_diff_finds_each_change(edited: Path) -> None:
    found = compare(open_side(EXAMPLE), open_side(edited))
    assert {(item.change, item.id) for item in found.items} == {
        (Change.ADDED, "A30"),
        (Change.REMOVED, "I8"),
        (Change.CHANGED, "I1"),
        (Change.RECLASSIFIED, "I7"),
    }
    by_id = {item.id: item for item in found.items}
    assert by_id["I1"].fields == (FieldChange("target.value", 480, 450),)
    assert (by_id["I7"].old_level, by_id["I7"].new_level) == (1, 0)
    assert by_id["A30"].section == "strategic-objectives.yaml"
    assert found.counts() == "1 added, 1 removed, 1 changed, 1 reclassified"


def test_reclassification_to_public_comes_first(edited: Path) -> None:
    text = summary(compare(open_side(EXAMPLE), open_side(edited)))
    lines = text.splitlines()
    assert lines[0] == f"# Changes from {EXAMPLE} to {edited}"
    first_item = next(line for line in lines if line.startswith("- "))
    assert first_item.startswith("- **I7** (indicator, monitoring.yaml, internal → public)")
    assert text.index("NEWLY PUBLIC: 1 item(s)") < text.index("## strategic-objectives.yaml")
    assert "  - target.value: 480 → 450" in lines


def test_same_content_has_no_changes() -> None:
    found = compare(open_side(EXAMPLE), open_side(EXAMPLE))
    assert found.items == () and found.counts() == "no changes"


def test_strictly_confidential_items_are_never_reported(content: Path) -> None:
    replace_in(
        content / "analysis.yaml", "Relatives of the eleven Hesk farmers", "Kin of the Hesk farmers"
    )
    replace_in(content / "analysis.yaml", "Trusted-informant network of nine", "Network of ten")
    found = compare(open_side(EXAMPLE), open_side(content))
    assert found.items == ()


def test_a_result_made_public_on_its_own_is_called_out(content: Path) -> None:
    replace_in(
        content / "monitoring.yaml",
        "{period: 2027-H1, value: 512,",
        "{period: 2027-H1, classification: internal, value: 512,",
    )
    found = compare(open_side(content), open_side(EXAMPLE))
    (item,) = found.items
    assert (item.id, item.change, item.made_public) == ("I1", Change.CHANGED, True)
    assert [str(f) for f in item.fields] == ["results[2027-H1] classification: internal → public"]
    assert found.made_public() == [item]


def test_a_changed_text_shows_the_changed_words() -> None:
    old = "Relocate displacement sites that lie within five kilometres of the front line to safer land"
    new = (
        "Relocate displacement sites that lie within ten kilometres of the front line to safer land"
    )
    assert word_diff(old, new) == (
        "… sites that lie within [-five-] {+ten+} kilometres of the front …"
    )


def _revisions(path: Path, kind: str) -> list[str]:
    """The text of each run-level insertion or deletion, as Word lists them."""
    body = Document(str(path)).element.body
    marks = [m for m in body.iter(qn(f"w:{kind}")) if m.find(qn("w:r")) is not None]
    return ["".join(t.text for t in m.iter(qn("w:t"), qn("w:delText"))) for m in marks]


def test_tracked_changes_mark_exactly_the_changes(written: Path) -> None:
    path = written / CHANGES_DOCX
    # each indicator twice: in the Monitoring table and in its objective's own table
    inserted = [*I7_ROW, *I7_OBJECTIVE_ROW, f"{NEW_ACTION} (lead: UNHCR)", "450", "450"]
    assert Counter(_revisions(path, "ins")) == Counter(inserted)
    assert Counter(_revisions(path, "del")) == Counter([*I8_ROW, *I8_OBJECTIVE_ROW, "480", "480"])


def test_tracked_rows_are_inserted_and_deleted_rows(written: Path) -> None:
    body = Document(str(written / CHANGES_DOCX)).element.body
    for kind, first_cell in (("ins", I7_ROW[0]), ("del", I8_ROW[0])):
        rows = body.xpath(f".//w:tr[w:trPr/w:{kind}]")
        assert len(rows) == 2  # the Monitoring table's row and the objective table's
        for row in rows:
            cell = "".join(row.xpath("./w:tc[1]//w:t/text() | ./w:tc[1]//w:delText/text()"))
            assert cell == first_cell
    marks = body.xpath(".//w:ins | .//w:del")
    assert {m.get(qn("w:author")) for m in marks} == {"protdocs"}
    assert len({m.get(qn("w:id")) for m in marks}) == len(marks)


def test_accepting_gives_the_new_text_and_rejecting_the_old(written: Path) -> None:
    body = Document(str(written / CHANGES_DOCX)).element.body
    accepted = " ".join(body.xpath(".//w:t/text()"))
    rejected = " ".join(body.xpath(".//w:t[not(ancestor::w:ins)]/text() | .//w:delText/text()"))
    assert NEW_ACTION in accepted and NEW_ACTION not in rejected
    assert I8_ROW[0] in rejected and I8_ROW[0] not in accepted
    assert I7_ROW[0] in accepted and I7_ROW[0] not in rejected


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_tracked_changes(written: Path, tmp_path: Path) -> None:
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(written / CHANGES_DOCX),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert (tmp_path / CHANGES_DOCX).with_suffix(".pdf").stat().st_size > 10_000


def test_cli_diff_prints_the_summary_and_writes_the_files(
    runner: CliRunner, edited: Path, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["diff", str(EXAMPLE), str(edited), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"# Changes from {EXAMPLE} to {edited}\n")
    assert f"wrote {tmp_path / CHANGES_DOCX}" in result.output
    notes = (tmp_path / RELEASE_NOTES).read_text(encoding="utf-8")
    assert notes.startswith("# norvania-2027 2027.1-draft\n\nChanges since ")
    assert notes.index("## NEWLY PUBLIC") < notes.index("## Added") < notes.index("## Changed")


def test_cli_diff_needs_two_sides_or_since(runner: CliRunner) -> None:
    result = runner.invoke(main, ["diff", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "give OLD and NEW (content folders or bundles), or --since VERSION" in result.output


def test_cli_diff_since_an_unknown_release(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["diff", "--since", "2027.0", "--releases", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path}/norvania-2027-2027.0-internal.zip: "
        "no release 2027.0 of norvania-2027 (released: none yet)\n"
    )


def test_a_public_bundle_cannot_be_compared(runner: CliRunner, tmp_path: Path) -> None:
    bundle = tmp_path / "op-1-public.zip"
    import zipfile

    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("MANIFEST.json", "{}")
    result = runner.invoke(main, ["diff", str(bundle), str(EXAMPLE)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {bundle}: no content-snapshot.json in this bundle; "
        "compare internal bundles (OP-VERSION-internal.zip)\n"
    )
