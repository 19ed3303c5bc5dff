"""The pipeline, top to bottom: load → validate → filter by audience → render → write → leak check.

Outputs are written into a staging folder beside the build; only when every output is written and
the leak check finds nothing does the staging folder replace the previous build, so a failed build
leaves the last good one as it was and no file of an earlier build can survive into a new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import schema as s
from .assess import evaluate
from .audience import Audience, view
from .cache import OutputCache, file_digest, fingerprint, produce, remember_inputs
from .charts import Drawer, charts_folder, write_charts
from .documents import DOCUMENTS, Document
from .errors import BuildFailed, LeakFound
from .i18n import is_right_to_left, language_of, language_suffix, output_languages, translator
from .jobs import LargestFirst
from .leaks import LeakChecker
from .model import Content
from .render import TEMPLATES, BuildInfo, current_build, render
from .site import SITE_FOLDERS, site_folder, write_site
from .validate import validated
from .writers import write_text
from .writers.docx import DocxMeta, write_docx
from .writers.hxl import indicators_csv, write_indicators_hxl

Progress = Callable[[str], None]
StartSite = Callable[[Callable[[], list[Path]]], None]  # queues a site to build


def tool_version() -> str:
    try:
        return version("protdocs")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass
class BuildResult:
    op_dir: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # taken unchanged from the last build


def build(
    content_dir: Path,
    out_dir: Path,
    progress: Progress = lambda _: None,
    documents: tuple[Document, ...] = DOCUMENTS,
    template_dir: Path = TEMPLATES,
    version: str | None = None,
    lang: str | None = None,
    inputs_key: str | None = None,
    draft: bool = False,
) -> BuildResult:
    """Every output of the content; ``version`` (a release's) replaces operation.yaml's.

    ``draft`` (``--draft``) prints the version as a draft's, with a DRAFT mark on every page.

    With ``lang``, only that language's outputs are written; the others are kept from the last
    build (and leak-checked again with the new ones). ``inputs_key`` (``cache.inputs_key``,
    taken before reading anything) lets the next ``protdocs build`` see that nothing changed.
    """
    content = validated(content_dir)
    progress(f"{content_dir}: valid ({len(content.index)} items); writing the outputs")
    if version is not None:
        content = content.released_as(version)
    if draft and not is_draft(content.operation.get("version")):
        content = content.released_as(f"{content.operation.get('version') or ''}-draft".lstrip("-"))
    languages = output_languages(content, lang)
    final = out_dir / content.operation["id"]
    result = _publish(
        content,
        final,
        lambda staging, cache, checker: write_outputs(
            content, staging, documents, template_dir, languages, cache, checker
        ),
        template_dir,
        languages=languages,
    )
    kept = set(result.kept)
    for path in result.written:
        if path not in kept:
            progress(f"wrote {path}")
    if kept:
        progress(f"kept {len(kept)} output(s) whose inputs did not change")
    progress(f"leak check passed: no non-public text in {final / 'public'}")
    if inputs_key is not None:
        remember_inputs(content_dir, out_dir, final, inputs_key, [str(w) for w in content.warnings])
    return result


def build_site(
    content_dir: Path,
    out_dir: Path,
    audience: Audience = Audience.PUBLIC,
    progress: Progress = lambda _: None,
    documents: tuple[Document, ...] = DOCUMENTS,
    lang: str | None = None,
) -> BuildResult:
    """Only the preview site, into build/OP/site (or site-internal); the rest stays as it is."""
    content = validated(content_dir)
    languages = output_languages(content, lang)
    op_dir = out_dir / content.operation["id"]
    result = publish_site(content, op_dir, audience, documents, languages)
    for path in result.written:
        progress(f"wrote {path}")
    progress(f"leak check passed: no text above {audience.slug} in {result.written[0].parent}")
    return result


def publish_site(
    content: Content,
    op_dir: Path,
    audience: Audience,
    documents: tuple[Document, ...] = DOCUMENTS,
    languages: list[str] | None = None,
) -> BuildResult:
    """Write, leak-check and swap in one preview site under ``op_dir`` (also used by serve).

    Each language has its own site: the first one in site/, the others in site/LANG/.
    """
    folder = SITE_FOLDERS[audience]
    info = current_build(tool_version())
    languages = languages or content.languages

    def write(staging: Path, cache: OutputCache, checker: LeakChecker) -> list[Path]:
        checker.start_preparing([audience])
        return [
            page
            for lang in languages
            for page in write_site(
                view(content, audience, lang),
                audience,
                staging / site_folder(audience, lang, content.languages),
                info,
                documents=documents,
                cache=cache,
            )
        ]

    return _publish(content, op_dir, write, TEMPLATES, parts=(folder,), languages=languages)


def _publish(
    content: Content,
    final: Path,
    write: Callable[[Path, OutputCache, LeakChecker], list[Path]],
    template_dir: Path,
    parts: tuple[str, ...] | None = None,
    languages: list[str] | None = None,
) -> BuildResult:
    """Write into a fresh staging folder, leak-check all of it, then swap it in as ``final``.

    With ``parts``, only those folders of ``final`` are replaced and the rest is left as it was.
    With ``languages`` (some of the operation's), the other languages' files are kept.
    ``write`` gets the leak checker, to start it when its own thread starts mostly waiting
    (for pandoc and the chart processes) and to check files early on the threads that write them.
    """
    staging = final.with_name(f".staging-{final.name}-{os.getpid()}")
    rejected = final.with_name(f".rejected-{final.name}")
    shutil.rmtree(staging, ignore_errors=True)
    cache = OutputCache(final.parent, final.name, staging, enabled=parts is None)
    checker = LeakChecker(content, template_dir)
    try:
        written = write(staging, cache, checker)
        cache.keep_unchanged()
        if languages is not None:
            _carry_over(content, final, staging, languages, parts or OUTPUT_FOLDERS)
        findings = checker.check(staging, known_clean=cache.checked)
        if findings:
            quarantine(staging)
            _reject(staging, rejected)
            raise LeakFound(
                f"confidentiality check failed; the build was not published "
                f"(kept for inspection in {rejected}):\n  "
                + "\n  ".join(str(f).replace(str(staging), str(final)) for f in findings)
            )
        if parts is None:
            _swap_in(staging, final)
            cache.save(checker.clean)
        else:
            final.mkdir(parents=True, exist_ok=True)
            for part in parts:
                _swap_in(staging / part, final / part)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    moved = [final / p.relative_to(staging) for p in written]
    return BuildResult(final, moved, [final / p.relative_to(staging) for p in cache.reused])


def write_outputs(
    content: Content,
    staging: Path,
    documents: tuple[Document, ...] = DOCUMENTS,
    template_dir: Path = TEMPLATES,
    languages: list[str] | None = None,
    cache: OutputCache | None = None,
    checker: LeakChecker | None = None,
) -> list[Path]:
    """Render every document in each language, write its Markdown and Word files and the public
    preview site of each language. A ``checker`` starts on its phrases once everything is
    rendered, and checks each Word file on the thread that wrote it.

    Pandoc (the largest waiting document first) and MkDocs run in parallel, the sites one after
    the other (the first language's site holds the others' folders); the list returned names
    the documents and the sites' pages, not the theme's files.
    """
    info = current_build(tool_version())
    sites: list[Future[list[Path]]] = []
    with (
        LargestFirst(workers=os.cpu_count() or 2, background=True) as pandoc,
        ThreadPoolExecutor(max_workers=1) as site_queue,  # one after the other
        Drawer() as drawer,
    ):
        words: list[Future[None]] = []

        def start_word(job: WordJob) -> None:
            size = len(job.markdown)
            words.append(pandoc.submit(size, _word, content, info, job, cache, staging, checker))

        def start_site(write: Callable[[], list[Path]]) -> None:  # a StartSite
            def write_and_check() -> list[Path]:
                pages = write()
                _check_made(checker, cache, staging, _site_files(pages, content.languages))
                return pages

            sites.append(site_queue.submit(write_and_check))

        finish = [
            _write_language(
                content, staging, documents, template_dir, info, lang, cache, start_word
            )
            for lang in languages or content.languages
        ]
        if checker:
            checker.start_preparing()
        for draw_charts_and_site in finish:
            draw_charts_and_site(start_site, drawer)
        for word in words:
            word.result()
        pages = [page for site in sites for page in site.result()]
    site_dir = staging / SITE_FOLDERS[Audience.PUBLIC]
    documents_written = (p for p in staging.rglob("*") if p.is_file() and site_dir not in p.parents)
    return sorted([*documents_written, *pages])


def _write_language(
    content: Content,
    staging: Path,
    documents: tuple[Document, ...],
    template_dir: Path,
    info: BuildInfo,
    lang: str,
    cache: OutputCache | None,
    start_word: Callable[[WordJob], None],
) -> Callable[[StartSite, Drawer], None]:
    """One language's Markdown now, and the Word files of the documents without charts; returns
    what draws its charts and starts the rest: the Word files with charts as soon as these are
    drawn (pandoc runs while the charts are drawn), and its site once the public ones are."""
    views = {audience: view(content, audience, lang) for audience in Audience}
    confidential = views[Audience.CONFIDENTIAL]
    confidential["assessment"] = [r.as_dict() for r in evaluate(confidential)]  # for annex 6
    suffix = language_suffix(lang, content.languages)
    rendered = {}
    with_charts: list[tuple[Document, str, Path]] = []
    for doc in documents:
        markdown = render(doc, views[doc.audience], info, template_dir)
        base = staging / doc.folder / f"{doc.slug}{suffix}"
        _write_text(cache, base.with_name(f"{base.name}.md"), markdown)
        if doc.charts:
            with_charts.append((doc, markdown, base))
        else:
            start_word(WordJob(doc, markdown, base.with_name(f"{base.name}.docx"), lang, []))
        if doc.audience is Audience.PUBLIC:
            rendered[doc.slug] = markdown
    if not suffix:  # the HXL table is in the first language
        for audience in (Audience.PUBLIC, Audience.INTERNAL):
            table = indicators_csv(views[audience]["monitoring"]["indicators"])
            _write_text(cache, staging / hxl_export_path(audience), table)
    public = views[Audience.PUBLIC]
    site = partial(
        write_site,
        public,
        Audience.PUBLIC,
        staging / site_folder(Audience.PUBLIC, lang, content.languages),
        info,
        documents=documents,
        rendered=rendered,
        charts=[  # drawn from the same view as the site
            staging / doc.folder / charts_folder(public)
            for doc, _, _ in with_charts
            if doc.audience is Audience.PUBLIC
        ],
        template_dir=template_dir,
        cache=cache,
    )

    def draw_charts_and_site(start_site: StartSite, drawer: Drawer) -> None:
        # Charts before pandoc, which embeds them: the public ones first, for the site too;
        # the other audiences' then reuse the charts they share with them.
        pending: Callable[[], list[Path]] | None = site
        for doc, markdown, base in sorted(with_charts, key=lambda item: item[0].audience.value):
            if pending and doc.audience is not Audience.PUBLIC:
                start_site(pending)
                pending = None
            charts = write_charts(doc.charts, views[doc.audience], base.parent, cache, drawer)
            start_word(WordJob(doc, markdown, base.with_name(f"{base.name}.docx"), lang, charts))
        if pending:
            start_site(pending)

    return draw_charts_and_site


# The folders of build/OP a build of some languages carries over from the last build.
OUTPUT_FOLDERS = ("public", "internal", "site", "site-internal")


def _carry_over(
    content: Content, final: Path, staging: Path, languages: list[str], folders: tuple[str, ...]
) -> None:
    """Copy the last build's files of the languages not built now into ``staging``."""
    if set(languages) >= set(content.languages) or not final.is_dir():
        return
    for folder in folders:
        for old in sorted((final / folder).rglob("*")):
            relative = old.relative_to(final)
            new = staging / relative
            kept = language_of(relative, content.languages) not in languages
            if kept and old.is_file() and not new.exists():
                new.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(old, new)


def hxl_export_path(audience: Audience) -> Path:
    """Where the monitoring framework's HXL table goes, relative to build/OP."""
    folder = "public" if audience is Audience.PUBLIC else "internal"
    return Path(folder) / "data" / "indicators.hxl.csv"


def export_hxl(content_dir: Path, out_dir: Path, audience: Audience = Audience.PUBLIC) -> Path:
    """Write only the indicators' HXL table into an existing or new build, leak-checked first."""
    content = validated(content_dir)
    op_dir = out_dir / content.operation["id"]
    target = op_dir / hxl_export_path(audience)
    with tempfile.TemporaryDirectory(dir=out_dir if out_dir.exists() else None) as tmp:
        draft = Path(tmp) / hxl_export_path(audience)
        write_indicators_hxl(view(content, audience), draft)
        findings = list(LeakChecker(content).check_file(draft, audience))
        if findings:
            raise LeakFound("confidentiality check failed:\n  " + "\n  ".join(map(str, findings)))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(draft, draft.with_name(".export.tmp"))
        os.replace(draft.with_name(".export.tmp"), target)
    return target


@dataclass(frozen=True)
class WordJob:
    """One Word file to make: pandoc runs for these in parallel, after all Markdown is written."""

    doc: Document
    markdown: str
    target: Path
    lang: str
    charts: list[Path]


def _word(
    content: Content,
    info: BuildInfo,
    job: WordJob,
    cache: OutputCache | None,
    staging: Path,
    checker: LeakChecker | None,
) -> None:
    meta = docx_meta(content, info, job.doc, job.lang)

    def key() -> str:
        charts = [file_digest(p) for p in job.charts]
        properties = {**asdict(meta), "timestamp": _time_key(info)}
        return fingerprint("docx", job.markdown, properties, charts)

    produce(cache, job.target, key, lambda t: write_docx(job.markdown, t, meta, t.parent))
    _check_made(checker, cache, staging, [job.target, job.target.with_suffix(".md")])


def _site_files(pages: list[Path], languages: list[str]) -> Iterator[Path]:
    """Every file of the site these are the pages of, not of the other languages' sites that
    live in its folder (site/fr/)."""
    if not pages:
        return
    folder = pages[0].parent
    for path in folder.rglob("*"):
        if path.is_file() and path.relative_to(folder).parts[0] not in languages:
            yield path


def _check_made(
    checker: LeakChecker | None,
    cache: OutputCache | None,
    staging: Path,
    paths: Iterable[Path],
) -> None:
    """Leak-check on this thread the files this build made, as soon as they are written, so
    that the final check, after everything else, only has to confirm their bytes. Files kept
    from the last build are known clean."""
    if checker is None:
        return
    kept = set(cache.reused) if cache else set()
    for path in paths:
        if path not in kept:
            checker.check_early(path, staging, cache.checked if cache else ())


def _write_text(cache: OutputCache | None, target: Path, text: str) -> None:
    produce(cache, target, lambda: fingerprint("text", text), lambda t: write_text(t, text))


def _time_key(info: BuildInfo) -> str:
    """What of the build time an output depends on: the date, or the exact time of a
    reproducible build. A file reused later the same day keeps its first build time."""
    return info.timestamp.isoformat() if os.environ.get("SOURCE_DATE_EPOCH") else str(info.date)


def docx_meta(
    content: Content, info: BuildInfo, doc: Document, lang: str | None = None
) -> DocxMeta:
    """A document's Word properties and banner (also those of its tracked-changes copy)."""
    lang = lang or content.languages[0]
    _ = translator(lang)
    op = content.operation
    country = _plain(op["country"], lang)
    title = _(doc.title)
    return DocxMeta(
        title=f"{country}: {title}",
        subject=f"{country} {op['plan_year']} — {title}",
        author=_("Humanitarian Country Team, {country}").format(country=country),
        category=_(doc.classification_label),
        banner=_banner(doc, country, op["plan_year"], _),
        timestamp=info.timestamp,
        landscape=doc.landscape,
        lang=lang,
        right_to_left=is_right_to_left(lang),
        draft=is_draft(op.get("version")),
    )


def is_draft(version: object) -> bool:
    """A version that says it is a draft ("2027.1-draft", "Draft 2") prints as one."""
    return "draft" in str(version or "").casefold()


def _banner(doc: Document, country: str, year: int, _: Callable[[str], str] = str) -> str:
    if doc.audience is Audience.PUBLIC:
        return _("{country} · {year} · PUBLIC").format(country=country, year=year)
    label = s.vocabulary()["classification"][s.LEVELS[doc.audience.value]]
    level = _(label).upper()
    return _("{level} — HCT {country} · {year} — do not forward").format(
        level=level, country=country, year=year
    )


def _plain(value: str | dict[str, str], lang: str) -> str:
    """A text of operation.yaml in ``lang``, else in the first language given."""
    if isinstance(value, str):
        return value
    return value.get(lang) or next(iter(value.values()))


def _swap_in(staging: Path, final: Path) -> None:
    """Replace the previous build in two renames, so it is never half old, half new."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


QUARANTINE_SUFFIX = ".LEAKED-DO-NOT-PUBLISH"


def quarantine(op_dir: Path) -> list[Path]:
    """Rename the public folders so nobody can publish them by mistake after a leak."""
    moved = []
    for name in ("public", "site"):
        folder = op_dir / name
        if folder.exists():
            target = op_dir / f"{name}{QUARANTINE_SUFFIX}"
            shutil.rmtree(target, ignore_errors=True)
            os.replace(folder, target)
            moved.append(target)
    return moved


def _reject(staging: Path, rejected: Path) -> None:
    """Keep a refused build for inspection, beside the build and never under its name."""
    shutil.rmtree(rejected, ignore_errors=True)
    os.replace(staging, rejected)


def check_leaks(content_dir: Path, out_dir: Path) -> Path:
    """Check an existing build (perhaps edited by hand); quarantine it on a finding."""
    content = validated(content_dir)
    op_dir = out_dir / content.operation["id"]
    if not op_dir.is_dir():
        raise BuildFailed(
            f"{op_dir}: no build to check",
        )
    findings = LeakChecker(content).check(op_dir)
    if findings:
        moved = quarantine(op_dir)
        raise LeakFound(
            "confidentiality check failed:\n  "
            + "\n  ".join(map(str, findings))
            + "".join(f"\nrenamed to {m} so it cannot be published" for m in moved)
        )
    return op_dir
