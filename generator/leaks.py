"""The leak check: prove, after every build, that no output holds text its audience may not see.

Every file under an output folder is read through the format registry (``formats``) the way a
reader or a search engine would: each part of a Word file, bookmark names and properties too,
HTML without tags, every string of a JSON search index, PNG text chunks, PDF pages, and every
part of every container inside it, recursively. It is searched for the word sequences and the
distinctive numbers (five digits or more) of every item above that folder's audience. Word
sequences that also occur in text the audience may see (public items, the templates' fixed
wording, the vocabulary) are not distinctive and are not searched for, so a finding is always a
real copy of non-public wording, even when Word split it across runs.

The check fails closed: a file or part it cannot read is a finding, and so is an image the
build did not draw.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, partial
from pathlib import Path
from typing import Any, NamedTuple

from . import schema as s
from .audience import Audience
from .cache import Memo, code_digest, fingerprint, tree_digest
from .documents import DOCUMENTS
from .formats import INVISIBLE, SEPARATOR, extract
from .i18n import translated_strings
from .layout import CHARTS, folder_audience
from .model import Content
from .render import TEMPLATES

SHINGLE = 5  # words; long enough to be distinctive, short enough to catch a copied clause
_WORD = re.compile(r"\w+", re.UNICODE)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_GETTEXT = re.compile(r"""_\(\s*(["'])(.*?)\1\s*\)""", re.DOTALL)
# Numbers of five digits or more (people at risk, results, table figures) are distinctive: as
# written in any language (12,345 / 12 345 / 12.345 / Arabic-Indic digits).
MIN_DIGITS = 5
_NUMBER = re.compile(r"\d{1,3}(?:[ ,.'\u00a0\u202f\u066c]\d{3})+(?!\d)|\d+")
# Raised whenever the readers change what they get out of a file: a verdict cached by an earlier
# version of the check is then not trusted.
READER_VERSION = "3"


def pdf_text(path: Path) -> str:
    """A PDF's text as the leak check reads it (pages, properties, alt text, attachments), for
    tests and checks: the registry's reader, the one the check itself uses."""
    return "\n".join(extract(path.name, path.read_bytes()).texts)


def tokens(text: str) -> list[str]:
    """Words as a reader sees them: entities decoded, case and Unicode forms folded, invisible
    characters dropped (``INVISIBLE``)."""
    folded = unicodedata.normalize("NFKC", html.unescape(text))
    return _WORD.findall(INVISIBLE.sub("", folded).casefold())


def ngrams(words: list[str], sizes: Iterable[int]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for n in sizes:
        found.update(windows(words, n))
    return found


def windows(words: Sequence[str], n: int) -> Iterator[tuple[str, ...]]:
    """Every run of ``n`` consecutive words, made in C by zip: files can hold a million words."""
    return zip(*(words[i:] for i in range(n)), strict=False)


class Reading(NamedTuple):
    """One output as the check reads it (``formats.extract``, then ``tokens``)."""

    unreadable: tuple[tuple[str, str], ...]  # (part, why)
    images: tuple[tuple[str, str], ...]  # (part, sha256)
    text: str
    words: tuple[str, ...]


def read_output(name: str, data: bytes) -> Reading:
    """The file ``name`` holding ``data``, read; the same bytes under the same name are read
    once per process (``_READINGS``): a reading depends on nothing else, and the check's
    verdicts, which depend on the phrases too, are not kept here. A build reads each output
    once, but ``serve`` and a test suite read the same theme files, charts and PDFs again in
    build after build, for other phrases."""
    key = (name, hashlib.sha256(data).hexdigest())
    kept = _READINGS.get(key)
    if kept is not None:
        return kept
    found = extract(name, data)
    text = " ".join(found.texts)
    reading = Reading(tuple(found.unreadable), tuple(found.images), text, tuple(tokens(text)))
    _READINGS.put(key, reading)
    return reading


class _Kept:
    """The readings read last, up to ``budget`` characters of text in all (a build of the
    example reads about 1.2 million characters; a large operation tens of millions): the
    oldest are let go first."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._entries: OrderedDict[tuple[str, str], Reading] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Reading | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], reading: Reading) -> None:
        with self._lock:
            if key in self._entries or len(reading.text) > self.budget:
                return
            self._entries[key] = reading
            self._size += len(reading.text)
            while self._size > self.budget:
                _, oldest = self._entries.popitem(last=False)
                self._size -= len(oldest.text)


_READINGS = _Kept(budget=4_000_000)


@dataclass(frozen=True)
class Secret:
    """One non-public field, by the item that holds it, and its distinctive word sequences."""

    item: str
    level: int
    field: str
    where: str
    phrases: frozenset[tuple[str, ...]]


class RecordWords(NamedTuple):
    """What the check takes from one record's own fields (level None: from the wording every
    output may hold): a plain tuple, so that a build can keep it for the next (``Memo``)."""

    level: int | None
    label: str
    where: str
    grams: frozenset[tuple[str, ...]]  # every run of 1 to SHINGLE words of its strings
    numbers: frozenset[str]  # the distinctive numbers of its strings and values
    field_numbers: tuple[tuple[str, str], ...]  # (field, number), as ``number_secrets`` names
    field_words: tuple[tuple[str, tuple[str, ...]], ...]  # (field, words) of its free text


def record_words(record: dict[str, Any]) -> tuple[Any, ...]:
    """A record's ``RecordWords``, as a plain tuple."""
    field_numbers = tuple(_record_numbers(record))
    grams, numbers = _grams_and_numbers(list(_own_strings(record)))
    numbers |= {n for _field, n in field_numbers}
    field_words = tuple((field, tuple(w)) for field, w in _record_texts(record))
    where = (_label(record), _where(record))
    return (record["_level"], *where, grams, frozenset(numbers), field_numbers, field_words)


def _words_of(texts: list[str]) -> tuple[Any, ...]:
    """The ``RecordWords`` of texts every output may hold (level None), as a plain tuple."""
    grams, numbers = _grams_and_numbers(texts)
    return (None, "", "", grams, frozenset(numbers), (), ())


def _grams_and_numbers(texts: list[str]) -> tuple[frozenset[tuple[str, ...]], set[str]]:
    grams: set[tuple[str, ...]] = set()
    for text in texts:
        words = tokens(text)
        for n in range(1, SHINGLE + 1):
            grams.update(windows(words, n))
    return frozenset(grams), {n for text in texts for n in numbers_in(text)}


def _record_key(record: dict[str, Any]) -> str:
    """What a record's words are made from: its own fields (its level, place and label too),
    not the records nested in it. Its ``repr``: the content holds only plain values
    (strings, numbers, lists, mappings), and it is several times faster than JSON."""
    own = {k: v for k, v in record.items() if not _is_record_or_records(v)}
    return hashlib.blake2b(repr(own).encode("utf-8"), digest_size=16).hexdigest()


PhraseIndex = tuple[set[tuple[str, ...]], dict[tuple[str, ...], list["Secret"]]]


@dataclass(frozen=True)
class Finding:
    """Non-public wording (or, with ``number``, a non-public figure) found in an output."""

    secret: Secret
    output: Path
    number: str | None = None

    def __str__(self) -> str:
        what = f"the number {self.number}" if self.number else "text"
        return (
            f"{self.output}: {what} of {self.secret.item} ({self.secret.field}, "
            f"{s.LEVELS[self.secret.level]}, {self.secret.where}) appears in this file"
        )


@dataclass(frozen=True)
class CannotRead:
    """A file, or a part of a container, the leak check cannot read: it proves nothing about
    it, so the build is refused rather than trusting it."""

    output: Path
    part: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.output} (part {self.part})" if self.part else str(self.output)
        return (
            f"{where}: the leak check cannot read this ({self.reason}), so it cannot prove that "
            "it holds no non-public text. Remove it from the output folder; if the build wrote "
            "it, report it to the tool's maintainers"
        )


@dataclass(frozen=True)
class ForeignImage:
    """An image the build did not draw: a file named in the content that a converter embedded
    (pandoc's image syntax), or one added by hand."""

    output: Path
    part: str

    def __str__(self) -> str:
        where = f"{self.output} (part {self.part})" if self.part else str(self.output)
        return (
            f"{where}: an image this build did not draw; only the build's own charts may be "
            "published. Look for image syntax (![...](...)) in the content's text fields"
        )


LeakFinding = Finding | CannotRead | ForeignImage


class LeakChecker:
    """Built once per content; checks any number of output folders. ``kept``: where the
    records' words are kept between builds, so that an edit works out only those of the records
    it changed."""

    def __init__(
        self, content: Content, template_dir: Path = TEMPLATES, kept: Path | None = None
    ) -> None:
        self.content = content
        self.template_dir = template_dir
        self._kept = kept
        self._preparing: threading.Thread | None = None
        self._preparation = threading.RLock()  # the phrase caches are filled by one thread
        self._early: dict[str, list[LeakFinding]] = {}  # file key -> findings (check_early)
        # Hashes of the images the build drew (its charts), by the highest audience whose
        # folder holds them: told by the build as it draws them, and read again from the
        # charts folders of the build checked. An internal chart is no public file's image.
        self.drawn: dict[Audience, set[str]] = {a: set() for a in Audience}
        self.images = self.drawn

    @cached_property
    def fixed_wording(self) -> list[str]:
        texts = [label for labels in s.vocabulary().values() for label in map(str, labels.values())]
        texts.extend(translated_strings())  # the same fixed wording in the other languages
        for path in sorted(self.template_dir.glob("**/*.j2")):
            source = path.read_text(encoding="utf-8")
            texts.extend(m.group(2) for m in _GETTEXT.finditer(source))
            texts.append(_JINJA.sub(" ", source))
        return texts

    def allowed(self, audience: Audience) -> set[tuple[str, ...]]:
        """Every word sequence an audience may legitimately find in its outputs.

        Read from the content's records by their level, not from the audience filter's view:
        a bug in the filter must not also widen what the check accepts.
        """
        if audience not in self._allowed:
            grams = set(self._grams_by_level[None])
            for level, more in self._grams_by_level.items():
                if level is not None and level <= audience.value:
                    grams |= more
            self._allowed[audience] = grams
        return self._allowed[audience]

    @cached_property
    def _allowed(self) -> dict[Audience, set[tuple[str, ...]]]:
        return {}

    @cached_property
    def _memo(self) -> Memo:
        """Each record's words, kept between builds (``kept``): the salt is everything else
        they depend on, so that new code, templates or catalogues start afresh."""
        if self._kept is None:
            return Memo(None, "")
        templates = None if self.template_dir == TEMPLATES else tree_digest(self.template_dir)
        salt = fingerprint(
            "leak-words", code_digest(), templates, sys.version, unicodedata.unidata_version
        )
        return Memo(self._kept, salt)

    def words_reused(self) -> int:
        """How many records' words were kept from the last build (none changed since)."""
        with self._preparation:
            _ = self._grams_by_level
        return self._memo.reused if self._kept is not None else 0

    @cached_property
    def _words(self) -> list[RecordWords]:
        """The words of wording every output may hold (level None), then of each record:
        each worked out again only when it changed since the last build."""
        fixed = self._memo.get("fixed", lambda: _words_of(self.fixed_wording))
        operation = list(_strings(_public_metadata(self.content.operation)))
        key = fingerprint("operation", operation)
        found = [fixed, self._memo.get(key, partial(_words_of, operation))]
        for record in self._records:
            found.append(self._memo.get(_record_key(record), partial(record_words, record)))
        return [RecordWords._make(words) for words in found]

    @cached_property
    def _grams_by_level(self) -> dict[int | None, set[tuple[str, ...]]]:
        """The word sequences of each level's records, and (None) of the wording every output
        may hold."""
        grams: dict[int | None, set[tuple[str, ...]]] = {}
        for words in self._words:
            grams.setdefault(words.level, set()).update(words.grams)
        self._memo.save()  # for the next build: each record's words depend on it alone
        # Each record's own sequences are in the levels' sets now: let go of them (at 30 times
        # the example, the one-field rebuild's peak went from 735 to 701 MiB).
        self._words = [words._replace(grams=frozenset()) for words in self._words]
        return grams

    @cached_property
    def _numbers_by_level(self) -> dict[int | None, set[str]]:
        """The distinctive numbers each level's records hold, as values or in their text."""
        found: dict[int | None, set[str]] = {}
        for words in self._words:
            found.setdefault(words.level, set()).update(words.numbers)
        return found

    def allowed_numbers(self, audience: Audience) -> set[str]:
        return {
            n
            for level, numbers in self._numbers_by_level.items()
            if level is None or level <= audience.value
            for n in numbers
        }

    def number_secrets(self, audience: Audience) -> dict[str, list[Secret]]:
        """Each distinctive number of the items above ``audience``, and the items that hold it."""
        allowed = self.allowed_numbers(audience)
        found: dict[str, list[Secret]] = {}
        for level, words in self._above(audience):
            for field, number in words.field_numbers:
                if number not in allowed:
                    secret = Secret(words.label, level, field, words.where, frozenset())
                    found.setdefault(number, []).append(secret)
        return found

    def _above(self, audience: Audience) -> Iterator[tuple[int, RecordWords]]:
        """The words of the records above ``audience``, with their level."""
        for words in self._words:
            if words.level is not None and words.level > audience.value:
                yield words.level, words

    @cached_property
    def _records(self) -> list[dict[str, Any]]:
        return list(_records(self.content))

    def secrets(self, audience: Audience) -> list[Secret]:
        """The distinctive wording of every item above ``audience``."""
        allowed = self.allowed(audience)
        found = []
        for level, words in self._above(audience):
            for field, tokens_ in words.field_words:
                phrases = _distinctive(list(tokens_), allowed)
                if phrases:
                    found.append(Secret(words.label, level, field, words.where, phrases))
        return found

    def prepare(self, audiences: Collection[Audience] = tuple(Audience)) -> None:
        """Work out the phrases of these audiences now, so that checking is only reading."""
        for audience in audiences:
            self._phrases_by_length(audience)
            self.phrases_key(audience)
            self._numbers_for(audience)

    def start_preparing(self, audiences: Collection[Audience] = tuple(Audience)) -> None:
        """``prepare`` on a thread of its own: a build starts it once its templates are
        rendered, while its main thread mostly waits for pandoc and the chart processes.
        Whichever thread asks for an audience's phrases first works them out; the others wait
        for it (a lock) rather than doing it again."""
        if self._preparing is None:
            self._preparing = threading.Thread(
                target=self.prepare, args=(audiences,), name="leak-phrases", daemon=True
            )
            self._preparing.start()

    def check_early(self, path: Path, op_dir: Path, known_clean: Collection[str] = ()) -> None:
        """Check one output of the build in ``op_dir`` as soon as it is written, on the thread
        that wrote it; ``check`` then takes the verdict if the file is still the same bytes.
        ``known_clean`` as for ``check``: a theme file MkDocs wrote again is not read again."""
        audience = audience_of(path.relative_to(op_dir))
        key = self.file_key(path, audience)
        if key not in known_clean:
            self._early[key] = list(self.check_file(path, audience))

    def add_images(self, paths: Iterable[Path], op_dir: Path) -> None:
        """The build drew these (under ``op_dir``): a copy of one in a Word file or the site
        of the same audience or a higher one is its own."""
        _add_images(self.drawn, paths, op_dir)

    def check(self, op_dir: Path, known_clean: Collection[str] = ()) -> list[LeakFinding]:
        """Every finding in every output folder of one operation's build.

        ``known_clean`` holds the keys (``self.clean``) of files an earlier check of the same
        content found clean: the same bytes for the same audience need not be read again.
        Anything that is not a regular file or folder (a link, a socket) is a finding too.
        """
        findings: list[LeakFinding] = []
        self.clean: set[str] = set()
        everything = sorted(op_dir.rglob("*"))
        self.images = {a: set(digests) for a, digests in self.drawn.items()}
        charts = (p for p in everything if CHARTS in p.parent.parts and _regular(p))
        _add_images(self.images, charts, op_dir)
        for path in everything:
            if path.is_dir() and not path.is_symlink():
                continue
            if not _regular(path):
                findings.append(CannotRead(path, "", "not a regular file (a link or a device)"))
                continue
            audience = audience_of(path.relative_to(op_dir))
            key = self.file_key(path, audience)
            if key in known_clean:
                self.clean.add(key)
                continue
            found = (
                self._early[key] if key in self._early else list(self.check_file(path, audience))
            )
            findings.extend(found)
            if not found:
                self.clean.add(key)
        return findings

    def file_key(self, path: Path, audience: Audience) -> str:
        """A file's verdict depends on its bytes, whether it is a theme file, and the phrases
        searched for in its audience's files: nothing else."""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return f"{READER_VERSION}:{digest}:{'assets' in path.parts}:{self.phrases_key(audience)}"

    def phrases_key(self, audience: Audience) -> str:
        with self._preparation:
            return self._phrases_key(audience)

    def _phrases_key(self, audience: Audience) -> str:
        if audience not in self._phrases_keys:
            phrases = sorted(
                (s.item, s.field, s.level, s.where, sorted(s.phrases))
                for s in self._secrets_for(audience)
            )
            numbers = sorted(self._numbers_for(audience))
            text = json.dumps([SHINGLE, phrases, numbers], ensure_ascii=False)
            self._phrases_keys[audience] = hashlib.sha256(text.encode()).hexdigest()
        return self._phrases_keys[audience]

    @cached_property
    def _phrases_keys(self) -> dict[Audience, str]:
        return {}

    def check_file(self, path: Path, audience: Audience) -> Iterator[LeakFinding]:
        """Read one output through the format registry: what it cannot read, images the build
        did not draw, then each phrase length once over its words (set lookups done in C)
        and its distinctive numbers."""
        found = read_output(path.name, path.read_bytes())
        for part, reason in found.unreadable:
            yield CannotRead(path, _inner(path, part), reason)
        for part, digest in found.images:
            if digest not in self.images[audience] and digest not in _theme_images():
                yield ForeignImage(path, _inner(path, part))
        yield from self._number_findings(path, found.text, audience)
        words = found.words
        vendored = "assets" in path.parts  # theme files: only phrases of three words or more
        hits: dict[int, Secret] = {}
        for n, (phrases, owners) in self._phrases_by_length(audience).items():
            if vendored and n < 3:
                continue
            # intersection() walks the file's windows without storing them all.
            for phrase in phrases.intersection(windows(words, n)):
                for secret in owners[phrase]:
                    hits[id(secret)] = secret
        yield from (Finding(s, path) for s in self._secrets_for(audience) if id(s) in hits)

    def _number_findings(self, path: Path, text: str, audience: Audience) -> Iterator[Finding]:
        secrets = self._numbers_for(audience)
        if not secrets:
            return
        for number in sorted(numbers_in(text) & secrets.keys()):
            for secret in secrets[number]:
                yield Finding(secret, path, number=f"{int(number):,}")

    def _numbers_for(self, audience: Audience) -> dict[str, list[Secret]]:
        with self._preparation:
            if audience not in self._number_cache:
                self._number_cache[audience] = self.number_secrets(audience)
            return self._number_cache[audience]

    @cached_property
    def _number_cache(self) -> dict[Audience, dict[str, list[Secret]]]:
        return {}

    def _phrases_by_length(self, audience: Audience) -> dict[int, PhraseIndex]:
        """For each phrase length: the phrases, and which secrets each belongs to."""
        with self._preparation:
            return self._index_of(audience)

    def _index_of(self, audience: Audience) -> dict[int, PhraseIndex]:
        if audience not in self._index_cache:
            owners: dict[int, dict[tuple[str, ...], list[Secret]]] = {}
            for secret in self._secrets_for(audience):
                for phrase in secret.phrases:
                    owners.setdefault(len(phrase), {}).setdefault(phrase, []).append(secret)
            self._index_cache[audience] = {n: (set(o), o) for n, o in owners.items()}
        return self._index_cache[audience]

    def _secrets_for(self, audience: Audience) -> list[Secret]:
        if audience not in self._secret_cache:
            self._secret_cache[audience] = self.secrets(audience)
        return self._secret_cache[audience]

    @cached_property
    def _secret_cache(self) -> dict[Audience, list[Secret]]:
        return {}

    @cached_property
    def _index_cache(self) -> dict[Audience, dict[int, PhraseIndex]]:
        return {}


def audience_of(relative: Path) -> Audience:
    """The audience of an output: its folder's, narrowed by its document's if registered.

    A public folder stays public whatever the registry says, so a document registered with
    the wrong audience is still checked as public.
    """
    text = relative.as_posix()
    by_folder = folder_audience(relative)
    for doc in DOCUMENTS:
        if text.startswith(f"{doc.folder}/{doc.slug}."):
            return min(doc.audience, by_folder, key=lambda a: a.value)
    return by_folder


def chart_audience(relative: Path) -> Audience:
    """The audience of a chart: that of the documents drawn with it (the charts of
    internal/annexes/ are the internal annex's), never wider than its folder's."""
    parts = relative.parts
    base = "/".join(parts[: parts.index(CHARTS)]) if CHARTS in parts else None
    by_folder = folder_audience(relative)
    drawn_for = [d.audience for d in DOCUMENTS if d.charts and d.folder == base]
    return min([*drawn_for, by_folder], key=lambda a: a.value) if drawn_for else by_folder


def numbers_in(text: str) -> set[str]:
    """The distinctive numbers of a text, as digits only (12 345 and ١٢٣٤٥ are 12345)."""
    found = set()
    for match in _NUMBER.finditer(INVISIBLE.sub("", text)):
        digits = str(int("".join(ch for ch in match.group() if ch.isdecimal())))
        if len(digits) >= MIN_DIGITS:
            found.add(digits)
    return found


def _add_images(images: dict[Audience, set[str]], paths: Iterable[Path], op_dir: Path) -> None:
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lowest = chart_audience(path.relative_to(op_dir))
        for audience in Audience:
            if audience.value >= lowest.value:
                images[audience].add(digest)


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _inner(path: Path, part: str) -> str:
    """The part's name inside ``path`` ('' for the file itself)."""
    return part[len(path.name) + len(SEPARATOR) :] if part != path.name else ""


@cache
def _theme_images() -> frozenset[str]:
    """The site theme's own images (its favicon): the build copies them, it does not draw them."""
    try:
        import material
    except ImportError:  # pragma: no cover - the theme is a dependency
        return frozenset()
    folder = Path(material.__file__).parent / "templates" / "assets" / "images"
    return frozenset(
        hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    )


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "index":
                yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _public_metadata(operation: dict[str, Any]) -> dict[str, Any]:
    """operation.yaml is printed on every output: all of it is public."""
    return {k: v for k, v in operation.items() if not k.startswith("_")}


def _own_strings(record: dict[str, Any]) -> Iterator[str]:
    """The strings a record holds itself, not those of the records nested in it."""
    for key, value in record.items():
        if key.startswith("_") or _is_record_or_records(value):
            continue
        yield from _strings(value)


def _record_numbers(record: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, digits) for each distinctive number a record holds itself: its numeric values
    (people at risk, results, table figures) and the numbers written in its text."""
    for key, value in record.items():
        if key.startswith("_") or _is_record_or_records(value):
            continue
        for number in _numbers_of(value):
            yield key, number


def _numbers_of(value: Any) -> Iterator[str]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            return
        for whole in {int(value), round(value)}:
            digits = str(abs(whole))
            if len(digits) >= MIN_DIGITS:
                yield digits
    elif isinstance(value, str):
        yield from numbers_in(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers_of(item)


def _is_record_or_records(value: Any) -> bool:
    if isinstance(value, list):
        return any(isinstance(v, dict) and "_kind" in v for v in value)
    return isinstance(value, dict) and "_kind" in value


def _records(content: Content) -> Iterator[dict[str, Any]]:
    """Every classified record, each labelled with its own id or its nearest ancestor's."""

    def visit(node: Any, owner: str | None) -> Iterator[dict[str, Any]]:
        if isinstance(node, list):
            for item in node:
                yield from visit(item, owner)
        elif isinstance(node, dict) and "_kind" in node:
            kind = node["_kind"].replace("_", " ")
            label = node.get("id") or (f"{kind} in {owner}" if owner else kind)
            if not s.RECORDS[node["_kind"]].is_file:
                yield {**node, "_label": label}
            for key, value in node.items():
                if not key.startswith("_"):
                    yield from visit(value, node.get("id") or owner)

    for name, section in content.sections.items():
        yield from visit(section, None)
        # A file's own fields (such as the analysis context) carry the file's default level.
        yield {**section, "_label": f"{name} (file-level text)"}


def _record_texts(record: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    rec = s.RECORDS[record["_kind"]]
    for field in s.free_text_fields(rec):
        for text in _texts(record.get(field)):
            yield field, tokens(text)
    if rec.has_id and record.get("id") and not rec.is_file:
        yield "id", tokens(record["id"]) if re.search(r"\d", record["id"]) else []


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        yield from (v for v in value.values() if isinstance(v, str))
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _distinctive(words: list[str], allowed: set[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """Shingles of the text that no visible text shares; a short text is one phrase."""
    words = [w for w in words if w]
    if not words:
        return frozenset()
    if len(words) < SHINGLE:
        phrase = tuple(words)
        if len(phrase) == 1 and len(phrase[0]) < 2:
            return frozenset()
        return frozenset() if phrase in allowed else frozenset({phrase})
    return frozenset(g for g in ngrams(words, [SHINGLE]) if g not in allowed)


def _label(record: dict[str, Any]) -> str:
    return record["_label"]


def _where(record: dict[str, Any]) -> str:
    return f"{Path(record['_file']).name}:{record['_line']}"
