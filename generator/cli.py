"""The ``protdocs`` command: thin click commands over the pipeline functions."""

from __future__ import annotations

from pathlib import Path

import click

from . import build as pipeline
from .errors import Problem, Severity, ValidationFailed

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


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        colour = "red" if problem.severity is Severity.ERROR else "yellow"
        click.secho(str(problem), fg=colour, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
        content = pipeline.validated(content_dir, strict=strict)
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
def build(content_dir: Path, out_dir: Path) -> None:
    """Validate, then write every document (Word and Markdown) and check them for leaks.

    Public documents go to build/OP/public/, the HCT action plan to build/OP/internal/.
    A failed build leaves the previous one untouched.
    """
    try:
        pipeline.build(content_dir, out_dir, progress=click.echo)
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
