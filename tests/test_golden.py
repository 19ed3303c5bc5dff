"""Golden Markdown (Pelican's way): every document of the example, in every audience that
renders it and every language, compared as text with tests/golden/.

A template or filter change shows here as a readable diff of the Markdown, without pandoc or
MkDocs running. After an intended change, rewrite the files with
``pytest tests/test_golden.py --update-golden`` and review ``git diff tests/golden``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from generator.assess import evaluate
from generator.audience import Audience, view
from generator.documents import DOCUMENTS, Document
from generator.layout import SITE_FOLDERS
from generator.model import Content
from generator.render import BuildInfo, render
from generator.validate import load_and_validate
from tests.conftest import EXAMPLE

GOLDEN = Path(__file__).resolve().parent / "golden"
INFO = BuildInfo(dt.date(2027, 3, 31), "golden", dt.datetime(2027, 3, 31, 9, 0, tzinfo=dt.UTC))


def cases() -> Iterator[tuple[Document, Audience, str]]:
    """Each document in its own audience; public documents also as the internal preview shows
    them (the same template over the internal view)."""
    for doc in DOCUMENTS:
        yield doc, doc.audience, f"{doc.folder}/{doc.slug}"
        if doc.audience is Audience.PUBLIC:
            folder = SITE_FOLDERS[Audience.INTERNAL]
            yield (
                replace(doc, audience=Audience.INTERNAL),
                Audience.INTERNAL,
                f"{folder}/{doc.slug}",
            )


@pytest.fixture(scope="module")
def example() -> Content:
    return load_and_validate(EXAMPLE)


@pytest.fixture(scope="module")
def views(example: Content) -> dict[tuple[Audience, str], dict]:
    found = {}
    for lang in example.languages:
        for audience in Audience:
            found[audience, lang] = view(example, audience, lang)
        confidential = found[Audience.CONFIDENTIAL, lang]
        confidential["assessment"] = [r.as_dict() for r in evaluate(confidential)]
    return found


CASES = list(cases())


@pytest.mark.parametrize(("doc", "audience", "name"), CASES, ids=[c[2] for c in CASES])
def test_markdown_matches_the_golden_file(
    request: pytest.FixtureRequest,
    example: Content,
    views: dict[tuple[Audience, str], dict],
    doc: Document,
    audience: Audience,
    name: str,
) -> None:
    for lang in example.languages:
        rendered = render(doc, views[audience, lang], INFO)
        golden = GOLDEN / lang / f"{name}.md"
        if request.config.getoption("--update-golden"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(rendered, encoding="utf-8")
            continue
        assert golden.is_file(), f"{golden} is missing: run pytest --update-golden"
        expected = golden.read_text(encoding="utf-8")
        assert rendered == expected, (
            f"{name} ({lang}) differs from {golden.relative_to(GOLDEN.parent)}; if the change "
            "is intended, run pytest tests/test_golden.py --update-golden and review the diff"
        )


def test_every_golden_file_is_a_case(example: Content) -> None:
    """A golden file of a document that no longer exists is not left behind."""
    expected = {GOLDEN / lang / f"{name}.md" for _, _, name in CASES for lang in example.languages}
    assert set(GOLDEN.rglob("*.md")) == expected
