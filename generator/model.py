"""The validated content of one operation: normalised records that carry their classification.

Every record is a plain dict holding every field of its kind (absent optional fields as ``None``
or ``[]``) plus four bookkeeping keys: ``_kind``, ``_level`` (index into ``schema.LEVELS``),
``_file`` and ``_line``. Validation sets ``_level``; only the audience filter (``audience.py``)
uses it to decide what an output holds. Two other readers are deliberate and decide nothing
about an output: the leak check reads it on its own, so that a bug in the filter cannot also
widen what the check accepts, and ``diff`` reports reclassifications from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import Problem, Severity

META_KEYS = ("_kind", "_level", "_file", "_line")
# The language tag written into outputs (Word's w:lang and dc:language, the site's lang): UN
# English is British; Word's proofing tools want a region for the others too.
LANGUAGE_TAGS = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES", "ar": "ar-SA"}


def language_tag(lang: str) -> str:
    return LANGUAGE_TAGS.get(lang, lang)


@dataclass(frozen=True)
class Untranslated:
    """A text given per language that lacks one of the operation's languages: its first
    language's text is used instead, and translators need the place and the text to fill it in.
    """

    file: Path
    line: int
    path: str
    lang: str
    text: str
    # The level of the item that holds the text: who may read it in a list for translators.
    # Unknown is treated as strictly confidential (3), never printed.
    level: int = 3


@dataclass(frozen=True)
class Translatable:
    """A text translators can translate: where it is, who may read it, the texts it has."""

    file: Path
    line: int
    path: str
    level: int
    texts: dict[str, str]


@dataclass
class Content:
    folder: Path
    operation: dict[str, Any]
    sections: dict[str, dict[str, Any]]
    index: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    untranslated: list[Untranslated] = field(default_factory=list)
    translatable: list[Translatable] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def languages(self) -> list[str]:
        return list(self.operation.get("languages") or ["en"])

    def section(self, name: str) -> dict[str, Any]:
        """A file's record, or an empty one when the drafter has not written that file yet."""
        return self.sections.get(name, {})

    def released_as(self, version: str) -> Content:
        """The same content printed as ``version``: a release names its own version."""
        return replace(self, operation={**self.operation, "version": version})


def is_record(value: Any) -> bool:
    return isinstance(value, dict) and "_kind" in value


def walk_records(node: Any) -> Iterator[dict[str, Any]]:
    """Every record below ``node``, parents before children."""
    if is_record(node):
        yield node
        for key, value in node.items():
            if not key.startswith("_"):
                yield from walk_records(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_records(item)
