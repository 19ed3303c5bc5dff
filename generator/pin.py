"""People-in-need tables read by the meaning of their hashtags, in both shapes OCHA publishes.

A table is turned into *facts*: one number with what it counts along every dimension (area,
district, sector, population group, sex, age, disability), each dimension either a value or
``ALL``. A wide HPC.tools export says it in its columns (``#inneed+f+children`` is female
children of the row's area and group; ``#inneed`` or ``#inneed+total`` is the row's total); the
long HDX dataset says it in its rows (``#gender+code`` ``all`` is every sex). Figures are then
asked for by meaning (``figure(sector="protection", sex="f")``), never by column position:

- a total comes from a fact that is a total (a total row or column) wherever one exists, and is
  never added to its own parts;
- where there is no total for a whole area or population group, the areas, districts and groups
  (which do not overlap) are added up; sex, age and disability parts are never added into a
  total (age groups may overlap: children and adolescents), they are used for disaggregation;
- a national row (no admin-1 code or name) is used as the national figure and checked against
  the sum of the areas, never added to it.

Every figure keeps the rows it was made from and the rule that made it, for ``protdocs figures``
and for errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

ALL = "*"
IN_NEED, TARGETED = "in_need", "targeted"
MEASURES = {"#inneed": IN_NEED, "#targeted": TARGETED}
MEASURE_WORDS = {IN_NEED: "people in need", TARGETED: "people targeted"}
PROTECTION = "protection"
AORS = (
    "general-protection",
    "child-protection",
    "gender-based-violence",
    "housing-land-property",
    "mine-action",
)
INTERSECTORAL = "intersectoral"
OTHER_SECTOR = "other"

# Sector codes and names as HPC.tools, the HDX dataset and cluster sheets write them (compared
# case-folded, with '_' and spaces as '-').
_SECTORS = {
    "pro": PROTECTION,
    "protection": PROTECTION,
    "prot": PROTECTION,
    "pro-gpr": "general-protection",
    "pro-gp": "general-protection",
    "general-protection": "general-protection",
    "gp": "general-protection",
    "pro-cpn": "child-protection",
    "pro-cp": "child-protection",
    "child-protection": "child-protection",
    "cp": "child-protection",
    "pro-gbv": "gender-based-violence",
    "gender-based-violence": "gender-based-violence",
    "gbv": "gender-based-violence",
    "pro-hlp": "housing-land-property",
    "housing-land-and-property": "housing-land-property",
    "housing,-land-and-property": "housing-land-property",
    "housing-land-property": "housing-land-property",
    "hlp": "housing-land-property",
    "pro-min": "mine-action",
    "pro-ma": "mine-action",
    "mine-action": "mine-action",
    "ma": "mine-action",
    "all": INTERSECTORAL,
    "intersectoral": INTERSECTORAL,
    "inter-sectoral": INTERSECTORAL,
    "int": INTERSECTORAL,
}

# HXL attributes of a figure column, by what they say.
SEX_ATTRIBUTES = {"f": "f", "m": "m", "i": "i"}
AGE_ATTRIBUTES = ("infants", "children", "adolescents", "adults", "elderly")
GROUP_ATTRIBUTES = {
    "idps": "IDP",
    "refugees": "REF",
    "returnees": "RET",
    "host": "HST",
    "nondisplaced": "NDP",
    "migrants": "MIG",
}
NEUTRAL_ATTRIBUTES = {"total", "num", "ind", "people"}  # say nothing about what is counted
_CUSTOM_AGE = re.compile(r"^age\d*(_\d+)*(_plus)?$")  # +age_5_17, +age18_59, +age60_plus

# Codes of the HDX dataset's #population_group+code (and names a wide export writes instead).
POPULATION_GROUPS = {
    "idp": "IDP",
    "idps": "IDP",
    "internally-displaced-persons": "IDP",
    "internally-displaced-people": "IDP",
    "ref": "REF",
    "refugees": "REF",
    "ret": "RET",
    "returnees": "RET",
    "hst": "HST",
    "host": "HST",
    "host-community": "HST",
    "host-communities": "HST",
    "ndp": "NDP",
    "non-displaced": "NDP",
    "non-displaced-people": "NDP",
    "mig": "MIG",
    "migrants": "MIG",
    "asy": "ASY",
    "asylum-seekers": "ASY",
    "sta": "STA",
    "stateless": "STA",
    "stateless-people": "STA",
}
GROUP_CODES = ("IDP", "REF", "RET", "HST", "NDP", "MIG", "ASY", "STA")  # vocabulary.yaml
_AGE_RANGE = re.compile(r"^(\d{1,3})\s*(?:[-–]\s*(\d{1,3})|\+)$")
DIMENSIONS = ("area", "district", "group", "sex", "age", "disabled")
PARTITIONS = ("area", "district", "group")  # never overlap: added up where no total exists


def sector_of(value: str | None, own: str | None = None) -> str:
    """The normalised sector of a cell: protection, an AoR id, intersectoral or other."""
    key = re.sub(r"[\s_]+", "-", str(value or "").strip().casefold())
    if own and key == re.sub(r"[\s_]+", "-", own.strip().casefold()):
        return PROTECTION
    return _SECTORS.get(key, OTHER_SECTOR)


def group_code(value: str) -> str | None:
    """A known population-group code for a code or a name, or None."""
    key = re.sub(r"[\s_]+", "-", value.strip().casefold())
    return POPULATION_GROUPS.get(key)


def age_key(text: str) -> str | None:
    """``0-17``, ``60+`` as written (normalised), or None if it is not an age range."""
    match = _AGE_RANGE.match(text.strip())
    if not match:
        return None
    low, high = match.groups()
    return f"{int(low)}-{int(high)}" if high else f"{int(low)}+"


def age_order(age: str) -> tuple[int, int]:
    """Core HXL ages in their order, ranges by their first year."""
    if age in AGE_ATTRIBUTES:
        return (AGE_ATTRIBUTES.index(age) * 20, 0)
    low = re.match(r"\d+", age)
    return (int(low.group()) if low else 999, 1)


@dataclass(frozen=True)
class Where:
    """The place of a number in the spreadsheet: its line and column."""

    line: int
    column: str  # "column N 'In need' (#inneed)"


@dataclass(frozen=True)
class Fact:
    measure: str
    sector: str
    dims: tuple[str, str, str, str, str, str]  # in DIMENSIONS order
    value: int | float
    where: Where

    def dim(self, name: str) -> str:
        return self.dims[DIMENSIONS.index(name)]


@dataclass
class Figure:
    """A figure with the rows it comes from and the rule that produced it."""

    value: int | float
    lines: list[int]
    rule: str


@dataclass
class FactTable:
    """Every fact of one table, queried by meaning."""

    facts: dict[tuple[str, str, tuple[str, ...]], Fact] = field(default_factory=dict)
    area_names: dict[str, str] = field(default_factory=dict)  # area key -> name as written
    group_names: dict[str, str] = field(default_factory=dict)  # group key -> name as written
    duplicates: list[tuple[Fact, Fact]] = field(default_factory=list)

    _index: dict[tuple[str, ...], list[tuple[str, ...]]] | None = None
    _resolved: dict[tuple[Any, ...], Figure | None] = field(default_factory=dict)
    _under_memo: dict[tuple[Any, ...], dict[str, None]] = field(default_factory=dict)

    def add(self, fact: Fact) -> None:
        key = (fact.measure, fact.sector, fact.dims)
        first = self.facts.get(key)
        if first is None:
            self.facts[key] = fact
            self._index = None
            self._resolved.clear()
            self._under_memo.clear()
        elif first.value != fact.value:
            self.duplicates.append((first, fact))

    def _candidates(self, measure: str, sector: str, key: tuple[str, ...], i: int) -> list[Any]:
        """The dims of the facts that may be parts of ``key`` along dimension ``i``: of the
        same measure, sector, sex, age and disability, and of the same area and district
        where ``key`` names them. A large export has tens of thousands of facts; each figure
        looks through only these."""
        if self._index is None:
            index: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
            for m, sec, dims in self.facts:
                base = (m, sec, *dims[3:])
                index.setdefault((*base, ALL, ALL), []).append(dims)
                if dims[0] != ALL:
                    index.setdefault((*base, dims[0], ALL), []).append(dims)
                    if dims[1] != ALL:
                        index.setdefault((*base, dims[0], dims[1]), []).append(dims)
            self._index = index
        area = key[0] if i > 0 else ALL
        district = key[1] if i > 1 and area != ALL else ALL
        return self._index.get((measure, sector, *key[3:], area, district), [])

    def sectors(self) -> list[str]:
        return sorted({f.sector for f in self.facts.values()})

    def values(self, dimension: str, sector: str | None = None) -> list[str]:
        """The values a dimension takes (ALL left out), in the order of the table."""
        i = DIMENSIONS.index(dimension)
        seen: dict[str, None] = {}
        for fact in self.facts.values():
            if (sector is None or fact.sector == sector) and fact.dims[i] != ALL:
                seen.setdefault(fact.dims[i], None)
        return list(seen)

    def figure(self, measure: str, sector: str, **dims: str) -> Figure | None:
        """The figure for ``dims`` (ALL where not given), by the rules of the module docstring."""
        key = tuple(dims.get(d, ALL) for d in DIMENSIONS)
        return self._resolve(measure, sector, key)

    def _resolve(self, measure: str, sector: str, key: tuple[str, ...]) -> Figure | None:
        memo = (measure, sector, key)
        if memo not in self._resolved:
            self._resolved[memo] = self._work_out(measure, sector, key)
        return self._resolved[memo]

    def _work_out(self, measure: str, sector: str, key: tuple[str, ...]) -> Figure | None:
        exact = self.facts.get((measure, sector, key))
        if exact is not None:
            return Figure(exact.value, [exact.where.line], _describe(exact))
        for dimension in PARTITIONS:
            i = DIMENSIONS.index(dimension)
            if key[i] != ALL:
                continue
            parts = self._parts(measure, sector, key, i)
            if parts:
                return _sum(parts, dimension)
        return None

    def _parts(
        self, measure: str, sector: str, key: tuple[str, ...], i: int
    ) -> list[Figure] | None:
        """The figures of each value of dimension ``i`` under ``key``; None if one is missing."""
        values = self._values_under(measure, sector, key, i)
        if not values:
            return None
        whole = (*key[:3], ALL, ALL, ALL)
        if whole != key and not set(self._values_under(measure, sector, whole, i)) <= set(values):
            return None  # a breakdown some areas (or groups) do not give: not a national one
        found = []
        for value in values:
            sub = self._resolve(measure, sector, (*key[:i], value, *key[i + 1 :]))
            if sub is None:
                return None
            found.append(sub)
        return found

    def _values_under(
        self, measure: str, sector: str, key: tuple[str, ...], i: int
    ) -> dict[str, None]:
        memo = (measure, sector, key, i)
        if memo in self._under_memo:
            return self._under_memo[memo]
        values: dict[str, None] = {}
        self._under_memo[memo] = values
        # The candidates share key's sex, age and disability; only the partitions are left
        # to compare (a fact is under key where key names a value, and anywhere where ALL).
        fixed = [(j, key[j]) for j in range(len(PARTITIONS)) if j != i and key[j] != ALL]
        for dims in self._candidates(measure, sector, key, i):
            value = dims[i]
            if value != ALL and value not in values and all(dims[j] == v for j, v in fixed):
                values[value] = None
        return values

    def sum_of_areas(self, measure: str, sector: str) -> Figure | None:
        """The areas added up, to check a national row against."""
        parts = self._parts(measure, sector, tuple(ALL for _ in DIMENSIONS), 0)
        return _sum(parts, "area") if parts else None


_PLURALS = {"area": "areas", "district": "districts", "group": "population groups"}


def _sum(parts: list[Figure], dimension: str) -> Figure:
    lines = sorted({line for p in parts for line in p.lines})
    value = sum(p.value for p in parts)
    rule = f"sum of {len(parts)} {_PLURALS[dimension]}"
    if all(p.rule.startswith("sum of ") for p in parts):
        inner = {p.rule.split(" (")[0].split(",")[0].split(" ", 3)[3] for p in parts}
        if len(inner) == 1:
            rule += f", each the sum of its {inner.pop()}"
    return Figure(value, lines, f"{rule} (no total row for them)")


def _describe(fact: Fact) -> str:
    named = [
        f"{name} {value}" for name, value in zip(DIMENSIONS, fact.dims, strict=True) if value != ALL
    ]
    national = fact.dim("area") == ALL and fact.dim("district") == ALL
    place = "national row" if national else "row"
    what = ", ".join(named) if named else "total"
    return f"{place}, {fact.where.column}: {what}"


def lines_text(lines: Iterable[int]) -> str:
    """Row numbers as a drafter reads them: 3-7, 12."""
    numbers = sorted(set(lines))
    spans: list[str] = []
    start = prev = None
    for n in [*numbers, None]:
        if start is not None and (n is None or n != prev + 1):  # type: ignore[operator]
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    return ", ".join(spans)


@dataclass
class ColumnMeaning:
    """What a figure column counts, from its hashtag's attributes (None: not understood)."""

    measure: str
    sex: str = ALL
    age: str = ALL
    disabled: str = ALL
    group: str = ALL
    unknown: list[str] = field(default_factory=list)


def column_meaning(tag: str, attributes: Iterable[str]) -> ColumnMeaning | None:
    """The meaning of ``#inneed+f+children`` and its kin; ``unknown`` lists what is not
    understood (the column is then ignored, with a warning)."""
    measure = MEASURES.get(tag)
    if measure is None:
        return None
    meaning = ColumnMeaning(measure)
    attrs = sorted(attributes)
    sexes = [SEX_ATTRIBUTES[a] for a in attrs if a in SEX_ATTRIBUTES]
    ages = [a for a in attrs if a in AGE_ATTRIBUTES]
    groups = [GROUP_ATTRIBUTES[a] for a in attrs if a in GROUP_ATTRIBUTES]
    custom = [a for a in attrs if _CUSTOM_AGE.match(a)]
    for a in attrs:
        known = (
            a in SEX_ATTRIBUTES
            or a in AGE_ATTRIBUTES
            or a in GROUP_ATTRIBUTES
            or a in NEUTRAL_ATTRIBUTES
            or a == "disabled"
            or (a in custom and ages)  # +age_5_17 names the core age beside it
        )
        if not known:
            meaning.unknown.append(a)
    if len(sexes) > 1 or len(ages) > 1 or len(groups) > 1:
        meaning.unknown.extend(sexes[1:] + ages[1:] + groups[1:])
    if "total" in attrs and (sexes or ages or groups or "disabled" in attrs):
        meaning.unknown.append("total")
    meaning.sex = sexes[0] if sexes else ALL
    meaning.age = ages[0] if ages else ALL
    meaning.group = groups[0] if groups else ALL
    meaning.disabled = "y" if "disabled" in attrs else ALL
    return meaning


def summary(facts: FactTable, sector: str = PROTECTION) -> dict[str, Any]:
    """What the HNO prints from one table: headline, by area, by group, by AoR, by sex and age,
    people with disability, and the chart's numbers; each figure kept with its provenance."""

    def both(**dims: str) -> dict[str, Figure | None]:
        return {m: facts.figure(m, sector, **dims) for m in (IN_NEED, TARGETED)}

    ages = sorted(facts.values("age", sector), key=age_order)
    sexes = [s for s in ("f", "m", "i") if s in facts.values("sex", sector)]
    sex_age = {
        (sex, age): facts.figure(IN_NEED, sector, sex=sex, age=age)
        for sex in [*sexes, ALL]
        for age in [*ages, ALL]
        if (sex, age) != (ALL, ALL)
    }
    return {
        "headline": both(),
        "areas": [(area, both(area=area)) for area in facts.values("area", sector)],
        "groups": [(group, both(group=group)) for group in facts.values("group", sector)],
        "aors": [(aor, _aor_figures(facts, aor)) for aor in AORS if aor in facts.sectors()],
        "ages": ages,
        "sexes": sexes,
        "sex_age": sex_age,
        "disabled": both(disabled="y"),
    }


def _aor_figures(facts: FactTable, aor: str) -> dict[str, Figure | None]:
    return {m: facts.figure(m, aor) for m in (IN_NEED, TARGETED)}


def national_mismatches(facts: FactTable) -> Iterator[tuple[str, str, Figure, Figure]]:
    """(sector, measure, national, sum of areas) wherever a national row and its areas differ;
    the national figure's ``rule`` is its column."""
    for sector in facts.sectors():
        if sector in (OTHER_SECTOR, INTERSECTORAL):
            continue
        for measure in (IN_NEED, TARGETED):
            national = facts.facts.get((measure, sector, tuple(ALL for _ in DIMENSIONS)))
            if national is None:
                continue
            areas = facts.sum_of_areas(measure, sector)
            if areas is not None and areas.value != national.value:
                where = national.where
                yield sector, measure, Figure(national.value, [where.line], where.column), areas


def plain(value: Any) -> Any:
    """A figure's number alone, for the view (templates never see provenance)."""
    return value.value if isinstance(value, Figure) else value


# -- for the view and the templates ------------------------------------------------------------
PIN_CHART = "people-in-need.png"


def chart_name(position: int) -> str:
    """The chart of the view's first table with chart figures, then -2, -3 …"""
    return PIN_CHART if position == 0 else PIN_CHART.replace(".png", f"-{position + 1}.png")


def chart_series(table: dict[str, Any]) -> tuple[list[str], dict[str, list[Any]]] | None:
    """What a table's chart draws: people in need by sex and age where the table crosses
    them for every age, else by age alone, else by sex alone; None when it has none of
    these (then no chart is drawn, and the document does not point at one)."""
    found = table.get("sex_age") or {}
    cells, ages, sexes = found.get("cells", {}), found.get("ages", []), found.get("sexes", [])

    def row(sex: str, over: list[str]) -> list[Any] | None:
        values = [cells.get(f"{sex}|{age}") for age in over]
        return values if over and all(v is not None for v in values) else None

    crossed = {sex: row(sex, ages) for sex in sexes}
    if sexes and all(crossed.values()):
        return ages, {sex: v for sex, v in crossed.items() if v}
    alone = row(ALL, ages)
    if alone:
        return ages, {ALL: alone}
    by_sex = {sex: row(sex, [ALL]) for sex in sexes}
    if sexes and all(by_sex.values()):
        return [ALL], {sex: v for sex, v in by_sex.items() if v}
    return None


def chart_kind(series: tuple[list[str], dict[str, list[Any]]]) -> str:
    """``sex-age``, ``age`` or ``sex``: what a chart's bars are, for its caption."""
    ages, by_sex = series
    if ages == [ALL]:
        return "sex"
    return "age" if list(by_sex) == [ALL] else "sex-age"


def merged_figures(typed: dict[str, Any] | None, tables: list[dict[str, Any]]) -> dict[str, Any]:
    """The headline and by-AoR figures the documents print: analysis.yaml's, completed with the
    first visible table's where analysis.yaml leaves one out (validation made sure that the
    two agree wherever both give a figure). ``source_table`` is the table whose source line
    goes under them, when one of them comes from it."""
    typed = typed or {}
    table = next((t for t in tables if any(v is not None for v in t["headline"].values())), None)
    headline = table["headline"] if table else {}
    from_tables = {a["aor"]: a for t in reversed(tables) for a in t["aors"]}  # first one wins
    used: list[dict[str, Any]] = []

    def pick(given: Any, table_value: Any, source: dict[str, Any] | None) -> Any:
        if given is None and table_value is not None and source is not None:
            used.append(source)
            return table_value
        return given

    out: dict[str, Any] = {key: typed.get(key) for key in ("requirements_usd", "partners")}
    out["people_in_need"] = pick(typed.get("people_in_need"), headline.get(IN_NEED), table)
    out["people_targeted"] = pick(typed.get("people_targeted"), headline.get(TARGETED), table)
    by_aor = []
    for row in [dict(r) for r in typed.get("by_aor") or []]:
        found = from_tables.pop(row["aor"], {})
        source = next((t for t in tables if found in t["aors"]), None)
        row["people_in_need"] = pick(row.get("people_in_need"), found.get(IN_NEED), source)
        row["people_targeted"] = pick(row.get("people_targeted"), found.get(TARGETED), source)
        by_aor.append(row)
    for aor in AORS:
        found = from_tables.get(aor)
        if found is not None:
            source = next(t for t in tables if found in t["aors"])
            by_aor.append(
                {
                    "aor": aor,
                    "people_in_need": pick(None, found.get(IN_NEED), source),
                    "people_targeted": pick(None, found.get(TARGETED), source),
                    "requirements_usd": None,
                    "partners": None,
                }
            )
    out["by_aor"] = by_aor
    out["source_table"] = used[0] if used else None
    shown = any(out[k] is not None for k in ("people_in_need", "people_targeted"))
    return out if shown or by_aor or typed else {}


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)
