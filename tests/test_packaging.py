"""A fresh clone installs what was tested, and an installed protdocs works from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document

from generator.cache import STORE_VARIABLE
from tests.conftest import EXAMPLE

ROOT = EXAMPLE.parent
UV = Path(sys.executable).parent / "uv"
needs_uv = pytest.mark.skipif(not UV.exists(), reason="uv is installed by `make setup`")


def uv(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [str(UV), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@needs_uv
def test_the_lock_matches_pyproject_and_its_export() -> None:
    """uv.lock answers pyproject.toml, and requirements.txt (pip's copy, with hashes) is it."""
    checked = uv("lock", "--check", "--offline")
    assert checked.returncode == 0, checked.stderr
    exported = uv(
        "export",
        "--offline",
        "--locked",
        "--format",
        "requirements-txt",
        "--extra",
        "test",
        "--no-emit-project",
        "--no-header",
        "--quiet",
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == (ROOT / "requirements.txt").read_text(encoding="utf-8")


def test_every_locked_requirement_carries_hashes() -> None:
    entries = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    assert entries and all("==" in line and line.endswith("\\") for line in entries), entries


@pytest.mark.slow
@needs_uv
def test_a_non_editable_install_builds_the_example_from_another_folder(tmp_path: Path) -> None:
    """`pip install .` and then `protdocs build` elsewhere: templates, Word styles, site settings
    and the lock travel inside the wheel."""
    wheels = tmp_path / "wheels"
    made = uv("build", "--wheel", "--out-dir", str(wheels), "--no-build-logs")
    assert made.returncode == 0, made.stderr
    (wheel,) = wheels.glob("protdocs-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "generator/_data/templates/reference.docx",
        "generator/_data/templates/hrp-protection-section.md.j2",
        "generator/_data/templates/site/overrides/main.html",
        "generator/_data/mkdocs.yml",
        "generator/_data/uv.lock",
        "generator/site_hooks.py",
        "generator/vocabulary.yaml",
        "generator/locale/fr/LC_MESSAGES/protdocs.po",
        "generator/scaffold/analysis.yaml.j2",  # `protdocs new`
        "generator/scaffold/gitignore.j2",
    ):
        assert needed in names, needed

    venv = tmp_path / "venv"
    assert uv("venv", "--python", sys.executable, str(venv)).returncode == 0
    python = venv / "bin" / "python"
    locked = uv(
        "pip",
        "install",
        "--python",
        str(python),
        "--require-hashes",
        "-r",
        str(ROOT / "requirements.txt"),
    )
    assert locked.returncode == 0, locked.stderr
    installed = uv("pip", "install", "--python", str(python), "--no-deps", str(wheel))
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    content = shutil.copytree(EXAMPLE, elsewhere / "my-operation")
    # No shared store of outputs: the installed copy makes every output itself.
    skipped = ("PYTHONPATH", "VIRTUAL_ENV", STORE_VARIABLE)
    env = {k: v for k, v in os.environ.items() if k not in skipped}
    run = subprocess.run(
        [str(venv / "bin" / "protdocs"), "build", "--content", content.name, "--out", "out"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    op = elsewhere / "out" / "norvania-2027"
    where = subprocess.run(
        [str(python), "-c", "import generator.resources as r; print(r.TEMPLATES)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(venv) in where.stdout  # the installed copy, not this checkout
    hrp = Document(str(op / "public" / "hrp-protection-section.docx"))
    assert any(p.style.name.startswith("Heading") for p in hrp.paragraphs)
    assert (op / "site" / "index.html").is_file()
    assert "Protection preview" in (op / "site" / "index.html").read_text(encoding="utf-8")
