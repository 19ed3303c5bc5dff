"""Languages: the templates' fixed text through gettext catalogues, locale formatting, and what
content is left to translate.

Fixed strings are written in English in the templates and the code (the msgids) and translated in
``generator/locale/LANG/LC_MESSAGES/protdocs.po``. The ``.po`` files are read at run time through
Babel, so there is no compiled ``.mo`` that could ship stale. Content text is translated by the
drafters field by field (``{en: ..., fr: ...}``); ``missing_translations`` lists what they left out.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import IO, Any

import yaml
from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent
from babel.support import Translations

from .audience import Audience
from .errors import ProtdocsError, display_path
from .layout import language_of as language_of  # the layout owns it
from .model import Content, Untranslated

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "protdocs"
SOURCE_LANGUAGE = "en"  # the language the msgids are written in
RIGHT_TO_LEFT = frozenset({"ar"})
# Dates in UN editorial style (31 March 2027): British English rather than Babel's US default.
_BABEL_LOCALES = {"en": "en_GB"}
# Western digits in every language, Arabic included, as in UN and OCHA Arabic documents; pinned
# so that a CLDR update switching Arabic to Arabic-Indic digits cannot change the outputs.
NUMBERING = "latn"
Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; it is translated where it is shown."""
    return message


class UnknownLanguage(ProtdocsError):
    """``--lang`` names a language the operation does not have."""


# -- catalogues ----------------------------------------------------------------------------------
def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> Catalog | None:
    """The language's catalogue, or None for the source language (the msgids are its text)."""
    path = catalogue_path(lang)
    if lang == SOURCE_LANGUAGE or not path.is_file():
        return None
    with path.open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """A gettext object made from the ``.po`` file in memory; fuzzy entries are left out."""
    found = catalogue(lang)
    if found is None:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, found, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translator(lang: str) -> Translate:
    """``_`` for code that builds text itself (banners, chart labels, titles)."""
    text = translations(lang).gettext
    return lambda message: text(message) if message else message


def translated_strings() -> list[str]:
    """Every translation in every catalogue: fixed wording the leak check must not search for."""
    found = []
    for path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        cat = catalogue(path.parent.parent.name)
        found += [m.string for m in cat or () if m.id and isinstance(m.string, str) and m.string]
    return found


# -- locale formatting ---------------------------------------------------------------------------
@cache
def babel_locale(lang: str) -> Locale:
    """Parsed once: a large operation formats tens of thousands of numbers."""
    return Locale.parse(_BABEL_LOCALES.get(lang, lang))


def colon(lang: str) -> str:
    """The colon after a label or an id, as the language writes it: French puts a no-break
    space before it (the catalogues' own strings do the same)."""
    return "\u00a0:" if lang.split("-")[0] == "fr" else ":"


# French typography: a no-break space before ":" and a narrow one before ";", "!" and "?" (after
# a word, a figure or a closing mark, never inside "https://" or "10:30"), and inside « ».
_FRENCH_BEFORE = re.compile(r"(?<=[\w)\]}»”’%*_])[ \u00a0\u202f]?([:;!?])(?=\s|$)")
_FRENCH_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]?")
_FRENCH_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]?»")
_FRONT_MATTER = re.compile(r"\A---\n(?:.*\n)*?---\n")


def typography(text: str, lang: str) -> str:
    """The language's spacing around punctuation, applied once to a whole rendered document
    (content and fixed text alike), so that no string can miss it. Only French has any; a
    YAML front-matter block is left as it is."""
    if lang.split("-")[0] != "fr":
        return text
    front = _FRONT_MATTER.match(text)
    head, body = (front.group(0), text[front.end() :]) if front else ("", text)
    head = _FRONT_VALUE.sub(lambda m: m[1] + _french(m[2]), head)  # values, never the keys
    return head + _french(body)


_FRONT_VALUE = re.compile(r"^(\w+: )(.+)$", re.MULTILINE)


def _french(text: str) -> str:
    text = _FRENCH_BEFORE.sub(lambda m: ("\u00a0" if m[1] == ":" else "\u202f") + m[1], text)
    text = _FRENCH_OPEN_QUOTE.sub("«\u00a0", text)
    return _FRENCH_CLOSE_QUOTE.sub("\u00a0»", text)


def list_separators(lang: str) -> tuple[str, str]:
    """The comma and semicolon between the items of a list: Arabic writes "، " and "؛ "."""
    return ("، ", "؛ ") if lang.split("-")[0] == "ar" else (", ", "; ")


def is_right_to_left(lang: str) -> bool:
    return lang in RIGHT_TO_LEFT


def number(value: float | None, lang: str) -> str:
    """1,234.5 in English, 1 234,5 in French (narrow no-break space), 1.234,5 in Spanish."""
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale(lang), numbering_system=NUMBERING)


# Headline figures in OCHA's house style (2.5M, 780K, 64.1M), written out here rather than taken
# from CLDR's compact patterns, which change between Babel releases (Babel 2.19's en_GB writes
# "2.5m"). Per language: the suffix of thousands, millions and billions, and whether a no-break
# space stands between the figure and it. The figure itself (one decimal at most, the language's
# decimal sign) comes from ``number``.
COMPACT_UNITS: dict[str, tuple[tuple[str, str, str], str]] = {
    "en": (("K", "M", "B"), ""),
    "fr": (("k", "M", "Md"), "\u00a0"),
    "es": (("mil", "M", "mil\u00a0M"), "\u00a0"),
    "ar": (("ألف", "مليون", "مليار"), "\u00a0"),
}
_COMPACT_STEPS = (Decimal(1_000), Decimal(1_000_000), Decimal(1_000_000_000))


def compact(value: float | None, lang: str) -> str:
    """2.5M, 780K, 64.1M (2,5 M, 780 k in French; 2.5 مليون in Arabic): the headline figures
    of published HRPs. Below a thousand the number is written in full; one decimal at most,
    rounded half up; a figure that rounds up to a thousand of its unit takes the next one."""
    if value is None:
        return "—"
    suffixes, space = COMPACT_UNITS.get(lang.split("-")[0], COMPACT_UNITS[SOURCE_LANGUAGE])
    magnitude = Decimal(str(value))
    sign, magnitude = ("-" if magnitude < 0 else ""), abs(magnitude)
    units = [i for i, step in enumerate(_COMPACT_STEPS) if magnitude >= step]
    if not units:
        return sign + number(float(magnitude), lang)
    unit = units[-1]
    shown = (magnitude / _COMPACT_STEPS[unit]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if shown >= 1000 and unit + 1 < len(_COMPACT_STEPS):  # 999,960 is 1M, not 1000K
        unit, shown = unit + 1, Decimal(1)
    return f"{sign}{number(float(shown), lang)}{space}{suffixes[unit]}"


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    return babel_percent(value, locale=babel_locale(lang), numbering_system=NUMBERING)


# Reporting periods (2027-H1, 2027-Q2, 2027) as each language names them. English keeps the
# drafters' and the HPC tools' own form.
_PERIOD_SHAPE = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>[HQ])(?P<n>[1-4]))?$")
PERIOD_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "fr": {"H": ("S1", "S2"), "Q": ("T1", "T2", "T3", "T4")},
    "es": {
        "H": ("1.er semestre", "2.º semestre"),
        "Q": ("1.er trimestre", "2.º trimestre", "3.er trimestre", "4.º trimestre"),
    },
    "ar": {
        "H": ("النصف الأول", "النصف الثاني"),
        "Q": ("الربع الأول", "الربع الثاني", "الربع الثالث", "الربع الرابع"),
    },
}


def period(value: str, lang: str) -> str:
    """2027-H1 → S1 2027 (French), 1.er semestre 2027 (Spanish), النصف الأول 2027 (Arabic);
    a year, an English label or anything else is left as written."""
    match = _PERIOD_SHAPE.match(str(value))
    labels = PERIOD_LABELS.get(lang.split("-")[0])
    if not match or not labels or not match["kind"]:
        return str(value)
    name = labels[match["kind"]][int(match["n"]) - 1]
    return f"{name}\u00a0{match['year']}"


def natural_list(items: list[str] | tuple[str, ...], lang: str, style: str = "standard") -> str:
    """Names joined as the language writes a list: "A, B and C", "A, B et C", "A y B",
    "A و B" (CLDR's patterns through Babel), never glued with "; " or ", ". Empty items are
    left out. Items that hold commas, and ``style="parts"`` (label: value pairs), are
    separated by the language's semicolon instead."""
    shown = [str(item) for item in items if str(item).strip()]
    if not shown:
        return ""
    if style == "parts" and len(shown) > 1:
        return _SEMICOLON.get(lang.split("-")[0], "; ").join(shown)
    if len(shown) > 1 and any(_LIST_COMMA.search(item) for item in shown):
        # items that hold commas themselves ("Upper Tarvan: Sarnow, Dravo and Hesk districts")
        # are told apart by semicolons, as style guides write such lists
        return _SEMICOLON.get(lang.split("-")[0], "; ").join(shown)
    return format_list(shown, locale=babel_locale(lang))


_SEMICOLON = {"fr": "\u202f; ", "ar": "؛ "}
_LIST_COMMA = re.compile(r",(?!\d)|،")  # a comma between words, not in 78,000


def long_date(value: dt.date, lang: str) -> str:
    """The build date as a reader of that language writes it: 31 March 2027, 31 mars 2027."""
    return format_date(value, format="long", locale=babel_locale(lang))


# -- the operation's languages -------------------------------------------------------------------
def output_languages(content: Content, lang: str | None = None) -> list[str]:
    """The languages to build: all of the operation's, or the one asked for with --lang."""
    if lang is None:
        return content.languages
    if lang not in content.languages:
        raise UnknownLanguage(
            f"--lang {lang}: not one of this operation's languages "
            f"({', '.join(content.languages)}); they are set by languages: in operation.yaml"
        )
    return [lang]


def language_suffix(lang: str, languages: list[str]) -> str:
    """'' for the first language (today's file names), '.fr' for the others."""
    return "" if lang == languages[0] else f".{lang}"


# -- what is left to translate -------------------------------------------------------------------
def missing_translations(
    content: Content, lang: str | None = None, audience: Audience = Audience.PUBLIC
) -> dict[str, list[Untranslated]]:
    """Per language after the first, every text that falls back to the first language and
    that ``audience`` may read: public texts by default, the internal documents' texts
    (internal and confidential) for ``Audience.CONFIDENTIAL``; strictly-confidential texts,
    which no output holds, never. The list goes to translators, often outside the HCT."""
    wanted = output_languages(content, lang)
    return {
        code: [u for u in content.untranslated if u.lang == code and u.level <= audience.value]
        for code in wanted
        if code != content.languages[0]
    }


def missing_report(
    content: Content,
    lang: str | None = None,
    width: int = 60,
    audience: Audience = Audience.PUBLIC,
) -> str:
    """For translators: FILE:LINE: path: the text to translate (shortened), and a count."""
    first = content.languages[0]
    missing = missing_translations(content, lang, audience)
    if not missing:
        return f"This operation has only its first language ({first}): nothing to translate."
    internal = missing_translations(content, lang, Audience.CONFIDENTIAL)
    lines: list[str] = []
    for code, items in missing.items():
        lines.append(f"{code}: {len(items)} text(s) to translate from {first}")
        lines += [
            f"  {display_path(u.file)}:{u.line}: {u.path}: {_shorten(u.text, width)}" for u in items
        ]
        hidden = len(internal[code]) - len(items)
        if hidden > 0:
            lines.append(
                f"  and {hidden} text(s) of the internal documents, not listed: "
                "--audience internal lists them for translators who may read them"
            )
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


# -- Babel extractor for the vocabulary ----------------------------------------------------------
_VOCAB = re.compile(r"^(?P<vocab>[a-z_]+):\s*$")
_LABEL = re.compile(r"^\s+(?P<value>[^:#]+):\s*(?P<label>\S.*)$")
UNTRANSLATED_VOCABULARIES = ("language",)  # endonyms: Français is Français in every language


def extract_vocabulary(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for vocabulary.yaml: every display label, by line (babel.cfg)."""
    vocab = None
    for number_, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        if match := _VOCAB.match(raw):
            vocab = match["vocab"]
        elif (match := _LABEL.match(raw)) and vocab not in UNTRANSLATED_VOCABULARIES:
            label = str(yaml.safe_load(match["label"]))
            yield number_, "_", label, [f"vocabulary {vocab}: {match['value'].strip()}"]
