"""The leak check: prove, after every build, that no output holds text its audience may not see.

Every file under an output folder is read as text the way a reader or a search engine would
(each XML part of a .docx, HTML without tags, every string of a JSON search index, gzipped
sitemaps) and searched for the word sequences of every item above that folder's audience.
Word sequences that also occur in text the audience may see (public items, the templates'
fixed wording, the vocabulary) are not distinctive and are not searched for, so a finding is
always a real copy of non-public wording, even when Word split it across runs.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
import threading
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from . import schema as s
from .audience import Audience
from .documents import DOCUMENTS
from .errors import BuildFailed
from .i18n import translated_strings
from .model import Content
from .render import TEMPLATES

SHINGLE = 5  # words; long enough to be distinctive, short enough to catch a copied clause
_WORD = re.compile(r"\w+", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")
# Attributes a screen reader or a search engine reads out: alt text (Word's descr, HTML's alt),
# titles, ARIA labels, meta descriptions. Tags are stripped, so their values are read apart.
_READ_ALOUD = re.compile(
    r"""\b(?:descr|alt|title|aria-label|content)\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')"""
)
_XML_BREAK = re.compile(r"</w:p>|<w:tab/>|<w:br/>|</w:tc>|</a:p>|<w:cr/>")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_GETTEXT = re.compile(r"""_\(\s*(["'])(.*?)\1\s*\)""", re.DOTALL)
_TEXT_SUFFIXES = {".md", ".txt", ".csv", ".xml", ".html", ".htm", ".json", ".js", ".css"}
_TEXT_SUFFIXES |= {".svg", ".map", ".yml", ".yaml"}
_ZIP_SUFFIXES = {".docx", ".xlsx", ".pptx", ".zip"}

# Output folders (relative to build/OP) and the highest level a file in them may hold, for
# files that are not one of the registered documents (charts, site pages, search index).
FOLDER_AUDIENCE = {
    "public": Audience.PUBLIC,
    "site": Audience.PUBLIC,
    "site-internal": Audience.INTERNAL,
    "internal": Audience.CONFIDENTIAL,
}


def tokens(text: str) -> list[str]:
    """Words as a reader sees them: entities decoded, case and Unicode forms folded."""
    return _WORD.findall(unicodedata.normalize("NFKC", html.unescape(text)).casefold())


def ngrams(words: list[str], sizes: Iterable[int]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for n in sizes:
        found.update(windows(words, n))
    return found


def windows(words: list[str], n: int) -> Iterator[tuple[str, ...]]:
    """Every run of ``n`` consecutive words, made in C by zip: files can hold a million words."""
    return zip(*(words[i:] for i in range(n)), strict=False)


@dataclass(frozen=True)
class Secret:
    """One non-public field, by the item that holds it, and its distinctive word sequences."""

    item: str
    level: int
    field: str
    where: str
    phrases: frozenset[tuple[str, ...]]


PhraseIndex = tuple[set[tuple[str, ...]], dict[tuple[str, ...], list["Secret"]]]


@dataclass(frozen=True)
class Finding:
    secret: Secret
    output: Path

    def __str__(self) -> str:
        return (
            f"{self.output}: text of {self.secret.item} ({self.secret.field}, "
            f"{s.LEVELS[self.secret.level]}, {self.secret.where}) appears in this file"
        )


class LeakChecker:
    """Built once per content; checks any number of output folders."""

    def __init__(self, content: Content, template_dir: Path = TEMPLATES) -> None:
        self.content = content
        self.template_dir = template_dir
        self._preparing: threading.Thread | None = None
        self._preparation = threading.RLock()  # the phrase caches are filled by one thread
        self._early: dict[str, list[Finding]] = {}  # file key -> findings (check_early)

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
    def _grams_by_level(self) -> dict[int | None, set[tuple[str, ...]]]:
        """The word sequences of each level's records, and (None) of the wording every output
        may hold: each text is cut into sequences once, whichever audiences are checked."""
        texts: dict[int | None, list[str]] = {None: list(self.fixed_wording)}
        texts[None].extend(_strings(_public_metadata(self.content.operation)))
        for record in self._records:
            texts.setdefault(record["_level"], []).extend(_own_strings(record))
        grams: dict[int | None, set[tuple[str, ...]]] = {}
        for level, group in texts.items():
            found = grams[level] = set()
            for text in group:
                words = tokens(text)
                for n in range(1, SHINGLE + 1):
                    found.update(windows(words, n))
        return grams

    @cached_property
    def _records(self) -> list[dict[str, Any]]:
        return list(_records(self.content))

    def secrets(self, audience: Audience) -> list[Secret]:
        """The distinctive wording of every item above ``audience``."""
        allowed = self.allowed(audience)
        found = []
        for record in self._records:
            if record["_level"] <= audience.value:
                continue
            for field, words in _record_texts(record):
                phrases = _distinctive(words, allowed)
                if phrases:
                    found.append(
                        Secret(_label(record), record["_level"], field, _where(record), phrases)
                    )
        return found

    def prepare(self, audiences: Collection[Audience] = tuple(Audience)) -> None:
        """Work out the phrases of these audiences now, so that checking is only reading."""
        for audience in audiences:
            self._phrases_by_length(audience)
            self.phrases_key(audience)

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

    def check(self, op_dir: Path, known_clean: Collection[str] = ()) -> list[Finding]:
        """Every finding in every output folder of one operation's build.

        ``known_clean`` holds the keys (``self.clean``) of files an earlier check of the same
        content found clean: the same bytes for the same audience need not be read again.
        """
        findings: list[Finding] = []
        self.clean: set[str] = set()
        for path in sorted(p for p in op_dir.rglob("*") if p.is_file()):
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
        return f"{digest}:{'assets' in path.parts}:{self.phrases_key(audience)}"

    def phrases_key(self, audience: Audience) -> str:
        with self._preparation:
            return self._phrases_key(audience)

    def _phrases_key(self, audience: Audience) -> str:
        if audience not in self._phrases_keys:
            phrases = sorted(
                (s.item, s.field, s.level, s.where, sorted(s.phrases))
                for s in self._secrets_for(audience)
            )
            text = json.dumps([SHINGLE, phrases], ensure_ascii=False)
            self._phrases_keys[audience] = hashlib.sha256(text.encode()).hexdigest()
        return self._phrases_keys[audience]

    @cached_property
    def _phrases_keys(self) -> dict[Audience, str]:
        return {}

    def check_file(self, path: Path, audience: Audience) -> Iterator[Finding]:
        """Each phrase length once over the file's words, as set lookups done in C."""
        words = tokens(" ".join(read_text_parts(path)))
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
    folder_audience = Audience.PUBLIC
    for folder in sorted(FOLDER_AUDIENCE, key=len, reverse=True):
        if text == folder or text.startswith(folder + "/"):
            folder_audience = FOLDER_AUDIENCE[folder]
            break
    for doc in DOCUMENTS:
        if text.startswith(f"{doc.folder}/{doc.slug}."):
            return min(doc.audience, folder_audience, key=lambda a: a.value)
    return folder_audience


def read_text_parts(path: Path) -> list[str]:
    """The text a person, Word or a search engine could get out of one output file."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix == ".gz":
        return _text_of(path.stem, gzip.decompress(data))
    if suffix == ".pdf":
        return [pdf_text(path)]
    if suffix in _ZIP_SUFFIXES:
        with zipfile.ZipFile(path) as archive:
            return [
                part
                for name in archive.namelist()
                if not name.endswith("/")
                for part in _text_of(name, archive.read(name))
            ]
    return _text_of(path.name, data)


def pdf_text(path: Path) -> str:
    """Everything a PDF reader, a screen reader or a search engine gets out of a PDF: the
    pages' text, and every string stored in it (title and other properties, alt text and other
    structure-tree attributes, bookmarks, link targets, annotations), the XMP metadata and any
    embedded file. A PDF that cannot be read stops the check: what it holds cannot be proved."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DictionaryObject,
        IndirectObject,
        StreamObject,
        TextStringObject,
    )

    try:
        reader = PdfReader(path)
        parts = [text for page in reader.pages for text in _page_texts(page)]
    except (PyPdfError, ValueError, KeyError) as exc:
        raise BuildFailed(
            f"{path}: this PDF cannot be read ({exc}), so the leak check cannot prove that it "
            "holds no non-public text; delete it, or build again to make it anew"
        ) from exc
    seen: set[int] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, StreamObject):
            parts.extend(_stream_text(node))
        if isinstance(node, DictionaryObject):
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, TextStringObject):  # not names (/Type, /F0): structure only
            parts.append(str(node))
        elif isinstance(node, ByteStringObject):
            parts.append(bytes(node).decode("utf-8", errors="replace"))
    return "\n".join(parts)


_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def _page_texts(page: Any) -> list[str]:
    """A page's text three ways, so that a phrase is found however the PDF stores it: as pypdf
    reads it; its text runs one by one, spaced (pypdf glues right-to-left words together where
    the space glyph comes first); and the same with each right-to-left line's runs turned back
    into reading order (a PDF holds them in visual order, last word first)."""
    lines: list[list[str]] = [[]]

    def visit(text: str, *_: Any) -> None:
        for index, piece in enumerate(text.split("\n")):
            if index:
                lines.append([])
            if piece.strip():
                lines[-1].append(piece)

    read = page.extract_text(visitor_text=visit) or ""
    runs = "\n".join(" ".join(line) for line in lines)
    reading = "\n".join(
        " ".join(reversed(line) if any(_RIGHT_TO_LEFT.search(r) for r in line) else line)
        for line in lines
    )
    return [read, runs, reading]


def _stream_text(stream: Any) -> list[str]:
    """A stream's text if it is XML (XMP metadata) or an embedded file; page content streams
    and fonts are read through the pages' text instead."""
    kind = stream.get("/Type")
    subtype = stream.get("/Subtype")
    if kind not in ("/Metadata", "/EmbeddedFile") and subtype != "/XML":
        return []
    try:
        data = stream.get_data()
    except Exception:
        data = stream._data or b""
    return [_strip_markup(data.decode("utf-8", errors="replace"))]


def _text_of(name: str, data: bytes) -> list[str]:
    suffix = Path(name).suffix.lower()
    if suffix not in _TEXT_SUFFIXES and suffix != ".rels":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return []
    else:
        text = data.decode("utf-8", errors="replace")
    if suffix == ".json":
        try:
            return [_strip_markup(t) for t in _strings(json.loads(text))]
        except json.JSONDecodeError:
            pass
    if suffix in (".xml", ".rels", ".html", ".htm", ".svg"):
        read_aloud = (
            html.unescape(m["double"] or m["single"] or "") for m in _READ_ALOUD.finditer(text)
        )
        return [_strip_markup(text), *read_aloud]
    return [text]


def _strip_markup(text: str) -> str:
    """XML/HTML to text: runs of one paragraph join up, paragraphs and cells are separated."""
    text = _XML_BREAK.sub(" ", text)
    text = re.sub(
        r"</?(p|div|li|td|th|tr|h\d|br|section|article|nav|header|footer)\b[^>]*>", " ", text
    )
    return html.unescape(_TAG.sub("", text))


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
