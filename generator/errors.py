"""One exception tree for what a drafter can get wrong: printed without a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any

import click


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """A finding in the content, pinned to the place a drafter has to open to fix it."""

    file: Path
    line: int | None
    path: str
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = display_path(self.file)
        if self.line:
            where += f":{self.line}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        if self.severity is Severity.WARNING:
            text = f"{where}: warning: " + text[len(where) + 2 :]
        if self.hint:
            text += f"{'' if text.endswith(('.', '?', ')')) else '.'} {self.hint}"
        return text


def display_path(path: Path) -> str:
    """Relative to where the drafter stands when the file is below it, else absolute."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(Path(path).resolve())


def did_you_mean(value: str, candidates: Iterable[str]) -> str | None:
    """Click's 'Did you mean' for a mistyped id, field or enum value."""
    matches = difflib.get_close_matches(str(value), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"Did you mean '{matches[0]}'?" if matches else None


class ProtdocsError(click.ClickException):
    """A mistake the user can fix: printed as 'Error: ...', exit status 1, no traceback."""


class ValidationFailed(ProtdocsError):
    """The content has errors; every one of them is listed, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        super().__init__(f"{len(errors)} problem(s) in the content; nothing was built.")

    def show(self, file: IO[Any] | None = None) -> None:
        """Every problem, each as FILE:LINE: field: message (errors red, warnings yellow),
        then the count: every command that validates prints the same, without repeating it."""
        for problem in self.problems:
            colour = "red" if problem.severity is Severity.ERROR else "yellow"
            click.secho(str(problem), fg=colour, err=True)
        super().show(file)


class LeakFound(ProtdocsError):
    """Non-public text reached a public output: the build is refused."""

    exit_code = 3


class BuildFailed(ProtdocsError):
    """An output could not be produced (pandoc, Word post-processing, the site)."""


class BenchmarkNotMet(ProtdocsError):
    """`protdocs assess --strict`: at least one verification item of the benchmarks is not met."""
