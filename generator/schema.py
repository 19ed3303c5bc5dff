"""The content format as data: each kind's fields, their types and its classification floor.

Keeping the format declarative lets one walker check every file the same way and lets the leak
check know which fields carry free text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

LEVELS = ("public", "internal", "confidential", "strictly-confidential")
PUBLIC, INTERNAL, CONFIDENTIAL, STRICTLY = range(4)


@cache
def vocabulary() -> dict[str, dict[Any, str]]:
    """Enum values and their English labels, shared by the validator and the templates."""
    text = resources.files("generator").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Text:
    """Markdown, or a mapping of language code to Markdown; ``inline`` for names and titles.

    ``name``: a proper name (a partner, a member, a person, a place, a legal citation), the same
    in every language unless given as a mapping; other text given as a plain string is in the
    first language and untranslated in the others."""

    inline: bool = False
    name: bool = False


@dataclass(frozen=True)
class TextList:
    """A list of names (locations, lead agencies), each translatable."""


@dataclass(frozen=True)
class Choice:
    """One value of a vocabulary list."""

    vocab: str


@dataclass(frozen=True)
class ChoiceList:
    vocab: str


@dataclass(frozen=True)
class Integer:
    minimum: int | None = 0
    maximum: int | None = None


@dataclass(frozen=True)
class Number:
    """An indicator value: integer or decimal."""


@dataclass(frozen=True)
class Boolean:
    pass


@dataclass(frozen=True)
class When:
    """A date (``2026-10-01``), a month (``2027-03``) or a reporting period (``2027-H1``)."""

    shape: str  # "date" | "month" | "period"


@dataclass(frozen=True)
class Slug:
    """A plain identifier-like string (operation id, version)."""


@dataclass(frozen=True)
class Code:
    """A drafter-set objective code (``SO1``, ``SP1.1``, ``CP1``, ``CLPRO/COGBV1``): printed as
    written in every language and every audience, the only handle a public document shows."""


@dataclass(frozen=True)
class Ref:
    """Ids of other items, of one of ``kinds``."""

    kinds: tuple[str, ...]
    many: bool = True


@dataclass(frozen=True)
class Actor:
    """An HCT member or partner id (shown as its name), or free text."""

    many: bool = False


@dataclass(frozen=True)
class Record:
    """A mapping with known fields; ``has_id`` items are listed and referenced by id."""

    kind: str
    fields: Mapping[str, Any]
    required: tuple[str, ...] = ()
    has_id: bool = False
    at_least_confidential: Callable[[Mapping[str, Any]], bool] | None = None
    is_file: bool = False
    classified: bool = True
    # Never public unless marked public on the item itself: an unmarked one is internal at least,
    # whatever its file's or parent's default (AoRs, their objectives, severity rows).
    public_only_if_marked: bool = False


@dataclass(frozen=True)
class Items:
    record: Record


@dataclass(frozen=True)
class Languages:
    """The operation's language list: the first one is the source language."""


FieldType = (
    Text
    | TextList
    | Choice
    | ChoiceList
    | Integer
    | Number
    | Boolean
    | When
    | Slug
    | Code
    | Ref
    | Actor
    | Record
    | Items
    | Languages
)

ACTOR_KINDS = ("hct_member", "partner")
# What an indicator may measure and an objective code may name: SO, SP and AoR objectives.
OBJECTIVE_KINDS = ("strategic_objective", "specific_objective", "aor_objective")


def _always(_: Mapping[str, Any]) -> bool:
    return True


def _record(kind: str, main: str | None, **fields: Any) -> Record:
    """An id-carrying item whose main text is required, as every listed item of the spec is."""
    required = ("id", main) if main else ("id",)
    return Record(kind, {"id": Slug(), **fields}, required, has_id=True)


def _with(record: Record, **changes: Any) -> Record:
    values = {**record.__dict__, **changes}
    return Record(**values)


ACTOR = Record(
    "actor",
    {"name": Text(inline=True, name=True), "type": Choice("actor_type")},
    ("name",),
    at_least_confidential=_always,
)
PEOPLE = Record(
    "people",
    {k: Integer() for k in ("total", "women", "men", "girls", "boys", "with_disability")},
)
PRIORITISATION = Record(
    "prioritisation",
    {"acute": Text(), "reasonable_expectation": Text()},
    ("acute", "reasonable_expectation"),
)
TIMEFRAME = Record("timeframe", {"start": When("month"), "end": When("month")})
MEASURE = Record("measure", {"value": Number(), "date": When("month")}, ("value",))

DRIVER = _record("driver", "text", text=Text())
FACTOR = _record("exacerbating_factor", "text", text=Text())
THREAT = _record(
    "threat",
    "text",
    text=Text(),
    actors=Items(ACTOR),
    locations=TextList(),
    trend=Choice("trend"),
)
VULNERABILITY = _record(
    "vulnerability",
    "group",
    group=Text(inline=True),
    text=Text(),
    factors=ChoiceList("vulnerability_factor"),
    threats=Ref(("threat",)),
    locations=TextList(),
    people=PEOPLE,
)
CAPACITY = _record(
    "capacity",
    "text",
    holder=Choice("capacity_holder"),
    text=Text(),
    duty_bearer_willingness=Choice("willingness"),
)
RISK = _record(
    "risk",
    "title",
    category=Choice("risk_category"),
    title=Text(inline=True),
    text=Text(),
    threats=Ref(("threat",)),
    vulnerabilities=Ref(("vulnerability",)),
    capacities=Ref(("capacity",)),
    locations=TextList(),
    severity=Integer(1, 5),
    people_at_risk=Integer(),
    articulated_by_affected_people=Boolean(),
    legal_frameworks=ChoiceList("legal_framework"),
    legal_basis=Text(name=True),
    priority=Boolean(),
    prioritisation=PRIORITISATION,
)
SOURCE = _with(
    _record(
        "source",
        "name",
        name=Text(inline=True),
        type=Choice("source_type"),
        date=When("date"),
        text=Text(),
    ),
    at_least_confidential=lambda raw: raw.get("type") == "affected-people",
)
ANALYSIS_TEAM = Record(
    "analysis_team",
    {
        "lead": Actor(),
        "members": Actor(many=True),
        "update_frequency": Choice("update_frequency"),
    },
)
AOR_FIGURES = Record(
    "aor_figures",
    {
        "aor": Choice("aor"),
        "people_in_need": Integer(),
        "people_targeted": Integer(),
        "requirements_usd": Integer(),
        "partners": Integer(),
    },
    ("aor",),
)
FIGURES = Record(
    "figures",
    {
        "people_in_need": Integer(),
        "people_targeted": Integer(),
        "requirements_usd": Integer(),
        "partners": Integer(),
        "by_aor": Items(AOR_FIGURES),
    },
)
AOR_HEADLINE = Record(
    "aor_headline",
    {
        "people_in_need": Integer(),
        "people_targeted": Integer(),
        "requirements_usd": Integer(),
        "partners": Integer(),
    },
)
AOR_OBJECTIVE = _with(
    _record(
        "aor_objective",
        "text",
        code=Code(),
        text=Text(),
        contributes_to=Ref(("strategic_objective", "specific_objective")),
    ),
    public_only_if_marked=True,
)
AREA_OF_RESPONSIBILITY = Record(
    "area_of_responsibility",
    {
        "aor": Choice("aor"),
        "needs": Text(),
        "response": Text(),
        "figures": AOR_HEADLINE,
        "objectives": Items(AOR_OBJECTIVE),
    },
    ("aor",),
    public_only_if_marked=True,
)
AREA_SEVERITY = Record(
    "area_severity",
    {"area": Text(inline=True, name=True), "pcode": Slug(), "severity": Integer(1, 5)},
    ("area", "severity"),
    public_only_if_marked=True,
)

OUTCOME = _record("outcome", "text", horizon=Choice("horizon"), text=Text())
ADVOCACY_RISK = Record(
    "advocacy_risk",
    {
        "risk": Text(),
        "likelihood": Choice("level"),
        "impact": Choice("level"),
        "mitigation": Text(),
    },
    ("risk",),
    at_least_confidential=_always,
)
ACTION = _with(
    _record(
        "action",
        "text",
        area=Choice("area"),
        modality=Choice("modality"),
        text=Text(),
        outcomes=Ref(("outcome",)),
        lead=Actor(),
        support=Actor(many=True),
        timeframe=TIMEFRAME,
        verification=Text(),
        status=Choice("status"),
        advocacy_risks=Items(ADVOCACY_RISK),
    ),
    at_least_confidential=lambda raw: raw.get("modality") == "private-diplomacy",
)
SPECIFIC_OBJECTIVE = _record("specific_objective", "text", code=Code(), text=Text())
OBJECTIVE = _record(
    "strategic_objective",
    "title",
    code=Code(),
    title=Text(inline=True),
    text=Text(),
    specific_objectives=Items(SPECIFIC_OBJECTIVE),
    priority_risks=Ref(("risk",)),
    outcomes=Items(OUTCOME),
    actions=Items(ACTION),
)

CONTRIBUTION = _record(
    "contribution",
    "text",
    area=Choice("area"),
    risks=Ref(("risk",)),
    text=Text(),
    people_targeted=Integer(),
)
CLUSTER = _record(
    "cluster",
    "name",
    name=Text(inline=True),
    lead_agencies=TextList(),
    contributions=Items(CONTRIBUTION),
)

PARTNER = _record(
    "partner",
    "name",
    name=Text(inline=True, name=True),
    type=Choice("partner_type"),
    risks=Ref(("risk",)),
    complementarity=Text(),
    collaboration=Choice("collaboration"),
)
ENGAGEMENT = _record(
    "engagement",
    "name",
    mechanism=Choice("mechanism"),
    name=Text(inline=True),
    risks=Ref(("risk",)),
    purpose=Text(),
    lead=Actor(),
    timeframe=TIMEFRAME,
)

RESULT = Record(
    "result",
    {
        "period": When("period"),
        "value": Number(),
        "female": Number(),
        "male": Number(),
        "note": Text(),
    },
    ("period", "value"),
)
INDICATOR = _record(
    "indicator",
    "text",
    dimension=Choice("dimension"),
    outcomes=Ref(("outcome",)),
    objectives=Ref(OBJECTIVE_KINDS),
    text=Text(),
    unit=Text(inline=True),
    direction=Choice("direction"),
    baseline=MEASURE,
    target=MEASURE,
    source=Ref(("source",), many=False),
    disaggregation=ChoiceList("disaggregation"),
    results=Items(RESULT),
)
ADAPTATION = Record(
    "adaptation",
    {"text": Text(), "actions": Ref(("action",)), "rationale": Text()},
    ("text",),
)
REVIEW = _record(
    "review",
    "findings",
    date=When("date"),
    findings=Text(),
    adaptations=Items(ADAPTATION),
)
CAPACITY_GAP = _record(
    "capacity_gap",
    "text",
    area=Choice("area"),
    text=Text(),
    response=Choice("gap_response"),
    funding_source=Text(inline=True, name=True),
    status=Choice("gap_status"),
)

HCT_MEMBER = _with(
    _record(
        "hct_member", "name", name=Text(inline=True, name=True), type=Choice("hct_member_type")
    ),
    classified=False,
)
OPERATION = Record(
    "operation",
    {
        "id": Slug(),
        "country": Text(inline=True, name=True),
        "plan_year": Integer(1990, 2100),
        "title": Text(inline=True),
        "humanitarian_coordinator": Text(inline=True, name=True),
        "hct_members": Items(HCT_MEMBER),
        "languages": Languages(),
        "default_classification": Choice("classification"),
        "version": Slug(),
    },
    ("id", "country", "plan_year", "title", "version"),
    is_file=True,
    classified=False,
)


def _file(kind: str, **fields: Any) -> Record:
    return Record(kind, fields, is_file=True)


FILES: dict[str, Record] = {
    "operation.yaml": OPERATION,
    "analysis.yaml": _file(
        "analysis",
        context=Text(),
        drivers=Items(DRIVER),
        exacerbating_factors=Items(FACTOR),
        threats=Items(THREAT),
        vulnerabilities=Items(VULNERABILITY),
        capacities=Items(CAPACITY),
        risks=Items(RISK),
        sources=Items(SOURCE),
        analysis_team=ANALYSIS_TEAM,
        figures=FIGURES,
        areas_of_responsibility=Items(AREA_OF_RESPONSIBILITY),
        severity_by_area=Items(AREA_SEVERITY),
    ),
    "strategic-objectives.yaml": _file("objectives", strategic_objectives=Items(OBJECTIVE)),
    "cluster-contributions.yaml": _file("clusters", clusters=Items(CLUSTER)),
    "partners.yaml": _file(
        "partners", partners=Items(PARTNER), human_rights_engagement=Items(ENGAGEMENT)
    ),
    "monitoring.yaml": _file(
        "monitoring",
        indicators=Items(INDICATOR),
        reviews=Items(REVIEW),
        capacity_gaps=Items(CAPACITY_GAP),
    ),
}


@cache
def known_keys() -> frozenset[str]:
    """Every field name and language code a content file may use as a key."""
    names = {name for rec in RECORDS.values() for name in rec.fields}
    return frozenset({*names, "classification", *map(str, vocabulary()["language"])})


def is_list_type(ftype: Any) -> bool:
    """Fields that hold several values default to an empty list, so templates can loop on them."""
    return isinstance(ftype, Items | TextList | ChoiceList | Languages) or (
        isinstance(ftype, Ref | Actor) and ftype.many
    )


def free_text_fields(record: Record) -> list[str]:
    """The fields whose words the leak check looks for in public outputs."""
    return [name for name, ftype in record.fields.items() if isinstance(ftype, Text | TextList)]


def _records_below(rec: Record) -> list[Record]:
    found = [rec]
    for ftype in rec.fields.values():
        inner = ftype.record if isinstance(ftype, Items) else ftype
        if isinstance(inner, Record):
            found.extend(_records_below(inner))
    return found


RECORDS: dict[str, Record] = {r.kind: r for f in FILES.values() for r in _records_below(f)}


@dataclass(frozen=True)
class Figures:
    """Numbers read from a data table, keyed by disaggregation (``total``, ``f_children`` …)."""


# Records made from HXL data tables (data/*.csv, data/*.xlsx) rather than typed in YAML: a
# people-in-need table's figures, already worked out by meaning (generator/pin.py).
PIN_ROW = Record(
    "pin_row",
    {
        "area": Text(inline=True, name=True),  # a row of the by-area table, or
        "group": Text(inline=True),  # of the by-population-group table (name as written)
        "code": Figures(),  # the group's code, when the vocabulary knows it (shown translated)
        "in_need": Figures(),
        "targeted": Figures(),
    },
)
PIN_TABLE = Record(
    "pin_table",
    {
        "title": Text(inline=True),
        "source": Text(inline=True),
        "date": Figures(),  # 2026-11: checked when read, not a phrase of the leak check
        "rows": Items(PIN_ROW),
        "groups": Items(PIN_ROW),
        "headline": Figures(),
        "aors": Figures(),
        "sex_age": Figures(),
        "disabled": Figures(),
    },
)
RECORDS.update({r.kind: r for r in (PIN_ROW, PIN_TABLE)})
