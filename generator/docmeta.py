"""What a document says about itself besides its text: the tool's version, its Word properties
and its banner. Both the build and `diff` (the tracked-changes copy) print them, so they live
here rather than in the orchestrator."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from . import schema as s
from .audience import Audience
from .documents import Document
from .i18n import is_right_to_left, translator, typography
from .model import Content
from .render import BuildInfo
from .writers.docx import DocxMeta
from .writers.pdf import PdfMeta


def tool_version() -> str:
    try:
        return version("protdocs")
    except PackageNotFoundError:
        return "0+unknown"


def docx_meta(
    content: Content, info: BuildInfo, doc: Document, lang: str | None = None
) -> DocxMeta:
    """A document's Word properties and banner (also those of its tracked-changes copy)."""
    lang = lang or content.languages[0]
    _ = translator(lang)
    op = content.operation
    country = _plain(op["country"], lang)
    title = _(doc.title)
    return DocxMeta(
        title=typography(f"{country}: {title}", lang),  # French spacing in properties too
        subject=f"{country} {op['plan_year']} — {title}",
        author=_("Humanitarian Country Team, {country}").format(country=country),
        category=_(doc.classification_label),
        banner=_banner(doc, country, op["plan_year"], _),
        timestamp=info.timestamp,
        landscape=doc.landscape,
        lang=lang,
        right_to_left=is_right_to_left(lang),
        draft=is_draft(op.get("version")),
    )


def is_draft(version: object) -> bool:
    """A version that says it is a draft ("2027.1-draft", "Draft 2") is printed as one, with a
    DRAFT mark on every page."""
    return "draft" in str(version or "").casefold()


def pdf_meta(content: Content, info: BuildInfo, doc: Document, lang: str | None = None) -> PdfMeta:
    """The Word file's properties and banner, the page numbers' wording and the draft mark."""
    lang = lang or content.languages[0]
    _ = translator(lang)
    return PdfMeta(
        document=docx_meta(content, info, doc, lang),
        page_of=_("page {page} of {pages}"),
        draft_mark=_("DRAFT") if is_draft(content.operation.get("version")) else "",
    )


def _banner(doc: Document, country: str, year: int, _: Callable[[str], str] = str) -> str:
    if doc.audience is Audience.PUBLIC:
        return _("{country} · {year} · PUBLIC").format(country=country, year=year)
    label = s.vocabulary()["classification"][s.LEVELS[doc.audience.value]]
    level = _(label).upper()
    return _("{level} — HCT {country} · {year} — do not forward").format(
        level=level, country=country, year=year
    )


def _plain(value: str | dict[str, str], lang: str) -> str:
    """A text of operation.yaml in ``lang``, else in the first language given."""
    if isinstance(value, str):
        return value
    return value.get(lang) or next(iter(value.values()))
