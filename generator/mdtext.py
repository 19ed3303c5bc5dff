"""Content text is Markdown written by drafters: make it inert before it meets a template.

Raw HTML becomes visible text (``<`` is written as an entity, which both pandoc and MkDocs show as
``<``), links with a scheme other than http(s)/mailto lose their target, and braces are escaped so
that no attribute or raw-format syntax (``{=html}``, ``{onclick=...}``) can be smuggled through.
Images are shown as text: a content field must not make pandoc embed a file from the machine.
"""

from __future__ import annotations

import re

_SAFE_SCHEMES = ("http:", "https:", "mailto:", "#", "/")
_INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)>?([^)]*)\)")
_REF_LINK = re.compile(r"^(\s*\[[^\]]+\]:\s*)(\S+)(.*)$", re.MULTILINE)


def _target_is_safe(target: str) -> bool:
    lowered = re.sub(r"[\s\x00-\x1f]", "", target).lower()
    return ":" not in lowered.split("/")[0] or lowered.startswith(_SAFE_SCHEMES)


def _inline(match: re.Match[str]) -> str:
    return match.group(0) if _target_is_safe(match.group(1)) else "](#)"


def _reference(match: re.Match[str]) -> str:
    return match.group(0) if _target_is_safe(match.group(2)) else f"{match.group(1)}#"


def safe_markdown(text: str) -> str:
    """Drafter Markdown with HTML, unsafe links and attribute syntax made inert."""
    text = _MARKS.sub("", text)  # content cannot forge a language mark
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace("{", "\\{").replace("}", "\\}").replace("![", "!\\[")
    text = _INLINE_LINK.sub(_inline, text)
    return _REF_LINK.sub(_reference, text)


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
    for escaped, raw in (("\\{", "{"), ("\\}", "}"), ("!\\[", "!["), ("&lt;", "<"), ("&amp;", "&")):
        text = text.replace(escaped, raw)
    return " ".join(text.split())
