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
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace("{", "\\{").replace("}", "\\}").replace("![", "!\\[")
    text = _INLINE_LINK.sub(_inline, text)
    return _REF_LINK.sub(_reference, text)


def one_line(text: str) -> str:
    """Table cells hold one line: paragraphs are joined and pipes escaped."""
    return re.sub(r"\s*\n\s*", " ", text.strip()).replace("|", "\\|")


def plain_text(text: str | None) -> str | None:
    """Undo the escaping of ``safe_markdown`` for outputs that are not Markdown (CSV)."""
    if text is None:
        return None
    for escaped, raw in (("\\{", "{"), ("\\}", "}"), ("!\\[", "!["), ("&lt;", "<"), ("&amp;", "&")):
        text = text.replace(escaped, raw)
    return " ".join(text.split())
