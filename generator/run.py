"""The executor: makes the outputs of a plan, each once what it needs is made, in parallel.

``jobs.run_by_needs`` decides when an output starts, from the plan's ``needs`` alone; this module
decides where each format is made. Markdown and the HXL tables are rendered on this thread (each
document's Word file and PDF go to pandoc as soon as its Markdown is there); charts are drawn on
a thread of their own, in a pool of processes (``charts.Drawer``), the public ones first, which
the site shows too; Word files and PDFs run on a few threads, the largest waiting document
first (``jobs.LargestFirst``); the sites one after the other (the first language's site holds
the others' folders). Outputs whose inputs did not change are taken from the last build
(``cache``), and each output is leak-checked on the thread that made it, as soon as it is
written, so that the final check only has to confirm their bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from .anchors import anchored_view, document_marker, strip_anchors, with_marker
from .assess import evaluate
from .audience import Audience, view
from .cache import OutputCache, code_digest, file_digest, fingerprint, produce
from .charts import Drawer, write_charts
from .docmeta import docx_meta, pdf_meta, tool_version
from .documents import Document
from .errors import BuildFailed
from .jobs import LargestFirst, run_by_needs
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
    """One Word file or PDF to make from a document's Markdown, once its charts are drawn."""

    doc: Document
    markdown: str
    target: Path
    lang: str
    charts: list[Path]


@dataclass
class _Language:
    """One language's views, and what its outputs made so far that others are made from."""

    lang: str
    views: dict[Audience, dict[str, Any]]
    anchored: dict[Audience, tuple[dict[str, Any], dict[str, Any]]]
    # By the Markdown output: Word's Markdown (each item's text anchored for `protdocs
    # review`), and the same without anchors, as the .md files and the site have it.
    markdown: dict[PurePosixPath, str] = field(default_factory=dict)
    plain: dict[PurePosixPath, str] = field(default_factory=dict)
    # By the charts folder: the chart files of each kind drawn into it.
    charts: dict[PurePosixPath, dict[str, list[Path]]] = field(default_factory=dict)


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
        self._languages: dict[str, _Language] = {}
        self._planned: dict[PurePosixPath, Output] = {}
        self._texts_left = 0
        self._pages: list[Path] = []

    def run(self, outputs: list[Output]) -> list[Path]:
        """Make every output of the plan; returns the files of the documents and the sites'
        pages (not the theme's files)."""
        self._planned = {o.path: o for o in outputs}
        self._texts_left = sum(o.format in _HERE for o in outputs)
        for lang in dict.fromkeys(o.lang for o in outputs):
            self._languages[lang] = self._language(lang)
        with (
            LargestFirst(workers=os.cpu_count() or 2) as self._pandoc,  # not niced: see jobs
            ThreadPoolExecutor(max_workers=1) as self._chart_lane,
            ThreadPoolExecutor(max_workers=1) as self._site_lane,  # one after the other
            Drawer() as self._drawer,
        ):
            needs = partial(self._needed, formats=None)
            run_by_needs(sorted(outputs, key=_urgency), needs, self._start)
        sites = {self.staging / o.path for o in outputs if o.source == "site"}
        files = (
            p
            for p in self.staging.rglob("*")
            if p.is_file() and p.name != MARKER and not sites & set(p.parents)
        )
        return sorted([*files, *self._pages])

    def _language(self, lang: str) -> _Language:
        """The views of every audience, and the anchored ones Word's Markdown is made from."""
        views = views_of(self.content, lang)
        self.keys[lang] = language_key(views.values())
        confidential = views[Audience.CONFIDENTIAL]
        confidential["assessment"] = [r.as_dict() for r in evaluate(confidential)]  # annex 6
        anchored = {audience: anchored_view(self.content, audience, lang) for audience in Audience}
        anchored[Audience.CONFIDENTIAL][0]["assessment"] = confidential["assessment"]
        return _Language(lang, views, anchored)

    def _needed(self, out: Output, formats: tuple[str, ...] | None) -> list[Output]:
        """The planned outputs ``out`` is made from (of these formats); a need the plan does
        not make is a fault of the plan."""
        missing = [p for p in out.needs if p not in self._planned]
        if missing:
            raise ValueError(f"{out.path} needs {missing[0]}, which the plan does not make")
        needed = (self._planned[p] for p in out.needs)
        return [o for o in needed if formats is None or o.format in formats]

    def _start(self, out: Output) -> Future[None]:
        """Hand one output to whatever makes its format: this thread, the chart lane, pandoc's
        queue (the largest document first) or the site lane."""
        language = self._languages[out.lang]
        if out.format in _HERE:
            return _now(self._text, language, out)
        if out.format == "chart":
            return self._chart_lane.submit(self._charts, language, out)
        if out.format in ("Word", "PDF"):
            make = self._word if out.format == "Word" else self._pdf
            job = self._job(language, out)
            return self._pandoc.submit(_cost(job.markdown, out.format), make, job)
        if out.format == "site page":
            return self._site_lane.submit(self._site, language, out)
        raise ValueError(f"{out.path}: the executor makes no {out.format!r} output")

    def _text(self, language: _Language, out: Output) -> None:
        """A document's Markdown, or an audience's HXL table; once the last is written, the
        leak check works out its phrases meanwhile pandoc runs."""
        if out.format == "Markdown" and out.document:
            self._markdown(language, out, out.document)
        elif out.format == "HXL CSV":
            indicators = language.views[out.audience]["monitoring"]["indicators"]
            self._write_text(out.path, indicators_csv(indicators))
        self._texts_left -= 1
        if not self._texts_left and self.checker:
            self.checker.start_preparing()

    def _markdown(self, language: _Language, out: Output, doc: Document) -> None:
        tree, anchors = language.anchored[out.audience]
        word = render(doc, tree, self.info, self.template_dir)
        marker = document_marker(self.content, doc, language.lang, anchors, word)
        word = with_marker(word, marker)
        text = strip_anchors(word)
        self._write_text(out.path, without_marks(text))  # language marks: Word's only
        language.markdown[out.path], language.plain[out.path] = word, text

    def _charts(self, language: _Language, out: Output) -> None:
        """Every kind of chart the documents drawn into this folder embed, from the view of
        their audience (the plan gives a charts folder to one audience only)."""
        users = [o.document for o in self._planned.values() if out.path in o.needs and o.document]
        kinds = dict.fromkeys(kind for doc in users for kind in doc.charts)
        view_ = language.views[out.audience]
        drawn = {
            kind: write_charts((kind,), view_, self.staging / doc.folder, self.cache, self._drawer)
            for doc in users[:1]  # the folder its documents are in: charts/ or charts/LANG/ below
            for kind in kinds
        }
        language.charts[out.path] = drawn
        if self.checker:
            self.checker.add_images([p for paths in drawn.values() for p in paths], self.staging)

    def _job(self, language: _Language, out: Output) -> WordJob:
        """What pandoc needs for a Word file (the anchored Markdown) or a PDF (the text as
        readers see it: no review anchors, no language marks, a PDF's language being its
        document's), and the charts they embed, checked to be there."""
        assert out.document is not None
        (source,) = self._needed(out, ("Markdown",))
        target = self.staging / out.path
        if out.format == "Word":
            markdown = language.markdown[source.path]
            check_images(markdown, self.staging / source.path, target.parent)
        else:
            markdown = without_marks(language.plain[source.path])
        folders = [language.charts[o.path] for o in self._needed(out, ("chart",))]
        charts = [p for drawn in folders for kind in out.document.charts for p in drawn[kind]]
        return WordJob(out.document, markdown, target, language.lang, charts)

    def _word(self, job: WordJob) -> None:
        meta = docx_meta(self.content, self.info, job.doc, job.lang)

        def key() -> str:
            charts = [file_digest(p) for p in job.charts]
            properties = {**asdict(meta), "timestamp": _time_key(self.info)}
            return fingerprint("docx", job.markdown, properties, charts, code_digest())

        produce(self.cache, job.target, key, lambda t: write_docx(job.markdown, t, meta, t.parent))
        self._check_made([job.target, job.target.with_suffix(".md")])

    def _pdf(self, job: WordJob) -> None:
        meta = pdf_meta(self.content, self.info, job.doc, job.lang)

        def key() -> str:
            charts = [file_digest(p) for p in job.charts]
            document = {**asdict(meta.document), "timestamp": _time_key(self.info)}
            properties = {**asdict(meta), "document": document, "fonts": asdict(fonts())}
            return fingerprint("pdf", job.markdown, properties, charts, code_digest())

        produce(self.cache, job.target, key, lambda t: write_pdf(job.markdown, t, meta, t.parent))
        self._check_made([job.target])

    def _site(self, language: _Language, site: Output) -> None:
        """The language's public preview site, from the Markdown and the charts it needs."""
        documents = tuple(
            o.document
            for o in self._planned.values()
            if o.format == "Markdown" and o.document and o.lang == language.lang
        )
        texts = self._needed(site, ("Markdown",))
        pages = write_site(
            language.views[Audience.PUBLIC],
            Audience.PUBLIC,
            self.staging / site.path,
            self.info,
            documents=documents,
            rendered={o.source: language.plain[o.path] for o in texts},
            charts=[self.staging / o.path for o in self._needed(site, ("chart",))],
            template_dir=self.template_dir,
            cache=self.cache,
        )
        self._check_made(site_files(pages, self.content.languages))
        self._pages.extend(pages)

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


def _now(make: Callable[..., None], *args: Any) -> Future[None]:
    """Make an output on this thread, as a finished future (its failure inside)."""
    future: Future[None] = Future()
    try:
        make(*args)
    except Exception as exc:
        future.set_exception(exc)
    else:
        future.set_result(None)
    return future


_HERE = ("Markdown", "HXL CSV")  # made on the executor's thread


def _cost(markdown: str, format_: str) -> int:
    """How long a conversion takes, to run the longest first: the Markdown's length, half as
    much again for a PDF (pandoc's Typst writer, the compiler and the leak check's reading
    took 4.3 s for the HNO at 30 times the example, against 2.6 s for its Word file)."""
    return len(markdown) * 3 // 2 if format_ == "PDF" else len(markdown)


def _urgency(out: Output) -> int:
    """Charts first, and the charts lane starts drawing while this thread renders the
    Markdown: the main documents' (a few, which the longest conversions wait for) before the
    annexes' (one per indicator), the public ones before the rest (the site waits for them)."""
    if out.format == "chart":
        return ("annexes" in out.path.parts) * 2 + (out.audience is not Audience.PUBLIC)
    return 4


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
