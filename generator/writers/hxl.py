"""HXL export: the monitoring framework as an HXL-tagged CSV, for HDX or another tool.

The columns are the ones ``tables`` reads back, so an exported file can be edited and dropped
into ``data/`` as a results table.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula: such a text gets a leading ``'``, as OWASP advises for CSV
exports, and shows as typed. Numbers stay numbers (``-3`` is not a formula).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from ..mdtext import plain_text
from . import write_text

COLUMNS = (
    ("Indicator code", "#indicator+code", lambda i, r: i["id"]),
    ("Indicator", "#indicator+name", lambda i, r: plain_text(i["text"])),
    ("Dimension", "#indicator+type", lambda i, r: i["dimension"]),
    ("Unit", "#indicator+unit", lambda i, r: plain_text(i["unit"])),
    ("Direction", "#indicator+direction", lambda i, r: i["direction"]),
    ("Outcomes", "#indicator+outcome", lambda i, r: " ".join(i["outcomes"])),
    ("Baseline", "#value+baseline", lambda i, r: _get(i["baseline"], "value")),
    ("Baseline date", "#date+baseline", lambda i, r: _get(i["baseline"], "date")),
    ("Target", "#value+target", lambda i, r: _get(i["target"], "value")),
    ("Target date", "#date+target", lambda i, r: _get(i["target"], "date")),
    ("Period", "#date+period", lambda i, r: _get(r, "period")),
    ("Result", "#value", lambda i, r: _get(r, "value")),
    ("Women and girls", "#value+f", lambda i, r: _get(r, "female")),
    ("Men and boys", "#value+m", lambda i, r: _get(r, "male")),
    ("Note", "#description", lambda i, r: plain_text(_get(r, "note"))),
)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def inert_cell(value: Any) -> Any:
    """A text a spreadsheet would run, made text; anything else (numbers too) as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def _get(record: dict[str, Any] | None, key: str) -> Any:
    return None if record is None else record.get(key)


def indicators_csv(indicators: list[dict[str, Any]]) -> str:
    """One row per result, and one row for an indicator that has no result yet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header for header, _, _ in COLUMNS])
    writer.writerow([tag for _, tag, _ in COLUMNS])
    for indicator in indicators:
        for result in indicator["results"] or [None]:
            writer.writerow(
                [
                    "" if (v := get(indicator, result)) is None else inert_cell(v)
                    for *_, get in COLUMNS
                ]
            )
    return buffer.getvalue()


def write_indicators_hxl(view: dict[str, Any], target: Path) -> Path:
    write_text(target, indicators_csv(view["monitoring"]["indicators"]))
    return target
