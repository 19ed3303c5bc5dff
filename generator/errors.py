"""One exception tree for what a drafter can get wrong: printed without a traceback."""

from __future__ import annotations

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
    """Click's 'Did you mean' for a mistyped id, field or enum value.

    The whole word is compared by edit distance (a letter added, dropped, changed or two swapped,
    ignoring case), not by shared fragments: `clasification` is one letter from `classification`
    and far from `locations`, which shares its ending. A word may be off by a third of its
    letters (three at most), so `R11` suggests `R1` but `R9` suggests nothing.
    """
    word = str(value).casefold()
    limit = min(3, len(word) // 3)
    best: tuple[int, str] | None = None
    for candidate in dict.fromkeys(str(c) for c in candidates):
        if abs(len(candidate) - len(word)) > limit or candidate == str(value):
            continue  # a length apart by more than the limit is as far as that at least
        distance = edit_distance(word, candidate.casefold(), limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return f"Did you mean '{best[1]}'?" if best else None


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Letters to add, drop, change or swap with a neighbour to turn ``a`` into ``b``
    (optimal string alignment): a swap is one typing slip, as in `stabel`.

    With ``limit``, stops as soon as the distance must be above it (and returns limit + 1):
    the hints compare each mistyped word with every id of a large operation.
    """
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if limit is not None and min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


class ProtdocsError(click.ClickException):
    """A mistake the user can fix: printed as 'Error: ...', exit status 1, no traceback."""


class ValidationFailed(ProtdocsError):
    """The content has errors; every one of them is listed, not just the first."""

    def __init__(self, problems: list[Problem], message: str | None = None) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        super().__init__(message or f"{len(errors)} problem(s) in the content; nothing was built.")

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
