"""Indicator charts: one small PNG per indicator, for the monitoring annex and the site.

Charts are drawn from a view, never from the content, so a public folder only ever gets charts of
indicators the public may see. They carry words and numbers, so each language has its own:
``charts/`` for the operation's first language, ``charts/LANG/`` for the others. Figures are
made without pyplot (no global state) under fixed settings and saved without a Software stamp,
so two builds write byte-identical files.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import textwrap
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from . import layout
from .cache import OutputCache, code_digest, fingerprint, produce
from .i18n import (
    N_,
    Translate,
    compact,
    is_right_to_left,
    natural_list,
    number,
    percent,
    period,
    translator,
)
from .mdtext import without_marks
from .pin import chart_series
from .tracking import in_order
from .writers import write_atomically

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Job = tuple[Mapping[str, Any], Path, str]  # an indicator, its chart's path, the language
CM = 1 / 2.54  # inches
# Charts are drawn at the size Word places them (templates: {width=6cm}, {width=14cm}), so that
# a point in the figure is a point on paper: labels of 7 pt print at 7 pt, and 300 dots per inch
# is print quality at that size.
INDICATOR_CM = (5.6, 3.4)  # a little narrower than its column, which may be right-to-left
PIN_CM = (14.0, 6.4)
SIZE_INCHES = (INDICATOR_CM[0] * CM, INDICATOR_CM[1] * CM)
DPI = 300
SMALLEST_PT = 7  # the smallest text a printed chart may carry
# Every colour reads at 4.5:1 or more on white (WCAG; the baseline's also writes "No results
# yet"), and they stay apart in greyscale print by lightness and by dash: lighter blue bars, the
# baseline dashed dark grey, the target solid near-black.
BAR, BASELINE, TARGET = "#3B76AA", "#5C5C5C", "#1A1A1A"
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": SMALLEST_PT,
    "axes.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.size": 2,
    "ytick.major.size": 2,
    "xtick.major.pad": 1.5,
    "ytick.major.pad": 1.5,
    "xtick.labelsize": SMALLEST_PT,
    "ytick.labelsize": SMALLEST_PT,
    "savefig.facecolor": "white",
}
PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage", "pourcentage", "porcentaje"})


def is_percent(unit: object) -> bool:
    """An indicator measured in per cent (``unit: percent``, ``%``…), whether the unit comes with
    Word's review anchors or a language mark around it (anchors.py, mdtext.in_language)."""
    plain = _ANCHOR_SPAN.sub("", without_marks(str(unit or "")))
    return plain.strip().casefold() in PERCENT_UNITS


_ANCHOR_SPAN = re.compile(r"\[\]\{#[^}]*\}")


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib is imported only when a chart is drawn (a rebuild that reuses charts never is)."""
    import matplotlib

    with matplotlib.rc_context(cast(Any, STYLE)):
        yield


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def charts_folder(view: Mapping[str, Any]) -> str:
    """Where a view's charts go beside its documents, and where its Markdown points."""
    return layout.charts_folder(view["lang"], view["languages"])


def write_charts(
    kinds: tuple[str, ...],
    view: Mapping[str, Any],
    folder: Path,
    cache: OutputCache | None = None,
    drawer: Drawer | None = None,
) -> list[Path]:
    """The charts a document embeds (``Document.charts``), drawn from its own view.

    A build passes its ``drawer`` so that all its documents share one pool of processes."""
    written: list[Path] = []
    with nullcontext(drawer) if drawer else Drawer() as chosen:
        for kind in kinds:
            result = CHART_WRITERS[kind](view, folder, cache, chosen)
            written.extend(result if isinstance(result, list) else [result] if result else [])
    return written


def chart_path(folder: Path, indicator_id: str, charts: str = "charts") -> Path:
    """Where an indicator's chart goes, relative paths in Markdown being ``charts/ID.png``."""
    return folder / charts / f"{indicator_id}.png"


def write_indicator_charts(
    view: Mapping[str, Any],
    folder: Path,
    cache: OutputCache | None = None,
    drawer: Drawer | None = None,
) -> list[Path]:
    """A chart for every indicator this view holds, in ``folder/charts/`` (or charts/LANG/)."""
    written = []
    to_draw: list[Job] = []
    lang = view["lang"]
    for indicator in view["monitoring"]["indicators"]:
        target = chart_path(folder, indicator["id"], charts_folder(view))
        key = partial(fingerprint, "indicator-chart", indicator, lang, code_digest())
        produce(cache, target, key, partial(_queue, to_draw, indicator, lang))
        written.append(target)
    with nullcontext(drawer) if drawer else Drawer() as chosen:
        chosen.draw(to_draw)
    return written


def _queue(
    to_draw: list[Job],
    indicator: Mapping[str, Any],
    lang: str,
    target: Path,
) -> None:
    to_draw.append((indicator, target, lang))


PARALLEL_FROM = 24  # charts; below this, starting drawing processes costs more than it saves


class Drawer:
    """Draws indicator charts, in one process per core when there are many (matplotlib is not
    thread-safe, and a large operation has hundreds of indicators). The processes start once,
    on first need, and serve every document of a build until it closes the drawer."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def draw(self, jobs: list[Job]) -> None:
        cores = os.cpu_count() or 1
        if len(jobs) < PARALLEL_FROM or cores < 2:
            for job in jobs:
                _draw_job(job)
            return
        chunk = max(1, len(jobs) // (4 * cores))
        list(self._processes(cores).map(_draw_job, jobs, chunksize=chunk))

    def _processes(self, cores: int) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=cores, mp_context=_start_method())
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Drawer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _start_method() -> multiprocessing.context.BaseContext:
    """A fork server where there is one (Linux, macOS): never a fork of this threaded process,
    and matplotlib imported once in the server rather than in each worker it forks. Windows
    has only spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "matplotlib.backends.backend_agg"])
    return context


def _draw_job(job: Job) -> None:
    indicator, target, lang = job
    write_indicator_chart(indicator, target, Labels(lang))


class Labels:
    """The words and number formats of one language's charts."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang
        self.text: Translate = translator(lang)

    @property
    def mirrored(self) -> bool:
        return is_right_to_left(self.lang)

    def number(self, value: float) -> str:
        return number(value if not float(value).is_integer() else int(value), self.lang)

    def compact(self, value: float) -> str:
        return compact(value, self.lang)

    def figure(self, value: float, unit: object = None, short: bool = False) -> str:
        """A value as printed: "38%" ("38 %" in French) for a percentage, else a number,
        compact (2.5M) when ``short``."""
        if is_percent(unit):
            return percent(value / 100, self.lang)
        return self.compact(value) if short else self.number(value)


def _period_label(value: str, lang: str) -> str:
    """Under a bar: the year over the half or quarter (2027 / H1), in the language's words."""
    shown = period(value, lang)
    return value.replace("-", "\n") if shown == value else shown.replace("\u00a0", "\n")


SOURCE_WIDTH = 100  # characters of the source line that fit across the chart at 6 pt
# Apart in lightness for greyscale print; bars are graphics outlined in black (WCAG 1.4.11 asks
# 3:1 of a fill, and the outline gives more), so the lighter one only needs that.
FEMALE, MALE = "#DE6C97", "#1F4E79"
PIN_COLOURS = {"f": FEMALE, "m": MALE, "i": BASELINE, "*": MALE}


def write_pin_chart(
    view: Mapping[str, Any],
    folder: Path,
    cache: OutputCache | None = None,
    _drawer: Drawer | None = None,  # one chart per table: drawn here
) -> list[Path]:
    """People in need of protection by sex and age, one chart per data table this view holds
    that has such figures: exactly the tables the view names a ``chart`` for, so that a
    document never points at a chart that was not drawn."""
    written = []
    for table in view["data"]["people_in_need"]:
        series = chart_series(table)
        if not table.get("chart") or series is None:
            continue
        target = folder / charts_folder(view) / table["chart"]
        source = source_line(table)

        def make(path: Path, series: Any = series, source: str = source) -> None:
            ages, by_sex = series
            with _style():
                figure = draw_pin(ages, by_sex, labels=Labels(view["lang"]), source=source)
                write_atomically(path, lambda tmp: _save(figure, tmp))

        key = partial(fingerprint, "pin", series, source, view["lang"], code_digest())
        produce(cache, target, key, make)
        written.append(target)
    return written


def source_line(table: Mapping[str, Any]) -> str:
    """The sidecar's source, title and date, as the documents print them under the chart (a
    chart is a picture: a text in another language is drawn without its language marks)."""
    parts = (str(table[key]) for key in ("source", "title", "date") if table.get(key))
    return without_marks(", ".join(parts))


def draw_pin(
    ages: list[str],
    series: Mapping[str, list[float]],
    labels: Labels | None = None,
    source: str = "",
) -> Figure:
    """Grouped bars: each sex side by side for each age group (or one bar per age group, or
    one per sex, as the table gives them), the source line under the chart."""
    labels = labels or Labels()
    _ = labels.text
    figure = _figure((PIN_CM[0] * CM, PIN_CM[1] * CM))
    box = (0.04, 0.22, 0.85, 0.7) if labels.mirrored else (0.11, 0.22, 0.85, 0.7)
    axes = figure.add_axes(box)  # room for "600 ألف" beside the value axis, and the source
    names = {"f": _("Female"), "m": _("Male"), "i": _("Other"), "*": _("Total")}
    width = 0.76 / len(series)
    for offset, (sex, values) in enumerate(series.items()):
        xs = [x + (offset - (len(series) - 1) / 2) * width for x in range(len(values))]
        axes.bar(
            xs, values, width=width * 0.95, color=PIN_COLOURS[sex], label=names[sex],
            edgecolor="black", linewidth=0.4,
        )  # fmt: skip
        _label_bars(axes, xs, values, labels.compact, fontsize=8)
    ticks = [_(AGE_NAMES[age]) if age in AGE_NAMES else age for age in ages]
    axes.set_xticks(
        range(len(ages)),
        ["" if age == "*" else tick for age, tick in zip(ages, ticks, strict=True)],
    )
    top = max(v for values in series.values() for v in values)
    axes.set_ylim(0, max(top, 1) * 1.2)
    axes.yaxis.set_major_formatter(lambda value, _pos: labels.compact(value))
    axes.tick_params(labelsize=8)
    axes.set_ylabel(_("People in need"), fontsize=8)
    if len(series) > 1:
        axes.legend(
            frameon=False, fontsize=8, loc="upper left" if labels.mirrored else "upper right"
        )
    mirror(axes, labels)
    if source:
        lines = textwrap.wrap(f"{_('Source:')} {source}", SOURCE_WIDTH)
        if len(lines) > 2:  # the whole line is printed under the chart in the document
            lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), SOURCE_WIDTH, placeholder="…")]
        x, align = (0.99, "right") if labels.mirrored else (0.01, "left")
        figure.text(
            x, 0.015, "\n".join(lines), fontsize=SMALLEST_PT, color="#595959", va="bottom", ha=align
        )
    return figure


AGE_NAMES = {
    "infants": N_("Infants"),
    "children": N_("Children"),
    "adults": N_("Adults"),
    "adolescents": N_("Adolescents"),
    "elderly": N_("Older people"),
}


def mirror(axes: Axes, labels: Labels) -> None:
    """Right-to-left charts read from the right: the first group or period on the right, the
    value axis on the right."""
    if labels.mirrored:
        axes.invert_xaxis()
    value_axis_side(axes, labels.mirrored)


def value_axis_side(axes: Axes, mirrored: bool) -> None:
    """The value axis, its ticks and its unit on the left, or on the right of a right-to-left
    chart (set both ways: an indicator chart's axes are reused from one chart to the next)."""
    side: Literal["left", "right"] = "right" if mirrored else "left"
    axes.yaxis.set_ticks_position(side)
    axes.yaxis.set_label_position(side)
    axes.spines[side].set_visible(True)
    axes.spines["left" if mirrored else "right"].set_visible(False)


def _label_bars(
    axes: Axes,
    xs: Iterable[float],
    values: list[float],
    shown: Callable[[float], str],
    fontsize: int,
) -> None:
    """Each bar's value written just above it."""
    for x, value in zip(xs, values, strict=True):
        axes.annotate(
            shown(value),
            (x, value),
            xytext=(0, 1.5),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=fontsize,
            # a white ground: a reference line crossing the label never runs through its figures
            bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none"},
            zorder=5,
        )


def write_indicator_chart(
    indicator: Mapping[str, Any], target: Path, labels: Labels | None = None
) -> None:
    with _style():
        figure = draw(indicator, labels or Labels())
        write_atomically(target, lambda tmp: _save(figure, tmp))


def draw(indicator: Mapping[str, Any], labels: Labels | None = None) -> Figure:
    """Results as bars per period on an axis in the indicator's unit ("%" for a percentage),
    each bar with its value; the baseline dashed and the target solid across them, each named
    with its value at the right. Every text is at least 7 pt at the printed size."""
    labels = labels or Labels()
    _ = labels.text
    unit = without_marks(str(indicator.get("unit") or "")) or None
    axes = _indicator_axes()
    results = in_order(indicator["results"])
    values = [r["value"] for r in results]
    xs = range(len(values))
    axes.bar(xs, values, width=0.55, color=BAR, edgecolor="black", linewidth=0.4)
    named = _labelled(len(values))
    short = len(values) > 3
    _label_bars(
        axes,
        named,
        [values[x] for x in named],
        lambda value: labels.figure(value, unit, short=short),
        fontsize=SMALLEST_PT,
    )
    axes.set_xticks(
        list(named), [_period_label(results[x]["period"], labels.lang) for x in named],
        linespacing=1.0,
    )  # fmt: skip
    first, last = -0.6, max(len(values), 1) - 0.4
    axes.set_xlim((last, first) if labels.mirrored else (first, last))  # Arabic: from the right
    axes.set_position(_BARS_MIRRORED if labels.mirrored else _BARS)
    value_axis_side(axes, labels.mirrored)
    baseline, target = indicator.get("baseline"), indicator.get("target")
    top = max([*values, *_measures(indicator), 1])
    axes.set_ylim(0, top * 1.25)
    names = _apart([m["value"] if m else None for m in (baseline, target)], gap=top * 1.25 * 0.16)
    _reference_line(axes, baseline, _("Baseline"), BASELINE, "--", labels, unit, names[0])
    _reference_line(axes, target, _("Target"), TARGET, "-", labels, unit, names[1])
    axes.yaxis.set_major_locator(_ticks())
    axes.yaxis.set_major_formatter(lambda value, _pos: labels.figure(value, unit, short=True))
    if unit and not is_percent(unit):
        axes.set_ylabel(str(unit), fontsize=SMALLEST_PT, labelpad=1)
    if not values:
        axes.text(0, top * 0.6, _("No results yet"), ha="center", color=BASELINE)
    return axes.figure  # type: ignore[return-value]


def _ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=3, min_n_ticks=2)


MOST_LABELS = 4  # periods (2027 over Q1) side by side under the bars before they collide


def _labelled(count: int) -> list[int]:
    """The bars that get their period and value written: all of them, or every few counting
    back from the latest (always named) when there are too many to read side by side."""
    step = max(1, -(-count // MOST_LABELS))  # ceiling; 1 when there are no bars
    return sorted(range(count - 1, -1, -step))


_canvas = threading.local()


# Where the bars go; the rest of the width holds the reference lines' names (on the left in a
# right-to-left chart).
_BARS = (0.17, 0.2, 0.37, 0.74)
_BARS_MIRRORED = (0.46, 0.2, 0.37, 0.74)


def _indicator_axes() -> Axes:
    """One figure per process and thread, emptied between charts: making a figure and its axes
    costs more than drawing a chart on it, and the bytes written are the same."""
    axes = getattr(_canvas, "axes", None)
    if axes is None:
        # left: the axis and its unit; right: the reference lines' names (mirrored in Arabic)
        axes = _figure(SIZE_INCHES).add_axes(_BARS)
        _canvas.axes = axes
    for container in list(axes.containers):
        container.remove()
    for artist in [*axes.patches, *axes.texts, *axes.lines]:
        artist.remove()
    axes.set_ylabel("")
    return axes


def _reference_line(
    axes: Axes,
    measure: Mapping[str, Any] | None,
    name: str,
    colour: str,
    style: str,
    labels: Labels,
    unit: object = None,
    name_at: float | None = None,
) -> None:
    if not measure:
        return
    axes.axhline(measure["value"], color=colour, linestyle=style, linewidth=0.9, zorder=4)
    axes.annotate(
        f"{name} {_short(measure['value'], labels, unit)}",
        (-0.03 if labels.mirrored else 1.03, measure["value"] if name_at is None else name_at),
        xycoords=("axes fraction", "data"),
        va="center",
        ha="right" if labels.mirrored else "left",
        fontsize=SMALLEST_PT,
        color=colour,
    )


def _apart(heights: list[float | None], gap: float) -> list[float | None]:
    """Where the baseline's and the target's names go: at their lines, or pushed apart by
    ``gap`` (the height of a 7 pt line) when the lines are too close for both to be read."""
    low, high = heights
    if low is None or high is None or abs(high - low) >= gap:
        return heights
    middle, half = (low + high) / 2, gap / 2
    return [middle - half, middle + half] if low <= high else [middle + half, middle - half]


def _short(value: float, labels: Labels, unit: object = None) -> str:
    """A reference line's value, compact from 10,000 so that its name still fits beside it."""
    return labels.figure(value, unit, short=abs(value) >= 10_000)


def alt_text(indicator: Mapping[str, Any], lang: str = "en") -> str:
    """What an indicator's chart shows, in words, for a reader who cannot see it: "Verified
    incidents fell from 420 in December 2026 to 372 in 2027-Q2; target 300 by December 2027"."""
    labels = Labels(lang)
    _ = labels.text
    unit = without_marks(str(indicator.get("unit") or "")) or None
    what = str(indicator.get("text") or "").strip().rstrip(".")
    results = in_order(indicator.get("results") or [])
    baseline, target = indicator.get("baseline"), indicator.get("target")
    start: tuple[float, str] | None = None
    if baseline:
        start = (baseline["value"], _month(baseline.get("date"), lang))
    elif len(results) > 1:
        start = (results[0]["value"], period(results[0]["period"], lang))
    if results:
        end = (results[-1]["value"], period(results[-1]["period"], lang))
        words = {
            "what": what,
            "end": labels.figure(end[0], unit),
            "end_when": end[1],
        }
        if start is None:
            sentence = _("{what}: {end} in {end_when}").format(**words)
        else:
            words |= {"start": labels.figure(start[0], unit), "start_when": start[1]}
            if end[0] < start[0]:
                pattern = _("{what} fell from {start} in {start_when} to {end} in {end_when}")
            elif end[0] > start[0]:
                pattern = _("{what} rose from {start} in {start_when} to {end} in {end_when}")
            else:
                pattern = _("{what} stayed at {end} from {start_when} to {end_when}")
            sentence = pattern.format(**words)
    else:
        sentence = _("{what}: no results yet").format(what=what)
    if target:
        by = _month(target.get("date"), lang)
        goal = labels.figure(target["value"], unit)
        aim = (
            _("target {target} by {when}").format(target=goal, when=by)
            if by
            else _("target {target}").format(target=goal)
        )
        sentence = natural_list([sentence, aim], lang, "parts")
    return sentence.strip()


def _month(value: object, lang: str) -> str:
    """2026-12 as "December 2026" in the reader's language; anything else as written."""
    import datetime as dt
    import re

    from babel.dates import format_date

    from .i18n import babel_locale

    text = str(value or "")
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return text
    day = dt.date(int(match.group(1)), int(match.group(2)), 1)
    return format_date(day, format="LLLL y", locale=babel_locale(lang))


def _measures(indicator: Mapping[str, Any]) -> list[float]:
    return [m["value"] for m in (indicator.get("baseline"), indicator.get("target")) if m]


def _save(figure: Figure, path: Path) -> None:
    figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


SEVERITY_CHART = "severity-by-area.png"
# The five phases from light to dark in the indicators' blue, each bar outlined in black (WCAG
# 1.4.11's 3:1 for graphics), so that greyscale print still orders them by lightness; the
# phase is also written beside each bar, never told by colour alone.
SEVERITY_COLOURS = ("#5E91C2", "#4679AD", "#325F8E", "#1F4E79", "#0B2A47")  # each 3:1 on white
SEVERITY_WORDS = {
    1: N_("Minimal/none"),
    2: N_("Stress"),
    3: N_("Severe"),
    4: N_("Extreme"),
    5: N_("Catastrophic"),
}


def write_severity_chart(
    view: Mapping[str, Any],
    folder: Path,
    cache: OutputCache | None = None,
    _drawer: Drawer | None = None,  # one small chart: drawn here
) -> list[Path]:
    """Severity of needs by area, from the rows of ``severity_by_area`` this view holds (the
    HNO names the chart only when there is one)."""
    rows = severity_rows(view)
    if not rows:
        return []
    target = folder / charts_folder(view) / SEVERITY_CHART
    lang = view["lang"]

    def make(path: Path) -> None:
        with _style():
            figure = draw_severity(rows, Labels(lang))
            write_atomically(path, lambda tmp: _save(figure, tmp))

    produce(cache, target, partial(fingerprint, "severity", rows, lang, code_digest()), make)
    return [target]


def severity_rows(view: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(area, severity) of the view's rows, as the chart and its description show them."""
    analysis = view.get("analysis") or {}
    return [
        (without_marks(str(row["area"])), int(row["severity"]))
        for row in analysis.get("severity_by_area") or []
        if row.get("area") and row.get("severity")
    ]


def draw_severity(rows: list[tuple[str, int]], labels: Labels | None = None) -> Figure:
    """One horizontal bar per area, in the content's order, its length and shade the phase
    (1-5), the phase's number and name written at its end."""
    labels = labels or Labels()
    _ = labels.text
    height_cm = 1.6 + 0.62 * len(rows)
    figure = _figure((PIN_CM[0] * CM, height_cm * CM))
    bottom = 1.1 / height_cm
    left, width = (0.05, 0.6) if labels.mirrored else (0.35, 0.6)
    axes = figure.add_axes((left, bottom, width, 1 - bottom - 0.25 / height_cm))
    ys = list(range(len(rows)))[::-1]  # the first area at the top
    values = [severity for _area, severity in rows]
    axes.barh(
        ys,
        values,
        height=0.62,
        color=[SEVERITY_COLOURS[v - 1] for v in values],
        edgecolor="black",
        linewidth=0.4,
    )
    for y, value in zip(ys, values, strict=True):
        axes.annotate(
            f"{labels.number(value)} – {_(SEVERITY_WORDS[value])}",
            (value, y),
            xytext=(-3 if labels.mirrored else 3, 0),
            textcoords="offset points",
            ha="right" if labels.mirrored else "left",
            va="center",
            fontsize=8,
        )
    axes.set_yticks(ys, [textwrap.shorten(area, 40, placeholder="…") for area, _v in rows])
    axes.set_xlim((6.6, 0) if labels.mirrored else (0, 6.6))
    axes.set_xticks(range(1, 6), [labels.number(n) for n in range(1, 6)])
    axes.set_xlabel(_("Severity of needs (1-5)"), fontsize=8)
    axes.tick_params(labelsize=8)
    axes.spines["top"].set_visible(False)
    side: Literal["left", "right"] = "right" if labels.mirrored else "left"
    axes.yaxis.set_ticks_position(side)
    axes.spines[side].set_visible(True)
    axes.spines["left" if labels.mirrored else "right"].set_visible(False)
    return figure


def severity_alt_text(view: Mapping[str, Any]) -> str:
    """The severity chart in words: "Severity of protection needs by area: Upper Tarvan 4
    (Extreme), Marisk 4 (Extreme) and Lower Tarvan 3 (Severe)"."""
    labels = Labels(view["lang"])
    _ = labels.text
    parts = [
        _("{area} {n} ({phase})").format(
            area=area, n=labels.number(value), phase=_(SEVERITY_WORDS[value])
        )
        for area, value in severity_rows(view)
    ]
    return _("Severity of protection needs by area: {areas}").format(
        areas=natural_list(parts, view["lang"], "parts")
    )


CHART_WRITERS: dict[str, Any] = {
    "indicators": write_indicator_charts,
    "people-in-need": write_pin_chart,
    "severity": write_severity_chart,
}
