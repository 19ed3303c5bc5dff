"""Load, data tables: HXL-tagged CSV and Excel files in the operation's ``data/`` folder.

Tables are read with libhxl (the HXL project's own parser, with openpyxl for Excel), so any
table exported from HDX or OCHA's HPC tools works as it is: extra untagged columns, blank rows,
thousands separators and Excel dates included. Each table's classification comes from its sidecar
``NAME.meta.yaml``, and is ``internal`` without one: a table reaches a public document only when
someone marked it public. What the figures of a people-in-need table mean (its totals, areas,
groups, AoRs and breakdowns) is worked out in ``pin.py``; this module reads the cells.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pin
from . import schema as s
from .cache import code_digest, file_digest, fingerprint, user_cache
from .errors import Problem, Severity, did_you_mean
from .load import YMap, load_file

TABLE_SUFFIXES = (".csv", ".xlsx")
PEOPLE_IN_NEED = "people-in-need"
INDICATOR_RESULTS = "indicator-results"
SEVERITY = "severity-by-area"
KINDS = (PEOPLE_IN_NEED, INDICATOR_RESULTS, SEVERITY)
META_FIELDS = ("classification", "kind", "title", "sector", "source", "date")
_NUMBER = re.compile(r"^-?(\d{1,3}([, \u00a0\u202f]\d{3})+|\d+)(\.\d+)?$")
_PERIOD = re.compile(r"^\d{4}(-H[12]|-Q[1-4])?$")


def _parse_cache_file(key: str) -> Path:
    return user_cache() / "tables" / f"{key}.pickle"


def _parse_cache(key: str) -> tuple[Table | None, list[Problem]] | None:
    """Parsing with libhxl costs more than a whole rebuild; a table read once is kept, by the
    hash of its bytes, in the user's cache (written only by protdocs, like __pycache__)."""
    try:
        return pickle.loads(_parse_cache_file(key).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _remember_parse(key: str, table: Table | None, problems: list[Problem]) -> None:
    """Only tables that were read, and never a strictly-confidential one (its figures and
    names must not outlive the content folder); in a folder only the user can open
    (0700), each file readable by the user alone (0600), whatever the umask."""
    target = _parse_cache_file(key)
    try:
        if table is None or table.level >= s.STRICTLY:
            target.unlink(missing_ok=True)
            return
        for folder in (target.parent.parent, target.parent):
            folder.mkdir(mode=0o700, exist_ok=True, parents=True)
        target.parent.chmod(0o700)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(pickle.dumps((table, problems)))
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
    source: str | None = None  # the sidecar's source and date, printed under every figure
    date: str | None = None
    facts: pin.FactTable | None = None  # a people-in-need table's figures, by meaning
    summary: dict[str, Any] | None = None  # pin.summary(facts), kept in the parse cache


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
        paths = [p for p in paths if not p.name.startswith((".", "~$")) and self.readable(p)]
        return [t for t in (self.read(p) for p in paths) if t]

    def readable(self, path: Path) -> bool:
        """A table is an ordinary file: a folder, a broken link or a pipe named like one is an
        error with its name (a pipe would make the build wait for ever)."""
        if path.is_file() and stat.S_ISREG(path.stat().st_mode):
            return True
        self.problems.append(
            Problem(
                path,
                None,
                "",
                "named like a data table but not a file (a folder, a broken link or a pipe)",
                "Rename it or move it out of data/.",
            )
        )
        return False

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
            columns = source.columns
            # The hashtag row's line, for warnings about a column (libhxl keeps it privately).
            tag_index = getattr(source, "_source_row_number", None)
            rows = list(source)
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
        table = Table(path, kind, level, str(meta.get("title") or path.stem))
        table.source = str(meta["source"]) if meta.get("source") else None
        table.date = str(meta["date"]) if meta.get("date") else None
        if kind == PEOPLE_IN_NEED:
            tag_line = tag_index + 1 if isinstance(tag_index, int) else None
            table.facts = self.pin_facts(path, columns, rows, meta, tag_line)
            table.summary = pin.summary(table.facts)
        elif kind == SEVERITY:
            table.rows = list(self.severity_rows(path, columns, rows))
        else:
            table.rows = list(self.result_rows(path, columns, rows, meta))
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
        date = data.get("date")
        if date is not None and not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", str(date)):
            self.error(
                sidecar,
                data.line_of("date"),
                "date",
                f"'{date}' is not a date",
                'Write the month or the day the figures are from, e.g. date: "2026-11".',
            )
            data["date"] = None
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
    def pin_facts(
        self, path: Path, columns: list, rows: list, meta: dict, tag_line: int | None = None
    ) -> pin.FactTable:
        """Every figure of a people-in-need table, by meaning (see pin.py), in either shape."""
        facts = pin.FactTable()
        figure_columns = self.figure_columns(path, columns, tag_line)
        place = {
            name: _first_column(columns, patterns) for name, patterns in _PIN_DIMENSIONS.items()
        }
        own = str(meta["sector"]) if meta.get("sector") else None
        others: set[str] = set()
        for row in rows:
            if _blank(row):
                continue
            line = row.source_row_number + 1
            sector = (
                pin.sector_of(_text(row, place["sector"]), own)
                if place["sector"] is not None
                else pin.PROTECTION
            )
            if sector in (pin.OTHER_SECTOR, pin.INTERSECTORAL):
                others.add(str(_text(row, place["sector"])))
                continue  # other clusters, and intersectoral rows, are never protection figures
            dims = self.row_dimensions(path, line, columns, row, place, facts)
            if dims is None:
                continue
            found: list[pin.Fact] = []
            for index, meaning in figure_columns:
                cell = _cell(columns, row, index, line)
                number = self.number(path, cell)
                if number is None:
                    continue
                merged = dict(dims)
                for name in ("group", "sex", "age", "disabled"):
                    given = getattr(meaning, name)
                    if given != pin.ALL and merged[name] not in (pin.ALL, given):
                        self.error(
                            path,
                            line,
                            cell.where,
                            f"this column counts {name} '{given}' but the row is "
                            f"{name} '{merged[name]}'",
                            "Put such figures in a row of their own, or untag the column.",
                        )
                        break
                    if given != pin.ALL:
                        merged[name] = given
                else:
                    where = pin.Where(line, cell.where)
                    key = tuple(merged[d] for d in pin.DIMENSIONS)
                    found.append(pin.Fact(meaning.measure, sector, key, number, where))  # type: ignore[arg-type]
            for fact in found:
                facts.add(fact)
            self.check_row_parts(path, line, found)
        if others and not facts.facts:
            self.problems.append(
                Problem(
                    path,
                    tag_line,
                    _column_name(columns, place["sector"]),
                    "no row of this table is a protection row (sectors found: "
                    + ", ".join(sorted(others)[:8])
                    + "), so it gives no figure",
                    "Protection rows say PRO or Protection; write the value yours use in the "
                    "sidecar, e.g. sector: Protección.",
                    Severity.WARNING,
                )
            )
        for first, second in facts.duplicates:
            self.error(
                path,
                second.where.line,
                second.where.column,
                f"this figure ({_n(second.value)}) is also given, as {_n(first.value)}, at "
                f"row {first.where.line}, {first.where.column}",
                "Keep one of the two.",
            )
        for sector, measure, national, areas in pin.national_mismatches(facts):
            self.error(
                path,
                national.lines[0],
                national.rule,
                f"the national row gives {_n(national.value)} {pin.MEASURE_WORDS[measure]} "
                f"({_sector_words(sector)}), but its areas (rows "
                f"{pin.lines_text(areas.lines)}) add up to {_n(areas.value)}",
                "Correct the national row or the areas: they must agree.",
            )
        return facts

    def figure_columns(
        self, path: Path, columns: list, tag_line: int | None = None
    ) -> list[tuple[int, pin.ColumnMeaning]]:
        """The #inneed/#targeted columns whose attributes are understood; the others are
        ignored with a warning naming them, never counted."""
        import hxl

        measures = [hxl.TagPattern.parse(tag) for tag in pin.MEASURES]
        understood = []
        for i, column in enumerate(columns):
            if not column.tag or not any(pattern.match(column) for pattern in measures):
                continue
            meaning = pin.column_meaning(column.tag, column.attributes)
            if meaning is None:
                continue
            if meaning.unknown:
                cell = Cell(None, 0, i, column.header or "", column.display_tag)
                self.problems.append(
                    Problem(
                        path,
                        tag_line,
                        cell.where,
                        "the attribute(s) "
                        + ", ".join(f"+{a}" for a in sorted(set(meaning.unknown)))
                        + " are not understood, so this column is ignored",
                        "Use +f/+m/+i, +infants/+children/+adolescents/+adults/+elderly (a custom"
                        " age such as +age_5_17 only beside one of these), +disabled, +idps/"
                        "+refugees/+host, or +total; see docs/content-format.md.",
                        Severity.WARNING,
                    )
                )
                continue
            understood.append((i, meaning))
        return understood

    def row_dimensions(
        self, path: Path, line: int, columns: list, row: Any, place: dict, facts: pin.FactTable
    ) -> dict[str, str] | None:
        """Area, district, population group, sex, age and disability of a row (ALL where the
        row does not say, or says all/ALL)."""
        dims = {d: pin.ALL for d in pin.DIMENSIONS}
        for level, (code_key, name_key) in (
            ("area", ("adm1_code", "adm1_name")),
            ("district", ("adm2_code", "adm2_name")),
        ):
            code, name = _text(row, place[code_key]), _text(row, place[name_key])
            if not code and name and name.casefold() in _NATIONAL_WORDS:
                name = None  # a "Total" row under the areas is the national row
            if code or name:
                key = str(code or name)
                dims[level] = key
                if level == "area":
                    facts.area_names.setdefault(key, str(name or code))
        if dims["district"] != pin.ALL and dims["area"] == pin.ALL:
            self.error(
                path, line, "#adm1", "this row has a district but no admin-1 area",
                "Give the admin-1 code or name of every district row.",
            )  # fmt: skip
            return None
        group = _text(row, place["group"])
        if group and group.casefold() not in _ALL_WORDS:
            key = pin.group_code(group) or group
            dims["group"] = key
            facts.group_names.setdefault(key, group)
        readers = {
            "sex": ("gender", _sex, "f, m or all"),
            "age": ("age", pin.age_key, "an age range such as 0-17 or 60+, or all"),
            "disabled": ("disabled", _disabled, "y, n or all"),
        }
        for dim, (where, read, allowed) in readers.items():
            index = place[where]
            value = _text(row, index)
            if value is None or value.casefold() in _ALL_WORDS:
                continue
            understood = read(value) if dim != "age" else _age(value)
            if understood is None:
                cell = _cell(columns, row, index, line)
                self.error(
                    path, line, cell.where, f"'{value}' is not understood", f"Write {allowed}."
                )
                return None
            dims[dim] = understood
        if dims["age"] == pin.ALL and place["age_min"] is not None:
            low, high = _text(row, place["age_min"]), _text(row, place["age_max"])
            if low and low.casefold() not in _ALL_WORDS:
                dims["age"] = pin.age_key(f"{low}-{high}" if high else f"{low}+") or pin.ALL
        return dims

    def check_row_parts(self, path: Path, line: int, found: list[pin.Fact]) -> None:
        """Within one row, the sex (and sex and age) parts may not add up to more than the
        row's total."""
        for measure, tag in _MEASURE_TAGS.items():
            mine = [f for f in found if f.measure == measure]
            total = next((f for f in mine if f.dims[3:] == (pin.ALL,) * 3), None)
            if total is None:
                continue
            base = total.dims[:3]
            sexed = sum(
                f.value for f in mine if f.dims[:3] == base and f.dims[3] != pin.ALL
                and f.dims[4] == pin.ALL and f.dims[5] == pin.ALL
            )  # fmt: skip
            crossed = sum(
                f.value for f in mine if f.dims[:3] == base and f.dims[3] != pin.ALL
                and f.dims[4] in _CORE_AGES and f.dims[5] == pin.ALL
            )  # fmt: skip
            parts = max(sexed, crossed)
            if parts > total.value:
                self.error(
                    path,
                    line,
                    tag,
                    f"the disaggregated figures add up to {_n(parts)}, "
                    f"more than the total {_n(total.value)}",
                    "Check the row: parts may not add up to more than the total.",
                )

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

    # -- severity by area ----------------------------------------------------------------
    def severity_rows(self, path: Path, columns: list, rows: list) -> Iterator[dict[str, Any]]:
        """One GPC severity (1-5) per area: the district's name and p-code where the table
        has them, else the province's; ``severity_by_area`` records made by validation."""
        area = _first_column(columns, ("#adm2+name", "#adm1+name"))
        pcode = _first_column(columns, ("#adm2+code", "#adm1+code"))
        severity = _first_column(columns, ("#severity",))
        if area is None or severity is None:
            self.error(
                path,
                None,
                "",
                "a severity table needs an area column (#adm1+name or #adm2+name) and #severity",
                "Tag the area's name and the severity (1-5) columns.",
            )
            return
        for row in rows:
            if _blank(row):
                continue
            line = row.source_row_number + 1

            def cell(index: int, row: Any = row, line: int = line) -> Cell:
                column = columns[index]
                raw = row.values[index] if index < len(row.values) else None
                return Cell(raw, line, index, column.header or "", column.display_tag)

            name, phase = cell(area), cell(severity)
            text = str(phase.value or "").strip()
            if not re.fullmatch(r"[1-5](\.0)?", text):
                self.error(
                    path,
                    line,
                    phase.where,
                    f"'{text}' is not a severity",
                    "Write a whole number from 1 (minimal) to 5 (catastrophic).",
                )
                continue
            code = str(cell(pcode).value or "").strip() if pcode is not None else ""
            yield {
                "_line": line,
                "area": str(name.value or "").strip() or None,
                "area_where": name.where,
                "pcode": code or None,
                "pcode_where": cell(pcode).where if pcode is not None else "",
                "severity": int(float(text)),
            }

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
        if _empty(cell(period)) and all(n is None for n in numbers.values()):
            return None  # an indicator with no result yet, as the HXL export writes it
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
    if "#severity" in tags:
        return SEVERITY
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


def _empty(cell: Cell | None) -> bool:
    return cell is None or str(cell.value or "").strip() == ""


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


# Where a people-in-need table says what a row counts (patterns matched with libhxl).
_PIN_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "sector": ("#sector+code", "#sector+cluster", "#sector"),
    "adm1_code": ("#adm1+code",),
    "adm1_name": ("#adm1+name", "#adm1"),
    "adm2_code": ("#adm2+code",),
    "adm2_name": ("#adm2+name", "#adm2"),
    "group": (
        "#population_group+code",
        "#population_group",
        "#population+type",
        "#population+group",
    ),
    "gender": ("#gender+code", "#gender"),
    "age": ("#age+range",),
    "age_min": ("#age+min",),
    "age_max": ("#age+max",),
    "disabled": ("#is_disabled", "#disabled"),
}
_MEASURE_TAGS = {pin.IN_NEED: "#inneed", pin.TARGETED: "#targeted"}
_CORE_AGES = ("children", "adults", "elderly")  # do not overlap one another
_ALL_WORDS = {"all", "total"}
_NATIONAL_WORDS = {"total", "grand total", "national", "national total", "all", "country"}
_SEX_WORDS = {"f": "f", "female": "f", "women": "f", "m": "m", "male": "m", "men": "m"}
_SEX_WORDS |= {"i": "i", "other": "i", "intersex": "i"}


def _sex(text: str) -> str | None:
    return _SEX_WORDS.get(text.strip().casefold())


def _disabled(text: str) -> str | None:
    word = text.strip().casefold()
    return {"y": "y", "yes": "y", "true": "y", "1": "y", "n": "n", "no": "n", "false": "n"}.get(
        word, "n" if word == "0" else None
    )


def _age(text: str) -> str | None:
    word = text.strip().casefold()
    return word if word in pin.AGE_ATTRIBUTES else pin.age_key(word)


def _cell(columns: list, row: Any, index: int | None, line: int) -> Cell:
    assert index is not None
    column = columns[index]
    raw = row.values[index] if index < len(row.values) else None
    return Cell(raw, line, index, column.header or "", column.display_tag)


def _column_name(columns: list, index: int | None) -> str:
    if index is None:
        return ""
    column = columns[index]
    return Cell(None, 0, index, column.header or "", column.display_tag).where


def _n(value: float) -> str:
    return f"{value:,}"


def _sector_words(sector: str) -> str:
    return "protection" if sector == pin.PROTECTION else sector.replace("-", " ")


def pin_record(table: Table) -> dict[str, Any]:
    """A people-in-need table as a content record: what the HNO prints from it, every number
    already worked out by meaning (pin.summary), names kept as text for the audience filter to
    make inert. ``_figures`` keeps where each headline and AoR figure comes from, for the
    reconciliation with analysis.yaml."""
    facts = table.facts or pin.FactTable()
    found = table.summary or pin.summary(facts)
    common = {"_level": table.level, "_file": str(table.path)}

    def row(area: str | None, group: str | None, code: str | None, figures: dict) -> dict:
        line = min((f.lines[0] for f in figures.values() if f), default=1)
        numbers = {m: pin.plain(f) for m, f in figures.items()}
        return {"_kind": "pin_row", **common, "_line": line, "area": area, "group": group,
                "code": code, **numbers}  # fmt: skip

    everyone = found["headline"][pin.IN_NEED]
    groups = [
        row(None, facts.group_names.get(g, g), g if g in pin.GROUP_CODES else None, figures)
        for g, figures in found["groups"]
    ]
    provenance = {(None, m): f for m, f in found["headline"].items() if f is not None} | {
        (aor, m): f for aor, figures in found["aors"] for m, f in figures.items() if f
    }
    return {
        "_kind": "pin_table",
        **common,
        "_line": 1,
        "_figures": {key: (f.value, _provenance(f)) for key, f in provenance.items()},
        "title": table.title,
        "source": table.source,
        "date": table.date,
        "rows": [
            row(facts.area_names.get(a, a), None, None, figures) for a, figures in found["areas"]
        ],
        "groups": groups,
        "headline": {m: pin.plain(f) for m, f in found["headline"].items()},
        "aors": [
            {"aor": aor, **{m: pin.plain(f) for m, f in figures.items()}}
            for aor, figures in found["aors"]
        ],
        "sex_age": {
            "ages": found["ages"],
            "sexes": found["sexes"],
            "cells": {
                f"{sex}|{age}": f.value
                for (sex, age), f in [*found["sex_age"].items(), ((pin.ALL,) * 2, everyone)]
                if f
            },
        },
        "disabled": {m: pin.plain(f) for m, f in found["disabled"].items()},
    }


def _provenance(figure: pin.Figure) -> str:
    """Where a figure comes from, as errors and ``protdocs figures`` print it."""
    rows = pin.lines_text(figure.lines)
    return f"{'rows' if len(figure.lines) > 1 else 'row'} {rows}: {figure.rule}"


def figures_report(content_dir: Path, highest: int = s.INTERNAL) -> tuple[str, list[Problem]]:
    """``protdocs figures``: each headline and AoR figure of every people-in-need table up to
    level ``highest`` (never a strictly-confidential one), with its file, its rows and the rule
    that produced it; and the tables' problems."""
    problems: list[Problem] = []
    lines: list[str] = []
    withheld = 0
    typed = _typed_figures(content_dir, highest)
    tables = TableReader(problems).read_folder(content_dir / "data")
    for table in (t for t in tables if t.kind == PEOPLE_IN_NEED):
        if table.level > highest:
            withheld += 1
            continue
        facts = table.facts or pin.FactTable()
        found = table.summary or pin.summary(facts)
        lines.append(f"{table.path.name} ({s.LEVELS[table.level]}): {table.title}")
        source = ", ".join(x for x in (table.source, table.date) if x)
        if source:
            lines.append(f"  Source: {source}")
        named: list[tuple[str | None, str, dict]] = [(None, "Protection", found["headline"])]
        aor_names = s.vocabulary()["aor"]
        named += [(aor, aor_names[aor], figures) for aor, figures in found["aors"]]
        for aor, name, figures in named:
            for measure, figure in figures.items():
                words = pin.MEASURE_WORDS[measure]
                if figure is None:
                    lines.append(f"  {name}, {words}: not in this table")
                    continue
                lines.append(f"  {name}, {words}: {figure.value:,}")
                lines.append(f"      {_provenance(figure)}")
                given = typed.get((aor, measure))
                if given is not None:
                    verdict = "agrees" if given[1] == figure.value else "DOES NOT AGREE"
                    lines.append(f"      {given[0]}: {given[1]:,} ({verdict})")
        for measure in (pin.IN_NEED, pin.TARGETED):
            national = facts.facts.get((measure, pin.PROTECTION, (pin.ALL,) * 6))
            areas = facts.sum_of_areas(measure, pin.PROTECTION)
            if national is not None and areas is not None and areas.value == national.value:
                lines.append(
                    f"  Checked: the national row's {pin.MEASURE_WORDS[measure]} "
                    f"({national.value:,}) equals the sum of its areas (rows "
                    f"{pin.lines_text(areas.lines)})."
                )
        lines.append("")
    if withheld:
        lines.append(
            f"{withheld} table(s) above the {s.LEVELS[highest]} level not shown"
            + (
                ""
                if highest >= s.CONFIDENTIAL
                else " (--audience confidential shows the"
                " confidential ones; strictly-confidential tables are never shown)"
            )
            + "."
        )
    if not lines:
        lines.append(f"No people-in-need table in {content_dir / 'data'}.")
    return "\n".join(lines).rstrip() + "\n", problems


def _typed_figures(
    content_dir: Path, highest: int
) -> dict[tuple[str | None, str], tuple[str, Any]]:
    """analysis.yaml's headline and by-AoR figures up to level ``highest``, by (AoR or None,
    measure), each with the field it is in; read as validation reads them."""
    from .validate import load_and_validate

    analysis = load_and_validate(content_dir).sections.get("analysis.yaml") or {}
    figures = analysis.get("figures") or {}
    rows = [(None, figures, "figures")] + [
        (row["aor"], row, f"figures.by_aor.{row['aor']}") for row in figures.get("by_aor") or []
    ]
    rows += [  # an AoR's own headline block (its record's level, not its figures')
        (area["aor"], {**area["figures"], "_level": area["_level"]},
         f"areas_of_responsibility[{area['aor']}].figures")
        for area in analysis.get("areas_of_responsibility") or []
        if area["figures"] and area["aor"]
    ]  # fmt: skip
    found: dict[tuple[str | None, str], tuple[str, Any]] = {}
    for aor, record, path in rows:
        if record.get("_level", s.STRICTLY) > highest:
            continue
        for field_name, measure in (
            ("people_in_need", pin.IN_NEED),
            ("people_targeted", pin.TARGETED),
        ):
            if record.get(field_name) is not None:
                found[(aor, measure)] = (f"analysis.yaml {path}.{field_name}", record[field_name])
    return found
