"""How far the plan has come: reporting periods, progress towards targets and overdue actions.

These are facts computed from content, shared by the annexes, the charts, the self-assessment and
the site, so each is written once here and tested on its own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .i18n import percent

_PERIOD = re.compile(r"^(\d{4})(?:-(H|Q)([1-4]))?$")
_CLOSED = ("done", "dropped")


def period_end(period: str) -> tuple[int, int]:
    """(year, last month) of a reporting period, so 2027-H1 sorts before 2027-Q3 and 2027."""
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"not a reporting period: {period!r}")
    year, kind, number = match.groups()
    months = {"H": 6, "Q": 3, None: 12}[kind]
    return int(year), months * int(number or 1)


def is_sub_annual(period: str) -> bool:
    """A half-year or a quarter: results reported at least twice a year use such periods."""
    period_end(period)
    return "-" in period


def _recency(period: str) -> tuple[int, int, int]:
    """Sort key: by end, and at the same end the shorter period (2027-Q4 after 2027) is newer."""
    year, month = period_end(period)
    return year, month, period.count("Q") * 2 + period.count("H")


def in_order(results: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Results oldest first, whatever order the drafter typed them in."""
    return sorted(results, key=lambda r: _recency(r["period"]))


def latest(results: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    ordered = in_order(results)
    return ordered[-1] if ordered else None


def progress(baseline: float | None, target: float | None, current: float | None) -> float | None:
    """Share of the way from baseline to target (0.8 = 80 %); None when it cannot be computed.

    Works for decreasing targets too, because both distances carry the same sign. Negative when
    the situation moved away from the target, above 1 when the target was passed.
    """
    if baseline is None or target is None or current is None or target == baseline:
        return None
    return (current - baseline) / (target - baseline)


def indicator_progress(indicator: Mapping[str, Any]) -> float | None:
    """Progress of an indicator's latest result from its baseline towards its target."""
    last = latest(indicator.get("results") or [])
    return progress(
        _value(indicator.get("baseline")),
        _value(indicator.get("target")),
        last["value"] if last else None,
    )


def progress_label(ratio: float | None, lang: str = "en") -> str:
    """The percentage as printed: clamped to 0-100 %, with a + when the target was passed."""
    if ratio is None:
        return "—"
    shown = percent(round(min(max(ratio, 0.0), 1.0) * 100) / 100, lang)
    return f"{shown}+" if ratio > 1 else shown


def end_date(when: str | None) -> dt.date | None:
    """The last day of a month (``2027-02``) or the date itself (``2027-02-14``)."""
    if not when:
        return None
    if len(when) == 7:
        year, month = int(when[:4]), int(when[5:])
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date.fromisoformat(when)


def is_overdue(action: Mapping[str, Any], today: dt.date) -> bool:
    """Its timeframe ended before ``today`` and it is neither done nor dropped."""
    end = end_date((action.get("timeframe") or {}).get("end"))
    return end is not None and end < today and action.get("status") not in _CLOSED


def _value(measure: Mapping[str, Any] | None) -> float | None:
    return measure["value"] if measure else None
