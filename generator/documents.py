"""The outputs the product writes: one entry per document, its template and its audience."""

from __future__ import annotations

from dataclasses import dataclass

from .audience import Audience


@dataclass(frozen=True)
class Document:
    slug: str
    template: str
    audience: Audience
    folder: str
    title: str
    landscape: bool = False

    @property
    def classification_label(self) -> str:
        return {
            Audience.PUBLIC: "Public",
            Audience.INTERNAL: "Internal",
            Audience.CONFIDENTIAL: "Confidential",
        }[self.audience]


DOCUMENTS: tuple[Document, ...] = (
    Document(
        "hno-protection-analysis",
        "hno-protection-analysis.md.j2",
        Audience.PUBLIC,
        "public",
        "Protection analysis",
    ),
    Document(
        "hrp-protection-section",
        "hrp-protection-section.md.j2",
        Audience.PUBLIC,
        "public",
        "Protection response",
    ),
    Document(
        "hct-protection-action-plan",
        "hct-protection-action-plan.md.j2",
        Audience.CONFIDENTIAL,
        "internal",
        "HCT protection action plan",
    ),
)
