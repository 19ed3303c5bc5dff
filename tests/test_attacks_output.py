"""Confidentiality under attack (issue 15): each class of attack, tried as an attacker would,
and the outcome a drafter relies on: refused with a clear message, or nothing of it in any
public file, every part of every container opened."""

from __future__ import annotations

import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from docx import Document as WordDocument

from generator.build import BuildResult, build
from generator.cli import main
from generator.errors import LeakFound
from generator.layout import MARKER, QUARANTINE_SUFFIX
from generator.leaks import CannotRead, Finding, ForeignImage, LeakChecker
from generator.publish import NotOurs, Transaction
from generator.validate import load_and_validate
from tests.conftest import EXAMPLE, copy_of_build, replace_in

OP = "norvania-2027"


# -- output side (leak check, transaction) ---------------------------------------------------------
def _threat_text(ident: str) -> str:
    analysis = yaml.safe_load((EXAMPLE / "analysis.yaml").read_text(encoding="utf-8"))
    return " ".join(next(t for t in analysis["threats"] if t["id"] == ident)["text"].split())


T6_TEXT = _threat_text("T6")  # an internal threat's text


@pytest.fixture(scope="module")
def checker() -> LeakChecker:
    return LeakChecker(load_and_validate(EXAMPLE))


@pytest.fixture(scope="module")
def pristine(example_build: BuildResult) -> Path:
    """The example's build (shared, read only), copied by each test that plants something in it."""
    return example_build.op_dir


@pytest.fixture
def built(pristine: Path, tmp_path: Path) -> Path:
    target = tmp_path / "out" / OP
    shutil.copytree(pristine, target)
    return target


def _docx_saying(text: str) -> bytes:
    doc = WordDocument()
    doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _add_part(container: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(container, "a") as archive:
        archive.writestr(name, data)


def test_internal_sentence_in_a_docx_inside_a_public_docx_is_found(
    checker: LeakChecker, built: Path
) -> None:
    outer = built / "public" / "hrp-protection-section.docx"
    _add_part(outer, "word/embeddings/Microsoft_Word_Document.docx", _docx_saying(T6_TEXT))
    findings = checker.check(built)
    assert [(f.secret.item, f.output) for f in findings if isinstance(f, Finding)] == [
        ("T6", outer)
    ]
    assert "hrp-protection-section.docx: text of T6 (text, internal" in "\n".join(
        map(str, findings)
    )


def test_a_zip_inside_a_zip_is_opened(checker: LeakChecker, built: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("notes/threat.md", T6_TEXT)
    bundle = built / "public" / "annexes.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
    findings = checker.check(built)
    assert [(f.secret.item, f.output) for f in findings] == [("T6", bundle)]


def test_an_unknown_binary_in_public_is_a_finding(checker: LeakChecker, built: Path) -> None:
    blob = built / "public" / "annexes" / "figures.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    findings = checker.check(built)
    assert [(type(f), f.output) for f in findings] == [(CannotRead, blob)]
    assert "the leak check cannot read this (a format the leak check does not know)" in str(
        findings[0]
    )


def test_an_unreadable_part_of_a_word_file_is_named(checker: LeakChecker, built: Path) -> None:
    outer = built / "public" / "hno-protection-analysis.docx"
    _add_part(outer, "word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0" + bytes(100))
    findings = checker.check(built)
    assert [(type(f), f.output) for f in findings] == [(CannotRead, outer)]
    assert "(part word/embeddings/oleObject1.bin)" in str(findings[0])


def test_a_pdf_with_internal_text_in_public_is_found(
    checker: LeakChecker, built: Path, tmp_path: Path
) -> None:
    import typst

    source = tmp_path / "leak.typ"
    source.write_text(f"#set page(width: 30cm)\n{T6_TEXT}\n", encoding="utf-8")
    pdf = built / "public" / "summary.pdf"
    pdf.write_bytes(typst.compile(str(source)))
    findings = checker.check(built)
    assert [(f.secret.item, f.output) for f in findings if isinstance(f, Finding)] == [("T6", pdf)]


def test_a_png_text_chunk_is_read(checker: LeakChecker, built: Path) -> None:
    import struct
    import zlib

    chart = built / "public" / "charts" / "people-in-need.png"
    data = chart.read_bytes()
    body = b"Comment\0" + T6_TEXT.encode("latin-1", "replace")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body))
    end = data.rindex(b"IEND") - 4
    chart.write_bytes(data[:end] + chunk + data[end:])
    findings = checker.check(built)
    texts = [(f.secret.item, f.output) for f in findings if isinstance(f, Finding)]
    assert texts == [("T6", chart)]


def test_an_image_the_build_did_not_draw_in_a_public_word_file(
    checker: LeakChecker, built: Path
) -> None:
    """What pandoc's image syntax did with any readable file: only the build's charts pass."""
    hno = built / "public" / "hno-protection-analysis.docx"
    internal_only = (built / "internal" / "annexes" / "charts" / "I7.png").read_bytes()
    _add_part(hno, "word/media/image9.png", internal_only)  # a chart, but an internal one
    findings = checker.check(built)
    assert [(type(f), f.output) for f in findings] == [(ForeignImage, hno)]
    assert "(part word/media/image9.png): an image this build did not draw" in str(findings[0])


def test_a_non_public_number_is_found_however_it_is_written(content: Path, tmp_path: Path) -> None:
    """R6 is internal: the number of people it puts at risk, alone, is a leak."""
    replace_in(content / "analysis.yaml", "people_at_risk: 97000", "people_at_risk: 97531")
    checker = LeakChecker(load_and_validate(content))
    notes = tmp_path / OP / "public" / "notes.md"
    notes.parent.mkdir(parents=True)
    for written in ("97,531", "97 531", "97\u202f531", "97.531", "٩٧٥٣١"):
        notes.write_text(f"About {written} people are affected.\n", encoding="utf-8")
        findings = checker.check(tmp_path / OP)
        assert [(f.secret.item, f.number, f.output) for f in findings] == [
            ("R6", "97,531", notes)
        ], written
        assert "the number 97,531 of R6 (people_at_risk, internal, analysis.yaml:" in str(
            findings[0]
        )
    notes.write_text("About 97,000 people are affected (a public figure).\n", encoding="utf-8")
    assert checker.check(tmp_path / OP) == []


def test_a_link_in_an_output_folder_is_a_finding(checker: LeakChecker, built: Path) -> None:
    link = built / "public" / "plan.docx"
    link.symlink_to(built / "internal" / "hct-protection-action-plan.docx")
    findings = checker.check(built)
    assert [(type(f), f.output) for f in findings] == [(CannotRead, link)]


def test_check_leaks_fails_closed_on_a_hand_added_file(runner: CliRunner, built: Path) -> None:
    (built / "site" / "extra.webp").write_bytes(b"RIFF\0\0\0\0WEBPVP8 ")
    args = ["check-leaks", "--content", str(EXAMPLE), "--out", str(built.parent)]
    result = runner.invoke(main, args)
    assert result.exit_code == 3, result.output
    assert "extra.webp: the leak check cannot read this" in result.output
    assert not (built / "site").exists(), "the public folders are quarantined"


@pytest.mark.parametrize("where", ["content", "data", "translations"])
def test_out_in_the_content_folder_is_refused(runner: CliRunner, content: Path, where: str) -> None:
    """--out may not be the content folder, nor anything the loader reads as content; an
    output folder of its own inside it (an operation repository's build/) is fine."""
    out = content if where == "content" else content / where / "out"
    before = sorted(p.relative_to(content) for p in content.rglob("*"))
    result = runner.invoke(main, ["build", "--content", str(content), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"--out {out}: inside the content of" in result.output
    assert sorted(p.relative_to(content) for p in content.rglob("*")) == before


def test_content_inside_the_build_folder_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    """--out/<operation id> is the content folder itself: replacing it would delete the content
    (and its .git)."""
    content = tmp_path / OP
    shutil.copytree(EXAMPLE, content)
    (content / ".git").mkdir()
    (content / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    result = runner.invoke(main, ["build", "--content", str(content), "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "the content folder" in result.output and "Choose another --out" in result.output
    assert (content / ".git" / "HEAD").is_file()
    assert (content / "analysis.yaml").is_file()


def test_a_folder_the_build_did_not_make_is_never_replaced(
    runner: CliRunner, tmp_path: Path
) -> None:
    """build/releases/ or a drafter's own folder under the operation's name stays as it is."""
    out = tmp_path / "releases"
    theirs = out / OP
    theirs.mkdir(parents=True)
    (theirs / f"{OP}-2027.1-public.zip").write_bytes(b"a release bundle")
    result = runner.invoke(main, ["build", "--content", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{theirs}: exists and was not made by `protdocs build` (it has no {MARKER}" in (
        result.output
    )
    assert (theirs / f"{OP}-2027.1-public.zip").read_bytes() == b"a release bundle"
    assert sorted(p.name for p in out.iterdir()) == [OP]
    with pytest.raises(NotOurs):
        build(EXAMPLE, out)


def _two_languages(content: Path) -> Path:
    replace_in(content / "operation.yaml", "languages: [en]", "languages: [en, fr]")
    return content


@pytest.fixture(scope="module")
def two_languages_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The example in English and French, built once; each test builds again over a copy."""
    content = tmp_path_factory.mktemp("en-fr") / "content"
    shutil.copytree(EXAMPLE, content)
    return build(_two_languages(content), content.parent / "out")


def test_stale_figures_of_another_language_do_not_survive_a_lang_build(
    content: Path, tmp_path: Path, two_languages_build: BuildResult
) -> None:
    """The people-in-need table becomes internal; `build --lang fr` rebuilds English too."""
    _two_languages(content)
    out = tmp_path / "out"
    hno = out / OP / "public" / "hno-protection-analysis.md"
    copy_of_build(two_languages_build, out)  # a build of the same content
    assert "830,000" in hno.read_text(encoding="utf-8")  # a figure of the public table
    replace_in(
        content / "data" / "people-in-need.meta.yaml",
        "classification: public",
        "classification: internal",
    )
    result = build(content, out, lang="fr")
    assert hno in result.written, "the English documents were made again"
    for path in (out / OP / "public").rglob("*.md"):
        assert "830,000" not in path.read_text(encoding="utf-8"), path
    assert LeakChecker(load_and_validate(content)).check(out / OP) == []


def test_a_lang_build_keeps_other_languages_when_only_its_text_changed(
    content: Path, tmp_path: Path, two_languages_build: BuildResult
) -> None:
    _two_languages(content)
    out = tmp_path / "out"
    copy_of_build(two_languages_build, out)  # a build of the same content
    english = out / OP / "public" / "hrp-protection-section.docx"
    before = english.stat().st_mtime_ns
    result = build(content, out, lang="fr")
    assert english.stat().st_mtime_ns == before
    assert english not in result.written


def test_a_reclassification_behind_a_linked_data_folder_is_seen(
    runner: CliRunner, content: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "shared-data"
    shutil.move(content / "data", elsewhere)
    (content / "data").symlink_to(elsewhere, target_is_directory=True)
    out = tmp_path / "out"
    args = ["build", "--content", str(content), "--out", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    replace_in(
        elsewhere / "people-in-need.meta.yaml", "classification: public", "classification: internal"
    )
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "is up to date" not in result.output
    hno = out / OP / "public" / "hno-protection-analysis.md"
    assert "520,000" not in hno.read_text(encoding="utf-8")


def test_sigterm_mid_build_leaves_no_staging_folder(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator", "build", "--content", str(content)]
    process = subprocess.Popen(
        [*command, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(".staging-*/public/*.md")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(out.glob(".staging-*")), "the build started writing"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) != 0
    assert process.stderr is not None
    process.stderr.close()
    assert not list(out.glob(".staging-*"))
    assert not (out / OP).exists(), "nothing half-made was published"


def test_the_next_build_removes_a_killed_builds_staging(
    checker: LeakChecker, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    left = out / f".staging-{OP}-999999999"  # no such process
    (left / "public").mkdir(parents=True)
    (left / MARKER).write_text("{}", encoding="utf-8")
    (left / "public" / "unchecked.md").write_text(T6_TEXT, encoding="utf-8")
    theirs = out / f".staging-{OP}-999999998"  # not made by a build: left alone
    theirs.mkdir()
    with Transaction(out / OP, checker).staged() as transaction:
        assert not left.exists()
        assert (transaction.staging / MARKER).is_file()
    assert theirs.is_dir()
    assert not transaction.staging.exists()


def test_the_output_cache_is_private(pristine: Path) -> None:
    cache = pristine.parent / ".cache"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    records = list(cache.iterdir())
    assert records
    for record in records:
        assert stat.S_IMODE(record.stat().st_mode) == 0o600, record


def test_a_leak_refuses_the_build_and_keeps_it_beside(checker: LeakChecker, tmp_path: Path) -> None:
    """A rejected build goes beside the last good one, its public folder renamed; a folder
    there not made by a build is not overwritten."""
    out = tmp_path / "out"
    theirs = out / f".rejected-{OP}"
    theirs.mkdir(parents=True)
    (theirs / "keep.txt").write_text("mine", encoding="utf-8")
    with (
        pytest.raises(LeakFound) as caught,
        Transaction(out / OP, checker).staged() as transaction,
    ):
        (transaction.staging / "public").mkdir()
        (transaction.staging / "public" / "notes.md").write_text(T6_TEXT, encoding="utf-8")
        transaction.check(set())
    rejected = out / f".rejected-{OP}-{os.getpid()}"
    assert f"kept for inspection in {rejected}" in caught.value.message
    assert f"{OP}/public/notes.md: text of T6" in caught.value.message
    assert (rejected / f"public{QUARANTINE_SUFFIX}" / "notes.md").is_file()
    assert (theirs / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert not (out / OP).exists()


def test_every_format_the_build_writes_is_registered(pristine: Path) -> None:
    from generator.formats import extract

    for path in sorted(p for p in pristine.rglob("*") if p.is_file()):
        found = extract(path.name, path.read_bytes())
        assert found.unreadable == [], path


def test_text_in_attributes_a_reader_is_shown_is_read(checker: LeakChecker, built: Path) -> None:
    """An image description, a link title or a Word bookmark's name is text like any other."""
    page = built / "site" / "hrp-protection-section.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("<body", f'<body title="{T6_TEXT}"', 1), encoding="utf-8")
    findings = checker.check(built)
    assert [(f.secret.item, f.output) for f in findings] == [("T6", page)]
