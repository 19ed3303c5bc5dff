"""The pipeline, top to bottom: validated → views → plan → run → check → publish.

``validate`` reads and checks the content; the output plan (``plan``) lists every output of the
languages asked for; the executor (``run``) makes them from the audiences' views, in parallel;
the transaction (``publish``) stages them, carries over the other languages' outputs, has the
leak check (``leaks``) read all of it, and swaps the result in, or rejects and quarantines it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .audience import Audience, view
from .cache import CACHE_FOLDER, OutputCache, remember_inputs
from .docmeta import docx_meta as docx_meta  # where `diff` used to find it
from .docmeta import is_draft
from .docmeta import tool_version as tool_version
from .documents import DOCUMENTS, Document
from .errors import BuildFailed, LeakFound
from .i18n import output_languages
from .layout import QUARANTINE_SUFFIX as QUARANTINE_SUFFIX
from .layout import hxl_export_path
from .leaks import LeakChecker
from .model import Content
from .plan import plan, site_plan
from .publish import BuildResult, Transaction, guard, marker_keys, quarantine, write_marker
from .render import TEMPLATES, current_build
from .run import Executor, language_key, views_of
from .site import write_site
from .validate import validated
from .writers.hxl import write_indicators_hxl

Progress = Callable[[str], None]


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
    """Every output of the content; ``version`` (a release's) replaces operation.yaml's;
    ``draft`` (``--draft``) prints the version as a draft's, with a DRAFT mark on every page.

    With ``lang``, that language's outputs are written, and those of every other language
    whose views changed since the last build (a record reclassified, a figure changed); the
    others are kept from the last build and leak-checked again with the new ones.
    ``inputs_key`` (``cache.inputs_key``, taken before reading anything) lets the next
    ``protdocs build`` see that nothing changed.
    """
    content = validated(content_dir)
    final = out_dir / content.operation["id"]
    guard(content_dir, out_dir, final)
    progress(f"{content_dir}: valid ({len(content.index)} items); writing the outputs")
    if version is not None:
        content = content.released_as(version)
    if draft and not is_draft(content.operation.get("version")):
        content = content.released_as(f"{content.operation.get('version') or ''}-draft".lstrip("-"))
    languages, keys = _languages_to_build(content, final, lang)
    outputs = plan(content.languages, languages, documents)
    kept = plan(content.languages, [x for x in content.languages if x not in languages], documents)
    checker = LeakChecker(content, template_dir, kept=_words_record(out_dir, final.name))
    transaction = Transaction(final, checker)
    with transaction.staged():
        cache = OutputCache(out_dir, final.name, transaction.staging)
        executor = Executor(content, transaction.staging, template_dir, cache, checker)
        written = executor.run(outputs)
        transaction.mark({**keys, **executor.keys})
        cache.keep_unchanged()
        cache.store_made()
        transaction.carry_over(kept, content.languages)
        transaction.check(cache.checked)
        transaction.swap_in()
        cache.save(checker.clean)
    result = _result(final, transaction.staging, written, cache.reused)
    _report(result, final, progress)
    if inputs_key is not None:
        remember_inputs(content_dir, out_dir, final, inputs_key, [str(w) for w in content.warnings])
    return result


def _words_record(out_dir: Path, op_id: str) -> Path:
    """Where the leak check keeps each record's words for the next build (``leaks``)."""
    return out_dir / CACHE_FOLDER / f"{op_id}.words"


def _languages_to_build(
    content: Content, final: Path, lang: str | None
) -> tuple[list[str], dict[str, str]]:
    """The languages asked for, and any other whose views changed since the last build (so
    that no output of it survives with a record's old level or value); the keys of those
    kept."""
    asked = output_languages(content, lang)
    if asked == content.languages or not final.is_dir():  # nothing of another to keep
        return asked, {}
    previous = marker_keys(final)
    keys = {x: language_key(views_of(content, x).values()) for x in content.languages}
    stale = [x for x in content.languages if x not in asked and previous.get(x) != keys[x]]
    languages = [x for x in content.languages if x in asked or x in stale]
    return languages, {x: k for x, k in keys.items() if x not in languages}


def _result(final: Path, staging: Path, written: list[Path], reused: list[Path]) -> BuildResult:
    moved = [final / p.relative_to(staging) for p in written]
    return BuildResult(final, moved, [final / p.relative_to(staging) for p in reused])


def _report(result: BuildResult, final: Path, progress: Progress) -> None:
    kept = set(result.kept)
    for path in result.written:
        if path not in kept:
            progress(f"wrote {path}")
    if kept:
        progress(f"kept {len(kept)} output(s) whose inputs did not change")
    progress(f"leak check passed: no non-public text in {final / 'public'}")


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
    op_dir = out_dir / content.operation["id"]
    guard(content_dir, out_dir, op_dir)
    languages, _kept = _languages_to_build(content, op_dir, lang)  # and those whose views changed
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
    reuse: bool = False,
) -> BuildResult:
    """Write, leak-check and swap in one preview site under ``op_dir`` (also used by serve).

    Each language has its own site: the first one in site/, the others in site/LANG/.
    ``reuse`` (serve, whose ``op_dir`` is its own): pages and leak-check verdicts of the last
    site written there are reused when what they are made from has not changed (``cache``).
    """
    languages = languages or content.languages
    outputs = site_plan(content.languages, languages, audience)
    others = [x for x in content.languages if x not in languages]
    kept = site_plan(content.languages, others, audience)
    info = current_build(tool_version())
    kept_words = _words_record(op_dir.parent, op_dir.name) if reuse else None
    checker = LeakChecker(content, kept=kept_words)
    transaction = Transaction(op_dir, checker, parts=(outputs[0].path.parts[0],))
    guard(content.folder, op_dir.parent, op_dir)
    with transaction.staged():
        checker.start_preparing([audience])
        cache = OutputCache(op_dir.parent, op_dir.name, transaction.staging, enabled=reuse)
        pages = [
            page
            for out in outputs
            for page in write_site(
                view(content, audience, out.lang),
                audience,
                transaction.staging / out.path,
                info,
                documents=documents,
                cache=cache,
            )
        ]
        cache.keep_unchanged()
        transaction.carry_over(kept, content.languages)
        transaction.check(cache.checked)
        transaction.swap_in()
        cache.save(checker.clean)
    return _result(op_dir, transaction.staging, pages, cache.reused)


def export_hxl(content_dir: Path, out_dir: Path, audience: Audience = Audience.PUBLIC) -> Path:
    """Write only the indicators' HXL table into an existing or new build, leak-checked first."""
    content = validated(content_dir)
    op_dir = out_dir / content.operation["id"]
    guard(content_dir, out_dir, op_dir)
    target = op_dir / hxl_export_path(audience)
    with tempfile.TemporaryDirectory(dir=out_dir if out_dir.exists() else None) as tmp:
        draft = Path(tmp) / hxl_export_path(audience)
        write_indicators_hxl(view(content, audience), draft)
        findings = list(LeakChecker(content).check_file(draft, audience))
        if findings:
            raise LeakFound("confidentiality check failed:\n  " + "\n  ".join(map(str, findings)))
        if not op_dir.exists():
            write_marker(op_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(draft, draft.with_name(".export.tmp"))
        os.replace(draft.with_name(".export.tmp"), target)
    return target


def check_leaks(content_dir: Path, out_dir: Path) -> Path:
    """Check an existing build (perhaps edited by hand); quarantine it on a finding."""
    content = validated(content_dir)
    op_dir = out_dir / content.operation["id"]
    if not op_dir.is_dir():
        raise BuildFailed(
            f"{op_dir}: no build to check. Run `protdocs build` first, or give the --out "
            "folder the build was written to."
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
