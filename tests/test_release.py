"""Releases: reproducible builds, verifiable bundles, and notes on what changed since the last."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from generator import release as releasing
from generator import snapshot
from generator.audience import Audience, view
from generator.build import build
from generator.cli import main
from generator.diff import CHANGES_DOCX, RELEASE_NOTES
from generator.documents import DOCUMENTS
from generator.leaks import LeakChecker, pdf_text
from generator.model import walk_records
from generator.release import GitFacts, ReleaseExists, git_facts, release, release_time
from generator.render import current_build, render
from generator.validate import validated
from tests.changes import edit_for_next_round
from tests.conftest import EXAMPLE

OP = "norvania-2027"
EPOCH = "1806224400"  # 2027-03-28T09:00:00Z
FIRST_COMMIT = "2027-03-01T10:00:00+00:00"
COMMITTED = 1803895200  # FIRST_COMMIT in seconds
SECOND_COMMIT = "2027-04-01T10:00:00+00:00"


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def git(repo: Path, *args: str, date: str = FIRST_COMMIT) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    config = ["-c", "user.name=Analyst", "-c", "user.email=a@example.org"]
    config += ["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
    done = subprocess.run(
        ["git", *config, "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return done.stdout.strip()


@pytest.mark.usefixtures("cold")
def test_two_builds_of_the_same_content_are_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One build here, one in another process, place, hash seed and time zone: same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    first = build(EXAMPLE, tmp_path / "first").op_dir
    elsewhere = tmp_path / "clone"
    shutil.copytree(EXAMPLE, elsewhere / "content")
    env = {**os.environ, "PYTHONHASHSEED": "4242", "TZ": "Pacific/Auckland"}
    subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", "content", "--out", "out"],
        cwd=elsewhere,
        env=env,
        check=True,
        capture_output=True,
    )
    second = hashes(elsewhere / "out" / OP)
    assert hashes(first) == second
    kinds = {Path(name).suffix for name in second}
    assert {".docx", ".pdf", ".md", ".html", ".png", ".json"} <= kinds
    assert "site/index.html" in second and "public/hrp-protection-section.docx" in second
    docx = (
        first / "public" / "hrp-protection-section.docx"
    )  # dated at the build time, to the second
    assert Document(str(docx)).core_properties.created.isoformat() == "2027-03-28T09:00:00+00:00"
    with zipfile.ZipFile(docx) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2027, 3, 28, 9, 0, 0)}


# -- a release of the example, from a git repository -------------------------------------------
@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(EXAMPLE, root / "content")
    git(root, "init", "--quiet")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "Content for the first review round")
    return root


@pytest.fixture(scope="module")
def released(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """build/ after `protdocs release --version 2027.2` of the committed content."""
    out = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        release(repo / "content", out, "2027.2")
    yield out


def bundle(out: Path, audience: str, version: str = "2027.2") -> Path:
    return out / "releases" / f"{OP}-{version}-{audience}.zip"


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("MANIFEST.json"))


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_manifest_hashes_match_every_entry(released: Path, repo: Path, audience: str) -> None:
    path = bundle(released, audience)
    manifest = manifest_of(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        entries = {name: archive.read(name) for name in names[1:]}
    assert names[0] == "MANIFEST.json" and names[1:] == sorted(names[1:])
    assert [f["path"] for f in manifest["files"]] == names[1:]
    for listed in manifest["files"]:
        data = entries[listed["path"]]
        assert listed["sha256"] == hashlib.sha256(data).hexdigest()
        assert listed["bytes"] == len(data)
    assert {k: v for k, v in manifest.items() if k != "files"} == {
        "audience": audience,
        "build_time": "2027-03-01T10:00:00Z",
        "build_time_source": "time of the last commit of the content",
        "commit": git(repo, "rev-parse", "HEAD"),
        "dirty": False,
        "operation": OP,
        "tool": "protdocs",
        "tool_version": releasing.tool_version(),
        "version": "2027.2",
        "dependency_lock": hashlib.sha256((EXAMPLE.parent / "uv.lock").read_bytes()).hexdigest(),
    }


def test_public_bundle_holds_only_public_files_and_the_site(released: Path) -> None:
    with zipfile.ZipFile(bundle(released, "public")) as archive:
        names = archive.namelist()
    folders = {name.split("/", 1)[0] for name in names if "/" in name}
    assert folders == {"public", "site"}
    assert set(names) - {n for n in names if "/" in n} == {"MANIFEST.json"}
    assert "site/index.html" in names and "public/hrp-protection-section.docx" in names
    assert "public/hrp-protection-section.pdf" in names


def test_internal_bundle_holds_the_internal_files_the_snapshot_and_notes(released: Path) -> None:
    with zipfile.ZipFile(bundle(released, "internal")) as archive:
        names = archive.namelist()
        notes = archive.read(RELEASE_NOTES).decode("utf-8")
    top = {name for name in names if "/" not in name}
    assert top == {"MANIFEST.json", RELEASE_NOTES, snapshot.SNAPSHOT}
    assert {name.split("/", 1)[0] for name in names if "/" in name} == {"internal"}
    assert notes.startswith(
        f"# {OP} 2027.2\n\nFirst release. Built 2027-03-01T10:00:00Z from commit "
    )


def test_bundles_pass_the_leak_check(released: Path, tmp_path: Path) -> None:
    """Public files as public; internal ones, the snapshot and the notes free of strict secrets."""
    checker = LeakChecker(validated(EXAMPLE))
    for audience in ("public", "internal"):
        with zipfile.ZipFile(bundle(released, audience)) as archive:
            for name in archive.namelist():
                folder = "extras" if "/" not in name else audience
                (tmp_path / folder / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / folder / name).write_bytes(archive.read(name))
    assert checker.check(tmp_path / "public") == []
    assert checker.check(tmp_path / "internal") == []
    for extra in sorted((tmp_path / "extras").iterdir()):
        assert list(checker.check_file(extra, Audience.CONFIDENTIAL)) == [], extra.name


def test_the_version_is_printed_on_every_document(released: Path, tmp_path: Path) -> None:
    for audience in ("public", "internal"):
        with zipfile.ZipFile(bundle(released, audience)) as archive:
            archive.extractall(tmp_path)
    documents = [*tmp_path.glob("*/**/*.docx"), *tmp_path.glob("*/**/*.md")]
    assert len(documents) >= 2 * len(DOCUMENTS)
    for path in documents:
        if path.suffix == ".md":
            assert " | 2027.2 |\n" in path.read_text(encoding="utf-8"), path
        else:
            cover = Document(str(path)).tables[0]  # the facts on the first page
            assert "2027.2" in [row.cells[-1].text for row in cover.rows], path
    assert "2027.2" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    pdfs = list(tmp_path.glob("*/**/*.pdf"))
    assert len(pdfs) == len(DOCUMENTS)
    for path in pdfs:  # a release is not a draft: no DRAFT mark
        text = pdf_text(path)
        assert "2027.2" in text and "DRAFT" not in text, path


def test_snapshot_renders_the_same_documents_without_strict_secrets(released: Path) -> None:
    with zipfile.ZipFile(bundle(released, "internal")) as archive:
        data = archive.read(snapshot.SNAPSHOT)
    kept = snapshot.load(data, Path("bundle.zip"))
    content = validated(EXAMPLE).released_as("2027.2")
    info = current_build("test")
    for doc in DOCUMENTS:
        if doc.slug != "annex-6-benchmark-self-assessment":  # needs the assessment, not content
            expected = render(doc, view(content, doc.audience), info)
            assert render(doc, view(kept, doc.audience), info) == expected, doc.slug
    secret = [r for r in walk_records(list(content.sections.values())) if r["_level"] == 3]
    assert {r.get("id") for r in secret} >= {"V6", "S6"}
    text = data.decode("utf-8")
    for record in secret:
        assert not record.get("id") or f'"{record["id"]}"' not in text
        for value in (record.get("group"), record.get("name")):
            assert not value or " ".join(str(value).split()[:5]) not in text


def test_releasing_a_version_again_is_refused(released: Path, repo: Path) -> None:
    with pytest.raises(ReleaseExists) as caught:
        release(repo / "content", released, "2027.2")
    assert caught.value.format_message() == (
        f"{bundle(released, 'public')} exists: this version was released already. "
        "Choose a new version, or use --force (make release FORCE=1) to replace it."
    )


def test_forced_release_of_the_same_commit_gives_the_same_bundles(
    released: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = hashes(released / "releases")
    release(repo / "content", released, "2027.2", force=True)
    assert hashes(released / "releases") == before


def test_next_release_has_notes_and_tracked_changes(
    released: Path, repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    edit_for_next_round(repo / "content")
    git(repo, "commit", "--quiet", "-am", "Second review round", date=SECOND_COMMIT)
    result = runner.invoke(
        main,
        [
            "release",
            "--content",
            str(repo / "content"),
            "--out",
            str(released),
            "--version",
            "2027.3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "newly public: I7 (indicator, monitoring.yaml, internal → public)" in result.output
    assert "since 2027.2: 1 added, 1 removed, 2 changed, 1 reclassified" in result.output
    with zipfile.ZipFile(bundle(released, "internal", "2027.3")) as archive:
        notes = archive.read(RELEASE_NOTES).decode("utf-8")
        assert CHANGES_DOCX in archive.namelist()
    assert notes.startswith(f"# {OP} 2027.3\n\nChanges since release 2027.2. Built 2027-04-01")
    assert "  - version: 2027.2 → 2027.3" in notes
    where = ["--content", str(repo / "content"), "--releases", str(released / "releases")]
    since = runner.invoke(main, ["diff", "--since", "2027.2", *where])
    assert since.exit_code == 0, since.output
    assert since.output.startswith(f"# Changes from release 2027.2 to {repo / 'content'}\n")


def test_cli_refuses_a_version_that_is_not_one(runner: CliRunner, tmp_path: Path) -> None:
    args = ["release", "--content", str(EXAMPLE), "--out", str(tmp_path), "--version", "2027 2"]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert result.output == (
        "Error: '2027 2' is not a release version: use digits, letters, '.', '-', '_' or '+', "
        "starting and ending with a letter or digit (e.g. 2027.2 or 2027.2-final)\n"
    )


def test_git_facts_outside_a_repository_and_with_uncommitted_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "operation.yaml").write_text("id: x\n", encoding="utf-8")
    assert git_facts(folder) == GitFacts(None, None, None)
    assert "not reproducible" in release_time(GitFacts()).source
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "one")
    facts = git_facts(folder)
    assert facts == GitFacts(git(tmp_path, "rev-parse", "HEAD"), False, COMMITTED)
    (folder / "analysis.yaml").write_text("context: draft\n", encoding="utf-8")
    assert git_facts(folder).dirty is True
