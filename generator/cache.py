"""Reuse what the last build wrote when nothing it is made from has changed.

Every build still writes into a fresh staging folder, so no stale file can survive; but an output
whose fingerprint (a hash of everything it is made from: its Markdown, its Word properties, the
reference styles, the code) matches the last build's is hard-linked from that build instead of
being made again. Same bytes, same modification time, and no pandoc, MkDocs or matplotlib run.

A second, cheaper fingerprint covers a whole build's inputs (content files, templates, code,
date, options): when it matches and the last build's files are as it left them, ``protdocs
build`` has nothing to do and says so without loading the pipeline.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from .resources import MKDOCS_YML, PACKAGE, TEMPLATES

CACHE_FOLDER = ".cache"  # under the build folder, beside build/OP/, never published
# A folder of outputs by fingerprint that many build folders share (as ccache's is for
# compilers): set for a test suite or a CI job that builds the same content again and again in
# fresh folders. Unset (a drafter's build), each build folder reuses only its own last build.
# What it holds is published as it is (after the leak check): a folder only its owner can
# open (0700), never one that others write to.
STORE_VARIABLE = "PROTDOCS_OUTPUT_STORE"


def fingerprint(*parts: Any) -> str:
    """A stable hash of JSON-able parts (paths, dates and bytes digests included)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digest(root: Path, skip: Iterable[str] = ()) -> str:
    """Every file below ``root`` by relative path and content, following links to folders
    (a ``data/`` that links elsewhere is read by the build, so it counts here too)."""
    skipped = tuple(skip)
    entries = [
        (p.relative_to(root).as_posix(), file_digest(p))
        for p in sorted(_files_below(root))
        if not any(part in skipped for part in p.relative_to(root).parts)
    ]
    return fingerprint(entries)


def _files_below(root: Path) -> Iterator[Path]:
    seen: set[str] = set()
    for folder, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link back up the tree
            dirs[:] = []
            continue
        seen.add(real)
        for name in files:
            path = Path(folder) / name
            if path.is_file():
                yield path


def user_cache() -> Path:
    """protdocs' folder in the user's cache (compiled templates, parsed tables): written only
    by protdocs, like __pycache__, and safe to delete."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "protdocs"


@cache
def code_digest() -> str:
    """The tool itself: its code, vocabulary, catalogues, templates, Word styles, site settings."""
    return fingerprint(
        tree_digest(PACKAGE, skip=("__pycache__", "_data")),
        tree_digest(TEMPLATES),
        file_digest(MKDOCS_YML) if MKDOCS_YML.is_file() else None,
    )


class OutputCache:
    """Fingerprints of one operation's outputs, read from the last build, written for the next."""

    def __init__(self, out_dir: Path, op_id: str, staging: Path, enabled: bool = True) -> None:
        self.record = out_dir / CACHE_FOLDER / f"{op_id}.json"
        self.previous = out_dir / op_id
        self.staging = staging
        self.enabled = enabled
        # Where earlier versions kept the texts of PDF pages already read: removed on save.
        self.pages = out_dir / CACHE_FOLDER / f"{op_id}.pdf-pages.json"
        stored = self._load() if enabled else {}
        self.old: dict[str, str] = stored.get("outputs", {})
        self.new: dict[str, str] = {}
        self.reused: list[Path] = []
        self.made: dict[str, Path] = {}
        self.trees: dict[str, tuple[Path, tuple[str, ...]]] = {}  # made by this build
        store = os.environ.get(STORE_VARIABLE) if enabled else None
        self.store = Path(store) if store else None
        self.checked = Verdicts(stored.get("checked", []), self.store)

    def _load(self) -> dict[str, Any]:
        return _read_json(self.record)

    def relative(self, target: Path) -> str:
        return target.relative_to(self.staging).as_posix()

    def produce(self, target: Path, key: str, make: Callable[[Path], object]) -> None:
        """Link the last build's file if it was made from the same inputs, or an identical one
        made earlier in this build (a chart both audiences share); else make it."""
        rel = self.relative(target)
        self.new[rel] = key
        old = self.previous / rel
        if self.enabled and self.old.get(rel) == key and old.is_file():
            _link(old, target)
            self.reused.append(target)
        elif key in self.made and self.made[key].is_file():
            _link(self.made[key], target)
        elif self.store is not None and (self.store / key).is_file():
            # A copy, not a link: a test that alters its outputs leaves the store as it was.
            # Not counted as reused: the leak check reads it as a file this build made.
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.store / key, target)
        else:
            make(target)
            self.made[key] = target

    def store_made(self) -> None:
        """Every output this build made, into the shared store if there is one (after the
        executor has run: a chart's ``make`` only queues it for drawing). Written whole under
        a temporary name, so that builds running at once never read half a file."""
        if self.store is None:
            return
        self.store.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.store.chmod(0o700)
        for key, path in self.made.items():
            stored = self.store / key
            if stored.is_file() or not path.is_file():
                continue
            tmp = self.store / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            shutil.copy2(path, tmp)
            os.replace(tmp, stored)
        for key, (folder, skipped) in self.trees.items():
            self._store_tree(key, folder, skipped)

    def _store_tree(self, key: str, folder: Path, skipped: tuple[str, ...]) -> None:
        """A folder made by this build, into the store whole: copied aside, then renamed."""
        assert self.store is not None
        stored = self.store / f"tree-{key}"
        if stored.is_dir() or not folder.is_dir():
            return
        tmp = self.store / f".tree-{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        _copy_tree(folder, tmp, skipped)
        try:
            os.rename(tmp, stored)
        except OSError:  # another build stored the same folder meanwhile
            shutil.rmtree(tmp, ignore_errors=True)

    def reuse_tree(self, folder: Path, key: str, skip: Iterable[str] = ()) -> bool:
        """The same for a whole folder (a site), except the sub-folders named in ``skip``."""
        rel = self.relative(folder) + "/"
        self.new[rel] = key
        old = self.previous / rel
        skipped = tuple(skip)
        if self.enabled and self.old.get(rel) == key and old.is_dir():
            for path in _tree(old, skipped):
                _link(path, folder / path.relative_to(old))
                self.reused.append(folder / path.relative_to(old))
            return True
        stored = self.store / f"tree-{key}" if self.store is not None else None
        if stored is not None and stored.is_dir():  # copied, and read by the leak check
            _copy_tree(stored, folder, ())
            return True
        self.trees[key] = (folder, skipped)
        return False

    def unchanged_pages(self, folder: Path, frame: str, pages: dict[str, str]) -> set[str]:
        """A site's pages (by source name) that the last build made from the same Markdown in
        the same frame (``site.site_keys``): an edit makes only the others again."""
        rel = self.relative(folder) + "/"
        self.new[f"{rel}#frame"] = frame
        self.new.update({f"{rel}#page/{name}": key for name, key in pages.items()})
        old = self.previous / rel
        if not self.enabled or self.old.get(f"{rel}#frame") != frame or not old.is_dir():
            return set()
        return {
            name
            for name, key in pages.items()
            if self.old.get(f"{rel}#page/{name}") == key
            and (old / name).with_suffix(".html").is_file()
        }

    def link_missing(self, folder: Path, skip: Iterable[str] = ()) -> None:
        """Every file of the last build's ``folder`` that this build did not write there (a
        partial site build's unchanged pages and theme files), except the sub-folders named in
        ``skip`` (the other languages' sites)."""
        old = self.previous / (self.relative(folder) + "/")
        skipped = tuple(skip)
        for path in sorted(old.rglob("*")):
            inner = path.relative_to(old)
            target = folder / inner
            if path.is_file() and inner.parts[0] not in skipped and not target.exists():
                _link(path, target)
                self.reused.append(target)

    def keep_unchanged(self) -> None:
        """Whatever was made again byte for byte (a site page MkDocs rewrote, a Word file of an
        unchanged document) takes the last build's file back, with its modification time."""
        if not self.enabled or not self.previous.is_dir():
            return
        for path in sorted(self.staging.rglob("*")):
            old = self.previous / path.relative_to(self.staging)
            if not path.is_file() or not old.is_file():
                continue
            new_stat, old_stat = path.stat(), old.stat()
            if (new_stat.st_ino, new_stat.st_dev) == (old_stat.st_ino, old_stat.st_dev):
                continue
            if new_stat.st_size == old_stat.st_size and file_digest(path) == file_digest(old):
                path.unlink()
                _link(old, path)
                self.reused.append(path)

    def save(self, checked: Iterable[str]) -> None:
        """After a successful swap: what this build wrote, and which files passed the check
        (also into the shared store, if there is one)."""
        if not self.enabled:
            return
        clean = sorted(set(checked))
        data = {"outputs": self.new, "checked": clean}
        write_private(self.record, json.dumps(data, sort_keys=True, indent=0))
        self.pages.unlink(missing_ok=True)
        self.checked.share(clean)


class Verdicts(set[str]):
    """The leak check's verdicts known clean (``LeakChecker.file_key``: a file's bytes, its
    audience's phrases, the reader's version): the last build's, and with a shared store,
    those of every build that used it. A key names the same bytes checked for the same
    phrases, so its verdict holds wherever those bytes are; a file changed by one byte, or
    checked for other phrases, is read again."""

    def __init__(self, keys: Iterable[str], store: Path | None) -> None:
        super().__init__(keys)
        self.folder = store / "clean" if store is not None else None

    def __contains__(self, key: object) -> bool:
        if super().__contains__(key):
            return True
        return self.folder is not None and isinstance(key, str) and self._marker(key).is_file()

    def _marker(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / hashlib.sha256(key.encode("utf-8")).hexdigest()

    def share(self, clean: Iterable[str]) -> None:
        """Clean verdicts of a build whose check passed, for the others sharing the store."""
        if self.folder is None:
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for key in clean:
            self._marker(key).touch()


class Memo:
    """Values worked out from parts of the content (the leak check's words of each record),
    by a digest of what each is made from, kept between builds in a private cache record:
    an edit works out again only the values of the parts it changed.

    ``salt`` is everything else the values depend on (the code, the templates): a record
    written with another salt is ignored whole. Only the entries a build asked for are written
    back, so the record follows the content and never grows. Stored with ``marshal`` (tuples,
    sets and strings as they are, loaded in C); like the other cache records it is private to
    the drafter (0600 in a 0700 folder). A damaged one is ignored; changing one on purpose
    takes the access that changing protdocs' own code would."""

    _MAGIC = b"protdocs-memo 1\n"

    def __init__(self, path: Path | None, salt: str) -> None:
        self.path, self.salt = path, salt
        self._old: dict[str, Any] = self._load() if path is not None else {}
        self._used: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.reused = 0  # values taken from the record

    def _load(self) -> dict[str, Any]:
        assert self.path is not None
        try:
            data = self.path.read_bytes()
            if not data.startswith(self._MAGIC):
                return {}
            salt, entries = marshal.loads(data[len(self._MAGIC) :])
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        return entries if salt == self.salt and isinstance(entries, dict) else {}

    def get(self, key: str, make: Callable[[], Any]) -> Any:
        """The value kept for ``key``, or ``make()``'s, kept for the next build."""
        with self._lock:
            if key in self._used:
                return self._used[key]
        kept = key in self._old
        value = self._old[key] if kept else make()
        with self._lock:
            self._used[key] = value
            self.reused += kept
        return value

    def save(self) -> None:
        """Write what was asked for, and let go of it all (a build asks once)."""
        if self.path is not None:
            data = marshal.dumps((self.salt, self._used))
            write_private(self.path, self._MAGIC + data)
        self._old, self._used = {}, {}


def _tree(root: Path, skipped: tuple[str, ...]) -> Iterator[Path]:
    """The files below ``root``, but for those of its sub-folders named in ``skipped``."""
    for path in sorted(root.rglob("*")):
        inner = path.relative_to(root)
        if path.is_file() and not (inner.parts and inner.parts[0] in skipped):
            yield path


def _copy_tree(source: Path, target: Path, skipped: tuple[str, ...]) -> None:
    """Copies (not links: the store stays as it was whatever a build does with them)."""
    for path in _tree(source, skipped):
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_private(target: Path, text: str | bytes) -> None:
    """A cache record: readable by its owner only (0600) in a folder only its owner can list
    (0700), written whole or not at all. It names outputs, and warnings that quote content."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    target.parent.chmod(0o700)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _link(source: Path, target: Path) -> None:
    """A hard link keeps bytes and modification time; a copy where links are not possible."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def produce(
    cache: OutputCache | None, target: Path, key: Callable[[], str], make: Callable[[Path], object]
) -> None:
    """Make ``target``, or reuse it through ``cache`` when there is one (``key`` is lazy)."""
    if cache is None:
        make(target)
    else:
        cache.produce(target, key(), make)


# -- the whole build: nothing changed, nothing to do -------------------------------------------
def inputs_key(content_dir: Path, options: dict[str, Any]) -> str:
    """Everything a build reads: content files, the tool, the options and the build date."""
    import datetime as dt

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = epoch if epoch else dt.datetime.now(dt.UTC).date().isoformat()
    return fingerprint(code_digest(), content_digest(content_dir), sorted(options.items()), when)


def content_digest(content_dir: Path) -> str:
    """The files a build reads as content: the folder's own files, data/ and translations/
    (not an output folder kept inside it, such as an operation repository's build/)."""
    if not content_dir.is_dir():
        return fingerprint(None)
    own = [(p.name, file_digest(p)) for p in sorted(content_dir.iterdir()) if p.is_file()]
    folders = [(name, tree_digest(content_dir / name)) for name in ("data", "translations")]
    return fingerprint(own, folders)


def _record_of(content_dir: Path, out_dir: Path) -> Path:
    name = hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:16]
    return out_dir / CACHE_FOLDER / f"inputs-{name}.json"


def _state(op_dir: Path) -> dict[str, list[int]]:
    """Every file of a build as the build left it: size and modification time."""
    state = {}
    for path in sorted(op_dir.rglob("*")):
        if path.is_file():
            info = path.stat()
            state[path.relative_to(op_dir).as_posix()] = [info.st_size, info.st_mtime_ns]
    return state


def remember_inputs(
    content_dir: Path, out_dir: Path, op_dir: Path, key: str, warnings: list[str]
) -> None:
    """After a successful build: what it was made from and what it left."""
    data = {"key": key, "op_dir": str(op_dir), "files": _state(op_dir), "warnings": warnings}
    write_private(_record_of(content_dir, out_dir), json.dumps(data))


def up_to_date(content_dir: Path, out_dir: Path, key: str) -> tuple[Path, list[str]] | None:
    """The last build and its warnings, if it was made from these very inputs and nobody has
    touched, added or removed a file of it since; else None."""
    try:
        data = json.loads(_record_of(content_dir, out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    op_dir = Path(data["op_dir"])
    if data.get("key") != key or not op_dir.is_dir() or _state(op_dir) != data["files"]:
        return None
    return op_dir, list(data.get("warnings", []))
