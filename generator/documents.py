"""The outputs the product writes: one entry per document, its template and its audience.

Titles and classification labels are English msgids, translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .audience import Audience
from .i18n import N_
from .layout import ANNEXES, DOCUMENT_FOLDERS
from .layout import RELEASES as RELEASES


@dataclass(frozen=True)
class Document:
    slug: str
    template: str
    audience: Audience
    folder: str
    title: str
    landscape: bool = False
    # The cover's subtitle: which publication this document is a part of, with ``{year}``.
    # A public document's never names the internal plan.
    subtitle: str = ""
    # Charts drawn from this document's view into charts/ beside it: see charts.CHART_WRITERS.
    charts: tuple[str, ...] = ()

    @property
    def classification_label(self) -> str:
        return {
            Audience.PUBLIC: N_("Public"),
            Audience.INTERNAL: N_("Internal"),
            Audience.CONFIDENTIAL: N_("Confidential"),
        }[self.audience]


PUBLIC_ANNEX = (Audience.PUBLIC, f"{DOCUMENT_FOLDERS[Audience.PUBLIC]}/{ANNEXES}")
INTERNAL_ANNEX = (Audience.INTERNAL, f"{DOCUMENT_FOLDERS[Audience.INTERNAL]}/{ANNEXES}")
PLAN_ANNEX = (Audience.CONFIDENTIAL, f"{DOCUMENT_FOLDERS[Audience.CONFIDENTIAL]}/{ANNEXES}")


HRP_ANNEX = N_("Annex to the Humanitarian Response Plan {year}, protection section")
PLAN_ANNEX_SUBTITLE = N_("Annex to the HCT protection action plan {year}")


def _annex(
    slug: str, title: str, where: tuple[Audience, str], charts: tuple[str, ...] = ()
) -> Document:
    """Annexes are wide tables: landscape pages, one Word file each, a template named by slug.
    A public annex accompanies the HRP; an internal one the HCT's action plan."""
    audience, folder = where
    subtitle = HRP_ANNEX if audience is Audience.PUBLIC else PLAN_ANNEX_SUBTITLE
    return Document(
        slug,
        f"{slug}.md.j2",
        audience,
        folder,
        title,
        landscape=True,
        subtitle=subtitle,
        charts=charts,
    )


RELEASE_NOTES = "RELEASE-NOTES.md"
CHANGES_DOCX = "hrp-protection-section.changes.docx"  # the HRP section with tracked changes

DOCUMENTS: tuple[Document, ...] = (
    Document(
        "hno-protection-analysis",
        "hno-protection-analysis.md.j2",
        Audience.PUBLIC,
        DOCUMENT_FOLDERS[Audience.PUBLIC],
        N_("Protection analysis"),
        subtitle=N_("Humanitarian Needs Overview {year}, protection chapter"),
        charts=("people-in-need", "severity"),
    ),
    Document(
        "hrp-protection-section",
        "hrp-protection-section.md.j2",
        Audience.PUBLIC,
        DOCUMENT_FOLDERS[Audience.PUBLIC],
        N_("Protection response"),
        subtitle=N_("Humanitarian Response Plan {year}, protection section"),
    ),
    Document(
        "hct-protection-action-plan",
        "hct-protection-action-plan.md.j2",
        Audience.CONFIDENTIAL,
        DOCUMENT_FOLDERS[Audience.CONFIDENTIAL],
        N_("HCT protection action plan"),
        subtitle=N_("Humanitarian Country Team protection action plan {year}"),
    ),
    # Benchmark 1's "standalone, more detailed HCT internal document", complementary to the
    # HNO chapter: the whole analysis, threat actors and confidential items marked included.
    Document(
        "hct-protection-analysis",
        "hct-protection-analysis.md.j2",
        Audience.CONFIDENTIAL,
        DOCUMENT_FOLDERS[Audience.CONFIDENTIAL],
        N_("HCT protection analysis"),
        subtitle=N_("Humanitarian Country Team protection analysis {year}"),
        charts=("people-in-need",),
    ),
    # Annexes with a public version (public items only) and an internal one (internal items too).
    _annex(
        "annex-1-cluster-contributions", N_("Annex 1: Cluster contribution matrix"), PUBLIC_ANNEX
    ),
    _annex(
        "annex-1-cluster-contributions", N_("Annex 1: Cluster contribution matrix"), INTERNAL_ANNEX
    ),
    _annex("annex-2-partners", N_("Annex 2: Partner complementarity"), PUBLIC_ANNEX),
    _annex("annex-2-partners", N_("Annex 2: Partner complementarity"), INTERNAL_ANNEX),
    _annex(
        "annex-3-monitoring-framework",
        N_("Annex 3: Monitoring framework"),
        PUBLIC_ANNEX,
        ("indicators",),
    ),
    _annex(
        "annex-3-monitoring-framework",
        N_("Annex 3: Monitoring framework"),
        INTERNAL_ANNEX,
        ("indicators",),
    ),
    # Annexes of the confidential HCT action plan: confidential rows are marked, as in the plan.
    _annex(
        "annex-4-human-rights-engagement", N_("Annex 4: Human-rights engagement plan"), PLAN_ANNEX
    ),
    _annex("annex-5-action-tracker", N_("Annex 5: Action tracker"), PLAN_ANNEX),
    _annex(
        "annex-6-benchmark-self-assessment", N_("Annex 6: Benchmark self-assessment"), PLAN_ANNEX
    ),
)
