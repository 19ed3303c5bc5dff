"""`protdocs release`: versioned, verifiable bundles of a build, and what changed since the last.

A release validates strictly, builds everything with the release's version printed on every
document, and zips build/OP/ into two bundles under build/releases/ (outside build/OP/, which
every build replaces): the public one holds only the leak-checked public/ and site/ folders, the
internal one internal/ plus the content snapshot and the release notes. Each has a MANIFEST.json
with every file's SHA-256, the content's git commit and the build time.

The build time comes from SOURCE_DATE_EPOCH, else from the last commit of the content, so that a
release of the same commit is byte for byte the same bundle. Content outside git has no such
time: the clock is used and the manifest says the bundle cannot be reproduced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import snapshot
from .audience import Audience
from .build import Progress, build, tool_version
from .diff import (
    CHANGES_DOCX,
    MANIFEST,
    RELEASE_NOTES,
    ContentDiff,
    Side,
    compare,
    open_side,
    release_notes,
    write_changes_docx,
)
from .documents import RELEASES
from .errors import BuildFailed, LeakFound, ProtdocsError
from .layout import BUNDLES
from .leaks import LeakChecker
from .model import Content
from .resources import LOCK
from .validate import validated
from .writers import write_atomically, write_text, zip_entry

_VERSION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,38}[A-Za-z0-9])?$")
_NOT_IN_GIT = (
    "clock: not reproducible (no commit of the content in git, and SOURCE_DATE_EPOCH not set)"
)


class ReleaseExists(ProtdocsError):
    """A release of this version is there already: releasing again needs --force."""


@dataclass(frozen=True)
class GitFacts:
    """Where the content stands in git; all None when it is not in a repository."""

    commit: str | None = None
    dirty: bool | None = None
    commit_time: int | None = None  # of the last commit that changed the content folder


@dataclass(frozen=True)
class BuildTime:
    epoch: int
    source: str

    @property
    def iso(self) -> str:
        return dt.datetime.fromtimestamp(self.epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ReleaseResult:
    version: str
    bundles: dict[str, Path]
    git: GitFacts
    built: BuildTime
    previous: str | None
    diff: ContentDiff | None


def check_version(version: str) -> str:
    """A version that reads as one and can be part of a file name."""
    if not _VERSION.match(version) or not re.search(r"\d", version):
        raise ProtdocsError(
            f"'{version}' is not a release version: use digits, letters, '.', '-', '_' or '+', "
            "starting and ending with a letter or digit (e.g. 2027.2 or 2027.2-final)"
        )
    return version


def bundle_path(releases: Path, operation: str, version: str, audience: str) -> Path:
    return releases / f"{operation}-{version}-{audience}.zip"


def git_facts(folder: Path) -> GitFacts:
    """The commit checked out where the content is, and whether the content differs from it."""
    commit = _git(folder, "rev-parse", "--verify", "HEAD")
    if commit is None:
        return GitFacts()
    status = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", ".")
    when = _git(folder, "log", "-1", "--format=%ct", "--", ".")
    return GitFacts(commit, bool(status), int(when) if when else None)


def _git(folder: Path, *args: str) -> str | None:
    """git's answer, or None where there is no git or no repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def release_time(git: GitFacts) -> BuildTime:
    """SOURCE_DATE_EPOCH if set, else the time of the content's last commit, else the clock."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "")
    if given:
        if not given.isdigit():
            raise ProtdocsError(
                f"SOURCE_DATE_EPOCH is '{given}': it must be whole seconds since 1970-01-01 UTC"
            )
        return BuildTime(int(given), "SOURCE_DATE_EPOCH")
    if git.commit_time is not None:
        return BuildTime(git.commit_time, "time of the last commit of the content")
    return BuildTime(int(time.time()), _NOT_IN_GIT)


@contextmanager
def source_date_epoch(epoch: int) -> Iterator[None]:
    """The build and MkDocs both read the build time from the environment: set it meanwhile."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def release(
    content_dir: Path,
    out_dir: Path,
    version: str,
    force: bool = False,
    progress: Progress = lambda _: None,
) -> ReleaseResult:
    """Validate strictly, build with ``version`` on every document, and write both bundles."""
    check_version(version)
    content = validated(content_dir, strict=True).released_as(version)
    operation = content.operation["id"]
    folder = out_dir / RELEASES
    targets = {name: bundle_path(folder, operation, version, name) for name in BUNDLES}
    _refuse_existing(targets, force)
    git = git_facts(content_dir)
    built = release_time(git)
    with source_date_epoch(built.epoch):
        op_dir = build(content_dir, out_dir, progress, version=version).op_dir
        previous = previous_release(folder, operation, version)
        earlier = bundle_path(folder, operation, previous, "internal") if previous else None
        facts = _manifest_facts(content, version, git, built)
        with tempfile.TemporaryDirectory(prefix="protdocs-release-") as tmp:
            extras, diff = _internal_extras(
                content, earlier, Path(tmp), f"Built {built.iso} from {commit_phrase(git)}."
            )
            for name, target in targets.items():
                files = {**_files(op_dir, BUNDLES[name]), **(extras if name == "internal" else {})}
                write_bundle(target, files, {**facts, "audience": name}, built)
                progress(f"released {target} ({len(files)} files)")
    return ReleaseResult(version, targets, git, built, previous, diff)


def _refuse_existing(targets: dict[str, Path], force: bool) -> None:
    existing = [path for path in targets.values() if path.exists()]
    if existing and not force:
        raise ReleaseExists(
            f"{existing[0]} exists: this version was released already. "
            "Choose a new version, or use --force (make release FORCE=1) to replace it."
        )


def released_versions(folder: Path, operation: str) -> list[str]:
    """The versions of ``operation`` released into ``folder``, oldest first."""
    found = (_version_of(path, operation) for path in folder.glob(f"{operation}-*-internal.zip"))
    return sorted((v for v in found if v), key=version_key)


def previous_release(folder: Path, operation: str, version: str) -> str | None:
    """The highest version released before ``version``, if any."""
    older = [
        v for v in released_versions(folder, operation) if version_key(v) < version_key(version)
    ]
    return older[-1] if older else None


def version_key(version: str) -> list[tuple[int, int | str]]:
    """2027.10 after 2027.9: numbers compare as numbers, the rest as text."""
    return [
        (0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", version)
    ]


def _version_of(bundle: Path, operation: str) -> str | None:
    """The version in an internal bundle's name, if the bundle is one of ``operation``."""
    name = bundle.name.removesuffix("-internal.zip")
    return name.removeprefix(f"{operation}-") if name.startswith(f"{operation}-") else None


def _internal_extras(
    content: Content, previous: Path | None, tmp: Path, made: str
) -> tuple[dict[str, Path], ContentDiff | None]:
    """The content snapshot, the release notes and the tracked HRP changes, leak-checked."""
    extras = {snapshot.SNAPSHOT: tmp / snapshot.SNAPSHOT, RELEASE_NOTES: tmp / RELEASE_NOTES}
    write_atomically(extras[snapshot.SNAPSHOT], lambda p: p.write_bytes(snapshot.dump(content)))
    title = f"{content.operation['id']} {content.operation['version']}"
    diff = None
    if previous is None:
        notes = f"# {title}\n\nFirst release. {made}\n"
    else:
        diff = compare(
            open_side(previous), Side(f"release {content.operation['version']}", content)
        )
        notes = release_notes(diff, title, f"Changes since {diff.old.label}. {made}")
        extras[CHANGES_DOCX] = tmp / CHANGES_DOCX
        write_changes_docx(diff.old.content, diff.new.content, extras[CHANGES_DOCX])
    write_text(extras[RELEASE_NOTES], notes)
    _leak_check(content, extras.values())
    return extras, diff


def _leak_check(content: Content, paths: Iterable[Path]) -> None:
    """What the release adds to the internal bundle holds nothing strictly confidential."""
    checker = LeakChecker(content)
    findings = [f for path in paths for f in checker.check_file(path, Audience.CONFIDENTIAL)]
    if findings:
        raise LeakFound("confidentiality check failed:\n  " + "\n  ".join(map(str, findings)))


def commit_phrase(git: GitFacts) -> str:
    if git.commit is None:
        return "content outside git"
    return f"commit {git.commit[:12]}" + (" with uncommitted changes" if git.dirty else "")


def _manifest_facts(
    content: Content, version: str, git: GitFacts, built: BuildTime
) -> dict[str, Any]:
    return {
        "operation": content.operation["id"],
        "version": version,
        "commit": git.commit,
        "dirty": git.dirty,
        "build_time": built.iso,
        "build_time_source": built.source,
        "tool": "protdocs",
        "tool_version": tool_version(),
        "dependency_lock": lock_digest(),
    }


def lock_digest() -> str | None:
    """The SHA-256 of the uv.lock the tool runs from: which set of packages made the release."""
    return hashlib.sha256(LOCK.read_bytes()).hexdigest() if LOCK.is_file() else None


def _files(op_dir: Path, folders: tuple[str, ...]) -> dict[str, Path]:
    """Every file of the given build folders, by its path in the bundle; each must be there."""
    missing = [name for name in folders if not (op_dir / name).is_dir()]
    if missing:
        raise BuildFailed(f"{op_dir}: the build wrote no {', '.join(missing)}/ folder to release")
    return {
        path.relative_to(op_dir).as_posix(): path
        for name in folders
        for path in sorted((op_dir / name).rglob("*"))
        if path.is_file()
    }


def write_bundle(
    target: Path, files: dict[str, Path], facts: dict[str, Any], built: BuildTime
) -> dict[str, Any]:
    """A zip that is the same bytes for the same files: manifest first, then sorted entries."""
    contents = {name: files[name].read_bytes() for name in sorted(files)}
    manifest = {**facts, "files": [_entry(name, data) for name, data in contents.items()]}
    stamp = dt.datetime.fromtimestamp(built.epoch, dt.UTC)

    def produce(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as bundle:
            bundle.writestr(zip_entry(MANIFEST, stamp), _json(manifest))
            for name, data in contents.items():
                bundle.writestr(zip_entry(name, stamp), data)

    write_atomically(target, produce)
    return manifest


def _entry(name: str, data: bytes) -> dict[str, Any]:
    return {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def since(folder: Path, content_dir: Path, version: str) -> Path:
    """The internal bundle in ``folder`` of release ``version`` of the content's operation."""
    operation = validated(content_dir).operation["id"]
    path = bundle_path(folder, operation, version, "internal")
    if not path.is_file():
        known = ", ".join(released_versions(folder, operation)) or "none yet"
        raise ProtdocsError(f"{path}: no release {version} of {operation} (released: {known})")
    return path
