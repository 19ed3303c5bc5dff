"""Content text is Markdown written by drafters: make it inert before it meets a template.

Only the Markdown that docs/content-format.md documents (paragraphs, lists, emphasis, links) may
do anything; every other sequence is made into text that pandoc (Word) and Python-Markdown (the
site) both show as typed:

- line endings are ``\\n`` only: a lone ``\\r`` is a line break to one parser and not to
  another, and hid a link definition from the checks below; other control characters go;
- raw HTML becomes visible text (``<`` is written as an entity, which both pandoc and MkDocs show
  as ``<``; ``&`` too, so that no entity can be spelled);
- braces are escaped, so that no attribute or raw-format syntax (``{=html}``, ``{onclick=...}``)
  can be smuggled through; images are shown as text: a content field must not make pandoc embed
  a file from the machine;
- ``:::`` (a pandoc fenced div) and ``!!!`` (an admonition on the site) are written with a
  character reference, so that they open no block;
- a link whose target has a scheme other than http(s)/mailto loses its target, and a reference
  definition (``[x]: target``, wherever it stands: after a ``>``, a list marker or a line break)
  whose target is unsafe is no definition any more: its ``]`` is escaped.

This is one layer of several: pandoc reads the documents with the extensions this Markdown
needs and nothing more, in its sandbox, and the site's HTML is cleaned after MkDocs wrote it.
"""

from __future__ import annotations

import re

_SAFE_SCHEMES = ("http:", "https:", "mailto:", "#", "/")
_INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)>?([^)]*)\)")
# ``]:`` anywhere, its target on the same line or the next one (both parsers allow either).
_REF_DEFINITION = re.compile(r"\]:[ \t]*(?:\n[ \t]*)?(\S*)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")
_BLOCK_FENCE = re.compile(r"([:!])(?=\1\1)")
_ENTITY = {":": "&#58;", "!": "&#33;"}


def is_safe_target(target: str) -> bool:
    """http(s), mailto, an anchor or a relative address: nothing a browser or Word runs."""
    lowered = re.sub(r"[\s\x00-\x1f]", "", target).lower()
    return ":" not in lowered.split("/")[0] or lowered.startswith(_SAFE_SCHEMES)


def _inline(match: re.Match[str]) -> str:
    # A parser may read the whole of (...) as the target and a browser drops the spaces and
    # line breaks inside a URL: judge the whole of it, titles included.
    whole = match.group(1) + match.group(2)
    return match.group(0) if is_safe_target(whole) else "](#)"


def _reference(match: re.Match[str]) -> str:
    return match.group(0) if is_safe_target(match.group(1)) else "\\" + match.group(0)


def safe_markdown(text: str) -> str:
    """Drafter Markdown with HTML, unsafe links, block and attribute syntax made inert."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _MARKS.sub("", text)  # content cannot forge a language mark
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace("{", "\\{").replace("}", "\\}").replace("![", "!\\[")
    text = _BLOCK_FENCE.sub(lambda m: _ENTITY[m.group(1)], text)
    text = _INLINE_LINK.sub(_inline, text)
    return _REF_DEFINITION.sub(_reference, text)


# A text shown in a document of another language (a translation not yet given) is marked with
# its own language, so that Word's spelling checker and screen readers read it as what it is.
# The marks are private-use characters that content cannot carry (``safe_markdown`` drops them):
# OPEN, the language tag spelt in private-use characters too (so that no parser, slug or search
# index sees letters in it), SEP, the text, CLOSE; around each line's text, after its list
# marker or quote, so that no Markdown block syntax is disturbed. The Word writer turns them into
# w:lang on the runs, the site into <span lang>, and every other output drops them.
LANG_OPEN, LANG_SEP, LANG_CLOSE = "\ue000", "\ue001", "\ue002"
_TAG_BASE = 0xE100
_MARKS = re.compile("[\ue000-\ue1ff]")
_LINE_PREFIX = re.compile(r"^(\s*(?:(?:[-*+]|\d+[.)])\s+|>\s*)*)(.*)$")
LANGUAGE_MARKED = re.compile("\ue000([\ue100-\ue1ff]+)\ue001(.*?)\ue002", re.DOTALL)


def in_language(markdown: str, tag: str) -> str:
    """Each line's text wrapped in the marks of language ``tag`` (a BCP 47 tag, en-GB)."""
    spelt = "".join(chr(_TAG_BASE + ord(char)) for char in tag)
    lines = []
    for line in markdown.split("\n"):
        match = _LINE_PREFIX.match(line)
        assert match is not None  # the pattern matches every line
        prefix, rest = match.groups()
        lines.append(f"{prefix}{LANG_OPEN}{spelt}{LANG_SEP}{rest}{LANG_CLOSE}" if rest else line)
    return "\n".join(lines)


def tag_of(spelt: str) -> str:
    """The language tag spelt in private-use characters by ``in_language``."""
    return "".join(chr(ord(char) - _TAG_BASE) for char in spelt)


def without_marks(text: str) -> str:
    """The text with its language marks (and the tags they spell) dropped."""
    return _MARKS.sub("", text)


def marks_to_html(text: str) -> str:
    """<span lang="en-GB">…</span> for each marked stretch of an HTML page."""
    return LANGUAGE_MARKED.sub(
        lambda m: f'<span lang="{tag_of(m.group(1))}">{m.group(2)}</span>', text
    )


def one_line(text: str) -> str:
    """Table cells hold one line: paragraphs are joined and pipes escaped."""
    return re.sub(r"\s*\n\s*", " ", text.strip()).replace("|", "\\|")


def plain_text(text: str | None) -> str | None:
    """Undo the escaping of ``safe_markdown`` for outputs that are not Markdown (CSV)."""
    if text is None:
        return None
    text = without_marks(text)
    for escaped, raw in (
        ("\\{", "{"),
        ("\\}", "}"),
        ("!\\[", "!["),
        ("\\]:", "]:"),
        ("&#58;", ":"),
        ("&#33;", "!"),
        ("&lt;", "<"),
        ("&amp;", "&"),
    ):
        text = text.replace(escaped, raw)
    return " ".join(text.split())
