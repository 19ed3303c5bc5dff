"""The one owner of a build's layout: which folder of build/OP holds which audience and language,
which folders make up each release bundle, and which are renamed when a leak is found.

The build writes into these folders, the leak check decides a file's audience from them, the site
and the release read them, and i18n tells a file's language by them; before this module each kept
its own copy, and a folder added to one was unchecked or unpublished in another.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from .audience import Audience

# Every output folder of build/OP and the highest level a file in it may hold: a file that is
# not one of the registered documents (charts, site pages, search index) is checked at this level.
FOLDERS: dict[str, Audience] = {
    "public": Audience.PUBLIC,
    "site": Audience.PUBLIC,
    "site-internal": Audience.INTERNAL,
    "internal": Audience.CONFIDENTIAL,
}
OUTPUT_FOLDERS = tuple(FOLDERS)  # what a build of some languages carries over
# Where each audience's documents go: the internal and the confidential ones share internal/.
DOCUMENT_FOLDERS = {
    Audience.PUBLIC: "public",
    Audience.INTERNAL: "internal",
    Audience.CONFIDENTIAL: "internal",
}
ANNEXES = "annexes"  # beside the documents: public/annexes/, internal/annexes/
RELEASES = "releases"  # under the build folder (build/releases/), beside build/OP/
SITE_FOLDERS = {Audience.PUBLIC: "site", Audience.INTERNAL: "site-internal"}
PUBLIC_FOLDERS = tuple(f for f, a in FOLDERS.items() if a is Audience.PUBLIC)  # quarantined
BUNDLES = {"public": PUBLIC_FOLDERS, "internal": ("internal",)}
# Folders whose LANG/ subfolder holds another language's files: site/fr/, charts/fr/.
LANGUAGE_PARENTS = (*SITE_FOLDERS.values(), "charts")
CHARTS = "charts"
# Written by every build into its own folder, and required before a build replaces a folder:
# a build never deletes a folder it did not make (a content folder, the release bundles).
MARKER = ".protdocs-build"
QUARANTINE_SUFFIX = ".LEAKED-DO-NOT-PUBLISH"
STAGING_PREFIX = ".staging-"


def folder_audience(relative: Path) -> Audience:
    """The audience of a path under build/OP by its folder; anything outside the known folders
    (a file someone put at the top) is held to the public's level."""
    top = relative.parts[0] if relative.parts else ""
    return FOLDERS.get(top, Audience.PUBLIC)


def site_folder(audience: Audience, lang: str, languages: Sequence[str]) -> str:
    """site/ for the operation's first language, site/LANG/ for each other one."""
    base = SITE_FOLDERS[audience]
    return base if lang == languages[0] else f"{base}/{lang}"


def charts_folder(lang: str, languages: Sequence[str]) -> str:
    """Where a language's charts go beside its documents (charts/, charts/LANG/), and where
    its Markdown points."""
    return CHARTS if lang == languages[0] else f"{CHARTS}/{lang}"


def hxl_export_path(audience: Audience) -> Path:
    """Where the monitoring framework's HXL table goes, relative to build/OP."""
    return Path(DOCUMENT_FOLDERS[audience]) / "data" / "indicators.hxl.csv"


def language_of(relative: Path, languages: Sequence[str]) -> str:
    """Which language an output under build/OP is in: hrp-protection-section.fr.docx,
    charts/fr/I1.png and site/fr/index.html are French; files without a language mark are in
    the first language.
    """
    others = set(languages[1:])
    folders = relative.parts[:-1]
    for parent, child in pairwise(folders):
        if parent in LANGUAGE_PARENTS and child in others:
            return child
    name = relative.name.split(".")
    inside_site = bool(folders) and folders[0] in SITE_FOLDERS.values()
    if len(name) >= 3 and name[-2] in others and not inside_site:
        return name[-2]
    return languages[0]
