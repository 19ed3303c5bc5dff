"""Load, data tables: HXL-tagged CSV and Excel files in the operation's ``data/`` folder.

Tables are read with libhxl (the HXL project's own parser, with openpyxl for Excel), so any
table exported from HDX or OCHA's HPC tools works as it is: extra untagged columns, blank rows,
thousands separators and Excel dates included. Each table's classification comes from its sidecar
``NAME.meta.yaml``, and is ``internal`` without one: a table reaches a public document only when
someone marked it public.
"""

from __future__ import annotations

import io
import os
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema as s
from .cache import code_digest, file_digest, fingerprint
from .errors import Problem, did_you_mean
from .load import YMap, load_file

TABLE_SUFFIXES = (".csv", ".xlsx")
PEOPLE_IN_NEED = "people-in-need"
INDICATOR_RESULTS = "indicator-results"
KINDS = (PEOPLE_IN_NEED, INDICATOR_RESULTS)
META_FIELDS = ("classification", "kind", "title", "sector")
SEXES = {"f": "f", "female": "f", "m": "m", "male": "m"}
AGES = ("children", "adults", "elderly")
_NUMBER = re.compile(r"^-?(\d{1,3}([, \u00a0\u202f]\d{3})+|\d+)(\.\d+)?$")
_PERIOD = re.compile(r"^\d{4}(-H[12]|-Q[1-4])?$")


def _parse_cache_file(key: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "protdocs" / "tables" / f"{key}.pickle"


def _parse_cache(key: str) -> tuple[Table | None, list[Problem]] | None:
    """Parsing with libhxl costs more than a whole rebuild; a table read once is kept, by the
    hash of its bytes, in the user's cache (written only by protdocs, like __pycache__)."""
    try:
        return pickle.loads(_parse_cache_file(key).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _remember_parse(key: str, table: Table | None, problems: list[Problem]) -> None:
    target = _parse_cache_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps((table, problems)))
        os.replace(tmp, target)
    except OSError:
        pass


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Cell:
    """One value with the place a drafter would look for it in the spreadsheet."""

    value: Any
    row: int
    column: int
    header: str
    tag: str

    @property
    def where(self) -> str:
        name = f" '{self.header}'" if self.header else ""
        return f"column {column_letter(self.column)}{name} ({self.tag})"


@dataclass
class Table:
    path: Path
    kind: str
    level: int
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TableResult:
    """One result read from an indicator table, to be merged into monitoring.yaml."""

    indicator: Cell
    period: str
    value: float | int
    female: float | int | None
    male: float | int | None
    note: str | None


class TableReader:
    """Reads every table of a ``data/`` folder, collecting problems rather than stopping."""

    def __init__(self, problems: list[Problem], default_level: int = s.INTERNAL) -> None:
        self.problems = problems
        self.default_level = default_level

    def error(self, path: Path, row: int | None, where: str, message: str, hint: str | None = None):
        self.problems.append(Problem(path, row, where, message, hint))

    def read_folder(self, folder: Path) -> list[Table]:
        if not folder.is_dir():
            return []
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in TABLE_SUFFIXES)
        return [t for t in (self.read(p) for p in paths if not p.name.startswith((".", "~$"))) if t]

    def read(self, path: Path) -> Table | None:
        """A table, from the parse cache when neither it nor its sidecar changed."""
        sidecar = path.with_name(path.stem + ".meta.yaml")
        key = fingerprint(
            "table",
            str(path.resolve()),
            file_digest(path),
            file_digest(sidecar) if sidecar.is_file() else None,
            code_digest(),
        )
        remembered = _parse_cache(key)
        if remembered is not None:
            table, problems = remembered
            self.problems.extend(problems)
            return table
        start = len(self.problems)
        table = self.parse(path)
        _remember_parse(key, table, self.problems[start:])
        return table

    def parse(self, path: Path) -> Table | None:
        import hxl  # only operations with data tables pay for the HXL library

        meta = self.meta(path)
        try:
            source = hxl.data(io.BytesIO(path.read_bytes()))
            columns, rows = source.columns, list(source)
        except hxl.input.HXLTagsNotFoundException:
            self.error(
                path,
                None,
                "",
                "no HXL hashtag row found",
                "Add a row of hashtags under the header row, e.g. #adm1+name, #inneed, #targeted.",
            )
            return None
        except (hxl.HXLException, ValueError, KeyError) as exc:
            self.error(path, None, "", f"cannot read this table: {exc}")
            return None
        kind = meta.get("kind") or _guess_kind(columns)
        if kind is None:
            self.error(
                path,
                None,
                "",
                "cannot tell what this table holds",
                "Tag people in need with #inneed/#targeted, or results with #indicator+code and "
                "#value; or set kind: in the sidecar .meta.yaml.",
            )
            return None
        level = (
            s.LEVELS.index(meta["classification"])
            if meta.get("classification")
            else self.default_level
        )
        table = Table(path, kind, level, meta.get("title") or path.stem)
        reader = self.pin_rows if kind == PEOPLE_IN_NEED else self.result_rows
        table.rows = list(reader(path, columns, rows, meta))
        return table

    def meta(self, path: Path) -> dict[str, Any]:
        """The sidecar NAME.meta.yaml: classification, kind, title, sector."""
        sidecar = path.with_name(path.stem + ".meta.yaml")
        if not sidecar.is_file():
            return {}
        data = load_file(sidecar, self.problems)
        if not isinstance(data, YMap):
            return {}
        for key in data:
            if key not in META_FIELDS:
                self.error(
                    sidecar,
                    data.line_of(key),
                    str(key),
                    f"unknown field '{key}'",
                    did_you_mean(key, META_FIELDS) or f"Allowed: {', '.join(META_FIELDS)}.",
                )
        if data.get("classification") not in (None, *s.LEVELS):
            self.error(
                sidecar,
                data.line_of("classification"),
                "classification",
                f"'{data['classification']}' is not one of {', '.join(s.LEVELS)}",
            )
            data["classification"] = "strictly-confidential"
        if data.get("kind") not in (None, *KINDS):
            self.error(
                sidecar,
                data.line_of("kind"),
                "kind",
                f"'{data['kind']}' is not one of {', '.join(KINDS)}",
            )
            data["kind"] = None
        return dict(data)

    # -- people in need ------------------------------------------------------------------
    def pin_rows(
        self, path: Path, columns: list, rows: list, meta: dict
    ) -> Iterator[dict[str, Any]]:
        sector = _first_column(columns, ("#sector+cluster", "#sector"))
        wanted = str(meta.get("sector") or "protection").casefold()
        area_col = _first_column(
            columns, ("#adm1+name", "#adm2+name", "#adm1", "#adm2", "#loc+name")
        )
        group_col = _first_column(columns, ("#population+type", "#population+group", "#population"))
        for row in rows:
            if _blank(row):
                continue
            line = row.source_row_number + 1
            if sector is not None and str(row.values[sector] or "").strip().casefold() not in (
                wanted,
                "pro",
            ):
                continue
            record = {
                "area": _text(row, area_col),
                "group": _text(row, group_col),
                "in_need": self.figures(path, line, columns, row, "#inneed"),
                "targeted": self.figures(path, line, columns, row, "#targeted"),
            }
            yield record | {"_line": line}

    def figures(self, path: Path, line: int, columns: list, row: Any, tag: str) -> dict[str, Any]:
        """Total and sex/age parts of one measure; the parts may not exceed the total."""
        out: dict[str, Any] = {}
        for i, column in enumerate(columns):
            if column.tag != tag:
                continue
            key = _figure_key(column.attributes)
            cell = Cell(
                row.values[i] if i < len(row.values) else None,
                line,
                i,
                column.header or "",
                column.display_tag,
            )
            number = self.number(path, cell)
            if key is not None and number is not None:
                out[key] = out.get(key, 0) + number
        total = out.get("total")
        sexed = sum(v for k, v in out.items() if k in {"f", "m"})
        aged = sum(v for k, v in out.items() if "_" in k or k in AGES)
        if total is not None and max(sexed, aged) > total:
            self.error(
                path,
                line,
                tag,
                f"the disaggregated figures add up to {max(sexed, aged):,}, "
                f"more than the total {total:,}",
                "Check the row: parts may not add up to more than the total.",
            )
        return out

    def number(self, path: Path, cell: Cell) -> int | float | None:
        value = cell.value
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if _NUMBER.match(text):
            cleaned = re.sub(r"[, \u00a0\u202f]", "", text)
            return float(cleaned) if "." in cleaned else int(cleaned)
        self.error(
            path,
            cell.row,
            cell.where,
            f"'{text}' is not a number",
            "Write digits only, e.g. 61000.",
        )
        return None

    # -- indicator results ---------------------------------------------------------------
    def result_rows(
        self, path: Path, columns: list, rows: list, meta: dict
    ) -> Iterator[dict[str, Any]]:
        code = _first_column(columns, ("#indicator+code", "#indicator"))
        period = _first_column(columns, ("#date+period", "#date+reported", "#date"))
        values = {key: _first_column(columns, tags) for key, tags in _VALUE_TAGS.items()}
        note = _first_column(columns, ("#description", "#meta+note", "#indicator+note"))
        for name, index in (
            ("#indicator+code", code),
            ("#date", period),
            ("#value", values["value"]),
        ):
            if index is None and not (name == "#value" and values["f"] is not None):
                self.error(path, None, "", f"an indicator-results table needs a {name} column")
                return
        for row in rows:
            if _blank(row):
                continue
            line = row.source_row_number + 1
            result = self.result(path, line, columns, row, code, period, values, note)
            if result is not None:
                yield {"result": result, "_line": line}

    def result(self, path, line, columns, row, code, period, values, note) -> TableResult | None:
        def cell(index: int | None) -> Cell | None:
            if index is None:
                return None
            column = columns[index]
            raw = row.values[index] if index < len(row.values) else None
            return Cell(raw, line, index, column.header or "", column.display_tag)

        numbers = {k: self.number(path, c) if (c := cell(i)) else None for k, i in values.items()}
        when = _period(cell(period))
        if when is None:
            c = cell(period)
            self.error(
                path,
                line,
                c.where if c else "#date",
                f"'{c.value if c else ''}' is not a period or date",
                "Write 2027-H1, 2027-Q2, 2027 or a date.",
            )
            return None
        value = numbers["value"]
        if value is None and numbers["f"] is not None and numbers["m"] is not None:
            value = numbers["f"] + numbers["m"]
        if value is None:
            return None
        if (
            numbers["f"] is not None
            and numbers["m"] is not None
            and numbers["f"] + numbers["m"] > value
        ):
            self.error(
                path,
                line,
                "#value",
                f"female + male = {numbers['f'] + numbers['m']}, more than the total {value}",
            )
        indicator = cell(code)
        assert indicator is not None
        indicator.value = str(indicator.value or "").strip()
        text = _text(row, note)
        return TableResult(indicator, when, value, numbers["f"], numbers["m"], text)


_VALUE_TAGS = {
    "value": ("#value+total", "#value", "#indicator+value", "#indicator+num"),
    "f": ("#value+f", "#indicator+value+f"),
    "m": ("#value+m", "#indicator+value+m"),
}


_PLAIN_ONLY = ("#value", "#indicator", "#date")


def _guess_kind(columns: list) -> str | None:
    tags = {c.tag for c in columns}
    if "#indicator" in tags:
        return INDICATOR_RESULTS
    if tags & {"#inneed", "#targeted"}:
        return PEOPLE_IN_NEED
    return None


def _first_column(columns: list, patterns: tuple[str, ...]) -> int | None:
    """The first column matching the most specific pattern that matches any column."""
    import hxl

    for pattern in patterns:
        parsed = hxl.TagPattern.parse(pattern)
        matching = [i for i, c in enumerate(columns) if c.tag and parsed.match(c)]
        if pattern in _PLAIN_ONLY:
            # A bare #value means the plain column, not #value+baseline or #value+f.
            matching = [i for i in matching if not columns[i].attributes - {"total", "num"}]
        if matching:
            return matching[0]
    return None


def _figure_key(attributes: set[str]) -> str | None:
    """``total``, ``f``/``m``, an age, or ``f_children`` style for sex and age together."""
    sex = next((SEXES[a] for a in attributes if a in SEXES), None)
    age = next((a for a in AGES if a in attributes), None)
    if sex and age:
        return f"{sex}_{age}"
    return sex or age or "total"


def _period(cell: Cell | None) -> str | None:
    """A reporting period; a date (an Excel date too) counts in its half-year."""
    if cell is None or cell.value in (None, ""):
        return None
    text = str(cell.value).strip()
    if isinstance(cell.value, int) and 1900 < cell.value < 2200:
        return text
    if _PERIOD.match(text):
        return text
    match = re.match(r"^(\d{4})-(\d{2})(-\d{2})?", text)
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{match.group(1)}-H{1 if int(match.group(2)) <= 6 else 2}"
    return None


def _text(row: Any, index: int | None) -> str | None:
    if index is None or index >= len(row.values):
        return None
    value = row.values[index]
    return str(value).strip() if value not in (None, "") else None


def _blank(row: Any) -> bool:
    return all(v in (None, "") or (isinstance(v, str) and not v.strip()) for v in row.values)
