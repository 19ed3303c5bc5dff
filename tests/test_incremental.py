"""A rebuild does only the work it must: unchanged outputs are not rewritten (issue 8)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.audience import Audience
from generator.build import build, publish_site
from generator.cache import STORE_VARIABLE
from generator.cli import main
from generator.layout import MARKER
from generator.serve import Preview
from generator.validate import validated
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


# -- what is reused is what a cold build makes -------------------------------------------------
def files_of(op_dir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(op_dir).as_posix(): p.read_bytes()
        for p in sorted(op_dir.rglob("*"))
        if p.is_file()
    }


def assert_same_as_cold(content: Path, incremental: Path, cold: Path) -> None:
    """Every output of the incremental build, byte for byte, is the cold build's: one that
    makes every output itself (no shared store)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(STORE_VARIABLE, raising=False)
        build(content, cold)
    made, expected = files_of(incremental / OP), files_of(cold / OP)
    assert sorted(made) == sorted(expected)
    assert [name for name in expected if made[name] != expected[name]] == []
    shutil.rmtree(cold)


def test_incremental_builds_after_a_series_of_edits_are_cold_builds(
    content: Path, tmp_path: Path
) -> None:
    """Text, a classification (public → internal and back), a data table, a second language
    and its translation: after each edit the build reuses what it can; at two points every
    output is compared with a cold build of the same content (the session's build time)."""
    out, cold = tmp_path / "out", tmp_path / "cold"
    build(content, out)
    analysis = content / "analysis.yaml"
    replace_in(analysis, "Decades of political", "Decades of social and political")
    result = build(content, out)
    kept = {p.relative_to(out / OP).as_posix() for p in result.kept}
    assert {"site/index.html", "site/annex-2-partners.html"} <= kept  # pages not made again
    assert "site/hno-protection-analysis.html" not in kept
    # D2 is public and printed on the HNO's page: made internal, it leaves the public outputs.
    replace_in(
        analysis,
        "  - id: D2\n    classification: public",
        "  - id: D2\n    classification: internal",
    )
    build(content, out)
    hno = (out / OP / "site/hno-protection-analysis.html").read_text(encoding="utf-8")
    assert "Recurrent and intensifying flooding" not in hno
    assert_same_as_cold(content, out, cold)
    replace_in(
        analysis,
        "  - id: D2\n    classification: internal",
        "  - id: D2\n    classification: public",
    )
    # With a figure of the people-in-need table (its row's total unchanged).
    replace_in(content / "data/people-in-need.csv", '"140,000","135,000"', '"141,000","134,000"')
    build(content, out)
    operation = content / "operation.yaml"
    replace_in(operation, "languages: [en]", "languages: [en, fr]")
    replace_in(operation, "country: Norvania", "country: {en: Norvania, fr: Norvanie}")
    build(content, out)
    replace_in(operation, "fr: Norvanie}", "fr: la Norvanie}")
    result = build(content, out)
    assert "Recurrent and intensifying flooding" in (
        out / OP / "site/hno-protection-analysis.html"
    ).read_text(encoding="utf-8")
    assert_same_as_cold(content, out, cold)


def test_serve_rebuilds_only_the_pages_an_edit_changed(content: Path, tmp_path: Path) -> None:
    """The preview loop: after an edit, serve's site makes the edited page and the search
    index again, links the others, and is byte for byte the site a fresh preview makes."""
    preview = Preview(content, Audience.PUBLIC, port=0)
    try:
        preview.build()
        site = preview.site_dir
        before = {p: p.stat().st_ino for p in site.rglob("*.html")}
        replace_in(content / "analysis.yaml", "armed-drone attacks", "loitering-munition attacks")
        preview.build()
        after = {p: p.stat().st_ino for p in site.rglob("*.html")}
        assert [p.name for p in after if after[p] != before[p]] == ["hno-protection-analysis.html"]
        assert "loitering-munition" in (site / "search/search_index.json").read_text()
        fresh = tmp_path / "fresh"
        publish_site(validated(content), fresh, Audience.PUBLIC)
        assert files_of(site) == files_of(fresh / "site")
    finally:
        preview.server.server_close()
        shutil.rmtree(preview.workdir)
