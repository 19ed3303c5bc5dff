"""Stage 2, validate: check the loaded trees against the schema, the references and the
classification rules, collecting every problem, and return the normalised content.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema as s
from .errors import Problem, Severity, ValidationFailed, did_you_mean
from .load import CONTENT_FILES, OPERATION_FILE, LoadedContent, YList, YMap, load_operation
from .model import Content, Translatable, Untranslated, walk_records
from .tables import (
    PEOPLE_IN_NEED,
    SEVERITY,
    TABLE_SUFFIXES,
    Table,
    TableReader,
    TableResult,
    pin_record,
)
from .translation_files import ImportedTranslations

LARGEST = 10**15  # people and US dollars: far beyond any plan, within what the documents print
SAME_EVERYWHERE = "all"  # {all: "UNHCR"}: one text, the same in every language
# Matched with fullmatch: "$" would also accept a newline at the end of an id.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# The operation id names output folders and files: a slug that any file system keeps as written.
_OPERATION_ID = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
_NOT_SHOWN = "a value of a strictly-confidential item (not shown)"
# An objective code as real plans print it (SO1, SP1.1, CP1, CLPRO/COGBV1): nothing Markdown
# or a document could read as markup.
_CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9./-]{0,22}[A-Za-z0-9])?")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_PERIOD = re.compile(r"^\d{4}(-H[12]|-Q[1-4])?$")


@dataclass
class _Where:
    """The place a value came from: enough to point a drafter at it."""

    file: Path
    line: int
    path: str

    def child(self, name: str, line: int) -> _Where:
        return _Where(self.file, line, f"{self.path}.{name}" if self.path else name)


@dataclass
class _PendingRef:
    where: _Where
    value: str
    kinds: tuple[str, ...]
    holder: list[Any] | dict[str, Any]
    key: Any
    actor: bool = False
    secret: bool = False  # in a strictly-confidential item: the value is never quoted


@dataclass
class _FreeName:
    """A free-text name (a lead, a place, a title) and the level of the item it is printed with."""

    where: _Where
    text: str
    level: int
    actor_field: bool  # lead/support/members: an HCT member or partner id is no free text


class _Walker:
    """Walks one operation's trees; records problems instead of stopping at the first."""

    def __init__(
        self, languages: list[str], default_level: int, po_files: ImportedTranslations | None = None
    ) -> None:
        self.languages = languages
        self.default_level = default_level
        self.problems: list[Problem] = []
        self.index: dict[str, dict[str, Any]] = {}
        self.refs: list[_PendingRef] = []
        self.untranslated: list[Untranslated] = []
        self.translatable: list[Translatable] = []
        self.po_files = po_files or ImportedTranslations()
        self.names: list[_FreeName] = []
        # The level of the item whose values are being checked: a message never quotes a value
        # of a strictly-confidential item (validate prints to terminals and CI logs).
        self.level_now = s.PUBLIC
        # Kinds of item held by a file that does not parse, and that file: a reference to one
        # of them cannot be checked, and is not reported as unknown.
        self.unparsed: dict[str, Path] = {}
        self.unchecked: dict[Path, list[Path]] = {}
        self.languages_known = True

    # -- reporting ---------------------------------------------------------------------------
    def error(self, where: _Where, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(where.file, where.line, where.path, message, hint))

    def warn(self, where: _Where, message: str, hint: str | None = None) -> None:
        self.problems.append(
            Problem(where.file, where.line, where.path, message, hint, Severity.WARNING)
        )

    def shown(self, value: Any) -> str:
        """A value quoted in a message, unless it belongs to a strictly-confidential item."""
        return _NOT_SHOWN if self.level_now >= s.STRICTLY else _shown(value)

    def as_list_hint(self, raw: Any) -> str:
        """`Write [x].` for a single value; never the value of a strictly-confidential item, and
        never a whole mapping (aliases can make one very large)."""
        if self.level_now >= s.STRICTLY or isinstance(raw, YMap | YList) or len(str(raw)) > 60:
            return "Write it as a list: [...]."
        return f"Write [{raw}]."

    # -- records -----------------------------------------------------------------------------
    def record(
        self, rec: s.Record, raw: Any, where: _Where, inherited: int, parent_is_default: bool
    ) -> dict[str, Any] | None:
        self.level_now = inherited
        if not isinstance(raw, YMap):
            self.error(where, f"expected a mapping of fields, got {self.shown(raw)}")
            return None
        level = self.level(rec, raw, where, inherited, parent_is_default) if rec.classified else 0
        self.level_now = level
        own_level = self.own_text_level(rec, raw, where, level)
        out: dict[str, Any] = {"_kind": rec.kind, "_level": own_level, "_file": str(where.file)}
        out["_line"] = raw.line
        for key in raw:
            if key not in rec.fields and not (key == "classification" and rec.classified):
                shown = _field_name(key) if level < s.STRICTLY else "(not shown)"
                self.error(
                    where.child(shown, raw.line_of(key)),
                    f"unknown field '{shown}' in {rec.kind.replace('_', ' ')}",
                    did_you_mean(shown, _field_names(rec))
                    or f"Allowed fields: {', '.join(_field_names(rec))}.",
                )
        for name, ftype in rec.fields.items():
            value = raw.get(name)
            if value is None or value == "":
                out[name] = [] if s.is_list_type(ftype) else None
                if name in rec.required:
                    self.error(where.child(name, raw.line), f"missing required field '{name}'")
                continue
            child = where.child(name, raw.line_of(name))
            field_level = own_level if isinstance(ftype, s.Text) else level
            out[name] = self.value(ftype, value, child, field_level, rec.is_file)
            self.level_now = field_level  # nested records changed it
            if isinstance(ftype, s.Ref | s.Actor):
                self.queue_refs(ftype, out, name, child, value)
            self.note_names(rec, name, ftype, value, child)
            self.level_now = level
        if rec.has_id and isinstance(out.get("id"), str):
            self.register(out, where.child("id", raw.line_of("id")))
        return out

    def own_text_level(self, rec: s.Record, raw: YMap, where: _Where, level: int) -> int:
        """A file's own text (the ``context`` of analysis.yaml) may carry its own classification.

        Written ``context: {classification: public, en: ...}``, it is public without a
        file-level ``classification: public``, which would also publish every item added to the
        file unmarked. Anywhere else, the classification belongs to the item, not to one text.
        """
        marked = []
        for name, ftype in rec.fields.items():
            text = raw.get(name)
            if not isinstance(ftype, s.Text) or not isinstance(text, YMap):
                continue
            if "classification" not in text:
                continue
            here = where.child(f"{name}.classification", text.line_of("classification"))
            explicit = text["classification"]
            if not rec.is_file or not rec.classified:
                self.error(
                    here,
                    "a classification goes on the item, not on one of its texts",
                    "Move the line beside the item's id (the whole item takes that level).",
                )
            elif explicit not in s.LEVELS:
                self.error(
                    here,
                    f"{self.shown(explicit)} is not a classification level",
                    f"Use one of: {', '.join(s.LEVELS)}.",
                )
                marked.append(max(level, s.CONFIDENTIAL))
            else:
                marked.append(s.LEVELS.index(explicit))
        return max(marked) if marked else level

    def note_names(self, rec: s.Record, name: str, ftype: Any, raw: Any, where: _Where) -> None:
        """Keep free-text names for the check against non-public actors' names, made after the
        walk, when every partner, member and threat actor and its level is known."""
        if rec.kind in NAMED_KINDS and name == "name":
            return  # the named record's own name
        if not (
            isinstance(ftype, s.Actor | s.TextList) or (isinstance(ftype, s.Text) and ftype.inline)
        ):
            return
        items = list(enumerate(raw)) if isinstance(raw, YList) else [(None, raw)]
        for i, item in items:
            line = where.line if i is None else raw.line_of(i)
            path = where.path if i is None else f"{where.path}[{i}]"
            for text in _texts(item):
                self.names.append(
                    _FreeName(
                        _Where(where.file, line, path), text, self.level_now, _is_actor(ftype)
                    )
                )

    def level(
        self, rec: s.Record, raw: YMap, where: _Where, inherited: int, parent_is_default: bool
    ) -> int:
        """Explicit, else inherited; some kinds are never below confidential."""
        floor = (
            s.CONFIDENTIAL if rec.at_least_confidential and rec.at_least_confidential(raw) else 0
        )
        explicit = raw.get("classification")
        if explicit is None:
            if rec.public_only_if_marked:  # unmarked: internal at least, whatever its default
                floor = max(floor, s.INTERNAL)
            return max(inherited, floor)
        here = where.child("classification", raw.line_of("classification"))
        if explicit not in s.LEVELS:
            self.error(
                here,
                f"{self.shown(explicit)} is not a classification level",
                did_you_mean(str(explicit), s.LEVELS) or f"Use one of: {', '.join(s.LEVELS)}.",
            )
            return max(inherited, s.CONFIDENTIAL)
        level = s.LEVELS.index(explicit)
        if level < floor:
            self.error(
                here,
                f"{_kind_phrase(rec, raw)} is confidential at least "
                f"and cannot be marked '{explicit}'",
                "Remove the classification line (it is then confidential), "
                "or mark it confidential or strictly-confidential.",
            )
            return floor
        if level < inherited and not parent_is_default and not rec.is_file:
            self.error(
                here,
                f"marked '{explicit}' inside an item that is '{s.LEVELS[inherited]}'",
                "A child may be stricter than its parent, never looser: "
                "move it out or mark the parent less strictly.",
            )
            return inherited
        return level

    def items(self, rec: s.Record, raw: Any, where: _Where, level: int, is_default: bool) -> list:
        if not isinstance(raw, YList):
            self.error(where, f"expected a list of {rec.kind.replace('_', ' ')} items")
            return []
        out = []
        for i, item in enumerate(raw):
            ident = item.get("id") if isinstance(item, YMap) else None
            label = ident if isinstance(ident, str) and _ID.fullmatch(ident) else i
            child = _Where(where.file, raw.line_of(i), f"{where.path}[{label}]")
            value = self.record(rec, item, child, level, is_default)
            if value is not None:
                out.append(value)
        return out

    # -- values ------------------------------------------------------------------------------
    def value(self, ftype: Any, raw: Any, where: _Where, level: int, in_file: bool) -> Any:
        if isinstance(ftype, s.Record):
            return self.record(ftype, raw, where, level, in_file)
        if isinstance(ftype, s.Items):
            return self.items(ftype.record, raw, where, level, in_file)
        checker = getattr(self, f"check_{type(ftype).__name__.lower()}")
        self.level_now = level
        return checker(ftype, raw, where)

    def check_text(self, ftype: s.Text, raw: Any, where: _Where) -> Any:
        if isinstance(raw, bool):
            self.error(
                where,
                f"expected text, got {self.shown(raw)}",
                "Put the text in quotes: YAML reads yes, no, on, off, true and false "
                "without quotes as true or false.",
            )
            return None
        if isinstance(raw, YList):
            self.error(where, f"expected text, got {self.shown(raw)}")
            return None
        if isinstance(raw, int | float):
            return str(raw)
        if isinstance(raw, YMap):
            return self.translations(raw, where)
        if ftype.name or len(self.languages) == 1:
            return raw
        given = self.complete({self.languages[0]: str(raw)}, where, plain=True)
        return given if len(given) > 1 else raw

    def complete(self, given: dict[str, str], where: _Where, plain: bool) -> dict[str, str]:
        """A translatable text with the translations its YAML gives: those it lacks are taken
        from content/translations/LANG.po when they translate this very text, and the rest are
        reported (a warning, and the list for translators)."""
        first = self.languages[0]
        self.translatable.append(
            Translatable(where.file, where.line, where.path, self.level_now, dict(given))
        )
        for lang in self.languages[1:]:
            imported = self.po_files.translation(lang, where.file, where.path, given[first])
            if lang in given:
                if imported is not None and imported != given[lang]:
                    self.warn(
                        where,
                        f"its '{lang}' translation differs from the one in "
                        f"{self.po_files.name(lang)}; the YAML's is used",
                        "Keep one: edit the YAML, or remove its translation.",
                    )
            elif imported is not None:
                given[lang] = imported
        missing = [lang for lang in self.languages[1:] if lang not in given]
        if missing:
            self.warn_untranslated(where, missing, plain)
            self.untranslated += [
                Untranslated(where.file, where.line, where.path, lang, given[first], self.level_now)
                for lang in missing
            ]
        return given

    def warn_untranslated(self, where: _Where, missing: list[str], plain: bool) -> None:
        first = self.languages[0]
        if not plain:
            for lang in missing:
                self.warn(where, f"no '{lang}' translation; the '{first}' text is used")
            return
        self.warn(
            where,
            f"not translated into {', '.join(missing)}; the '{first}' text is used",
            f"Give it per language ({{{first}: ..., {missing[0]}: ...}}), write {{all: ...}} if "
            "it is the same in every language, or import a translation (translations import).",
        )

    def translations(self, raw: YMap, where: _Where) -> dict[str, str] | None:
        """A text given per language: the first language is required, the others fall back."""
        if SAME_EVERYWHERE in raw:
            return self.same_everywhere(raw, where)
        out: dict[str, str] = {}
        for lang, text in raw.items():
            shown = _field_name(lang) if self.level_now < s.STRICTLY else "(not shown)"
            here = where.child(shown, raw.line_of(lang))
            if lang == "classification":
                continue  # checked with the item's level (own_text_level)
            if lang not in self.languages:
                if not self.languages_known:
                    continue
                self.warn(
                    here,
                    f"language '{shown}' is not in operation.yaml languages; ignored",
                    f"The operation's languages are: {', '.join(self.languages)}.",
                )
            elif not isinstance(text, str | int | float) or isinstance(text, bool):
                self.error(here, f"expected text, got {self.shown(text)}")
            else:
                out[lang] = str(text)
        first = self.languages[0]
        if first not in out:
            self.error(where, f"no text in the source language '{first}'")
            return None
        return self.complete(out, where, plain=False)

    def same_everywhere(self, raw: YMap, where: _Where) -> dict[str, str] | None:
        """``{all: text}``: the drafter's word that the text is the same in every language."""
        text = raw[SAME_EVERYWHERE]
        here = where.child(SAME_EVERYWHERE, raw.line_of(SAME_EVERYWHERE))
        if len(raw) > 1:
            self.error(
                here,
                f"'{SAME_EVERYWHERE}' gives one text for every language: it stands alone",
                "Remove the other languages, or give each language its own text.",
            )
            return None
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            self.error(here, f"expected text, got {_shown(text)}")
            return None
        return {lang: str(text) for lang in self.languages}

    def check_textlist(self, _: s.TextList, raw: Any, where: _Where) -> list:
        if not isinstance(raw, YList):
            self.error(where, f"expected a list, got {self.shown(raw)}", self.as_list_hint(raw))
            return []
        for i, item in enumerate(raw):
            if isinstance(item, YMap) and "classification" in item:
                self.error(
                    _Where(where.file, item.line_of("classification"), f"{where.path}[{i}]"),
                    "a classification goes on the item, not on one of its texts",
                    "Move the line beside the item's id (the whole item takes that level).",
                )
        return [
            self.check_text(
                s.Text(inline=True, name=True), item, _Where(where.file, raw.line_of(i), where.path)
            )
            for i, item in enumerate(raw)
        ]

    def check_choice(self, ftype: s.Choice, raw: Any, where: _Where) -> Any:
        allowed = list(s.vocabulary()[ftype.vocab])
        if raw in allowed and not isinstance(raw, bool):
            return raw
        self.error(
            where,
            f"{self.shown(str(raw))} is not one of {', '.join(map(str, allowed))}",
            did_you_mean(str(raw), map(str, allowed)),
        )
        return None

    def check_choicelist(self, ftype: s.ChoiceList, raw: Any, where: _Where) -> list:
        if not isinstance(raw, YList):
            self.error(where, f"expected a list, got {self.shown(raw)}", self.as_list_hint(raw))
            return []
        checked = (
            self.check_choice(s.Choice(ftype.vocab), item, _item(where, raw, i))
            for i, item in enumerate(raw)
        )
        return [value for value in checked if value is not None]

    def check_integer(self, ftype: s.Integer, raw: Any, where: _Where) -> int | None:
        if not isinstance(raw, int) or isinstance(raw, bool):
            self.error(
                where, f"expected a whole number, got {self.shown(raw)}", "Write digits only."
            )
            return None
        low, high = ftype.minimum, ftype.maximum
        if abs(raw) > LARGEST:
            self.error(where, f"{self.shown(raw)} is too large for a figure", "Check the digits.")
            return None
        if (low is not None and raw < low) or (high is not None and raw > high):
            bounds = f"{low}-{high}" if high is not None else f"{low} or more"
            self.error(where, f"{self.shown(raw)} is not in {bounds}")
            return None
        return raw

    def check_number(self, _: s.Number, raw: Any, where: _Where) -> float | int | None:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.error(where, f"expected a number, got {self.shown(raw)}")
            return None
        if abs(raw) > LARGEST:
            self.error(where, f"{self.shown(raw)} is too large for a figure", "Check the digits.")
            return None
        return raw

    def check_boolean(self, _: s.Boolean, raw: Any, where: _Where) -> bool | None:
        if not isinstance(raw, bool):
            self.error(where, f"expected true or false, got {self.shown(raw)}")
            return None
        return raw

    def check_when(self, ftype: s.When, raw: Any, where: _Where) -> str | None:
        text = str(raw)
        ok = {
            "date": _is_date(text),
            "month": _is_date(text) or bool(_MONTH.match(text)),
            "period": bool(_PERIOD.match(text)),
        }[ftype.shape]
        if not ok:
            example = {"date": "2027-03-31", "month": "2027-03", "period": "2027-H1, 2027-Q2"}
            self.error(
                where,
                f"{self.shown(text)} is not a valid {ftype.shape}",
                f"Write e.g. {example[ftype.shape]}.",
            )
            return None
        return text

    def check_slug(self, _: s.Slug, raw: Any, where: _Where) -> str | None:
        if isinstance(raw, float):
            self.error(where, f"{raw} reads as a number", f'Put it in quotes: "{raw}".')
            return None
        if not isinstance(raw, str | int) or isinstance(raw, bool) or not _ID.fullmatch(str(raw)):
            self.error(
                where,
                f"{self.shown(raw)} is not a valid id",
                "Use letters, digits, -, _ and . only, on one line.",
            )
            return None
        return str(raw)

    def check_code(self, _: s.Code, raw: Any, where: _Where) -> str | None:
        if isinstance(raw, float):
            self.error(where, f"{raw} reads as a number", f'Put it in quotes: "{raw}".')
            return None
        if not isinstance(raw, str | int) or isinstance(raw, bool) or not _CODE.fullmatch(str(raw)):
            self.error(
                where,
                f"{self.shown(raw)} is not an objective code",
                "Write it as the plan prints it, e.g. SO1, SP1.1, CP1 or CLPRO/COGBV1: letters, "
                "digits, '.', '-' and '/', at most 24 characters, on one line.",
            )
            return None
        return str(raw)

    def check_ref(self, ftype: s.Ref, raw: Any, where: _Where) -> Any:
        return self.id_values(ftype.many, raw, where)

    def check_actor(self, ftype: s.Actor, raw: Any, where: _Where) -> Any:
        return self.id_values(ftype.many, raw, where)

    def id_values(self, many: bool, raw: Any, where: _Where) -> Any:
        if many and not isinstance(raw, YList):
            self.error(
                where, f"expected a list of ids, got {self.shown(raw)}", self.as_list_hint(raw)
            )
            return []
        if not many:
            return self.one_id(raw, where)
        values = (self.one_id(v, _item(where, raw, i)) for i, v in enumerate(raw))
        return [v for v in values if v is not None]

    def one_id(self, raw: Any, where: _Where) -> str | None:
        if isinstance(raw, (YMap | YList, bool)):
            self.error(where, f"expected an id, got {self.shown(raw)}")
            return None
        return str(raw)

    def check_languages(self, _: s.Languages, raw: Any, where: _Where) -> list:
        allowed = list(s.vocabulary()["language"])
        if not isinstance(raw, YList) or not raw:
            self.error(where, "expected a list of language codes", "Write e.g. [en, fr].")
            return ["en"]
        return [
            v for v in (self.check_choice(s.Choice("language"), x, where) for x in raw) if v
        ] or allowed[:1]

    # -- ids and references ------------------------------------------------------------------
    def register(self, record: dict[str, Any], where: _Where) -> None:
        ident = record["id"]
        if ident in self.index:
            first = self.index[ident]
            self.error(
                where,
                f"id '{ident}' is used twice (also {_rel(first['_file'])}:{first['_line']})",
                "Ids must be unique across the operation: rename one.",
            )
            return
        self.index[ident] = record

    def queue_refs(
        self, ftype: s.Ref | s.Actor, out: dict, name: str, where: _Where, raw: Any
    ) -> None:
        kinds = ftype.kinds if isinstance(ftype, s.Ref) else s.ACTOR_KINDS
        actor = isinstance(ftype, s.Actor)
        secret = self.level_now >= s.STRICTLY
        if isinstance(out[name], list):
            for i, value in enumerate(out[name]):
                line = raw.line_of(i) if isinstance(raw, YList) else where.line
                here = _Where(where.file, line, f"{where.path}[{i}]")
                self.refs.append(_PendingRef(here, value, kinds, out[name], i, actor, secret))
        elif out[name] is not None:
            self.refs.append(_PendingRef(where, out[name], kinds, out, name, actor, secret))

    def resolve_refs(self) -> None:
        for ref in self.refs:
            target = self.index.get(ref.value)
            held_by = self.unparsed_file(ref.kinds)
            if target is None and held_by is not None:
                if not ref.actor:  # free text is allowed there: no reference to count
                    self.unchecked.setdefault(held_by, []).append(ref.where.file)
            elif ref.actor:
                self.check_actor_text(ref, target)
            elif target is None:
                candidates = [k for k, v in self.index.items() if v["_kind"] in ref.kinds]
                self.error(
                    ref.where,
                    f"unknown id {_NOT_SHOWN if ref.secret else repr(ref.value)}",
                    did_you_mean(ref.value, candidates)
                    or f"Known {ref.kinds[0]} ids: {', '.join(candidates) or 'none yet'}.",
                )
            elif target["_kind"] not in ref.kinds:
                self.error(
                    ref.where,
                    f"'{ref.value}' is a {target['_kind'].replace('_', ' ')}, "
                    f"not a {ref.kinds[0].replace('_', ' ')}",
                )

    def unparsed_file(self, kinds: tuple[str, ...]) -> Path | None:
        """The file that does not parse and would hold items of ``kinds``, if any."""
        return next((self.unparsed[k] for k in kinds if k in self.unparsed), None)

    def report_unchecked(self) -> None:
        """One line for the references into a file that does not parse, not one per id: the
        file's own syntax error is the one problem to fix, and it is reported on its line."""
        for held_by, referring in self.unchecked.items():
            files = ", ".join(dict.fromkeys(_rel(str(f)) for f in referring))
            count = len(referring)
            line = next((p.line for p in self.problems if p.file == held_by and p.line), 0)
            self.warn(
                _Where(held_by, line, ""),
                f"{count} reference{'s' if count > 1 else ''} to its items (in {files}) could "
                f"not be checked because {held_by.name} does not parse",
                "Fix the error above and validate again.",
            )

    def check_actor_text(self, ref: _PendingRef, target: dict | None) -> None:
        """Free text is allowed for lead/support; a near-miss of a real id is probably a typo."""
        if target is not None and target["_kind"] in s.ACTOR_KINDS:
            return
        if " " in ref.value:  # words, not a mistyped id
            return
        actors = [k for k, v in self.index.items() if v["_kind"] in s.ACTOR_KINDS]
        guess = did_you_mean(ref.value, actors)
        if guess and not ref.secret:
            self.warn(ref.where, f"'{ref.value}' is not an HCT member or partner id", guess)


def _field_names(rec: s.Record) -> list[str]:
    """The keys a drafter may write in a record: its fields, and its classification."""
    return [*rec.fields, "classification"] if rec.classified else list(rec.fields)


def _kinds_held(rec: s.Record) -> list[str]:
    """Every kind of item a file's record holds, at any depth."""
    kinds = [rec.kind]
    for ftype in rec.fields.values():
        inner = ftype.record if isinstance(ftype, s.Items) else ftype
        if isinstance(inner, s.Record):
            kinds.extend(_kinds_held(inner))
    return kinds


def _item(where: _Where, raw: YList, index: int) -> _Where:
    return _Where(where.file, raw.line_of(index), f"{where.path}[{index}]")


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _shown(value: Any) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:58] + "…" + text[-1]


def _field_name(key: Any) -> str:
    """A key as written when it looks like a field name; a long text is not repeated."""
    text = str(key)
    return text if len(text) <= 40 and "\n" not in text else text[:39].split("\n")[0] + "…"


NAMED_KINDS = (*s.ACTOR_KINDS, "actor")


def _is_actor(ftype: Any) -> bool:
    return isinstance(ftype, s.Actor)


def _texts(value: Any) -> list[str]:
    """The strings of a free-text value: a plain string, or each language of a mapping."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, YMap):
        return [str(v) for k, v in value.items() if k != "classification" and isinstance(v, str)]
    return []


def _rel(path: str) -> str:
    from .errors import display_path

    return display_path(Path(path))


def _kind_phrase(rec: s.Record, raw: YMap) -> str:
    if rec.kind == "action":
        return "a private-diplomacy action"
    if rec.kind == "source":
        return "a source from affected people"
    return {"actor": "a threat actor", "advocacy_risk": "an advocacy risk"}.get(rec.kind, rec.kind)


# -- cross-field rules ---------------------------------------------------------------------------
def _check_rules(walker: _Walker, content: Content) -> None:
    for record in walk_records(list(content.sections.values())):
        rule = _RULES.get(record["_kind"])
        if rule:
            rule(walker, record)
    _check_codes(walker, content)
    _check_code_gaps(walker, content)
    _check_aors(walker, content)
    priorities = [r for r in content.section("analysis.yaml").get("risks", []) if r["priority"]]
    for extra in priorities[3:]:
        walker.error(
            _at(extra, "priority"),
            f"more than 3 priority risks ({', '.join(r['id'] for r in priorities)})",
            "Benchmark 1 asks for 1-3 priority risks: set priority: false on the others.",
        )


def _check_codes(walker: _Walker, content: Content) -> None:
    """An objective code is the reader's handle (SO1, SP1.1, CP1): two objectives with one code
    would make every "contributes to" and indicator table ambiguous."""
    first: dict[str, dict[str, Any]] = {}
    for record in walk_records(list(content.sections.values())):
        if record["_kind"] not in s.OBJECTIVE_KINDS or not record.get("code"):
            continue
        key = record["code"].casefold()
        if key not in first:
            first[key] = record
            continue
        other = first[key]
        code = "(not shown)" if record["_level"] >= s.STRICTLY else repr(record["code"])
        walker.error(
            _at(record, "code"),
            f"objective code {code} is used twice (also {_rel(other['_file'])}:{other['_line']})",
            "Each objective needs its own code: renumber one of the two.",
        )


_NUMBERED_CODE = re.compile(r"(.*?)(\d+)")


def _check_code_gaps(walker: _Walker, content: Content) -> None:
    """Public documents print objective codes as written: CP2 public while CP1 is not shows a
    reader that an objective was withheld (a warning: the drafter may have reasons)."""
    by_prefix: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for record in walk_records(list(content.sections.values())):
        if record["_kind"] not in s.OBJECTIVE_KINDS or not record.get("code"):
            continue
        found = _NUMBERED_CODE.fullmatch(record["code"])
        if found:
            by_prefix.setdefault(found[1].casefold(), []).append((int(found[2]), record))
    for numbered in by_prefix.values():
        hidden = [n for n, r in numbered if r["_level"] > s.PUBLIC]
        for number, record in numbered:
            if record["_level"] == s.PUBLIC and hidden and min(hidden) < number:
                walker.warn(
                    _at(record, "code"),
                    f"public documents print {record['code']} but not every lower code of the "
                    "same series: the gap shows a reader that an objective is withheld",
                    "Number the public objectives first (CP1, CP2…) and give the non-public "
                    "ones the codes after them.",
                )


def _check_aors(walker: _Walker, content: Content) -> None:
    """One sub-chapter per area of responsibility and one severity per area: a second entry
    would print two headline blocks, or two severities for one place."""
    analysis = content.section("analysis.yaml")
    seen: dict[str, dict[str, Any]] = {}
    for aor in analysis.get("areas_of_responsibility") or []:
        if aor["aor"] is None:
            continue
        if aor["aor"] in seen:
            other = seen[aor["aor"]]
            walker.error(
                _Where(Path(aor["_file"]), aor["_line"], f"areas_of_responsibility[{aor['aor']}]"),
                f"'{aor['aor']}' is described twice (also {_rel(other['_file'])}:{other['_line']})",
                "Keep one entry per area of responsibility: merge the two.",
            )
        seen.setdefault(aor["aor"], aor)
    places: dict[str, dict[str, Any]] = {}
    for row in analysis.get("severity_by_area") or []:
        for key in (row.get("pcode"), _name_key(_first_text(row.get("area")))):
            if not key:
                continue
            if key in places and places[key] is not row:
                other = places[key]
                shown = "this area" if row["_level"] >= s.STRICTLY else f"'{key}'"
                walker.error(
                    _Where(Path(row["_file"]), row["_line"], "severity_by_area"),
                    f"{shown} already has a severity (at {_rel(other['_file'])}:{other['_line']})",
                    "Give each area one severity: remove or merge one row.",
                )
                break
            places.setdefault(key, row)


def _first_text(value: Any) -> str:
    texts = _record_texts(value)
    return texts[0] if texts else ""


def _at(record: dict[str, Any], field: str) -> _Where:
    return _Where(
        Path(record["_file"]), record["_line"], f"{record.get('id') or record['_kind']}.{field}"
    )


def _risk_rule(walker: _Walker, risk: dict[str, Any]) -> None:
    if risk["priority"] and not risk["prioritisation"]:
        walker.error(
            _at(risk, "prioritisation"),
            "a priority risk needs its prioritisation",
            "Add prioritisation: {acute: ..., reasonable_expectation: ...}.",
        )


def _people_rule(walker: _Walker, people: dict[str, Any]) -> None:
    total = people["total"]
    parts = [people[k] for k in ("women", "men", "girls", "boys") if people[k] is not None]
    secret = people["_level"] >= s.STRICTLY  # its figures are not printed either
    if total is not None and sum(parts) > total:
        walker.error(
            _at(people, "total"),
            "women + men + girls + boys are more than the total"
            if secret
            else f"women + men + girls + boys = {sum(parts)}, more than the total {total}",
        )
    if total is not None and (people["with_disability"] or 0) > total:
        walker.error(
            _at(people, "with_disability"),
            "more than the total" if secret else f"more than the total {total}",
        )


def _capacity_rule(walker: _Walker, capacity: dict[str, Any]) -> None:
    if capacity["duty_bearer_willingness"] and capacity["holder"] not in (
        "duty-bearer",
        "national-authority",
    ):
        walker.error(
            _at(capacity, "duty_bearer_willingness"),
            "only a duty-bearer or national-authority capacity has a willingness",
        )


def _timeframe_rule(walker: _Walker, timeframe: dict[str, Any]) -> None:
    start, end = timeframe["start"], timeframe["end"]
    if start and end and end < start:
        walker.error(
            _at(timeframe, "end"),
            "ends before it starts"
            if timeframe["_level"] >= s.STRICTLY
            else f"ends ({end}) before it starts ({start})",
        )


_RULES = {
    "risk": _risk_rule,
    "people": _people_rule,
    "capacity": _capacity_rule,
    "timeframe": _timeframe_rule,
}


# -- entry point ---------------------------------------------------------------------------------
def validate(loaded: LoadedContent) -> Content:
    """Check every loaded file; the result lists all problems, errors and warnings alike."""
    op_raw = loaded.files.get(OPERATION_FILE)
    languages, default_level = _operation_basics(op_raw)
    po_files = ImportedTranslations.read(loaded.folder, languages, loaded.problems)
    walker = _Walker(languages, default_level, po_files)
    content = Content(loaded.folder, {}, {}, walker.index, walker.problems, walker.untranslated)
    content.translatable = walker.translatable
    walker.problems.extend(loaded.problems)
    _note_unparsed(walker, loaded)
    for name in CONTENT_FILES:
        raw = loaded.files.get(name)
        if raw is None:
            continue
        top = _Where(raw.file, 1, "")
        record = walker.record(s.FILES[name], raw, top, default_level, True)
        if record is not None:
            content.sections[name] = record
    content.operation = content.sections.pop(OPERATION_FILE, {})
    _add_tables(walker, content)
    _reconcile_figures(walker, content)
    walker.resolve_refs()
    _check_rules(walker, content)
    for record in walk_records(content.operation.get("hct_members", [])):
        record["_level"] = 0
    _check_operation_id(walker, op_raw)
    _check_public_defaults(walker, loaded)
    _check_free_names(walker, content)
    walker.report_unchecked()
    _check_examples_left(walker, content)
    if not content.errors:
        _check_required_sections(walker, content, loaded)
    _sort_problems(walker.problems)
    return content


# -- classification, stricter (CONTENT-SPEC Extensions) ------------------------------------------
def _check_operation_id(walker: _Walker, raw: YMap | None) -> None:
    """The operation id names the output folder and every file: a plain slug, nothing else."""
    ident = raw.get("id") if raw is not None else None
    if not isinstance(ident, str) or not _ID.fullmatch(ident) or _OPERATION_ID.fullmatch(ident):
        return  # absent or not an id at all: reported by the walker already
    assert raw is not None
    walker.error(
        _Where(raw.file, raw.line_of("id"), "id"),
        f"the operation id {ident!r} is not a slug: it names the output folder and files",
        "Use lowercase letters, digits, - and _ only (e.g. narnia-2027), "
        "starting and ending with a letter or digit, at most 64 characters.",
    )


def _check_public_defaults(walker: _Walker, loaded: LoadedContent) -> None:
    """A default of ``public`` publishes every item added later without anyone marking it."""
    for name, raw in loaded.files.items():
        key = "default_classification" if name == OPERATION_FILE else "classification"
        if raw.get(key) != s.LEVELS[s.PUBLIC]:
            continue
        scope = "every file" if name == OPERATION_FILE else "this file"
        walker.warn(
            _Where(raw.file, raw.line_of(key), key),
            f"'public' as the default makes every unmarked item of {scope} public: an item "
            "added later is published without anyone deciding it",
            "Remove this line and mark each public item with classification: public "
            "(a file's own text takes it too: context: {classification: public, en: ...}).",
        )


def _name_key(text: str) -> str:
    """A name as compared: case, accents, spacing and punctuation ignored ("U.N.H.C.R." is
    "unhcr", "Médecins" is "medecins"), and Cyrillic or Greek letters that look like Latin ones
    read as those ("Tаrvan" with a Cyrillic а is "tarvan")."""
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_LOOK_ALIKES)
    return "".join(ch for ch in decomposed if ch.isalnum())


# Lower-case Cyrillic and Greek letters drawn like Latin ones (after casefold), by the Latin
# letter they pass for: enough to keep a name typed with one of them from passing as another.
_LOOK_ALIKES = str.maketrans(
    {
        **dict.fromkeys("аα", "a"), "в": "b", **dict.fromkeys("сϲ", "c"), "ԁ": "d",
        **dict.fromkeys("еε", "e"), **dict.fromkeys("һн", "h"), **dict.fromkeys("іι", "i"),
        "ј": "j", **dict.fromkeys("кκ", "k"), "ӏ": "l", "м": "m", "η": "n",
        **dict.fromkeys("оο", "o"), **dict.fromkeys("рρ", "p"), "ԛ": "q", "ѕ": "s",
        **dict.fromkeys("тτ", "t"), "υ": "u", "ν": "v", "ԝ": "w", **dict.fromkeys("хχ", "x"),
        **dict.fromkeys("уγ", "y"),
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Named:
    """A partner, an HCT member or a threat actor, as a free text may name it."""

    record: dict[str, Any]
    label: str  # "partner 'ohchr'", "a threat actor of threat 'T2'"
    id: str | None


def _named_records(content: Content) -> list[_Named]:
    found: list[_Named] = []
    for member in content.operation.get("hct_members") or []:
        found.append(_Named(member, f"HCT member '{member['id']}'", member["id"]))
    for record in walk_records(list(content.sections.values())):
        if record["_kind"] == "partner":
            found.append(_Named(record, f"partner '{record['id']}'", record["id"]))
        elif record["_kind"] == "threat":
            for actor in record["actors"]:
                found.append(_Named(actor, f"a threat actor of threat '{record['id']}'", None))
    return found


def _check_free_names(walker: _Walker, content: Content) -> None:
    """Free text equal to the name of a non-public partner, member or threat actor is an error.

    Typed as free text (a lead, a place, a title), the name is printed wherever that item goes,
    and the leak check cannot object: the same words now sit in a public field. An id is shown
    as the name only to readers who may see the record. The name itself is never quoted here:
    it may be strictly confidential.
    """
    named = _named_records(content)
    public = {
        _name_key(text)
        for n in named
        if n.record["_level"] == s.PUBLIC
        for text in _record_texts(n.record.get("name"))
    }
    by_name: dict[str, list[_Named]] = {}
    for n in named:
        if n.record["_level"] > s.PUBLIC:
            for text in _record_texts(n.record.get("name")):
                by_name.setdefault(_name_key(text), []).append(n)
    for free in walker.names:
        key = _name_key(free.text)
        if not key or key in public or key not in by_name:
            continue
        target = content.index.get(free.text)
        if free.actor_field and target is not None and target["_kind"] in s.ACTOR_KINDS:
            continue  # an id, resolved to its record
        for match in by_name[key]:
            if match.id is None and free.level >= match.record["_level"]:
                continue  # a threat actor named in an item at least as strict as itself
            walker.error(free.where, *_free_name_message(match, free))
            break


def _free_name_message(match: _Named, free: _FreeName) -> tuple[str, str]:
    level = s.LEVELS[match.record["_level"]]
    place = f"{_rel(match.record['_file'])}:{match.record['_line']}"
    message = (
        f"this free text is the name of {match.label} ({level}, {place}): typed out, it is "
        f"printed wherever this {s.LEVELS[free.level]} item goes"
    )
    if match.id is not None:
        hint = (
            f"Write the id {match.id} instead: each document then shows the name only to "
            "readers who may see it."
        )
    else:
        hint = (
            "Do not name the actor here (the threat's own documents name it to those who may "
            f"see it), or mark this item {level}."
        )
    return message, hint


def _record_texts(value: Any) -> list[str]:
    """Every string of a checked text field: plain, per language, or a list of names."""
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return [text for item in value for text in _record_texts(item)]
    return [value] if isinstance(value, str) else []


# What `protdocs new` writes in each of its example texts, so that none is released by mistake.
EXAMPLE_MARK = "(example from protdocs new)"


def _check_examples_left(walker: _Walker, content: Content) -> None:
    """A warning for each text still the example of `protdocs new` (so --strict refuses it)."""
    for record in walk_records(list(content.sections.values())):
        for name in s.free_text_fields(s.RECORDS[record["_kind"]]):
            if any(EXAMPLE_MARK in text for text in _record_texts(record.get(name))):
                walker.warn(
                    _at(record, name),
                    "still the example text written by protdocs new",
                    "Write your own, or remove the item; a release (and validate --strict) "
                    "refuses example text.",
                )


# The public documents' sections a release may not leave empty: file, field, the section's
# heading, and what fills it. Each one empty says "To be completed" in the draft document.
REQUIRED_SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("analysis.yaml", "context", "HNO: Context and drivers", "a context"),
    ("analysis.yaml", "threats", "HNO: Threats", "a threat"),
    ("analysis.yaml", "vulnerabilities", "HNO: Who is vulnerable and why", "a vulnerability"),
    ("analysis.yaml", "capacities", "HNO: Capacities", "a capacity"),
    ("analysis.yaml", "risks", "HNO: Protection risks", "a risk"),
    ("analysis.yaml", "sources", "HNO: Sources and methodology", "a source"),
    (
        "strategic-objectives.yaml",
        "strategic_objectives",
        "HRP: Strategic objectives",
        "a strategic objective",
    ),
    (
        "cluster-contributions.yaml",
        "clusters",
        "HRP: Cluster contributions",
        "a cluster contribution",
    ),
    ("monitoring.yaml", "indicators", "HRP: Monitoring", "an indicator"),
)


def _check_required_sections(walker: _Walker, content: Content, loaded: LoadedContent) -> None:
    """A warning for each required section that the public documents would print empty.

    What is public is the audience filter's decision, so the check reads its public view.
    """
    from .audience import SECTION_KEYS, Audience, view

    public = view(content, Audience.PUBLIC)
    for name, field, section, one in REQUIRED_SECTIONS:
        shown = public[SECTION_KEYS[name]][field]
        if field == "clusters":
            shown = [k for cluster in shown for k in cluster["contributions"]]
        if shown:
            continue
        raw = loaded.files.get(name)
        where = _Where(content.folder / name, raw.line_of(field) if raw else 0, field)
        written = _has_any(content.section(name).get(field), field)
        walker.warn(
            where,
            f"{'not public yet' if written else 'nothing written yet'}: the section "
            f'"{section}" says "To be completed"',
            _fill_hint(field, one, written)
            + "; a release (and validate --strict) refuses an empty section.",
        )


def _fill_hint(field: str, one: str, written: bool) -> str:
    if not written:
        return f"Write {one}" if field == "context" else f"Add {one}"
    if field == "context":
        return 'Mark it public when it may be published (docs/content-format.md, "Classification")'
    return f"Mark {one} that may be published with classification: public"


def _has_any(value: Any, field: str) -> bool:
    if field == "clusters":
        return any(cluster["contributions"] for cluster in value or [])
    return bool(value)


def _note_unparsed(walker: _Walker, loaded: LoadedContent) -> None:
    """Remember which content files exist but do not parse (their one error is reported)."""
    for name in CONTENT_FILES:
        path = loaded.folder / name
        if name not in loaded.files and path.is_file():
            walker.unparsed.update(dict.fromkeys(_kinds_held(s.FILES[name]), path))
            walker.languages_known = walker.languages_known and name != OPERATION_FILE


def _sort_problems(problems: list[Problem]) -> None:
    """By file (in the order of the content files, then data tables by name), then by line;
    at one place, errors before warnings, else in the order found."""
    order = {name: i for i, name in enumerate(CONTENT_FILES)}

    def key(problem: Problem) -> tuple[int, str, int, bool]:
        path = Path(problem.file)
        rank = order.get(path.name, len(order)) if path.parent.name != "data" else len(order)
        return (rank, str(path), problem.line or 0, problem.severity is not Severity.ERROR)

    problems.sort(key=key)


def _add_tables(walker: _Walker, content: Content) -> None:
    """HXL tables: people in need become records of their own, results join their indicator."""
    seen: dict[tuple[str, str], str] = {}
    for table in TableReader(walker.problems).read_folder(content.folder / "data"):
        if table.kind == SEVERITY:
            _add_severity(walker, content, table)
            continue
        if table.kind == PEOPLE_IN_NEED:
            record = pin_record(table)
            content.sections[f"data/{table.path.name}"] = record
            walker.names.extend(_table_names(record))
            continue
        for row in table.rows:
            _merge_result(walker, table, row["result"], seen)
    for indicator in walker.index.values():
        if indicator["_kind"] == "indicator":
            indicator["results"].sort(key=lambda r: r["period"] or "")


def _add_severity(walker: _Walker, content: Content, table: Table) -> None:
    """A severity table's rows join analysis.yaml's ``severity_by_area``, at the level of the
    table (its sidecar's classification; internal without one), checked like typed rows."""
    analysis = content.sections.get("analysis.yaml")
    if analysis is None:
        walker.error(
            _Where(table.path, 0, ""),
            "a severity table needs analysis.yaml, where the HNO's severity section comes from",
            "Create analysis.yaml (protdocs new writes one) or move the table out of data/.",
        )
        return
    for row in table.rows:
        where = _Where(table.path, row["_line"], row["area_where"])
        if not row["area"]:
            walker.error(where, "no area name in this row", "Write the area's name.")
            continue
        pcode = row["pcode"]
        if pcode is not None and not _ID.fullmatch(pcode):
            walker.error(
                _Where(table.path, row["_line"], row["pcode_where"]),
                f"{_shown(pcode) if table.level < s.STRICTLY else _NOT_SHOWN} is not a p-code",
                "Use letters, digits, -, _ and . only (e.g. NV01).",
            )
            pcode = None
        record = {
            "_kind": "area_severity",
            "_level": table.level,
            "_file": str(table.path),
            "_line": row["_line"],
            "area": row["area"],
            "pcode": pcode,
            "severity": row["severity"],
        }
        analysis["severity_by_area"].append(record)
        walker.names.append(_FreeName(where, row["area"], table.level, False))


def _table_names(table: dict[str, Any]) -> Iterator[_FreeName]:
    """The words a people-in-need table prints (its title, its source, its areas and groups),
    checked like any free text for the names of non-public partners, members and actors."""
    where = _Where(Path(table["_file"]), table["_line"], "")
    for field in ("title", "source"):
        if isinstance(table.get(field), str):
            yield _FreeName(where.child(field, where.line), table[field], table["_level"], False)
    for row in [*table.get("rows", []), *table.get("groups", [])]:
        for field in ("area", "group"):
            if isinstance(row.get(field), str):
                here = _Where(where.file, row.get("_line") or where.line, field)
                yield _FreeName(here, row[field], table["_level"], False)


def _reconcile_figures(walker: _Walker, content: Content) -> None:
    """Where analysis.yaml's ``figures`` and a people-in-need table give the same figure
    (headline or AoR, in need or targeted), they must agree: otherwise the HNO would print one
    and the annexes or the site another. The error names both places."""
    analysis = content.sections.get("analysis.yaml") or {}
    figures = analysis.get("figures") or {}
    typed: list[tuple[str | None, str, dict[str, Any], str, str]] = []
    for field, measure in (("people_in_need", "in_need"), ("people_targeted", "targeted")):
        if figures:
            typed.append((None, measure, figures, field, f"figures.{field}"))
        for row in figures.get("by_aor") or []:
            typed.append((row["aor"], measure, row, field, f"figures.by_aor.{row['aor']}.{field}"))
        for area in analysis.get("areas_of_responsibility") or []:
            if area["figures"] and area["aor"]:
                path = f"areas_of_responsibility[{area['aor']}].figures.{field}"
                typed.append((area["aor"], measure, area["figures"], field, path))
    _reconcile_aor_records(walker, figures, analysis.get("areas_of_responsibility") or [])
    tables = [t for name, t in sorted(content.sections.items()) if t["_kind"] == "pin_table"]
    for aor, measure, record, field, path in typed:
        value = record.get(field)
        if value is None:
            continue
        for table in tables:
            given = table["_figures"].get((aor, measure))
            if given is None or given[0] == value:
                continue
            other = (  # validate prints no strictly-confidential figure
                f"{given[0]:,} ({given[1]})"
                if table["_level"] < s.STRICTLY
                else f"another figure ({given[1]}; the table is strictly confidential)"
            )
            walker.error(
                _Where(Path(record["_file"]), record["_line"], path),
                f"{value:,} here, but {_rel(table['_file'])} gives {other}.",
                "Make them agree, or leave the figure out of analysis.yaml so that the "
                "table's is used.",
            )


def _reconcile_aor_records(
    walker: _Walker, figures: dict[str, Any], areas: list[dict[str, Any]]
) -> None:
    """An AoR's own figures and the same AoR's row of ``figures.by_aor`` must agree: the HNO
    prints both (the AoR table and the AoR's sub-section)."""
    rows = {row["aor"]: row for row in figures.get("by_aor") or []}
    for area in areas:
        row, own = rows.get(area["aor"]), area["figures"]
        if row is None or not own:
            continue
        for field in ("people_in_need", "people_targeted", "requirements_usd", "partners"):
            mine, theirs = own.get(field), row.get(field)
            if mine is None or theirs is None or mine == theirs:
                continue
            secret = max(own["_level"], row["_level"]) >= s.STRICTLY
            walker.error(
                _Where(
                    Path(own["_file"]),
                    own["_line"],
                    f"areas_of_responsibility[{area['aor']}].figures.{field}",
                ),
                "this figure differs from figures.by_aor's"
                if secret
                else f"{mine:,} here, but figures.by_aor gives {theirs:,} "
                f"(line {row['_line']}) for {area['aor']}",
                "Make them agree, or give the figure in one place only.",
            )


def _merge_result(
    walker: _Walker, table: Table, result: TableResult, seen: dict[tuple[str, str], str]
) -> None:
    cell = result.indicator
    where = _Where(table.path, cell.row, cell.where)
    indicator = walker.index.get(cell.value)
    if indicator is None and walker.unparsed_file(("indicator",)) is not None:
        walker.unchecked.setdefault(walker.unparsed["indicator"], []).append(table.path)
        return
    if indicator is None or indicator["_kind"] != "indicator":
        known = [k for k, v in walker.index.items() if v["_kind"] == "indicator"]
        walker.error(
            where,
            f"unknown indicator '{cell.value}'",
            did_you_mean(cell.value, known)
            or f"Indicators in monitoring.yaml: {', '.join(known)}.",
        )
        return
    here = f"{_rel(str(table.path))}:{cell.row}"
    for typed in indicator["results"]:
        if typed["period"] == result.period:
            walker.error(
                where,
                f"the {result.period} result of {cell.value} is also given at "
                f"{_rel(typed['_file'])}:{typed['_line']}",
                "Keep one of the two.",
            )
            return
    first = seen.setdefault((cell.value, result.period), here)
    if first != here:
        walker.error(where, f"the {result.period} result of {cell.value} is also given at {first}")
        return
    indicator["results"].append(
        {
            "_kind": "result",
            "_level": max(indicator["_level"], table.level),
            "_file": str(table.path),
            "_line": cell.row,
            "period": result.period,
            "value": result.value,
            "female": result.female,
            "male": result.male,
            "note": result.note,
        }
    )


def _operation_basics(raw: YMap | None) -> tuple[list[str], int]:
    """Languages and default level are needed before any other file can be read."""
    languages = ["en"]
    level = s.INTERNAL
    if raw is not None:
        langs = raw.get("languages")
        if isinstance(langs, list) and langs and all(isinstance(x, str) for x in langs):
            languages = list(langs)
        if raw.get("default_classification") in s.LEVELS:
            level = s.LEVELS.index(raw["default_classification"])
    return languages, level


def checked_summary(content: Content) -> str:
    """What `validate` looked at and found: "checked 6 files, 84 items: 2 errors, 1 warning"."""
    files = [content.folder / name for name in CONTENT_FILES if (content.folder / name).is_file()]
    data = content.folder / "data"
    if data.is_dir():
        files += [
            path
            for path in data.iterdir()
            if path.suffix.lower() in TABLE_SUFFIXES and not path.name.startswith((".", "~$"))
        ]
    counts = (
        _count(len(files), "file"),
        _count(len(content.index), "item"),
        _count(len(content.errors), "error"),
        _count(len(content.warnings), "warning"),
    )
    return "checked {}, {}: {}, {}".format(*counts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def load_and_validate(folder: Path) -> Content:
    return validate(load_operation(folder))


def validated(content_dir: Path, strict: bool = False) -> Content:
    """The content, or ValidationFailed listing every problem (warnings too under --strict)."""
    content = load_and_validate(content_dir)
    if content.errors or (strict and content.warnings):
        raise ValidationFailed(content.problems)
    return content
