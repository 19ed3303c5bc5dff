"""End-to-end: build the example operation and open what was written, as a drafter would."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path, PurePosixPath

import pytest
import yaml
from click.testing import CliRunner
from docx import Document

from generator.build import BuildResult, build
from generator.cli import main
from generator.errors import ValidationFailed
from generator.formats import FORMATS
from generator.layout import MARKER
from generator.plan import plan
from tests.conftest import EXAMPLE, replace_in
from tests.docx_text import all_text, folded, headings, table_with_header

OP = "norvania-2027"


def content_yaml(name: str) -> dict:
    return yaml.safe_load((EXAMPLE / name).read_text(encoding="utf-8"))


def items(name: str, key: str) -> dict[str, dict]:
    return {item["id"]: item for item in content_yaml(name)[key]}


@pytest.fixture(scope="module")
def out(example_build: BuildResult) -> Path:
    return example_build.op_dir


def test_outputs_are_where_the_readme_says(out: Path) -> None:
    for rel in (
        "public/hno-protection-analysis.docx",
        "public/hno-protection-analysis.md",
        "public/hrp-protection-section.docx",
        "public/hrp-protection-section.md",
        "internal/hct-protection-action-plan.docx",
        "internal/hct-protection-action-plan.md",
        "internal/hct-protection-analysis.docx",
        "internal/hct-protection-analysis.md",
    ):
        assert (out / rel).is_file(), rel
    assert not list(out.parent.glob(".staging-*"))


def test_hno_headings_in_order(out: Path) -> None:
    found = [text for style, text in headings(out / "public/hno-protection-analysis.docx")]
    expected = [
        "Norvania: Protection analysis",
        "Protection: humanitarian needs",
        "Context and drivers",
        "Threats",
        "Who is vulnerable and why",
        "Capacities",
        "Protection risks",
        "Legal frameworks",
        "Needs by area of responsibility",
        "Sources and methodology",
    ]
    positions = [found.index(h) for h in expected]
    assert positions == sorted(positions), found


def test_hrp_headings_and_objectives(out: Path) -> None:
    found = headings(out / "public/hrp-protection-section.docx")
    texts = [t for _, t in found]
    for so in items("strategic-objectives.yaml", "strategic_objectives").values():
        # the drafter's code, printed as written (without one: "Objective 1", never the id)
        assert f"{so['code']}: {folded(so['title'])}" in texts
    assert ("Heading 2", "Strategic objectives") in found
    for area in ("Reducing the threat", "Reducing vulnerability", "Strengthening capacities"):
        assert area in texts
    order = [
        texts.index(h)
        for h in (
            "Strategic objectives",
            "Areas of responsibility",
            "Cluster contributions",
            "Partners and complementarity",
            "Monitoring",
        )
    ]
    assert order == sorted(order)


def test_disaggregation_is_written_under_each_group(out: Path) -> None:
    """Each group's people once, under its own heading (not its name again in a table), with
    the parts the drafter gave: never "0 men" in a group of women and girls."""
    text = folded(all_text(out / "public/hno-protection-analysis.docx"))
    for v in items("analysis.yaml", "vulnerabilities").values():
        if v.get("classification") != "public":
            assert v["group"] not in text
            continue
        p = v["people"]
        assert text.count(folded(v["group"])) >= 1
        assert f"{p['total']:,} people" in text
        for part in ("women", "men", "girls", "boys"):
            if p[part]:
                assert f"{p[part]:,} {part}" in text
        assert f"{p['with_disability']:,} with a disability" in text
    assert " 0 men" not in text and " 0 boys" not in text


def test_indicator_table_has_baselines_and_targets(out: Path) -> None:
    # the Monitoring section's table (each objective's own table has no Dimension column)
    rows = table_with_header(out / "public/hrp-protection-section.docx", "Indicator", "Dimension")

    def key(text: str) -> str:
        return folded(text).replace("\u2019", "'")  # Word's typographic apostrophe

    shown = {key(row[0]): row for row in rows[1:]}  # by text: a public table prints no id
    indicators = items("monitoring.yaml", "indicators")
    public = {key(i["text"]): i for i in indicators.values() if i.get("classification") == "public"}
    assert set(shown) == set(public)
    for text, ind in public.items():
        assert shown[text][3].startswith(f"{ind['baseline']['value']:,}")
        assert shown[text][4].startswith(f"{ind['target']['value']:,}")


def test_first_page_carries_operation_version_and_date(out: Path) -> None:
    for rel in ("public/hno-protection-analysis.docx", "internal/hct-protection-action-plan.docx"):
        cover = Document(str(out / rel)).tables[0]
        facts = {row.cells[0].text: row.cells[1].text for row in cover.rows}
        assert facts["Operation"].startswith("Norvania")
        assert facts["Plan year"] == "2027"
        assert facts["Operation"] == "Norvania"  # no slug
        assert facts["Document version"] == "2027.1-draft (draft, not for publication)"
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", facts["Date"])  # 23 November 2027
        assert "Build date" not in facts


def test_internal_plan_is_marked_on_every_page(out: Path) -> None:
    doc = Document(str(out / "internal/hct-protection-action-plan.docx"))
    for section in doc.sections:
        assert "CONFIDENTIAL" in section.header.paragraphs[0].text
        assert "CONFIDENTIAL" in section.footer.paragraphs[0].text
        assert section.header.paragraphs[0].style.name == "Classification banner"
    cover = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert cover["Highest classification in this document"] == "CONFIDENTIAL"
    marked = [p for p in doc.paragraphs if p.style.name == "Confidential passage"]
    assert all(p.text.lstrip("- ").startswith("[CONFIDENTIAL]") for p in marked)
    a1 = items("strategic-objectives.yaml", "strategic_objectives")["SO1"]["actions"][0]
    rows = [folded(" ".join(c.text for c in r.cells)) for t in doc.tables for r in t.rows]
    a1_rows = [r for r in rows if folded(a1["text"])[:60] in r]
    assert len(a1_rows) == 1 and a1_rows[0].startswith("[CONFIDENTIAL] A1 ")


def test_public_documents_are_marked_public(out: Path) -> None:
    doc = Document(str(out / "public/hrp-protection-section.docx"))
    assert "PUBLIC" in doc.sections[0].header.paragraphs[0].text


def test_no_internal_or_confidential_text_in_public_documents(out: Path) -> None:
    analysis = content_yaml("analysis.yaml")
    threats = {t["id"]: t for t in analysis["threats"]}
    secrets = [
        folded(threats["T6"]["text"])[:80],  # internal threat
        threats["T3"]["actors"][0]["name"],  # actor: confidential at least
        folded(
            items("strategic-objectives.yaml", "strategic_objectives")["SO1"]["actions"][0]["text"]
        )[:80],
        "Norvanian Commission for Human Rights",  # internal partner
        "Tarvan Valley Paralegal Network",  # confidential partner
    ]
    for rel in ("public/hno-protection-analysis", "public/hrp-protection-section"):
        texts = [all_text(out / f"{rel}.docx"), folded((out / f"{rel}.md").read_text())]
        for secret in secrets:
            for text in texts:
                assert secret not in text, (rel, secret)


def test_public_risk_does_not_name_internal_capacity(out: Path) -> None:
    """R1 is public and references C4, which is internal: the public text drops C4."""
    text = all_text(out / "public/hno-protection-analysis.docx")
    c4 = next(c for c in content_yaml("analysis.yaml")["capacities"] if c["id"] == "C4")
    assert folded(c4["text"])[:50] not in text
    assert "C4" not in text.split()


def test_strictly_confidential_appears_nowhere(out: Path) -> None:
    s6 = next(s for s in content_yaml("analysis.yaml")["sources"] if s["id"] == "S6")
    for path in out.rglob("*"):
        if path.suffix == ".docx":
            assert s6["name"] not in all_text(path)
        elif path.suffix == ".md":
            assert s6["name"] not in folded(path.read_text())


def test_document_properties_are_deliberate(out: Path) -> None:
    for path in out.rglob("*.docx"):
        props = Document(str(path)).core_properties
        assert props.author == "Humanitarian Country Team, Norvania"
        assert props.last_modified_by == props.author
        assert props.comments == "" and props.keywords == ""
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        assert "docProps/custom.xml" not in names
        assert "word/comments.xml" not in names


def test_cli_build_prints_each_output(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["build", "--content", str(EXAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("wrote ")]
    assert len(lines) >= 6
    for line in lines:
        assert Path(line.removeprefix("wrote ")).is_file()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_failed_build_keeps_previous_build_and_content(content: Path, example_out: Path) -> None:
    out = example_out  # the last good build
    before_build = _hashes(out)
    replace_in(content / "analysis.yaml", "    trend: stable", "    trend: stabel")
    before_content = _hashes(content)
    with pytest.raises(ValidationFailed):
        build(content, out)
    assert _hashes(out) == before_build
    assert _hashes(content) == before_content


def test_build_starts_from_an_empty_folder(content: Path, example_out: Path) -> None:
    out = example_out  # the last build
    stale = out / OP / "public" / "old-draft.docx"
    stale.write_bytes(b"left over from an earlier build")
    build(content, out)
    assert not stale.exists()


def test_module_entry_point_help() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "generator", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("validate", "build", "check-leaks"):
        assert command in result.stdout


def test_content_is_never_template_code(content: Path, example_out: Path) -> None:
    replace_in(
        content / "analysis.yaml",
        "Contamination by landmines",
        "{{ 7 * 7 }} {% raw %} Contamination by landmines",
    )
    result = build(content, example_out)
    md = (result.op_dir / "public/hno-protection-analysis.md").read_text()
    assert "{{ 7 * 7 }}" in md.replace("\\{", "{").replace("\\}", "}")
    assert "49 " not in md
    assert "{{ 7 * 7 }}" in all_text(result.op_dir / "public/hno-protection-analysis.docx")


def test_outputs_are_readable_by_the_team(out: Path) -> None:
    """Files go to a layout team and into bundles: not private to the person who built them."""
    for path in out.rglob("*.docx"):
        assert path.stat().st_mode & 0o044 == 0o044, path


def test_unexpected_failure_is_one_line_unless_verbose(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.build

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(generator.build, "build", broken)
    result = runner.invoke(main, ["build", "--content", str(EXAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Error: unexpected failure (RuntimeError: disk on fire)" in result.output
    assert "Traceback" not in result.output
    verbose = runner.invoke(
        main, ["--verbose", "build", "--content", str(EXAMPLE), "--out", str(tmp_path)]
    )
    assert isinstance(verbose.exception, RuntimeError)


def test_the_plan_lists_every_output_the_build_wrote(out: Path) -> None:
    """The output plan is the list of outputs: nothing is written that it does not name, and
    every file it names is there."""
    outputs = plan(["en"], ["en"])
    files = [
        PurePosixPath(p.relative_to(out).as_posix())
        for p in out.rglob("*")
        if p.is_file() and p.name != MARKER
    ]
    assert [f for f in files if not any(o.holds(f) for o in outputs)] == []
    assert [o.path for o in outputs if not (out / o.path).exists()] == []
    formats = {f.name for f in FORMATS}
    assert {o.format for o in outputs} <= formats


def test_every_registered_writer_exists() -> None:
    for fmt in FORMATS:
        if fmt.writer is not None:
            assert callable(fmt.write_function()), fmt.name
