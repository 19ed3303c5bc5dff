"""Word files printed by LibreOffice, as a layout person would first see them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.docx_text import all_text


def office() -> tuple[str, str, str]:
    """LibreOffice, pdftoppm and pdftotext; skips the test without them (fails it in CI, where
    `make doc-tools` installs them)."""
    tools = (
        shutil.which("soffice") or shutil.which("libreoffice"),
        shutil.which("pdftoppm"),
        shutil.which("pdftotext"),
    )
    if not all(tools):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice and poppler-utils must be installed in CI (make doc-tools)")
        pytest.skip("needs LibreOffice (soffice) and poppler-utils: run `make doc-tools`")
    return tools  # type: ignore[return-value]


def print_to_pdf(sources: list[Path], folder: Path) -> list[Path]:
    """One LibreOffice run for all the files; the PDFs in the order of ``sources`` (numbered,
    since a public and an internal annex share a name)."""
    soffice = office()[0]
    copies = [folder / f"{n:02d}-{source.name}" for n, source in enumerate(sources)]
    for source, copy in zip(sources, copies, strict=True):
        shutil.copyfile(source, copy)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, copies),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return [copy.with_suffix(".pdf") for copy in copies]


def printed_text(pdf: Path) -> str:
    return subprocess.run(
        [office()[2], pdf, "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{2,}", text))


def broken_words(source: Path, pdf: Path) -> list[str]:
    """Printed words that are not words of the document: pieces of a word broken in two
    (hyphenated words may end a line whole; banners and properties count as the document's)."""
    markdown = source.with_suffix(".md").read_text(encoding="utf-8")
    joined = re.sub(r"(?<=\w)-(?=\w)", "", markdown)
    known = _words(markdown) | _words(joined) | _words(all_text(source))
    return sorted(_words(printed_text(pdf)) - known)
