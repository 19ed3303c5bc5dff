"""Translations exchanged with translators as gettext PO files.

``export`` writes every translatable text an audience may read, for one language: the context of
each entry is the file and field path of the text (``analysis.yaml:risks[R1].title``), the msgid
its text in the first language, the msgstr its current translation, and a comment gives its file
and line. ``import_file`` takes a translated file back into ``content/translations/LANG.po``,
which validation reads: a translation fills a language the YAML does not give, for as long as the
text it translates is unchanged. The YAML files are never touched: drafters' layout, comments
and order stay theirs, imports are one reviewable file per language in git, and a text changed
since its translation falls back (and is listed again) instead of shipping a stale translation.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from . import schema as s
from .errors import Problem, ProtdocsError, display_path
from .model import Content, Translatable

FOLDER = "translations"
CONFIDENTIAL_HEADER = (
    "CONFIDENTIAL: this file holds internal and confidential texts of the Humanitarian Country "
    "Team's documents. Give it only to translators cleared to read them; do not forward it."
)
PUBLIC_HEADER = "Public texts only: the texts of the documents that are published."


def context_of(file: Path, path: str) -> str:
    """The entry's msgctxt: which file and which field, by item id (stable across edits)."""
    return f"{file.name}:{path}"


@dataclass
class ImportedTranslations:
    """content/translations/LANG.po, read: per language, context → (source text, translation)."""

    folder: Path | None = None
    entries: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def read(
        cls, content_dir: Path, languages: list[str], problems: list[Problem]
    ) -> ImportedTranslations:
        found = cls(content_dir / FOLDER)
        for lang in languages[1:]:
            path = content_dir / FOLDER / f"{lang}.po"
            if path.is_file():
                found.entries[lang] = _read_entries(path, lang, problems)
        return found

    def name(self, lang: str) -> str:
        return display_path((self.folder or Path(FOLDER)) / f"{lang}.po")

    def translation(self, lang: str, file: Path, path: str, source: str) -> str | None:
        """The imported translation of this text into ``lang``, if it translates this text."""
        entry = self.entries.get(lang, {}).get(context_of(file, path))
        if entry is None or entry[0] != source or not entry[1]:
            return None
        return entry[1]


def _read_entries(path: Path, lang: str, problems: list[Problem]) -> dict[str, tuple[str, str]]:
    try:
        with path.open("rb") as po:
            catalog = read_po(po, locale=lang, abort_invalid=True)
    except (PoFileError, ValueError, OSError) as exc:
        problems.append(
            Problem(
                path,
                getattr(exc, "lineno", None),
                "",
                f"cannot read this translations file: {exc}",
                "Export it again (protdocs translations export) or fix the PO syntax.",
            )
        )
        return {}
    return {
        str(message.context): (str(message.id), str(message.string))
        for message in catalog
        if message.id and message.context and isinstance(message.string, str)
    }


# -- export --------------------------------------------------------------------------------------
def readable(item: Translatable, highest: int) -> bool:
    """A text goes to translators only if they may read it; strictly-confidential never."""
    return item.level <= min(highest, s.CONFIDENTIAL)


def export(content: Content, lang: str, highest: int, when: dt.datetime) -> bytes:
    """The PO file of ``lang`` for the texts of the levels up to ``highest``."""
    first = content.languages[0]
    catalog = Catalog(
        locale=lang,
        domain="content",
        project=f"{content.operation.get('id', 'operation')} content",
        creation_date=when,
        revision_date=when,
        fuzzy=False,
        header_comment=(
            f"# Translations of {display_path(content.folder)} from {first} into {lang}.\n"
            f"# {CONFIDENTIAL_HEADER if highest > s.PUBLIC else PUBLIC_HEADER}\n"
            "# Translate each msgstr; then: protdocs translations import THIS_FILE.po"
        ),
    )
    for item in content.translatable:
        if not readable(item, highest):
            continue
        catalog.add(
            item.texts[first],
            item.texts.get(lang, ""),
            locations=[(display_path(item.file), item.line)],
            auto_comments=[f"{item.path} ({s.LEVELS[item.level]})"],
            context=context_of(item.file, item.path),
        )
    out = io.BytesIO()
    write_po(out, catalog, width=0, sort_output=False, omit_header=False)
    return out.getvalue()


# -- import --------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    target: Path
    taken: int = 0
    unchanged: int = 0
    stale: list[str] = field(default_factory=list)  # contexts whose source text has changed
    unknown: list[str] = field(default_factory=list)  # contexts no longer in the content


def import_file(content: Content, source: Path) -> ImportReport:
    """Merge a translated PO file into content/translations/LANG.po; nothing else is written."""
    with source.open("rb") as po:
        try:
            incoming = read_po(po, abort_invalid=True)
        except (PoFileError, ValueError) as exc:
            raise ProtdocsError(f"{source}: not a PO file protdocs can read: {exc}") from exc
    lang = str(incoming.locale or "")
    if lang not in content.languages[1:]:
        raise ProtdocsError(
            f"{source}: its language is {lang or 'not given'}; this operation translates into "
            f"{', '.join(content.languages[1:]) or 'no other language'} (the header's Language:)"
        )
    target = content.folder / FOLDER / f"{lang}.po"
    report = ImportReport(target)
    known = {context_of(t.file, t.path): t for t in content.translatable}
    stored = _stored_catalog(target, lang)
    for message in incoming:
        if not message.id or not message.context or not message.string:
            continue
        item = known.get(str(message.context))
        if item is None or item.level >= s.STRICTLY:
            report.unknown.append(str(message.context))
        elif item.texts[content.languages[0]] != message.id:
            report.stale.append(str(message.context))
        elif item.texts.get(lang) == message.string:
            report.unchanged += 1
        else:
            stored.add(message.id, message.string, context=message.context)
            report.taken += 1
    if report.taken:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = io.BytesIO()
        write_po(out, stored, width=0, sort_output=True)
        _write_atomically(target, out.getvalue())
    return report


def _stored_catalog(target: Path, lang: str) -> Catalog:
    if target.is_file():
        with target.open("rb") as po:
            return read_po(po, locale=lang)
    return Catalog(locale=lang, domain="content", header_comment=IMPORTED_HEADER)


IMPORTED_HEADER = (
    "# Translations imported by `protdocs translations import`; protdocs reads them when the\n"
    "# YAML gives no translation of a text. An entry is used only while its msgid is the text\n"
    "# as the YAML has it now."
)


def _write_atomically(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
