"""`protdocs new`: a new operation's content folder, ready to validate and build at once.

Each content file carries commented guidance and one example item per list, with ids that show
the convention; nothing is marked public, so the public documents say "To be completed" until
drafters mark items, and a release is refused until then. The folder also gets a README for
the team, a .gitignore for build/ and, on request, a git repository with a first commit.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import schema as s
from .errors import ProtdocsError, did_you_mean
from .load import CONTENT_FILES
from .validate import EXAMPLE_MARK

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
# The folder's files and the template each comes from (dot files are not shipped as such).
FILES = {**{name: f"{name}.j2" for name in CONTENT_FILES}, "README.md": "README.md.j2"}
FILES[".gitignore"] = "gitignore.j2"

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_TITLES = {
    "en": "{country} Humanitarian Response Plan {year}: Protection",
    "fr": "Plan de réponse humanitaire {year}, {country} : protection",
    "es": "Plan de Respuesta Humanitaria {year}, {country}: protección",
    "ar": "خطة الاستجابة الإنسانية {year}، {country}: الحماية",
}


class ScaffoldRefused(ProtdocsError):
    """`protdocs new` cannot make the folder as asked; nothing was written."""


@dataclass(frozen=True)
class NewOperation:
    """What `protdocs new` is asked to make."""

    folder: Path
    country: str
    year: int
    languages: tuple[str, ...]
    operation_id: str


def operation_id(country: str, year: int) -> str:
    """The id from country and year, as the example's: "Côte d'Ivoire", 2027 → cote-divoire-2027.

    Accents are dropped and apostrophes joined; a name with no Latin letters gives no id.
    """
    plain = unicodedata.normalize("NFKD", country).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"['’]", "", plain.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", words).strip("-")
    if not slug:
        raise ScaffoldRefused(
            f"cannot make an id in Latin letters from the country name {country!r}: "
            f"give one with --id, e.g. --id sudan-{year}"
        )
    return f"{slug}-{year}"


def checked_id(text: str) -> str:
    """An id given with --id: the shape every id has (it names the output folder)."""
    if not _ID.match(text):
        raise ScaffoldRefused(
            f"--id {text!r} is not an id: use letters, digits, - and _ only, e.g. --id sudan-2027"
        )
    return text


def parse_languages(text: str) -> tuple[str, ...]:
    """`en,fr` → ("en", "fr"), each one a supported language, none twice, the first first."""
    supported = list(s.vocabulary()["language"])
    codes = tuple(code.strip().lower() for code in text.split(",") if code.strip())
    if not codes:
        raise ScaffoldRefused(f"--languages is empty: give e.g. --languages {supported[0]}")
    for code in codes:
        if code not in supported:
            hint = did_you_mean(code, supported) or ""
            raise ScaffoldRefused(
                f"--languages: '{code}' is not a supported language. {hint} "
                f"Supported: {', '.join(supported)} (the first is the one you write in).".replace(
                    "  ", " "
                )
            )
    doubled = sorted({code for code in codes if codes.count(code) > 1})
    if doubled:
        raise ScaffoldRefused(f"--languages names {', '.join(doubled)} twice: give each once")
    return codes


def create(new: NewOperation, git: bool = False, progress: Callable[[str], None] = print) -> Path:
    """Write the operation's folder, whole or not at all; never into a folder with files in it.

    The files are written into a temporary folder beside the target and moved in at the end,
    so a failure (a full disk, git missing) leaves no half-made operation behind.
    """
    target = new.folder
    if target.exists() and not target.is_dir():
        raise ScaffoldRefused(f"{target} is a file: give a new folder's name")
    if target.is_dir() and any(target.iterdir()):
        raise ScaffoldRefused(
            f"{target} is not empty: `protdocs new` only writes into a new or empty folder, "
            "so that it never overwrites content. Give another folder's name."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for name, text in render_files(new).items():
            (staging / name).write_text(text, encoding="utf-8")
        if git:
            _first_commit(staging, new)
        _move_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for name in FILES:
        progress(f"wrote {target / name}")
    return target


def render_files(new: NewOperation) -> dict[str, str]:
    """Each file's text: the templates under generator/scaffold/ with the operation's facts."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SCAFFOLD),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML and Markdown, not HTML; values go through `yaml` below
    )
    env.filters["yaml"] = _yaml_scalar
    facts = {
        "id": new.operation_id,
        "country": new.country,
        "year": new.year,
        "languages": new.languages,
        "title": _title(new),
        "folder": _shown_folder(new.folder),
        "example": EXAMPLE_MARK,
    }
    return {name: env.get_template(source).render(facts) for name, source in FILES.items()}


def _yaml_scalar(value: object) -> str:
    """A value as YAML reads it back unchanged, whatever characters a name holds (JSON is YAML)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_scalar(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def _title(new: NewOperation) -> str | dict[str, str]:
    """The title in each language when there are several, else plain text."""
    titles = {
        lang: _TITLES[lang].format(country=new.country, year=new.year) for lang in new.languages
    }
    return titles if len(titles) > 1 else titles[new.languages[0]]


def _shown_folder(folder: Path) -> str:
    """The folder as the team types it in commands: relative where it can be."""
    try:
        return os.path.relpath(folder)
    except ValueError:  # another drive on Windows
        return str(folder)


def _first_commit(folder: Path, new: NewOperation) -> None:
    """A repository with the scaffold as its first commit, so that every change shows."""
    git = shutil.which("git")
    if git is None:
        raise ScaffoldRefused(
            "--git: git is not installed. Run again without --git, or install git"
        )

    def run(*args: str) -> None:
        done = subprocess.run([git, *args], cwd=folder, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            step = next(a for a in args if a in ("init", "add", "commit"))
            raise ScaffoldRefused(f"--git: git {step} failed: {done.stderr.strip()}")

    run("init", "--quiet")
    run("add", "--all")
    who = (
        []
        if _has_identity(git, folder)
        else ["user.name=protdocs", "user.email=protdocs@localhost"]
    )
    settings = [arg for pair in ("commit.gpgsign=false", *who) for arg in ("-c", pair)]
    run(*settings, "commit", "--quiet", "-m", f"New operation {new.operation_id} (protdocs new)")


def _has_identity(git: str, folder: Path) -> bool:
    """Whether git knows who commits: else the first commit is made as protdocs."""
    found = subprocess.run(
        [git, "config", "user.email"], cwd=folder, capture_output=True, check=False
    )
    return found.returncode == 0 and bool(found.stdout.strip())


def _move_in(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        staging.mkdir()  # for the caller's clean-up, which removes it again
        return
    for child in staging.iterdir():
        child.rename(target / child.name)
