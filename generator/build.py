"""The pipeline, top to bottom: load → validate → filter by audience → render → write → leak check.

Outputs are written into a staging folder beside the build; only when every output is written and
the leak check finds nothing does the staging folder replace the previous build, so a failed build
leaves the last good one as it was and no file of an earlier build can survive into a new one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import schema as s
from .audience import Audience, view
from .documents import DOCUMENTS, Document
from .errors import BuildFailed, LeakFound, ValidationFailed
from .leaks import LeakChecker
from .model import Content
from .render import TEMPLATES, BuildInfo, build_date, render
from .validate import load_and_validate
from .writers import write_text
from .writers.docx import DocxMeta, write_docx

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
    op_id = content.operation["id"]
    final = out_dir / op_id
    staging = out_dir / f".staging-{op_id}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        written = write_outputs(content, staging, documents, template_dir)
        findings = LeakChecker(content, template_dir).check(staging)
        if findings:
            quarantine(staging)
            _reject(staging, out_dir / f".rejected-{op_id}")
            raise LeakFound(
                f"confidentiality check failed; the build was not published "
                f"(kept for inspection in {out_dir / f'.rejected-{op_id}'}):\n  "
                + "\n  ".join(str(f).replace(str(staging), str(final)) for f in findings)
            )
        _swap_in(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result = BuildResult(final, [final / p.relative_to(staging) for p in written])
    for path in result.written:
        progress(f"wrote {path}")
    progress(f"leak check passed: no non-public text in {final / 'public'}")
    return result


def write_outputs(
    content: Content,
    staging: Path,
    documents: tuple[Document, ...] = DOCUMENTS,
    template_dir: Path = TEMPLATES,
) -> list[Path]:
    """Render every document and write its Markdown and Word files; pandoc runs in parallel."""
    info = BuildInfo(build_date(), tool_version())
    views = {audience: view(content, audience) for audience in Audience}
    jobs = []
    for doc in documents:
        markdown = render(doc, views[doc.audience], info, template_dir)
        base = staging / doc.folder / doc.slug
        write_text(base.with_suffix(".md"), markdown)
        jobs.append((doc, markdown, base.with_suffix(".docx")))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(lambda job: _word(content, info, *job), jobs))
    return sorted(p for p in staging.rglob("*") if p.is_file())


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
