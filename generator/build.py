"""The pipeline, top to bottom: load → validate → filter by audience → render → write → leak check.

Outputs are written into a staging folder beside the build; only when every output is written and
the leak check finds nothing does the staging folder replace the previous build, so a failed build
leaves the last good one as it was and no file of an earlier build can survive into a new one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import schema as s
from .assess import evaluate
from .audience import Audience, view
from .charts import write_charts
from .documents import DOCUMENTS, Document
from .errors import BuildFailed, LeakFound, ValidationFailed
from .leaks import LeakChecker
from .model import Content
from .render import TEMPLATES, BuildInfo, build_date, render
from .site import SITE_FOLDERS, write_site
from .validate import load_and_validate
from .writers import write_text
from .writers.docx import DocxMeta, write_docx
from .writers.hxl import write_indicators_hxl

Progress = Callable[[str], None]


def tool_version() -> str:
    try:
        return version("protdocs")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass
class BuildResult:
    op_dir: Path
    written: list[Path] = field(default_factory=list)


def validated(content_dir: Path, strict: bool = False) -> Content:
    """The content, or ValidationFailed listing every problem (warnings too under --strict)."""
    content = load_and_validate(content_dir)
    if content.errors or (strict and content.warnings):
        raise ValidationFailed(content.problems)
    return content


def build(
    content_dir: Path,
    out_dir: Path,
    progress: Progress = lambda _: None,
    documents: tuple[Document, ...] = DOCUMENTS,
    template_dir: Path = TEMPLATES,
) -> BuildResult:
    content = validated(content_dir)
    final = out_dir / content.operation["id"]
    result = _publish(
        content,
        final,
        lambda staging: write_outputs(content, staging, documents, template_dir),
        template_dir,
    )
    for path in result.written:
        progress(f"wrote {path}")
    progress(f"leak check passed: no non-public text in {final / 'public'}")
    return result


def build_site(
    content_dir: Path,
    out_dir: Path,
    audience: Audience = Audience.PUBLIC,
    progress: Progress = lambda _: None,
    documents: tuple[Document, ...] = DOCUMENTS,
) -> BuildResult:
    """Only the preview site, into build/OP/site (or site-internal); the rest stays as it is."""
    content = validated(content_dir)
    result = publish_site(content, out_dir / content.operation["id"], audience, documents)
    for path in result.written:
        progress(f"wrote {path}")
    progress(f"leak check passed: no text above {audience.slug} in {result.written[0].parent}")
    return result


def publish_site(
    content: Content,
    op_dir: Path,
    audience: Audience,
    documents: tuple[Document, ...] = DOCUMENTS,
) -> BuildResult:
    """Write, leak-check and swap in one preview site under ``op_dir`` (also used by serve)."""
    folder = SITE_FOLDERS[audience]
    info = BuildInfo(build_date(), tool_version())

    def write(staging: Path) -> list[Path]:
        shown = view(content, audience)
        return write_site(shown, audience, staging / folder, info, documents=documents)

    return _publish(content, op_dir, write, TEMPLATES, parts=(folder,))


def _publish(
    content: Content,
    final: Path,
    write: Callable[[Path], list[Path]],
    template_dir: Path,
    parts: tuple[str, ...] | None = None,
) -> BuildResult:
    """Write into a fresh staging folder, leak-check all of it, then swap it in as ``final``.

    With ``parts``, only those folders of ``final`` are replaced and the rest is left as it was.
    """
    staging = final.with_name(f".staging-{final.name}-{os.getpid()}")
    rejected = final.with_name(f".rejected-{final.name}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        written = write(staging)
        findings = LeakChecker(content, template_dir).check(staging)
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
        else:
            final.mkdir(parents=True, exist_ok=True)
            for part in parts:
                _swap_in(staging / part, final / part)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(final, [final / p.relative_to(staging) for p in written])


def write_outputs(
    content: Content,
    staging: Path,
    documents: tuple[Document, ...] = DOCUMENTS,
    template_dir: Path = TEMPLATES,
) -> list[Path]:
    """Render every document, write its Markdown and Word files and the public preview site.

    Pandoc and MkDocs run in parallel; the list returned names the documents and the site's
    pages, not the theme's files.
    """
    info = BuildInfo(build_date(), tool_version())
    views = {audience: view(content, audience) for audience in Audience}
    confidential = views[Audience.CONFIDENTIAL]
    confidential["assessment"] = [r.as_dict() for r in evaluate(confidential)]  # for annex 6
    jobs = []
    rendered = {}
    for doc in documents:
        markdown = render(doc, views[doc.audience], info, template_dir)
        base = staging / doc.folder / doc.slug
        write_text(base.with_suffix(".md"), markdown)
        if doc.charts:
            write_charts(doc.charts, views[doc.audience], base.parent)  # before pandoc embeds them
        jobs.append((doc, markdown, base.with_suffix(".docx")))
        if doc.audience is Audience.PUBLIC:
            rendered[doc.slug] = markdown
    for audience in (Audience.PUBLIC, Audience.INTERNAL):
        write_indicators_hxl(views[audience], staging / hxl_export_path(audience))
    site_dir = staging / SITE_FOLDERS[Audience.PUBLIC]
    public_charts = [
        staging / d.folder / "charts"
        for d in documents
        if d.charts and d.audience is Audience.PUBLIC  # drawn from the same view as the site
    ]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        site = pool.submit(
            write_site,
            views[Audience.PUBLIC],
            Audience.PUBLIC,
            site_dir,
            info,
            documents=documents,
            rendered=rendered,
            charts=public_charts,
            template_dir=template_dir,
        )
        list(pool.map(lambda job: _word(content, info, *job), jobs))
        pages = site.result()
    documents_written = (p for p in staging.rglob("*") if p.is_file() and site_dir not in p.parents)
    return sorted([*documents_written, *pages])


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


def _word(content: Content, info: BuildInfo, doc: Document, markdown: str, target: Path) -> None:
    op = content.operation
    country = _plain(op["country"])
    stamp = dt.datetime.combine(info.date, dt.time(0, 0), dt.UTC)
    banner = _banner(doc, country, op["plan_year"])
    meta = DocxMeta(
        title=f"{country}: {doc.title}",
        subject=f"{country} {op['plan_year']} — {doc.title}",
        author=f"Humanitarian Country Team, {country}",
        category=doc.classification_label,
        banner=banner,
        timestamp=stamp,
        landscape=doc.landscape,
    )
    write_docx(markdown, target, meta, resources=target.parent)


def _banner(doc: Document, country: str, year: int) -> str:
    if doc.audience is Audience.PUBLIC:
        return f"{country} · {year} · PUBLIC"
    level = s.LEVELS[doc.audience.value].upper()
    return f"{level} — HCT {country} · {year} — do not forward"


def _plain(value: str | dict[str, str]) -> str:
    return value if isinstance(value, str) else next(iter(value.values()))


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
