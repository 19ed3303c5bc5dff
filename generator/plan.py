"""The output plan: which outputs a build makes, as data, before anything is written.

A pure function of the operation's languages, the documents and the languages asked for: no
file is read and nothing is drawn. The executor (``run``) makes what the plan lists, in the order
its needs allow; the transaction (``publish``) carries over the planned outputs of languages not
built again, and nothing else; a reader (or a test) sees every output in one list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from .audience import Audience
from .documents import DOCUMENTS, Document
from .layout import charts_folder, hxl_export_path, site_folder


@dataclass(frozen=True)
class Output:
    """One output of a build: a file, or a folder made as a whole (a site, a set of charts)."""

    path: PurePosixPath  # relative to build/OP
    audience: Audience
    lang: str
    format: str  # the name of one of formats.FORMATS
    source: str  # the document's slug, "charts", "site" or "hxl"
    needs: tuple[PurePosixPath, ...] = ()  # the outputs it is made from
    document: Document | None = None
    folder: bool = False

    def holds(self, relative: PurePosixPath) -> bool:
        """Whether a file under build/OP is this output or part of it."""
        return relative == self.path or (self.folder and self.path in relative.parents)


def plan(
    operation_languages: Sequence[str],
    languages: Sequence[str],
    documents: tuple[Document, ...] = DOCUMENTS,
) -> list[Output]:
    """Every output of ``languages``: each document's Markdown, its charts, its Word file and
    its PDF, the HXL tables (first language), and the public preview site of each language."""
    outputs: list[Output] = []
    for lang in languages:
        outputs.extend(_language(operation_languages, lang, documents))
    return outputs


def _language(
    operation_languages: Sequence[str], lang: str, documents: tuple[Document, ...]
) -> Iterator[Output]:
    first = operation_languages[0]
    suffix = "" if lang == first else f".{lang}"
    charts_seen: dict[PurePosixPath, Audience] = {}
    public: list[PurePosixPath] = []
    for doc in documents:
        base = PurePosixPath(doc.folder) / f"{doc.slug}{suffix}"
        markdown = base.with_name(f"{base.name}.md")
        yield Output(markdown, doc.audience, lang, "Markdown", doc.slug, document=doc)
        needs = [markdown]
        if doc.charts:
            charts = PurePosixPath(doc.folder) / charts_folder(lang, operation_languages)
            needs.append(charts)
            if charts not in charts_seen:
                charts_seen[charts] = doc.audience
                yield Output(charts, doc.audience, lang, "chart", "charts", folder=True)
            elif charts_seen[charts] is not doc.audience:  # drawn from one audience's view
                raise ValueError(f"{doc.slug} shares {charts} with another audience's document")
        word = base.with_name(f"{base.name}.docx")
        yield Output(word, doc.audience, lang, "Word", doc.slug, tuple(needs), doc)
        pdf = base.with_name(f"{base.name}.pdf")  # the same Markdown, typeset (writers/pdf.py)
        yield Output(pdf, doc.audience, lang, "PDF", doc.slug, tuple(needs), doc)
        if doc.audience is Audience.PUBLIC:
            public.extend(needs)
    if lang == first:
        for audience in (Audience.PUBLIC, Audience.INTERNAL):
            path = PurePosixPath(hxl_export_path(audience).as_posix())
            yield Output(path, audience, lang, "HXL CSV", "hxl")
    site = PurePosixPath(site_folder(Audience.PUBLIC, lang, operation_languages))
    yield Output(site, Audience.PUBLIC, lang, "site page", "site", tuple(public), folder=True)


def site_plan(
    operation_languages: Sequence[str], languages: Sequence[str], audience: Audience
) -> list[Output]:
    """A preview site alone (``protdocs site``, ``serve``): one folder per language."""
    return [
        Output(
            PurePosixPath(site_folder(audience, lang, operation_languages)),
            audience,
            lang,
            "site page",
            "site",
            folder=True,
        )
        for lang in languages
    ]
