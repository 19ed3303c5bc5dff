"""The ``protdocs`` command: thin click commands over the pipeline functions."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from . import cache as outputs
from .audience import Audience
from .documents import CHANGES_DOCX, RELEASE_NOTES, RELEASES
from .errors import BenchmarkNotMet, Problem, ProtdocsError, Severity, ValidationFailed


class _OnFirstUse:
    """A module imported when a command first uses it: `protdocs validate` never pays for
    matplotlib, MkDocs or python-docx, which keeps the edit-validate loop and no-change
    rebuilds quick."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name, __package__), attr)


assessment = _OnFirstUse(".assess")
pipeline = _OnFirstUse(".build")
checking = _OnFirstUse(".validate")
changes = _OnFirstUse(".diff")
i18n = _OnFirstUse(".i18n")
releasing = _OnFirstUse(".release")

CONTENT_OPTION = click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("content"),
    show_default=True,
    help="The operation folder with operation.yaml and the other content files.",
)
OUT_OPTION = click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("build"),
    show_default=True,
    help="Where outputs go; each operation gets build/OPERATION-ID/.",
)


LANG_OPTION = click.option(
    "--lang",
    default=None,
    metavar="LANG",
    help="Only this language (one of operation.yaml's languages); default: every one.",
)


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        colour = "red" if problem.severity is Severity.ERROR else "yellow"
        click.secho(str(problem), fg=colour, err=True)


class _Commands(click.Group):
    """A drafter sees a short message for an unexpected failure; --verbose shows the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # output piped into `head` and the like: not a failure
            sys.stderr.close()
            raise click.exceptions.Exit(0) from None
        except Exception as exc:
            if ctx.params.get("verbose"):
                raise
            raise click.ClickException(
                f"unexpected failure ({type(exc).__name__}: {exc}). Run the command again as "
                "`protdocs --verbose ...` to see where it happened, and send that output to "
                "the tool's maintainers."
            ) from exc


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="protdocs")
@click.option("--verbose", is_flag=True, help="Show Python tracebacks for unexpected failures.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Build the protection sections of an HNO/HRP and the HCT protection action plan.

    Edit the YAML files in content/, then run `protdocs validate` to check them and
    `protdocs build` to write the public and internal documents into build/.
    """
    ctx.obj = {"verbose": verbose}


@main.command()
@CONTENT_OPTION
@click.option(
    "--strict", is_flag=True, help="Treat warnings (e.g. missing translations) as errors."
)
def validate(content_dir: Path, strict: bool) -> None:
    """Check the content files and list every problem, each as FILE:LINE: field: message.

    Exit status 0 when the content is valid, 1 when it is not.
    """
    try:
        content = checking.validated(content_dir, strict=strict)
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise
    _print_problems(content.warnings)
    click.secho(
        f"{content_dir}: valid ({len(content.index)} items, {len(content.warnings)} warning(s))",
        fg="green",
    )


@main.command()
@CONTENT_OPTION
@OUT_OPTION
@LANG_OPTION
@click.option(
    "--draft",
    is_flag=True,
    help="Print the documents as a draft: the version gets '-draft' and every page a DRAFT mark."
    " A version that already says 'draft' (2027.1-draft) is printed so without it.",
)
def build(content_dir: Path, out_dir: Path, lang: str | None, draft: bool) -> None:
    """Validate, then write every document (Word and Markdown) and check them for leaks.

    Public documents go to build/OP/public/, the HCT action plan to build/OP/internal/.
    Each language after the first gets its own files (hrp-protection-section.fr.docx).
    A failed build leaves the previous one untouched. Outputs whose inputs did not change
    are kept as they were, and when nothing changed at all nothing is rewritten.
    """
    key = outputs.inputs_key(content_dir, {"lang": lang, "draft": draft})
    fresh = outputs.up_to_date(content_dir, out_dir, key) if content_dir.is_dir() else None
    if fresh is not None:
        op_dir, warnings = fresh
        for warning in warnings:
            click.secho(warning, fg="yellow", err=True)
        click.echo(f"{op_dir} is up to date: nothing changed since the last build")
        return
    try:
        pipeline.build(
            content_dir, out_dir, progress=click.echo, lang=lang, inputs_key=key, draft=draft
        )
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise


@main.command("check-leaks")
@CONTENT_OPTION
@OUT_OPTION
def check_leaks(content_dir: Path, out_dir: Path) -> None:
    """Check an existing build for non-public text in public files.

    Reads every file under build/OP/ (Word parts, Markdown, site pages, search index) the way a
    reader would. On a finding it names the item, its classification and the file, renames the
    public folders to *.LEAKED-DO-NOT-PUBLISH and exits with status 3.
    """
    try:
        op_dir = pipeline.check_leaks(content_dir, out_dir)
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise
    click.secho(f"{op_dir}: no non-public text found in public outputs", fg="green")


@main.command()
@CONTENT_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="A coloured table for the terminal, JSON for other tools, or Markdown (as in annex 6).",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 when any item is not met.")
def assess(content_dir: Path, output_format: str, strict: bool) -> None:
    """Check the content against every verification item of the three IASC benchmarks.

    Each item is met, partly met or not met, with the ids that show it or what is missing.
    The same matrix is annex 6 of the HCT action plan.
    """
    try:
        content = checking.validated(content_dir)
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise
    results = assessment.assess(content)
    formats = {
        "table": assessment.as_table,
        "json": assessment.as_json,
        "markdown": assessment.as_markdown,
    }
    click.echo(formats[output_format](results))
    failed = assessment.not_met(results)
    if strict and failed:
        ids = ", ".join(r.id for r in failed)
        raise BenchmarkNotMet(f"{len(failed)} verification item(s) not met: {ids}")


AUDIENCE_OPTION = click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="public",
    show_default=True,
    help="internal adds internal items: written to build/OP/site-internal/, banner on every page.",
)


@main.command()
@CONTENT_OPTION
@OUT_OPTION
@AUDIENCE_OPTION
@LANG_OPTION
def site(content_dir: Path, out_dir: Path, audience: str, lang: str | None) -> None:
    """Build only the preview site of the public text into build/OP/site/.

    A page per public section and annex, a home page, site search; checked for leaks and
    swapped in whole, leaving the other outputs as they are. The internal preview
    (--audience internal) goes to build/OP/site-internal/ and is never published.
    Languages after the first get their own site in build/OP/site/LANG/.
    """
    try:
        pipeline.build_site(
            content_dir, out_dir, Audience[audience.upper()], progress=click.echo, lang=lang
        )
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise


@main.command()
@CONTENT_OPTION
@AUDIENCE_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
def serve(content_dir: Path, audience: str, port: int) -> None:
    """Preview the site on http://127.0.0.1:PORT/ while you edit; stop it with Ctrl-C.

    The site is rebuilt when a content file or a template changes and the browser reloads.
    A content error is printed here with its file and line; the last good preview stays up.
    """
    from .serve import Preview

    preview = Preview(content_dir, Audience[audience.upper()], port, _report, click.echo)
    try:
        preview.build()
    except ProtdocsError as exc:
        preview.shutdown()
        if isinstance(exc, ValidationFailed):
            _print_problems(exc.problems)
        raise

    def listening(url: str) -> None:
        click.secho(f"Serving the {audience} preview on {url} (Ctrl-C to stop)", fg="green")

    preview.serve(listening)


@main.command()
@CONTENT_OPTION
@OUT_OPTION
@click.option("--hxl", "hxl_format", is_flag=True, required=True, help="Write HXL-tagged CSV.")
@click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="public",
    show_default=True,
    help="Which indicators and results to include.",
)
def export(content_dir: Path, out_dir: Path, hxl_format: bool, audience: str) -> None:
    """Export the monitoring framework (indicators and results) as an HXL CSV.

    The file goes to build/OP/public/data/indicators.hxl.csv (or internal/data/ with
    --audience internal), ready for HDX; it can also be put back in content/data/ as a
    results table. It is leak-checked before it is written.
    """
    try:
        target = pipeline.export_hxl(content_dir, out_dir, Audience[audience.upper()])
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise
    click.echo(f"wrote {target}")


@main.command()
@CONTENT_OPTION
@click.option("--missing", is_flag=True, required=True, help="List the texts left to translate.")
@LANG_OPTION
def translations(content_dir: Path, missing: bool, lang: str | None) -> None:
    """List, per language, every content text that has no translation yet.

    Each as FILE:LINE: field: the text in the first language, for the translators; such a text
    is printed in the first language in that language's documents. Exit status 0.
    """
    try:
        content = checking.validated(content_dir)
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise
    click.echo(i18n.missing_report(content, lang))


@main.command()
@CONTENT_OPTION
@OUT_OPTION
@click.option(
    "--version",
    "version",
    required=True,
    metavar="VERSION",
    help="The release's version, printed on every document (e.g. 2027.2).",
)
@click.option("--force", is_flag=True, help="Replace the bundles of a version released already.")
def release(content_dir: Path, out_dir: Path, version: str, force: bool) -> None:
    """Validate strictly, build everything and bundle it as release VERSION.

    Writes build/releases/OP-VERSION-public.zip (public documents, annexes and site) and
    OP-VERSION-internal.zip (internal ones, the content snapshot, RELEASE-NOTES.md and the HRP
    section's tracked changes since the previous release), each with a MANIFEST.json of SHA-256
    hashes, git commit and build time. The build time is SOURCE_DATE_EPOCH, else the content's
    last commit: the same commit gives the same bytes.
    """
    try:
        result = releasing.release(content_dir, out_dir, version, force, progress=click.echo)
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise
    click.echo(
        f"release {result.version}: {releasing.commit_phrase(result.git)}, "
        f"built {result.built.iso} ({result.built.source})"
    )
    if result.git.commit is None or result.git.dirty:
        click.secho("warning: this release cannot be rebuilt from a commit", fg="yellow", err=True)
    if result.diff is None:
        click.echo("first release: no earlier release to compare with")
        return
    for item in result.diff.made_public():
        click.secho(f"newly public: {item.headline()}".replace("**", ""), fg="yellow")
    click.echo(f"since {result.previous}: {result.diff.counts()} (see {RELEASE_NOTES})")


@main.command()
@click.argument("old", required=False, type=click.Path(path_type=Path, exists=True))
@click.argument("new", required=False, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--since",
    "since_version",
    metavar="VERSION",
    help="Compare release VERSION (its internal bundle in --releases) with --content.",
)
@CONTENT_OPTION
@click.option(
    "--releases",
    "releases_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("build") / RELEASES,
    show_default=True,
    help="Where --since looks for release bundles.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Also write {CHANGES_DOCX} and {RELEASE_NOTES} here.",
)
def diff(
    old: Path | None,
    new: Path | None,
    since_version: str | None,
    content_dir: Path,
    releases_dir: Path,
    out_dir: Path | None,
) -> None:
    """What changed from OLD to NEW, item by item: added, removed, changed, reclassified.

    OLD and NEW are content folders or internal release bundles; --since VERSION compares
    that release with --content. Items that become public are listed first. With --out, the
    public HRP section is also written as a Word file with the changes as tracked changes.
    """
    if since_version is not None and old is not None:
        raise click.UsageError("--since compares a release with --content: give no OLD or NEW")
    if since_version is None and (old is None or new is None):
        raise click.UsageError("give OLD and NEW (content folders or bundles), or --since VERSION")
    try:
        if since_version is not None:
            old, new = releasing.since(releases_dir, content_dir, since_version), content_dir
        assert old is not None and new is not None
        found = changes.compare(changes.open_side(old), changes.open_side(new))
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        raise
    click.echo(changes.summary(found), nl=False)
    for path in changes.write_changes(found, out_dir) if out_dir else []:
        click.echo(f"wrote {path}")


def _report(exc: ProtdocsError) -> None:
    if isinstance(exc, ValidationFailed):
        _print_problems(exc.problems)
    click.secho(
        f"Error: {exc.format_message()} The preview still shows the last good build.",
        fg="red",
        err=True,
    )
