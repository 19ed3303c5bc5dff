"""The confidentiality guarantee: a leak is found wherever it hides, and the build refuses it."""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from pathlib import Path

import pypandoc
import pytest
import yaml
from click.testing import CliRunner
from docx import Document as WordDocument

from generator.audience import Audience
from generator.build import QUARANTINE_SUFFIX, BuildResult, build
from generator.cache import STORE_VARIABLE
from generator.cli import main
from generator.documents import Document
from generator.errors import LeakFound
from generator.leaks import Finding, ForeignImage, LeakChecker, tokens
from generator.validate import load_and_validate
from tests.conftest import EXAMPLE, FIXTURES, copy_of_build

OP = "norvania-2027"


def threat(ident: str) -> dict:
    analysis = yaml.safe_load((EXAMPLE / "analysis.yaml").read_text(encoding="utf-8"))
    return next(t for t in analysis["threats"] if t["id"] == ident)


T6_TEXT = " ".join(threat("T6")["text"].split())  # internal
ACTOR = threat("T3")["actors"][0]["name"]  # confidential at least


@pytest.fixture(scope="module")
def checker() -> LeakChecker:
    return LeakChecker(load_and_validate(EXAMPLE))


@pytest.fixture
def built(example_build: BuildResult, tmp_path: Path) -> Path:
    """A copy of the example's build, for a test that plants something in it."""
    return copy_of_build(example_build, tmp_path / "out")


def leaky(audience: Audience) -> tuple[Document, ...]:
    return (Document("hno-protection-analysis", "leaky.md.j2", audience, "public", "Leaky"),)


@pytest.mark.parametrize("audience", [Audience.INTERNAL, Audience.CONFIDENTIAL])
def test_wrong_template_fails_the_build(tmp_path: Path, audience: Audience) -> None:
    out = tmp_path / "out"
    with pytest.raises(LeakFound) as caught:
        build(EXAMPLE, out, documents=leaky(audience), template_dir=FIXTURES / "leaky-templates")
    message = caught.value.message
    assert "T6 (text, internal, analysis.yaml:" in message
    assert f"{OP}/public/hno-protection-analysis.md" in message
    assert f"{OP}/public/hno-protection-analysis.docx" in message
    if audience is Audience.CONFIDENTIAL:
        assert "actor in T3 (name, confidential" in message
        assert "A1 (text, confidential" in message
    assert not (out / OP).exists(), "a leaked build must never be swapped in"
    rejected = out / f".rejected-{OP}"
    assert (rejected / f"public{QUARANTINE_SUFFIX}").is_dir()
    assert not (rejected / "public").exists()


def test_a_leak_only_in_the_site_is_caught(tmp_path: Path, monkeypatch) -> None:
    """The site is checked as soon as MkDocs has written it; a leak there still stops the build."""
    import generator.site

    original = generator.site.site_markdown
    monkeypatch.setattr(generator.site, "site_markdown", lambda md: original(md) + T6_TEXT)
    with pytest.raises(LeakFound) as caught:
        build(EXAMPLE, tmp_path / "out")
    message = caught.value.message
    assert f"{OP}/site/hno-protection-analysis.html: text of T6 (text, internal" in message
    assert f"{OP}/site/search/search_index.json: text of T6" in message
    assert f"{OP}/public/" not in message, "the Word and Markdown files did not leak"
    assert not (tmp_path / "out" / OP).exists()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A private store filled by one build of the example: (the store, that build's folder).
    Each test tampers with a copy of it."""
    root = tmp_path_factory.mktemp("private-store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STORE_VARIABLE, str(root / "store"))
        first = build(EXAMPLE, root / "first").op_dir
    return root / "store", first


def store_copy(stored: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the private store (real files: the tampering must not reach the original),
    set as the store of this test's builds."""
    store = shutil.copytree(stored[0], tmp_path / "store")
    monkeypatch.setenv(STORE_VARIABLE, str(store))
    return store


def test_a_tampered_output_store_is_caught_by_the_leak_check(
    stored: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output taken from the shared store is read by the leak check like one this build
    made: a store whose public HNO was swapped for the internal analysis stops the build."""
    store, first = store_copy(stored, tmp_path, monkeypatch), stored[1]
    hno = (first / "public/hno-protection-analysis.docx").read_bytes()
    (kept,) = [p for p in store.iterdir() if p.is_file() and p.read_bytes() == hno]
    kept.write_bytes((first / "internal/hct-protection-analysis.docx").read_bytes())
    with pytest.raises(LeakFound) as caught:
        build(EXAMPLE, tmp_path / "second")
    assert f"{OP}/public/hno-protection-analysis.docx: text of" in caught.value.message
    assert not (tmp_path / "second" / OP).exists()


def test_a_tampered_site_in_the_output_store_is_caught_by_the_leak_check(
    stored: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for a site the store holds whole: an internal threat written into its stored
    HNO page stops the next build that takes the site from the store."""
    store = store_copy(stored, tmp_path, monkeypatch)
    (page,) = store.glob("tree-*/hno-protection-analysis.html")
    page.write_text(page.read_text(encoding="utf-8") + f"<p>{T6_TEXT}</p>", encoding="utf-8")
    with pytest.raises(LeakFound) as caught:
        build(EXAMPLE, tmp_path / "second")
    assert f"{OP}/site/hno-protection-analysis.html: text of T6" in caught.value.message
    assert not (tmp_path / "second" / OP).exists()


def _search(checker: LeakChecker) -> list[str]:
    """What a check searches for, by audience: a digest of its phrases and numbers."""
    return [checker.phrases_key(audience) for audience in Audience]


def test_words_kept_between_builds_search_for_what_a_fresh_check_does(tmp_path: Path) -> None:
    """Each record's words are kept between builds, so that an edit works out only those of
    the records it changed; after an internal text is edited and a public one is made
    internal, the check searches for exactly what one that kept nothing does."""
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    kept = tmp_path / "out" / ".cache" / "words"
    first = LeakChecker(load_and_validate(content), kept=kept)
    first.prepare()
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    analysis = content / "analysis.yaml"
    text = analysis.read_text(encoding="utf-8")
    text = text.replace("and some of those taken remain unaccounted for", "and none came back")
    d2 = "  - id: D2\n    classification: "
    text = text.replace(f"{d2}public", f"{d2}internal")  # its words as they were
    analysis.write_text(text, encoding="utf-8")
    second = LeakChecker(load_and_validate(content), kept=kept)
    fresh = LeakChecker(load_and_validate(content))
    assert _search(second) == _search(fresh)
    assert _search(second) != _search(first), "the edits change what is searched for"
    assert second.words_reused() == len(second._words) - 2, "T6's and D2's words alone again"


@pytest.mark.parametrize("damage", [b"", b"protdocs-memo 1\n\x00\xff", b"not a memo at all"])
def test_damaged_kept_words_are_ignored(tmp_path: Path, damage: bytes) -> None:
    kept = tmp_path / "words"
    kept.write_bytes(damage)
    checker = LeakChecker(load_and_validate(EXAMPLE), kept=kept)
    assert _search(checker) == _search(LeakChecker(load_and_validate(EXAMPLE)))
    assert checker.words_reused() == 0


def test_wrong_template_keeps_previous_good_build(example_out: Path) -> None:
    out = example_out
    good = out / OP / "public/hrp-protection-section.docx"
    before = good.read_bytes()
    with pytest.raises(LeakFound):
        build(
            EXAMPLE,
            out,
            documents=leaky(Audience.INTERNAL),
            template_dir=FIXTURES / "leaky-templates",
        )
    assert good.read_bytes() == before


def _docx_with(path: Path, place: str, secret: str) -> None:
    """A Word file hiding ``secret`` in one place a reader might not look."""
    if place == "footnote":
        pypandoc.convert_text(
            f"Ordinary text.[^1]\n\n[^1]: {secret}\n",
            "docx",
            format="markdown",
            outputfile=str(path),
        )
        return
    doc = WordDocument()
    doc.add_paragraph("Ordinary public text.")
    if place == "split-runs":
        words = secret.split()
        paragraph = doc.add_paragraph()
        for i, word in enumerate(words):
            run = paragraph.add_run(word + (" " if i < len(words) - 1 else ""))
            run.bold = i % 2 == 0
    elif place == "header":
        doc.sections[0].header.paragraphs[0].text = secret
    elif place == "table-cell":
        table = doc.add_table(rows=2, cols=2)
        table.cell(1, 1).text = secret
    elif place == "properties":
        doc.core_properties.subject = secret
    doc.save(str(path))


@pytest.mark.parametrize("place", ["split-runs", "header", "table-cell", "footnote", "properties"])
def test_finds_text_wherever_word_puts_it(checker: LeakChecker, built: Path, place: str) -> None:
    target = built / "public" / f"edited-{place}.docx"
    _docx_with(target, place, T6_TEXT)
    findings = checker.check(built)
    texts = [(f.secret.item, f.secret.field, f.output) for f in findings if isinstance(f, Finding)]
    assert texts == [("T6", "text", target)]
    # python-docx's own template carries a thumbnail picture: an image this build did not draw.
    others = {(type(f), f.output) for f in findings if not isinstance(f, Finding)}
    assert others <= {(ForeignImage, target)}


def test_finds_a_copied_clause_not_just_whole_text(checker: LeakChecker, built: Path) -> None:
    clause = " ".join(T6_TEXT.split()[8:16])
    (built / "public" / "notes.md").write_text(f"Some public text. {clause}.\n", encoding="utf-8")
    assert [f.secret.item for f in checker.check(built)] == ["T6"]


def test_a_file_read_before_is_read_again_once_it_changes(
    checker: LeakChecker, built: Path
) -> None:
    """A process keeps what it read of each file by its bytes (``read_output``): a public
    file read clean, then given an internal clause under the same name, is found; read
    again once put back, it is clean again. A kept reading never stands for other bytes."""
    hno = built / "public" / "hno-protection-analysis.md"
    original = hno.read_bytes()
    clause = " ".join(T6_TEXT.split()[8:16])
    assert checker.check(built) == []
    hno.write_bytes(original + f"\n{clause}.\n".encode())
    found = checker.check(built)
    assert [(f.secret.item, f.output) for f in found if isinstance(f, Finding)] == [("T6", hno)]
    hno.write_bytes(original)
    assert checker.check(built) == []


def test_invisible_characters_inside_words_hide_no_clause(
    checker: LeakChecker, built: Path
) -> None:
    """A zero-width space, a soft hyphen, a joiner or a bidi isolate inside a word is not seen
    by a reader ("smug\u200bgling" reads "smuggling"), so it splits no word of the check."""
    words = T6_TEXT.split()[8:16]
    hidden = ["\u200b", "\u00ad", "\u2060", "\u2066", "\u200d", "\ufeff", "\u2069", "\u061c"]
    clause = " ".join(w[:2] + mark + w[2:] for w, mark in zip(words, hidden, strict=True))
    (built / "public" / "notes.md").write_text(f"Some public text. {clause}.\n", encoding="utf-8")
    assert [f.secret.item for f in checker.check(built)] == ["T6"]


def test_every_invisible_character_is_dropped_before_words_are_split() -> None:
    """The list of format characters the check drops is Unicode's whole category Cf."""
    from generator.formats import INVISIBLE

    invisible = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert [hex(ord(c)) for c in invisible if not INVISIBLE.fullmatch(c)] == []
    assert tokens("abc\u2069\u0634\u2066def 12\u200b345") == ["abc\u0634def", "12345"]


def test_finds_actor_names_in_a_search_index(checker: LeakChecker, built: Path) -> None:
    index = {"docs": [{"location": "x/", "text": f"<p>{ACTOR}</p>", "title": "x"}]}
    site = built / "site" / "search"
    site.mkdir(parents=True, exist_ok=True)
    (site / "search_index.json").write_text(json.dumps(index), encoding="utf-8")
    findings = checker.check(built)
    assert ("actor in T3", 2) in [(f.secret.item, f.secret.level) for f in findings]
    assert {f.output.name for f in findings} == {"search_index.json"}


def test_internal_text_is_fine_in_the_internal_plan(checker: LeakChecker, built: Path) -> None:
    shutil.copy(built / "public/hrp-protection-section.docx", built / "internal/copy.docx")
    assert checker.check(built) == []


def test_strictly_confidential_is_found_in_internal_outputs(
    checker: LeakChecker, built: Path
) -> None:
    analysis = yaml.safe_load((EXAMPLE / "analysis.yaml").read_text(encoding="utf-8"))
    s6 = next(s for s in analysis["sources"] if s["id"] == "S6")
    (built / "internal" / "annex.md").write_text(s6["name"], encoding="utf-8")
    findings = checker.check(built)
    assert [(f.secret.item, f.secret.level) for f in findings] == [("S6", 3)]


def test_check_leaks_command_quarantines_a_hand_edited_build(
    runner: CliRunner, built: Path
) -> None:
    md = built / "public/hrp-protection-section.md"
    md.write_text(md.read_text(encoding="utf-8") + f"\n{T6_TEXT}\n", encoding="utf-8")
    args = ["check-leaks", "--content", str(EXAMPLE), "--out", str(built.parent)]
    result = runner.invoke(main, args)
    assert result.exit_code == 3, result.output
    assert "text of T6 (text, internal" in result.output
    assert "hrp-protection-section.md" in result.output
    assert not (built / "public").exists()
    assert (built / f"public{QUARANTINE_SUFFIX}").is_dir()


def test_check_leaks_passes_a_clean_build(runner: CliRunner, example_build: BuildResult) -> None:
    args = ["check-leaks", "--content", str(EXAMPLE), "--out", str(example_build.op_dir.parent)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
