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
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .cache import OutputCache, code_digest, fingerprint, produce
from .i18n import (
    N_,
    Translate,
    compact,
    language_suffix,
    natural_list,
    number,
    percent,
    translator,
)
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
# Colours told apart in greyscale print by lightness, and lines by their dash too: mid-blue bars,
# the baseline dashed mid-grey, the target solid near-black.
BAR, BASELINE, TARGET = "#6A9FCF", "#7F7F7F", "#1A1A1A"
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
    """An indicator measured in per cent (``unit: percent``, ``%``…)."""
    return str(unit or "").strip().casefold() in PERCENT_UNITS


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
    suffix = language_suffix(view["lang"], view["languages"])
    return f"charts/{suffix[1:]}" if suffix else "charts"


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


PIN_CHART = "people-in-need.png"
AGE_GROUPS = (
    ("children", N_("Children")),
    ("adults", N_("Adults")),
    ("elderly", N_("Older people")),
)
FEMALE, MALE = "#E9A3B8", "#1F4E79"  # light and dark: apart in greyscale too


def write_pin_chart(
    view: Mapping[str, Any],
    folder: Path,
    cache: OutputCache | None = None,
    _drawer: Drawer | None = None,  # one chart: drawn here
) -> Path | None:
    """People in need of protection by sex and age, from the data tables this view holds."""
    rows = view["data"]["people_in_need"]
    totals = {key: sum(r["in_need"].get(key, 0) for r in rows) for key in _PIN_KEYS}
    if not any(totals.values()):
        return None
    target = folder / charts_folder(view) / PIN_CHART

    def make(path: Path) -> None:
        with _style():
            figure = draw_pin(totals, Labels(view["lang"]))
            write_atomically(path, lambda tmp: _save(figure, tmp))

    produce(cache, target, lambda: fingerprint("pin", totals, view["lang"], code_digest()), make)
    return target


_PIN_KEYS = [f"{sex}_{age}" for age, _ in AGE_GROUPS for sex in ("f", "m")]


def draw_pin(totals: Mapping[str, float], labels: Labels | None = None) -> Figure:
    """Grouped bars, female and male side by side for each age group."""
    labels = labels or Labels()
    _ = labels.text
    figure = _figure((PIN_CM[0] * CM, PIN_CM[1] * CM))
    axes = figure.add_axes((0.1, 0.13, 0.87, 0.75))  # room for "600 ألف"
    sexes = (("f", FEMALE, _("Female")), ("m", MALE, _("Male")))
    for offset, (sex, colour, name) in enumerate(sexes):
        values = [totals[f"{sex}_{age}"] for age, _ in AGE_GROUPS]
        xs = [x + (offset - 0.5) * 0.38 for x in range(len(values))]
        axes.bar(xs, values, width=0.36, color=colour, label=name, edgecolor="black", linewidth=0.4)
        _label_bars(axes, xs, values, labels.compact, fontsize=8)
    axes.set_xticks(range(len(AGE_GROUPS)), [_(label) for _key, label in AGE_GROUPS])
    axes.tick_params(labelsize=8)
    axes.set_ylim(0, max(totals.values()) * 1.2)
    axes.yaxis.set_major_formatter(lambda value, _pos: labels.compact(value))
    axes.set_ylabel(_("People in need"), fontsize=8)
    axes.legend(frameon=False, fontsize=8, loc="upper right")
    return figure


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
    unit = indicator.get("unit")
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
        list(named), [results[x]["period"].replace("-", "\n") for x in named], linespacing=1.0
    )
    axes.set_xlim(-0.6, max(len(values), 1) - 0.4)
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


def _indicator_axes() -> Axes:
    """One figure per process and thread, emptied between charts: making a figure and its axes
    costs more than drawing a chart on it, and the bytes written are the same."""
    axes = getattr(_canvas, "axes", None)
    if axes is None:
        # left: the axis and its unit; right: the reference lines' names
        axes = _figure(SIZE_INCHES).add_axes((0.17, 0.2, 0.37, 0.74))
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
        (1.03, measure["value"] if name_at is None else name_at),
        xycoords=("axes fraction", "data"),
        va="center",
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
    unit = indicator.get("unit")
    what = str(indicator.get("text") or "").strip().rstrip(".")
    results = in_order(indicator.get("results") or [])
    baseline, target = indicator.get("baseline"), indicator.get("target")
    start: tuple[float, str] | None = None
    if baseline:
        start = (baseline["value"], _month(baseline.get("date"), lang))
    elif len(results) > 1:
        start = (results[0]["value"], results[0]["period"])
    if results:
        end = (results[-1]["value"], results[-1]["period"])
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


CHART_WRITERS: dict[str, Any] = {
    "indicators": write_indicator_charts,
    "people-in-need": write_pin_chart,
}
