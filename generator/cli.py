"""The ``protdocs`` command: thin click commands over the pipeline functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import cache as outputs
from .audience import Audience
from .documents import CHANGES_DOCX, RELEASE_NOTES, RELEASES
from .errors import BenchmarkNotMet, Problem, ProtdocsError, Severity, ValidationFailed

# Each command imports its pipeline function inside itself: `protdocs validate` never pays for
# matplotlib, MkDocs or python-docx, which keeps the edit-validate loop and no-change rebuilds
# quick, and mypy still checks every call. A ValidationFailed prints its own problems.

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

    Problems are sorted by file and line; the last line says how many files and items were
    checked. Exit status 0 when the content is valid, 1 when it is not.
    """
    from .validate import checked_summary, load_and_validate

    content = load_and_validate(content_dir)
    summary = checked_summary(content)
    if content.errors or (strict and content.warnings):
        strictly = "" if content.errors else " (--strict: the warnings count as errors)"
        raise ValidationFailed(
            content.problems,
            f"{content_dir}: {summary}{strictly}. Fix each at its file and line, "
            "then validate again.",
        )
    _print_problems(content.warnings)
    click.secho(f"{content_dir}: valid, {summary}", fg="green")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--country", required=True, help="The country's name, as printed on every document.")
@click.option("--year", required=True, type=click.IntRange(1990, 2100), help="The plan year.")
@click.option(
    "--languages",
    default="en",
    show_default=True,
    metavar="LANGS",
    help="The documents' languages, comma-separated, the one you write in first: en, fr, es, ar.",
)
@click.option(
    "--id",
    "operation_id",
    default=None,
    metavar="ID",
    help="The operation's id (default: from country and year, e.g. south-sudan-2027).",
)
@click.option("--git", is_flag=True, help="Make the folder a git repository with a first commit.")
def new(
    folder: Path, country: str, year: int, languages: str, operation_id: str | None, git: bool
) -> None:
    """Start a new operation: FOLDER with every content file, ready to validate and build.

    Each file has commented guidance and one example item per list, with ids that show the
    convention (T1, R1, SO1 ...): replace them with your own. Nothing is public until you mark
    it `classification: public`; until then the public documents say "To be completed".
    FOLDER must be new or empty. For example:

    \b
        protdocs new ../south-sudan --country "South Sudan" --year 2027 --languages en,fr --git
        protdocs validate --content ../south-sudan
    """
    from .scaffold import NewOperation, checked_id, create, parse_languages
    from .scaffold import operation_id as derived_id

    name = country.strip()
    if not name:
        raise click.BadParameter("give the country's name", param_hint="--country")
    ident = checked_id(operation_id) if operation_id else derived_id(name, year)
    chosen = NewOperation(folder, name, year, parse_languages(languages), ident)
    create(chosen, git=git, progress=click.echo)
    click.secho(
        f"New operation {ident} in {folder}. Next: protdocs validate --content {folder}",
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
    The build replaces build/OP/ only if an earlier build made it (a .protdocs-build file in
    it); it never deletes a folder of yours, and refuses an --out inside the content folder.
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
    from .build import build as run_build

    run_build(content_dir, out_dir, progress=click.echo, lang=lang, inputs_key=key, draft=draft)


@main.command("check-leaks")
@CONTENT_OPTION
@OUT_OPTION
def check_leaks(content_dir: Path, out_dir: Path) -> None:
    """Check an existing build for non-public text in public files.

    Reads every file under build/OP/ (Word parts, Markdown, site pages, search index, PDF, PNG
    text, every part of a file inside a file) the way a reader would, and searches for the
    words and the numbers of five digits or more of every non-public item. A file it cannot
    read, or an image the build did not draw, is a finding too. On a finding it names the item,
    its classification and the file, renames the public folders to *.LEAKED-DO-NOT-PUBLISH and
    exits with status 3.
    """
    from .build import check_leaks as run_check

    op_dir = run_check(content_dir, out_dir)
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
    The same matrix is annex 6 of the HCT action plan. It reads every item except
    strictly-confidential ones, and prints only their ids and the benchmarks' own wording.
    """
    from .assess import as_json, as_markdown, as_table, not_met
    from .assess import assess as run_assess
    from .validate import validated

    results = run_assess(validated(content_dir))
    formats = {"table": as_table, "json": as_json, "markdown": as_markdown}
    click.echo(formats[output_format](results))
    failed = not_met(results)
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
    from .build import build_site

    build_site(content_dir, out_dir, Audience[audience.upper()], progress=click.echo, lang=lang)


@main.command()
@CONTENT_OPTION
@AUDIENCE_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
def serve(content_dir: Path, audience: str, port: int) -> None:
    """Preview the site on http://127.0.0.1:PORT/ while you edit; stop it with Ctrl-C.

    The site is rebuilt when a content file or a template changes and the browser reloads.
    A content error is printed here with its file and line, and shown in a banner on every
    page of the preview until a save fixes it; under the banner the last good preview stays up.
    Open it as http://localhost:PORT/ or http://127.0.0.1:PORT/: requests addressed to any
    other host name are refused (421), so no other web page can read the preview.
    """
    from .serve import Preview

    preview = Preview(content_dir, Audience[audience.upper()], port, _report, click.echo)
    try:
        preview.build()
    except ProtdocsError:
        preview.shutdown()
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
    from .build import export_hxl

    target = export_hxl(content_dir, out_dir, Audience[audience.upper()])
    click.echo(f"wrote {target}")


@main.command()
@CONTENT_OPTION
@click.option(
    "--audience",
    type=click.Choice(["public", "internal", "confidential"]),
    default="internal",
    show_default=True,
    help="Show the tables up to this level; a strictly-confidential table is never shown.",
)
def figures(content_dir: Path, audience: str) -> None:
    """Show where each people-in-need figure comes from, for an IM officer to check.

    For every people-in-need table in data/ (HXL-tagged CSV or Excel, in the wide HPC.tools
    shape or the long HDX one), prints the protection headline figures (people in need,
    people targeted) and each area of responsibility's, each with the rows it was read
    from and the rule that produced it: "row 3: national row, column L 'In Need' (#inneed)"
    or "rows 3-8: sum of 3 areas (no total row for them)". Totals are never added to their
    parts, and columns whose hashtag attributes are not understood are ignored: the
    warnings below the figures name them. Exit status 1 if a table has an error.

    Example: protdocs figures --content content --audience public
    """
    from .schema import LEVELS
    from .tables import figures_report

    report, problems = figures_report(content_dir, LEVELS.index(audience))
    click.echo(report, nl=False)
    if problems:
        click.echo("")
        _print_problems(problems)
    if any(p.severity is Severity.ERROR for p in problems):
        raise ProtdocsError("the tables above have errors: correct them and run this again.")


TRANSLATORS_AUDIENCE = click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="public",
    show_default=True,
    help="public: only texts of the public documents. internal: also the internal and "
    "confidential texts of the HCT documents, for translators cleared to read them. "
    "Strictly-confidential texts are never given.",
)


@main.group(invoke_without_command=True)
@CONTENT_OPTION
@click.option("--missing", is_flag=True, help="List the texts left to translate.")
@LANG_OPTION
@TRANSLATORS_AUDIENCE
@click.pass_context
def translations(
    ctx: click.Context, content_dir: Path, missing: bool, lang: str | None, audience: str
) -> None:
    """What translators need: the texts left to translate, and PO files to exchange.

    \b
    protdocs translations --missing [--lang fr]     list what is left, FILE:LINE: field: text
    protdocs translations export --lang fr          write a PO file for a translator
    protdocs translations import fr.po              take the translations back

    A text with no translation is printed in the first language in that language's documents.
    By default only public texts are listed or exported (such lists often leave the HCT);
    --audience internal adds the internal and confidential ones. Strictly-confidential texts
    are never listed or exported. Exit status 0.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not missing:
        raise click.UsageError("say what to do: --missing, export or import (see --help)")
    from .i18n import missing_report

    content = _validated(content_dir)
    readers = Audience.CONFIDENTIAL if audience == "internal" else Audience.PUBLIC
    click.echo(missing_report(content, lang, audience=readers))


def _validated(content_dir: Path) -> Any:
    from .validate import validated

    return validated(content_dir)


@translations.command("export")
@CONTENT_OPTION
@click.option("--lang", required=True, metavar="LANG", help="The language to translate into.")
@TRANSLATORS_AUDIENCE
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The PO file to write; default: OPERATION-LANG.po (OPERATION-LANG-internal.po).",
)
def export_translations(content_dir: Path, lang: str, audience: str, out_file: Path | None) -> None:
    """Write a gettext PO file of every text to translate into LANG, for translators (Poedit,
    Weblate, any CAT tool): one entry per text, its field as context, the text in the first
    language, its current translation, and its file and line. Empty translations are the ones
    left to do. A file with internal texts says in its header that it is confidential."""
    import datetime as dt

    from . import translation_files

    content = _validated(content_dir)
    if lang not in content.languages[1:]:
        raise click.BadParameter(
            f"'{lang}' is not one of this operation's other languages: "
            f"{', '.join(content.languages[1:]) or 'none'}",
            param_hint="--lang",
        )
    highest = Audience.CONFIDENTIAL.value if audience == "internal" else Audience.PUBLIC.value
    suffix = "-internal" if audience == "internal" else ""
    target = out_file or Path(f"{content.operation['id']}-{lang}{suffix}.po")
    data = translation_files.export(content, lang, highest, dt.datetime.now(dt.UTC))
    target.write_bytes(data)
    click.echo(f"wrote {target}")


@translations.command("import")
@click.argument("po_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@CONTENT_OPTION
def import_translations(po_file: Path, content_dir: Path) -> None:
    """Take a translated PO file back: its translations go into content/translations/LANG.po,
    which every build reads; no YAML file is changed. A translation of a text that has changed
    since the export is left out (and the text stays on the list to translate)."""
    from . import translation_files

    content = _validated(content_dir)
    report = translation_files.import_file(content, po_file)
    click.echo(
        f"{report.target}: {report.taken} translation(s) taken, {report.unchanged} already there"
    )
    if report.stale:
        click.secho(
            f"{len(report.stale)} left out: their text has changed since the export "
            f"({', '.join(report.stale[:5])}{', …' if len(report.stale) > 5 else ''}); "
            "export again for those",
            fg="yellow",
        )
    if report.unknown:
        click.secho(f"{len(report.unknown)} left out: no such text in the content", fg="yellow")


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
    from .release import commit_phrase
    from .release import release as run_release

    result = run_release(content_dir, out_dir, version, force, progress=click.echo)
    click.echo(
        f"release {result.version}: {commit_phrase(result.git)}, "
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
@click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="public",
    show_default=True,
    help="public: the wording of public items only (other items by id, level and the fields "
    "that changed). internal: internal and confidential wording too. Strictly-confidential "
    "items are never compared.",
)
def diff(
    old: Path | None,
    new: Path | None,
    since_version: str | None,
    content_dir: Path,
    releases_dir: Path,
    out_dir: Path | None,
    audience: str,
) -> None:
    """What changed from OLD to NEW, item by item: added, removed, changed, reclassified.

    OLD and NEW are content folders or internal release bundles; --since VERSION compares
    that release with --content. Items that become public are listed first. The report shows
    the wording of public items only, unless --audience internal asks for the internal and
    confidential wording. With --out, the public HRP section is also written as a Word file
    with the changes as tracked changes, and the release notes (an internal file).
    """
    if since_version is not None and old is not None:
        raise click.UsageError("--since compares a release with --content: give no OLD or NEW")
    if since_version is None and (old is None or new is None):
        raise click.UsageError("give OLD and NEW (content folders or bundles), or --since VERSION")
    from .diff import compare, open_side, summary, write_changes
    from .release import since

    if since_version is not None:
        old, new = since(releases_dir, content_dir, since_version), content_dir
    assert old is not None and new is not None
    found = compare(open_side(old), open_side(new))
    up_to = Audience.CONFIDENTIAL if audience == "internal" else Audience.PUBLIC
    click.echo(summary(found, up_to.value), nl=False)
    for path in write_changes(found, out_dir) if out_dir else []:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("returned", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@CONTENT_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text to read, json for other tools, markdown to paste into an issue or a note.",
)
@click.option(
    "--patch",
    "patch_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the reviewers' changes to the content as a diff: check it, then "
    "`git apply FILE` from this folder.",
)
def review(returned: Path, content_dir: Path, output_format: str, patch_file: Path | None) -> None:
    """List the comments and tracked changes of a Word file a reviewer sent back.

    RETURNED is a .docx protdocs made (any document, language or audience), commented or
    changed in Word with Track Changes on. Each comment, reply and change is listed with the
    content file, line and field it belongs to; comments on text no item owns (cover,
    headings, labels) are listed as such. Changes made without tracking are found too, by
    comparing each field with the build's own text, and marked "untracked".

    The content is never changed: --patch FILE writes a diff for you to check and apply, e.g.

        protdocs review hrp-returned.docx --patch review.diff
        git apply review.diff
    """
    from . import review as reviewing
    from .validate import validated
    from .writers import write_text

    content = validated(content_dir)
    result = reviewing.review(returned, content)
    formats = {
        "text": reviewing.as_text,
        "json": reviewing.as_json,
        "markdown": reviewing.as_markdown,
    }
    click.echo(formats[output_format](result), nl=output_format == "json")
    if output_format == "json":  # the list stays a list; what the file is goes to the screen
        for note in result.notes:
            click.secho(f"note: {note}", fg="yellow", err=True)
    if patch_file is not None:
        diff, left_out = reviewing.make_patch(result, content)
        for note in left_out:
            click.secho(f"patch: {note}", fg="yellow", err=True)
        if not diff:
            click.secho("patch: no field to change; no patch written.", fg="yellow", err=True)
            return
        write_text(patch_file, diff)
        click.echo(f"wrote {patch_file}: check it, then `git apply {patch_file}`", err=True)


def _report(exc: ProtdocsError) -> None:
    if isinstance(exc, ValidationFailed):
        _print_problems(exc.problems)
    click.secho(
        f"Error: {exc.format_message()} The preview still shows the last good build.",
        fg="red",
        err=True,
    )
