"""Accessibility of the outputs a reader meets: every preview-site page under axe-core, and the
charts' colours against WCAG's contrast ratios.

The site tests reuse the browser and the hostile-content build of test_site_browser (public and
internal previews, each language's pages), and fail on any serious or critical violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_selenium_python import Axe
from selenium.webdriver.remote.webdriver import WebDriver

from generator import charts
from tests.test_site_browser import (  # noqa: F401 - fixtures shared with the browser tests
    browser,
    built,
    open_page,
    serve_folder,
)

SERIOUS = {"serious", "critical"}


def site_pages(site: Path) -> list[str]:
    """Every page of a site, theme files aside, by its path from the site's root."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if "assets" not in p.relative_to(site).parts
    )


@pytest.mark.parametrize("folder", ["site", "site-internal"])
def test_every_site_page_passes_axe(
    browser: WebDriver,  # noqa: F811
    built: Path,  # noqa: F811
    serve_folder: Callable[[Path], str],  # noqa: F811
    folder: str,
) -> None:
    """axe-core's WCAG 2.x A/AA rules and best practices on each page; none serious or worse."""
    site = built / folder
    pages = site_pages(site)
    assert "index.html" in pages and len(pages) >= 4
    base = serve_folder(site)
    problems = []
    for page in pages:
        open_page(browser, base + page)
        axe = Axe(browser)
        axe.inject()
        results = axe.run()
        for violation in results["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{page}: {violation['id']} ({violation['impact']}): {targets}")
    assert problems == [], "\n".join(problems)


# -- chart colours -----------------------------------------------------------------------------
def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #RRGGBB colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag_examples() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the AA grey


def chart_colours() -> dict[str, str]:
    """Every colour constant of the chart module (bars, lines, labels)."""
    return {
        name: value
        for name, value in vars(charts).items()
        if isinstance(value, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", value)
    }


def test_chart_colours_meet_wcag_contrast_on_white() -> None:
    """Bars and lines are graphics (WCAG 1.4.11: 3:1); the baseline colour also writes text
    ("No results yet"), which needs 4.5:1 (1.4.3)."""
    colours = chart_colours()
    assert {"BAR", "BASELINE", "TARGET", "FEMALE", "MALE"} <= set(colours)
    weak = {
        n: round(contrast(c, "#FFFFFF"), 2)
        for n, c in colours.items()
        if contrast(c, "#FFFFFF") < 4.5
    }
    assert weak == {}
