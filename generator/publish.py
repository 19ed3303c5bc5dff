"""The build's transaction: stage, carry over, check, then swap in, or reject and quarantine.

Outputs are written into a staging folder beside the build; only when every output is written
and the leak check finds nothing does the staging folder replace the previous build, so a failed
build leaves the last good one as it was and no file of an earlier build can survive into a new
one. The transaction never deletes what a build did not make: it replaces a folder only if it
carries the marker every build writes into its own (``layout.MARKER``), it refuses an ``--out``
inside the content folder (or content inside the build), and it removes its staging folder when
the build fails, is interrupted or is stopped with SIGTERM (and the next build removes any a
killed build left).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any

from .errors import BuildFailed, LeakFound
from .layout import (
    MARKER,
    OUTPUT_FOLDERS,
    PUBLIC_FOLDERS,
    QUARANTINE_SUFFIX,
    STAGING_PREFIX,
    language_of,
)
from .leaks import LeakChecker
from .plan import Output


class NotOurs(BuildFailed):
    """A folder the build would replace was not made by a build: it is left alone."""


@dataclass
class BuildResult:
    op_dir: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # taken unchanged from the last build


# -- what a build may replace ---------------------------------------------------------------------
def guard(content_dir: Path, out_dir: Path, final: Path) -> None:
    """Refuse a build whose outputs would land in the content, or replace the content or any
    folder a build did not make (a release folder, a drafter's own)."""
    content, out, target = content_dir.resolve(), out_dir.resolve(), final.resolve()
    if out == content or (content in out.parents and _read_as_content(out.relative_to(content))):
        raise NotOurs(
            f"--out {out_dir}: inside the content of {content_dir}; a build there would mix "
            "outputs into the content. Choose an output folder of its own (the default is build/)."
        )
    if target == content or target in content.parents:
        raise NotOurs(
            f"{final}: the content folder {content_dir} is inside it, and a build replaces this "
            "folder. Choose another --out."
        )
    if not is_ours(final):
        raise NotOurs(
            f"{final}: exists and was not made by `protdocs build` (it has no {MARKER} file), "
            "so the build will not replace it. Move it elsewhere, or choose another --out."
        )


# What the loader reads inside a content folder besides its top-level files. An output folder of
# its own inside the content folder (an operation's repository keeps build/ there, git-ignored)
# is fine: nothing in it is read as content, and the build replaces only what carries its marker.
CONTENT_FOLDERS = ("data", "translations")


def _read_as_content(relative: Path) -> bool:
    return not relative.parts or relative.parts[0] in CONTENT_FOLDERS or relative.suffix != ""


def is_ours(folder: Path) -> bool:
    """A folder a build may replace: absent, empty, or carrying a build's marker."""
    if folder.is_symlink():
        return False
    if not folder.exists():
        return True
    return folder.is_dir() and ((folder / MARKER).is_file() or not any(folder.iterdir()))


def write_marker(folder: Path, languages: dict[str, str] | None = None) -> None:
    """The marker that says a build made ``folder``; it also holds, per language, the key of
    the views its outputs were made from (``run.language_key``)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {"made-by": "protdocs build", "languages": languages or {}}
    (folder / MARKER).write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")


def marker_keys(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in dict(data.get("languages") or {}).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


# -- the transaction ------------------------------------------------------------------------------
class Transaction:
    """One build's staging folder, from its creation to its swap into ``final`` (or not)."""

    def __init__(self, final: Path, checker: LeakChecker, parts: tuple[str, ...] | None = None):
        self.final, self.checker, self.parts = final, checker, parts
        self.staging = final.with_name(f"{STAGING_PREFIX}{final.name}-{os.getpid()}")
        self.rejected = final.with_name(f".rejected-{final.name}")

    @contextlib.contextmanager
    def staged(self) -> Iterator[Transaction]:
        """The staging folder, removed on the way out whatever happens (SIGTERM included)."""
        remove_leftovers(self.final)
        _remove_ours(self.staging)
        write_marker(self.staging)
        with _terminated_as_exit():
            try:
                yield self
            finally:
                _remove_ours(self.staging)

    def carry_over(self, kept: list[Output], languages: list[str]) -> None:
        """Copy from the last build the planned outputs of the languages not built now."""
        if not kept or not self.final.is_dir():
            return
        for folder in self.parts or OUTPUT_FOLDERS:
            for old in sorted((self.final / folder).rglob("*")):
                relative = PurePosixPath(old.relative_to(self.final).as_posix())
                new = self.staging / relative
                ours = [o for o in kept if o.holds(relative)]
                planned = any(language_of(Path(relative), languages) == o.lang for o in ours)
                if planned and old.is_file() and not old.is_symlink() and not new.exists():
                    new.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(old, new)

    def check(self, known_clean: set[str]) -> None:
        """The leak check of everything staged; on a finding, the staging folder is kept
        for inspection beside the build, its public folders renamed, and the build refused."""
        findings = self.checker.check(self.staging, known_clean=known_clean)
        if not findings:
            return
        quarantine(self.staging)
        rejected = reject(self.staging, self.rejected)
        raise LeakFound(
            f"confidentiality check failed; the build was not published "
            f"(kept for inspection in {rejected}):\n  "
            + "\n  ".join(str(f).replace(str(self.staging), str(self.final)) for f in findings)
        )

    def mark(self, keys: dict[str, str]) -> None:
        """Before the check: the marker with what each language's outputs were made from."""
        write_marker(self.staging, keys)

    def swap_in(self) -> None:
        """Replace the last build (or only ``parts`` of it) with the staged one."""
        if self.parts is None:
            swap(self.staging, self.final)
            return
        if not self.final.exists():
            write_marker(self.final)
        for part in self.parts:
            swap(self.staging / part, self.final / part)


def swap(staging: Path, final: Path) -> None:
    """Replace the previous build in two renames, so it is never half old, half new."""
    if not is_ours(final) and final.name not in OUTPUT_FOLDERS:
        raise NotOurs(f"{final}: not made by a build (no {MARKER} file); it is left as it is")
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def quarantine(op_dir: Path) -> list[Path]:
    """Rename the public folders so nobody can publish them by mistake after a leak; an
    earlier quarantined folder is kept (the new one is numbered), never deleted."""
    moved = []
    for name in PUBLIC_FOLDERS:
        folder = op_dir / name
        if folder.exists():
            target = op_dir / f"{name}{QUARANTINE_SUFFIX}"
            number = 1
            while target.exists():
                number += 1
                target = op_dir / f"{name}{QUARANTINE_SUFFIX}-{number}"
            os.replace(folder, target)
            moved.append(target)
    return moved


def reject(staging: Path, rejected: Path) -> Path:
    """Keep a refused build for inspection, beside the build and never under its name; a
    folder of that name the build did not make is left alone (the build goes beside it)."""
    if not is_ours(rejected):
        rejected = rejected.with_name(f"{rejected.name}-{os.getpid()}")
    _remove_ours(rejected)
    os.replace(staging, rejected)
    rejected.chmod(0o700)  # it holds what must not be published: its owner only
    return rejected


def remove_leftovers(final: Path) -> None:
    """Staging and old folders of builds that were killed (their process is gone)."""
    for prefix in (f"{STAGING_PREFIX}{final.name}-", f".old-{final.name}-"):
        for folder in final.parent.glob(f"{prefix}*"):
            pid = folder.name[len(prefix) :]
            if pid.isdigit() and not _alive(int(pid)):
                _remove_ours(folder)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier build of this very process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_ours(folder: Path) -> None:
    if folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file():
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, `kill`) unwinds the build like Ctrl-C does, so that the
    staging folder is removed; only the main thread can set a handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> Any:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
