"""The executor: makes the outputs of a plan, each once its needs are made, in parallel.

Per language, the Markdown of every document is rendered first (on this thread), with the HXL
tables; the Word files of documents without charts go to pandoc at once. Then the charts are
drawn (the public ones first, which the site shows too), each Word file with charts goes to
pandoc as soon as its charts are there, and the language's site goes to MkDocs once its public
charts are. Pandoc runs on a few threads, the largest waiting document first (``jobs``); the
sites one after the other (the first language's site holds the others' folders); charts in a
pool of processes (``charts.Drawer``). Outputs whose inputs did not change are taken from the
last build (``cache``), and each output is leak-checked on the thread that made it, as soon as
it is written, so that the final check only has to confirm their bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .anchors import anchored_view, document_marker, strip_anchors, with_marker
from .assess import evaluate
from .audience import Audience, view
from .cache import OutputCache, file_digest, fingerprint, produce
from .charts import Drawer, write_charts
from .docmeta import docx_meta, pdf_meta, tool_version
from .documents import Document
from .errors import BuildFailed
from .jobs import LargestFirst
from .layout import MARKER
from .leaks import LeakChecker
from .mdtext import without_marks
from .model import Content
from .plan import Output
from .render import BuildInfo, current_build, render
from .site import write_site
from .writers import write_text
from .writers.docx import write_docx
from .writers.hxl import indicators_csv
from .writers.pdf import fonts, write_pdf


@dataclass(frozen=True)
class WordJob:
    """One Word file to make: pandoc runs for these in parallel, after all Markdown is written."""

    doc: Document
    markdown: str
    target: Path
    lang: str
    charts: list[Path]


@dataclass
class _Language:
    """What one language has made so far, and what waits for its charts."""

    lang: str
    views: dict[Audience, dict[str, Any]]
    outputs: list[Output]
    # By the Word file it becomes: Word's Markdown (each item's text anchored for `protdocs
    # review`), and the same without anchors, as the .md files and the site have it.
    markdown: dict[Path, str] = field(default_factory=dict)
    plain: dict[Path, str] = field(default_factory=dict)


def language_key(views: Iterable[dict[str, Any]]) -> str:
    """What a language's outputs are made from: its views (every record each audience may see,
    at its level and value). A build of another language keeps this language's outputs only
    while this stays the same."""
    return fingerprint("views", [{k: v for k, v in w.items() if k != "index"} for w in views])


def views_of(content: Content, lang: str) -> dict[Audience, dict[str, Any]]:
    return {audience: view(content, audience, lang) for audience in Audience}


class Executor:
    """Runs one plan into ``staging``; ``keys`` gets each built language's ``language_key``."""

    def __init__(
        self,
        content: Content,
        staging: Path,
        template_dir: Path,
        cache: OutputCache | None,
        checker: LeakChecker | None,
    ) -> None:
        self.content, self.staging, self.template_dir = content, staging, template_dir
        self.cache, self.checker = cache, checker
        self.info: BuildInfo = current_build(tool_version())
        self.keys: dict[str, str] = {}
        self._words: list[Future[None]] = []
        self._sites: list[Future[list[Path]]] = []

    def run(self, outputs: list[Output]) -> list[Path]:
        """Make every output of the plan; returns the files of the documents and the sites'
        pages (not the theme's files)."""
        languages = list(dict.fromkeys(o.lang for o in outputs))
        with (
            LargestFirst(workers=os.cpu_count() or 2, background=True) as self._pandoc,
            ThreadPoolExecutor(max_workers=1) as self._site_queue,  # one after the other
            Drawer() as self._drawer,
        ):
            started = [
                self._texts(lang, [o for o in outputs if o.lang == lang]) for lang in languages
            ]
            if self.checker:
                self.checker.start_preparing()
            for language in started:
                self._charts_and_sites(language)
            for word in self._words:
                word.result()
            pages = [page for site in self._sites for page in site.result()]
        sites = {self.staging / o.path for o in outputs if o.source == "site"}
        files = (
            p
            for p in self.staging.rglob("*")
            if p.is_file() and p.name != MARKER and not sites & set(p.parents)
        )
        return sorted([*files, *pages])

    def _texts(self, lang: str, outputs: list[Output]) -> _Language:
        """The language's Markdown and HXL tables now, and the Word files without charts."""
        language = _Language(lang, views_of(self.content, lang), outputs)
        self.keys[lang] = language_key(language.views.values())
        confidential = language.views[Audience.CONFIDENTIAL]
        confidential["assessment"] = [r.as_dict() for r in evaluate(confidential)]  # annex 6
        anchored = {audience: anchored_view(self.content, audience, lang) for audience in Audience}
        anchored[Audience.CONFIDENTIAL][0]["assessment"] = confidential["assessment"]
        for out in outputs:
            if out.format == "Markdown" and out.document:
                tree, anchors = anchored[out.audience]
                word = render(out.document, tree, self.info, self.template_dir)
                marker = document_marker(self.content, out.document, lang, anchors, word)
                word = with_marker(word, marker)
                text = strip_anchors(word)
                self._write_text(out.path, without_marks(text))  # language marks: Word's only
                docx = self.staging / out.path.with_suffix(".docx")
                language.markdown[docx], language.plain[docx] = word, text
            elif out.format == "HXL CSV":
                indicators = language.views[out.audience]["monitoring"]["indicators"]
                self._write_text(out.path, indicators_csv(indicators))
        for out in outputs:
            if out.format == "Word" and out.document and not out.document.charts:
                self._start_word(language, out, [])
        return language

    def _charts_and_sites(self, language: _Language) -> None:
        """Charts before pandoc, which embeds them: the public ones first, for the site too;
        the other audiences' then reuse the charts they share with them."""
        words = [o for o in language.outputs if o.format == "Word" and o.document]
        with_charts = sorted(
            (o for o in words if o.document and o.document.charts), key=lambda o: o.audience.value
        )
        site = next((o for o in language.outputs if o.source == "site"), None)
        for out in with_charts:
            if site and out.audience is not Audience.PUBLIC:
                self._start_site(language, site)
                site = None
            self._start_word(language, out, self._draw(language, out))
        if site:
            self._start_site(language, site)

    def _draw(self, language: _Language, out: Output) -> list[Path]:
        assert out.document is not None
        folder = (self.staging / out.path).parent
        view_ = language.views[out.audience]
        charts = write_charts(out.document.charts, view_, folder, self.cache, self._drawer)
        if self.checker:
            self.checker.add_images(charts, self.staging)
        return charts

    def _start_word(self, language: _Language, out: Output, charts: list[Path]) -> None:
        assert out.document is not None
        target = self.staging / out.path
        markdown = language.markdown[target]
        check_images(markdown, target.with_suffix(".md"), target.parent)
        job = WordJob(out.document, markdown, target, language.lang, charts)
        self._words.append(self._pandoc.submit(len(markdown), self._word, job))
        # The PDF beside it, from the text as readers see it (no review anchors, no language
        # marks: a PDF's language is its document's).
        plain = without_marks(language.plain[target])
        pdf = WordJob(out.document, plain, target.with_suffix(".pdf"), language.lang, charts)
        self._words.append(self._pandoc.submit(len(plain), self._pdf, pdf))

    def _word(self, job: WordJob) -> None:
        meta = docx_meta(self.content, self.info, job.doc, job.lang)

        def key() -> str:
            charts = [file_digest(p) for p in job.charts]
            properties = {**asdict(meta), "timestamp": _time_key(self.info)}
            return fingerprint("docx", job.markdown, properties, charts)

        produce(self.cache, job.target, key, lambda t: write_docx(job.markdown, t, meta, t.parent))
        self._check_made([job.target, job.target.with_suffix(".md")])

    def _pdf(self, job: WordJob) -> None:
        meta = pdf_meta(self.content, self.info, job.doc, job.lang)

        def key() -> str:
            charts = [file_digest(p) for p in job.charts]
            document = {**asdict(meta.document), "timestamp": _time_key(self.info)}
            properties = {**asdict(meta), "document": document, "fonts": asdict(fonts())}
            return fingerprint("pdf", job.markdown, properties, charts)

        produce(self.cache, job.target, key, lambda t: write_pdf(job.markdown, t, meta, t.parent))
        self._check_made([job.target])

    def _start_site(self, language: _Language, site: Output) -> None:
        public = language.views[Audience.PUBLIC]
        rendered = {
            o.document.slug: language.plain[self.staging / o.path.with_suffix(".docx")]
            for o in language.outputs
            if o.format == "Markdown" and o.document and o.audience is Audience.PUBLIC
        }
        folders = [self.staging / p for p in site.needs if p.suffix not in (".md", ".docx")]
        write = partial(
            write_site,
            public,
            Audience.PUBLIC,
            self.staging / site.path,
            self.info,
            documents=tuple(
                o.document for o in language.outputs if o.format == "Markdown" and o.document
            ),
            rendered=rendered,
            charts=folders,  # drawn from the same view as the site
            template_dir=self.template_dir,
            cache=self.cache,
        )
        self._sites.append(self._site_queue.submit(self._site_and_check, write))

    def _site_and_check(self, write: Callable[[], list[Path]]) -> list[Path]:
        pages = write()
        self._check_made(site_files(pages, self.content.languages))
        return pages

    def _check_made(self, paths: Iterable[Path]) -> None:
        """Leak-check on this thread the files this build made, as soon as they are written.
        Files kept from the last build are known clean."""
        if self.checker is None:
            return
        kept = set(self.cache.reused) if self.cache else set()
        known = self.cache.checked if self.cache else ()
        for path in paths:
            if path not in kept:
                self.checker.check_early(path, self.staging, known)

    def _write_text(self, relative: Any, text: str) -> None:
        target = self.staging / relative
        produce(
            self.cache, target, lambda: fingerprint("text", text), lambda t: write_text(t, text)
        )


_IMAGE = re.compile(r"!\[(?:\\.|[^\]\\\n])*\]\(<?([^)\s>]+)")


def check_images(markdown: str, document: Path, folder: Path) -> None:
    """A document never points at an image the build did not make (pandoc would only warn
    "Could not fetch resource" and write a Word file with a broken picture): checked on the
    Markdown, once its charts are drawn and before pandoc runs."""
    for reference in _IMAGE.findall(markdown):
        image = folder / reference
        if ".." in Path(reference).parts or not image.is_file():
            raise BuildFailed(
                f"{document.name} points at the image {reference}, which this build did not "
                f"make; nothing was published. This is a fault of the templates or the charts "
                f"(generator/charts.py), not of the content: please report it."
            )


def site_files(pages: list[Path], languages: list[str]) -> Iterator[Path]:
    """Every file of the site these are the pages of, not of the other languages' sites that
    live in its folder (site/fr/)."""
    if not pages:
        return
    folder = pages[0].parent
    for path in folder.rglob("*"):
        if path.is_file() and path.relative_to(folder).parts[0] not in languages:
            yield path


def _time_key(info: BuildInfo) -> str:
    """What of the build time an output depends on: the date, or the exact time of a
    reproducible build. A file reused later the same day keeps its first build time."""
    return info.timestamp.isoformat() if os.environ.get("SOURCE_DATE_EPOCH") else str(info.date)
