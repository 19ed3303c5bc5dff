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
    # Charts drawn from this document's view into charts/ beside it: see charts.CHART_WRITERS.
    charts: tuple[str, ...] = ()

    @property
    def classification_label(self) -> str:
        return {
            Audience.PUBLIC: "Public",
            Audience.INTERNAL: "Internal",
            Audience.CONFIDENTIAL: "Confidential",
        }[self.audience]


PUBLIC_ANNEX = (Audience.PUBLIC, "public/annexes")
INTERNAL_ANNEX = (Audience.INTERNAL, "internal/annexes")
PLAN_ANNEX = (Audience.CONFIDENTIAL, "internal/annexes")


def _annex(
    slug: str, title: str, where: tuple[Audience, str], charts: tuple[str, ...] = ()
) -> Document:
    """Annexes are wide tables: landscape pages, one Word file each, a template named by slug."""
    audience, folder = where
    return Document(slug, f"{slug}.md.j2", audience, folder, title, landscape=True, charts=charts)


DOCUMENTS: tuple[Document, ...] = (
    Document(
        "hno-protection-analysis",
        "hno-protection-analysis.md.j2",
        Audience.PUBLIC,
        "public",
        "Protection analysis",
        charts=("people-in-need",),
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
    # Annexes with a public version (public items only) and an internal one (internal items too).
    _annex("annex-1-cluster-contributions", "Annex 1: Cluster contribution matrix", PUBLIC_ANNEX),
    _annex("annex-1-cluster-contributions", "Annex 1: Cluster contribution matrix", INTERNAL_ANNEX),
    _annex("annex-2-partners", "Annex 2: Partner complementarity", PUBLIC_ANNEX),
    _annex("annex-2-partners", "Annex 2: Partner complementarity", INTERNAL_ANNEX),
    _annex(
        "annex-3-monitoring-framework",
        "Annex 3: Monitoring framework",
        PUBLIC_ANNEX,
        ("indicators",),
    ),
    _annex(
        "annex-3-monitoring-framework",
        "Annex 3: Monitoring framework",
        INTERNAL_ANNEX,
        ("indicators",),
    ),
    # Annexes of the confidential HCT action plan: confidential rows are marked, as in the plan.
    _annex("annex-4-human-rights-engagement", "Annex 4: Human-rights engagement plan", PLAN_ANNEX),
    _annex("annex-5-action-tracker", "Annex 5: Action tracker", PLAN_ANNEX),
    _annex("annex-6-benchmark-self-assessment", "Annex 6: Benchmark self-assessment", PLAN_ANNEX),
)
