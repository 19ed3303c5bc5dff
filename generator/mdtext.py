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
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace("{", "\\{").replace("}", "\\}").replace("![", "!\\[")
    text = _BLOCK_FENCE.sub(lambda m: _ENTITY[m.group(1)], text)
    text = _INLINE_LINK.sub(_inline, text)
    return _REF_DEFINITION.sub(_reference, text)


def one_line(text: str) -> str:
    """Table cells hold one line: paragraphs are joined and pipes escaped."""
    return re.sub(r"\s*\n\s*", " ", text.strip()).replace("|", "\\|")


def plain_text(text: str | None) -> str | None:
    """Undo the escaping of ``safe_markdown`` for outputs that are not Markdown (CSV)."""
    if text is None:
        return None
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
