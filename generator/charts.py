"""Indicator charts: one small PNG per indicator, for the monitoring annex and the site.

Charts are drawn from a view, never from the content, so a public folder only ever gets charts of
indicators the public may see. Figures are made without pyplot (no global state) under fixed
settings and saved without a Software stamp, so two builds write byte-identical files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .tracking import in_order
from .writers import write_atomically

SIZE_INCHES = (3.2, 1.6)  # shown 6 cm wide in Word: fonts are sized to read at that scale
DPI = 150
BAR, BASELINE, TARGET = "#1F4E79", "#7F7F7F", "#2E7D32"
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.size": 2,
    "ytick.major.size": 2,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "savefig.facecolor": "white",
}


def write_charts(kinds: tuple[str, ...], view: Mapping[str, Any], folder: Path) -> list[Path]:
    """The charts a document embeds (``Document.charts``), drawn from its own view."""
    written: list[Path] = []
    for kind in kinds:
        result = CHART_WRITERS[kind](view, folder)
        written.extend(result if isinstance(result, list) else [result] if result else [])
    return written


def chart_path(folder: Path, indicator_id: str) -> Path:
    """Where an indicator's chart goes, relative paths in Markdown being ``charts/ID.png``."""
    return folder / "charts" / f"{indicator_id}.png"


def write_indicator_charts(view: Mapping[str, Any], folder: Path) -> list[Path]:
    """A chart for every indicator this view holds, in ``folder/charts/``."""
    written = []
    for indicator in view["monitoring"]["indicators"]:
        target = chart_path(folder, indicator["id"])
        write_indicator_chart(indicator, target)
        written.append(target)
    return written


PIN_CHART = "people-in-need.png"
AGE_GROUPS = (("children", "Children"), ("adults", "Adults"), ("elderly", "Older people"))
FEMALE, MALE = "#B5446E", "#1F4E79"


def write_pin_chart(view: Mapping[str, Any], folder: Path) -> Path | None:
    """People in need of protection by sex and age, from the data tables this view holds."""
    rows = view["data"]["people_in_need"]
    totals = {key: sum(r["in_need"].get(key, 0) for r in rows) for key in _PIN_KEYS}
    if not any(totals.values()):
        return None
    target = folder / "charts" / PIN_CHART
    with matplotlib.rc_context(STYLE):
        figure = draw_pin(totals)
        write_atomically(target, lambda tmp: _save(figure, tmp))
    return target


_PIN_KEYS = [f"{sex}_{age}" for age, _ in AGE_GROUPS for sex in ("f", "m")]


def draw_pin(totals: Mapping[str, float]) -> Figure:
    """Grouped bars, female and male side by side for each age group."""
    figure = Figure(figsize=(4.8, 2.2), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.1, 0.14, 0.86, 0.74))
    for offset, (sex, colour, name) in enumerate((("f", FEMALE, "Female"), ("m", MALE, "Male"))):
        values = [totals[f"{sex}_{age}"] for age, _ in AGE_GROUPS]
        xs = [x + (offset - 0.5) * 0.38 for x in range(len(values))]
        axes.bar(xs, values, width=0.36, color=colour, label=name)
        for x, value in zip(xs, values, strict=True):
            axes.annotate(
                _compact(value),
                (x, value),
                xytext=(0, 1.5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
            )
    axes.set_xticks(range(len(AGE_GROUPS)), [label for _, label in AGE_GROUPS])
    axes.set_ylim(0, max(totals.values()) * 1.2)
    axes.yaxis.set_major_formatter(lambda value, _: _compact(value))
    axes.legend(frameon=False, fontsize=8, loc="upper right")
    return figure


def _compact(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    return f"{value / 1000:.0f}k" if value >= 1000 else f"{value:.0f}"


def write_indicator_chart(indicator: Mapping[str, Any], target: Path) -> None:
    with matplotlib.rc_context(STYLE):
        figure = draw(indicator)
        write_atomically(target, lambda tmp: _save(figure, tmp))


def draw(indicator: Mapping[str, Any]) -> Figure:
    """Results as bars per period, the baseline dashed and the target as a green line."""
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.12, 0.17, 0.56, 0.72))
    results = in_order(indicator["results"])
    periods = [r["period"] for r in results]
    values = [r["value"] for r in results]
    axes.bar(range(len(values)), values, width=0.55, color=BAR)
    for x, value in enumerate(values):
        axes.annotate(
            _short(value),
            (x, value),
            xytext=(0, 1.5),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_xticks(range(len(periods)), periods)
    axes.set_xlim(-0.6, max(len(periods), 1) - 0.4)
    _reference_line(axes, indicator.get("baseline"), "Baseline", BASELINE, "--")
    _reference_line(axes, indicator.get("target"), "Target", TARGET, "-")
    top = max([*values, *_measures(indicator), 1])
    axes.set_ylim(0, top * 1.2)
    if not values:
        axes.text(0, top * 0.6, "No results yet", ha="center", color=BASELINE)
    return figure


def _reference_line(
    axes: Axes, measure: Mapping[str, Any] | None, name: str, colour: str, style: str
) -> None:
    if not measure:
        return
    axes.axhline(measure["value"], color=colour, linestyle=style, linewidth=0.9)
    axes.annotate(
        f"{name} {_short(measure['value'])}",
        (1.02, measure["value"]),
        xycoords=("axes fraction", "data"),
        va="center",
        fontsize=8,
        color=colour,
    )


def _measures(indicator: Mapping[str, Any]) -> list[float]:
    return [m["value"] for m in (indicator.get("baseline"), indicator.get("target")) if m]


def _short(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _save(figure: Figure, path: Path) -> None:
    figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


CHART_WRITERS: dict[str, Any] = {
    "indicators": write_indicator_charts,
    "people-in-need": write_pin_chart,
}
