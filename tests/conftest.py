"""Shared fixtures: a CLI runner, a writable copy of the example operation, one shared build."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import BuildResult, build
from generator.cache import STORE_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Every build of a test session is dated the same day and second, as a CI job's builds are:
# what one test made, the output store serves to any other that builds the same Markdown, and
# a rebuild compared with a cold build sees the same dates. 1 April 2027 falls inside the
# example's plan, after some of its actions were due (the annexes show them overdue).
BUILD_DAY = dt.date(2027, 4, 1)
EPOCH = str(int(dt.datetime.combine(BUILD_DAY, dt.time(), dt.UTC).timestamp()))


@pytest.fixture(scope="session", autouse=True)
def output_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store of outputs by fingerprint for every build of the session, shared by the
    pytest-xdist workers (as ccache is by a CI job's compilers): a Word file, PDF or chart
    that another test already made from the same Markdown, properties and code is copied,
    not made again, and the leak check still reads it. Tests about cold builds take the
    ``cold`` fixture. Every build of the session has the same build time (``EPOCH``)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' basetemps are folders of one run's folder
    store = root / "output-store"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STORE_VARIABLE, str(store))
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # see EPOCH; a test about dates sets its own
        yield store


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds in this test make every output themselves, as on a drafter's first build."""
    monkeypatch.delenv(STORE_VARIABLE, raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the example operation that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(EXAMPLE, target)
    return target


def replace_in(path: Path, old: str, new: str, count: int = 1) -> int:
    """Edit a content file as a drafter would; returns the 1-based line of the edit."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert needle in text, f"{needle!r} not in {path.name}"
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def edit() -> Callable[..., int]:
    return replace_in


@contextmanager
def taking_turns(lock: Path) -> Iterator[None]:
    """One pytest-xdist worker at a time in this block (a lock file all of them see)."""
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory, output_store: Path) -> BuildResult:
    """The example operation built once (per worker) for all read-only end-to-end tests. The
    workers take turns: the first makes every output, the next take them from the store
    rather than all making them at once on the same cores."""
    out = tmp_path_factory.mktemp("build")
    with taking_turns(output_store.parent / "example-build.lock"):
        return build(EXAMPLE, out)


def copy_of_build(built: BuildResult, out: Path) -> Path:
    """``out`` made a copy of a build folder (outputs and cache records): the folder a drafter
    has after building, for a test that edits it or builds again over it. A real copy, never
    links: a test that plants a file in it must not touch the shared build. Returns build/OP."""
    shutil.copytree(built.op_dir.parent, out, symlinks=True)
    return out / built.op_dir.name


@pytest.fixture
def example_out(example_build: BuildResult, tmp_path: Path) -> Path:
    """A build folder that already holds the example's build, as a drafter's does after the
    first ``protdocs build``. Building edited content into it makes again only the outputs
    the edit changed (pandoc, typst, MkDocs and the charts run for those; the others are
    linked from the last build when their fingerprint matches, as for a drafter), and the leak
    check reads every output. For tests about what an edit does to the outputs, not about a
    build into an empty folder."""
    out = tmp_path / "out"
    copy_of_build(example_build, out)
    return out


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/ from what the templates render now (review the diff).",
    )
