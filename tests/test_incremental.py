"""A rebuild does only the work it must: unchanged outputs are not rewritten (issue 8)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.layout import MARKER
from tests.conftest import replace_in

OP = "norvania-2027"


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_no_change_rebuild_rewrites_no_file(
    runner: CliRunner, content: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["build", "--content", str(content), "--out", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    before = mtimes(out / OP)
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    assert mtimes(out / OP) == before


def test_rebuild_through_the_pipeline_keeps_every_unchanged_file(
    content: Path, tmp_path: Path
) -> None:
    """Without the up-to-date shortcut (as after a change elsewhere), nothing is rewritten."""
    out = tmp_path / "out"
    build(content, out)
    before = mtimes(out / OP)
    result = build(content, out)
    assert mtimes(out / OP) == before
    assert len(result.kept) == len(before)


def test_one_field_change_rewrites_only_the_outputs_holding_it(
    content: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build(content, out)
    before = mtimes(out / OP)
    # D1 is a public driver: it is printed in the HNO, its page on the site and the HCT's
    # internal analysis.
    replace_in(content / "analysis.yaml", "Decades of political", "Decades of social and political")
    build(content, out)
    after = mtimes(out / OP)
    changed = {path for path in after if after[path] != before.get(path)}
    # The build's marker records what each language's outputs were made from: it changes too.
    assert changed == {
        MARKER,
        "public/hno-protection-analysis.md",
        "public/hno-protection-analysis.docx",
        "public/hno-protection-analysis.pdf",
        "internal/hct-protection-analysis.md",
        "internal/hct-protection-analysis.docx",
        "internal/hct-protection-analysis.pdf",
        "site/hno-protection-analysis.html",
        "site/search/search_index.json",
    }
    assert (
        "Decades of social and political"
        in (out / OP / "public/hno-protection-analysis.md").read_text()
    )


def test_a_file_added_by_hand_forces_a_real_build(
    runner: CliRunner, content: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["build", "--content", str(content), "--out", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    stray = out / OP / "public" / "notes-from-a-reviewer.docx"
    stray.write_bytes(b"not from this build")
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "up to date" not in result.output
    assert not stray.exists()
