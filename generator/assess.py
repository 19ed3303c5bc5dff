"""The benchmark self-assessment: the content checked against each "how will this be verified"
item of the three IASC benchmarks for HCT collective protection action.

It is an analysis for HCT members, so it reads the confidential view: everything except
strictly-confidential items, and never a classification itself. Each rule is a small function
that returns the parts it checks; a rule is met when every part holds, not met when none does.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import click

from .audience import Audience, view
from .i18n import N_, Translate, translator
from .model import Content
from .render import environment
from .tracking import is_sub_annual

View = dict[str, Any]
AREAS = ("threat", "vulnerability", "capacity")
ADVOCACY = ("public-advocacy", "private-diplomacy")
OUTSIDE_HCT = ("outside-hct", "human-rights-mechanism", "government", "un-mission")
BENCHMARKS = {
    1: N_("Analysis and prioritisation"),
    2: N_("Response planning and implementation"),
    3: N_("Monitoring, learning and evaluation"),
}
_NO_ACTION = {
    "threat": N_("no action in the area 'threat'"),
    "vulnerability": N_("no action in the area 'vulnerability'"),
    "capacity": N_("no action in the area 'capacity'"),
}
_NO_INDICATOR = {
    "threat": N_("{id} has no threat indicator"),
    "vulnerability": N_("{id} has no vulnerability indicator"),
    "capacity": N_("{id} has no capacity indicator"),
}


class Status(Enum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not-met"

    @property
    def label(self) -> str:
        return {"met": "Met", "partly": "Partly met", "not-met": "Not met"}[self.value]


@dataclass(frozen=True)
class Part:
    """One thing a rule checks, and what to write when it does not hold.

    ``missing`` is a catalogue message with ``{name}`` placeholders filled from ``args`` once
    it is translated, so annex 6 says it in the document's language.
    """

    ok: bool
    missing: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def says(self, translate: Translate) -> str:
        return translate(self.missing).format(**self.args)


def _part(ok: bool, missing: str, **args: Any) -> Part:
    return Part(ok, missing, args)


@dataclass(frozen=True)
class Check:
    parts: Sequence[Part]
    evidence: tuple[str, ...]
    nothing: str = ""  # what is missing when there is nothing to check at all


@dataclass(frozen=True)
class Rule:
    id: str
    benchmark: int
    title: str
    verification: str
    check: Callable[[View], Check]


@dataclass(frozen=True)
class Result:
    id: str
    benchmark: int
    title: str
    verification: str
    status: Status
    evidence: tuple[str, ...]
    missing: tuple[str, ...]
    benchmark_title: str = ""  # in the language of the view it was evaluated on
    # the evidence as an HCT reads it: names and words, not ids, field paths or slugs
    evidence_words: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and templates; keys and values in a stable order."""
        return {
            "id": self.id,
            "benchmark": self.benchmark,
            "benchmark_title": self.benchmark_title or BENCHMARKS[self.benchmark],
            "title": self.title,
            "verification": self.verification,
            "status": self.status.value,
            "status_label": self.status.label,
            "evidence": list(self.evidence),
            "evidence_words": list(self.evidence_words or self.evidence),
            "missing": list(self.missing),
        }


# -- helpers over the view ---------------------------------------------------------------------
def priority_risks(v: View) -> list[dict[str, Any]]:
    return [r for r in v["analysis"]["risks"] if r["priority"]]


def actions(v: View) -> list[dict[str, Any]]:
    return [a for so in v["objectives"]["strategic_objectives"] for a in so["actions"]]


def objectives_for(v: View, risk_id: str) -> list[dict[str, Any]]:
    return [so for so in v["objectives"]["strategic_objectives"] if risk_id in so["priority_risks"]]


def _ids(items: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i["id"] for i in items if i.get("id")))


def _each(
    items: Iterable[dict[str, Any]], ok: Callable[[dict[str, Any]], bool], why: str
) -> list[Part]:
    """One part per item; ``why`` is formatted with the item's id."""
    return [_part(ok(i), why, id=i["id"]) for i in items]


# -- benchmark 1 --------------------------------------------------------------------------------
def _disaggregated(vulnerability: dict[str, Any]) -> bool:
    people = vulnerability["people"] or {}
    return any(
        people.get(k) is not None for k in ("women", "men", "girls", "boys", "with_disability")
    )


def analysis_coverage(v: View) -> Check:
    a = v["analysis"]
    parts = [
        Part(bool(a["threats"]), N_("no threats are analysed")),
        Part(bool(a["vulnerabilities"]), N_("no vulnerable groups are analysed")),
        Part(bool(a["capacities"]), N_("no capacities are analysed")),
        *_each(
            a["vulnerabilities"],
            _disaggregated,
            N_("{id} has no figures by sex, age or disability"),
        ),
    ]
    return Check(parts, _ids(a["threats"] + a["vulnerabilities"] + a["capacities"]))


def source_range(v: View) -> Check:
    sources = v["analysis"]["sources"]
    types = {s["type"] for s in sources}
    parts = (
        Part("inside-hct" in types, N_("no source from inside the HCT")),
        Part(bool(types & set(OUTSIDE_HCT)), N_("no source from outside the HCT")),
        Part("affected-people" in types, N_("no source from affected people")),
    )
    return Check(parts, _ids(sources))


def legal_frameworks(v: View) -> Check:
    risks = priority_risks(v)
    parts = _each(
        risks,
        lambda r: bool(r["legal_frameworks"]),
        N_("{id} states no legal framework (IHL, IHRL, IRL)"),
    )
    evidence = _ids(r for r in risks if r["legal_frameworks"])
    return Check(parts, evidence, N_("no priority risk is identified"))


def prioritisation(v: View) -> Check:
    risks = priority_risks(v)
    parts = [
        *_each(
            risks, lambda r: bool(r["prioritisation"]), N_("{id} does not say why it is a priority")
        ),
        *_each(
            risks,
            lambda r: bool(r["articulated_by_affected_people"]),
            N_("{id} is not recorded as articulated by affected people"),
        ),
    ]
    if risks:
        parts.append(
            _part(
                len(risks) <= 3,
                N_("{count} priority risks; benchmark 1 asks for 1-3"),
                count=len(risks),
            )
        )
    return Check(parts, _ids(risks), N_("no priority risk is identified"))


def _horizons(v: View, risk_id: str) -> set[str]:
    return {o["horizon"] for so in objectives_for(v, risk_id) for o in so["outcomes"]}


def strategic_objectives(v: View) -> Check:
    risks = priority_risks(v)
    parts = [
        *_each(
            risks,
            lambda r: bool(objectives_for(v, r["id"])),
            N_("{id} is under no strategic objective"),
        ),
        *_each(
            risks, lambda r: "interim" in _horizons(v, r["id"]), N_("{id} has no interim outcome")
        ),
        *_each(
            risks,
            lambda r: "longer-term" in _horizons(v, r["id"]),
            N_("{id} has no longer-term outcome"),
        ),
    ]
    evidence = [so for r in risks for so in objectives_for(v, r["id"])]
    evidence += [o for so in evidence for o in so["outcomes"]]
    return Check(parts, _ids(evidence), N_("no priority risk is identified"))


def analysis_team(v: View) -> Check:
    team = v["analysis"]["analysis_team"] or {}
    parts = (
        Part(
            bool(team.get("lead") or team.get("members")),
            N_("no analysis team (lead or members) is set"),
        ),
        Part(bool(team.get("update_frequency")), N_("no update frequency is set for the analysis")),
    )
    evidence = (
        f"analysis_team.{k}" for k in ("lead", "members", "update_frequency") if team.get(k)
    )
    return Check(parts, tuple(evidence))


# -- benchmark 2 --------------------------------------------------------------------------------
def action_mix(v: View) -> Check:
    acts = actions(v)
    areas = {a["area"] for a in acts}
    modalities = {a["modality"] for a in acts}
    parts = [Part(area in areas, _NO_ACTION[area]) for area in AREAS]
    parts.append(
        Part(bool(modalities & set(ADVOCACY)), N_("no public advocacy or private diplomacy"))
    )
    parts.append(Part("programming" in modalities, N_("no programming action")))
    return Check(parts, _ids(acts))


def cluster_contributions(v: View) -> Check:
    priority = {r["id"] for r in priority_risks(v)}
    clusters = v["clusters"]["clusters"]

    def contributes(cluster: dict[str, Any]) -> bool:
        return any(k["area"] and priority & set(k["risks"]) for k in cluster["contributions"])

    parts = _each(
        clusters, contributes, N_("cluster {id} contributes to no area for a priority risk")
    )
    evidence = [k for c in clusters for k in c["contributions"] if priority & set(k["risks"])]
    return Check(parts, _ids(evidence), N_("no cluster contributions are recorded"))


def _engagements_for(v: View, risk_id: str) -> list[dict[str, Any]]:
    found = [h for h in v["partners"]["human_rights_engagement"] if risk_id in h["risks"]]
    for so in objectives_for(v, risk_id):
        found += [a for a in so["actions"] if a["modality"] == "human-rights-mechanism"]
    return found


def human_rights_engagement(v: View) -> Check:
    risks = priority_risks(v)
    parts = _each(
        risks,
        lambda r: bool(_engagements_for(v, r["id"])),
        N_("no engagement with human-rights mechanisms is planned for {id}"),
    )
    evidence = [e for r in risks for e in _engagements_for(v, r["id"])]
    return Check(parts, _ids(evidence), N_("no priority risk is identified"))


def capacity_gaps(v: View) -> Check:
    gaps = v["monitoring"]["capacity_gaps"]
    parts = _each(gaps, lambda g: bool(g["response"]), N_("gap {id} has no response"))
    return Check(parts, _ids(gaps), N_("no capacity gaps are identified"))


def partners(v: View) -> Check:
    found = v["partners"]["partners"]
    parts = _each(
        found,
        lambda p: bool(p["complementarity"]),
        N_("partner {id} does not say how the HCT complements it"),
    )
    return Check(parts, _ids(found), N_("no partners outside the HCT are identified"))


# -- benchmark 3 --------------------------------------------------------------------------------
def _indicators_for(v: View, risk_id: str) -> list[dict[str, Any]]:
    """Indicators of the risk's objectives: of their outcomes, or attached to the objective,
    one of its specific objectives, or an AoR objective contributing to either."""
    objectives = objectives_for(v, risk_id)
    outcomes = {o["id"] for so in objectives for o in so["outcomes"]}
    named = {so["id"] for so in objectives} | {
        sp["id"] for so in objectives for sp in so.get("specific_objectives") or []
    }
    named |= {
        o["id"]
        for aor in v["analysis"].get("areas_of_responsibility") or []
        for o in aor["objectives"]
        if named & set(o["contributes_to"])
    }
    return [
        i
        for i in v["monitoring"]["indicators"]
        if outcomes & set(i["outcomes"]) or named & set(i.get("objectives") or [])
    ]


def _dimension_parts(v: View, risk: dict[str, Any]) -> list[Part]:
    measured = _indicators_for(v, risk["id"])
    dimensions = {i["dimension"] for i in measured}
    parts = [_part(d in dimensions, _NO_INDICATOR[d], id=risk["id"]) for d in AREAS]
    parts += _each(measured, lambda i: bool(i["baseline"]), N_("{id} has no baseline"))
    parts += _each(measured, lambda i: bool(i["target"]), N_("{id} has no target"))
    return parts


def indicators(v: View) -> Check:
    risks = priority_risks(v)
    parts = [p for r in risks for p in _dimension_parts(v, r)]
    evidence = [i for r in risks for i in _indicators_for(v, r["id"])]
    return Check(parts, _ids(evidence), N_("no priority risk is identified"))


def _reviews_in(v: View, year: int) -> list[dict[str, Any]]:
    return [rv for rv in v["monitoring"]["reviews"] if (rv["date"] or "").startswith(str(year))]


def results_and_reviews(v: View) -> Check:
    periods = {r["period"] for i in v["monitoring"]["indicators"] for r in i["results"]}
    year = v["operation"]["plan_year"]
    reviews = v["monitoring"]["reviews"]
    parts = (
        Part(
            len(periods) >= 2 and all(map(is_sub_annual, periods)),
            N_("results are not documented per half-year or quarter in at least two periods"),
        ),
        _part(
            len(_reviews_in(v, year)) >= 2,
            N_("fewer than two reviews dated in {year}"),
            year=year,
        ),
        Part(
            any(rv["adaptations"] for rv in reviews),
            N_("no review records an adaptation of the plan"),
        ),
    )
    return Check(parts, (*sorted(periods), *_ids(reviews)))


RULES: tuple[Rule, ...] = (
    Rule(
        "B1.1",
        1,
        N_("Threats, vulnerabilities with disaggregated figures, and capacities are analysed"),
        N_(
            "Analysis includes disaggregated data to demonstrate differential impact of protection "
            "risks on different groups."
        ),
        analysis_coverage,
    ),
    Rule(
        "B1.2",
        1,
        N_("Sources from inside and outside the HCT and from affected people"),
        N_(
            "Analysis includes data/information collated from a wide range of actors from inside "
            "and outside the HCT, particularly affected people."
        ),
        source_range,
    ),
    Rule(
        "B1.3",
        1,
        N_("Every priority risk states its legal frameworks"),
        N_(
            "Analysis integrates relevant national and international law (rights of individuals "
            "under IHL, IHRL, IRL)."
        ),
        legal_frameworks,
    ),
    Rule(
        "B1.4",
        1,
        N_("One to three priority risks, prioritised and articulated by affected people"),
        N_(
            "1-3 protection risks articulated and prioritised by affected people are identified as "
            "priority by the HCT, as acute and reducible by collective action."
        ),
        prioritisation,
    ),
    Rule(
        "B1.5",
        1,
        N_("Each priority risk is a strategic objective with interim and longer-term outcomes"),
        N_(
            "Priority risk(s) and the outcomes to be achieved are formulated as a strategic "
            "objective in the HRP and/or the HCT protection action plan."
        ),
        strategic_objectives,
    ),
    Rule(
        "B1.6",
        1,
        N_("An analysis team and an update frequency are set"),
        N_(
            "Dedicated analytical team is in place and providing regular analytical updates to the "
            "HCT."
        ),
        analysis_team,
    ),
    Rule(
        "B2.1",
        2,
        N_("Actions cover the three areas, advocacy and programming"),
        N_(
            "The action plan comprises public advocacy and private diplomacy as well as "
            "programming, across the threat, vulnerability and capacity areas of action."
        ),
        action_mix,
    ),
    Rule(
        "B2.2",
        2,
        N_("Every cluster contributes to an area of action for a priority risk"),
        N_(
            "HRP and/or the HCT protection action plan lays out contributions of different "
            "clusters to reduce priority risk(s)."
        ),
        cluster_contributions,
    ),
    Rule(
        "B2.3",
        2,
        N_("Engagement with human-rights mechanisms is planned for the priority risks"),
        N_(
            "HRP and/or the HCT protection action plan sets out how the HCT will engage with "
            "relevant human rights mechanisms."
        ),
        human_rights_engagement,
    ),
    Rule(
        "B2.4",
        2,
        N_("Capacity gaps are identified, each with a response"),
        N_(
            "Capacity gaps identified and action taken to address them, including requests for "
            "funding/technical support."
        ),
        capacity_gaps,
    ),
    Rule(
        "B2.5",
        2,
        N_("Partners outside the HCT and how the HCT complements them"),
        N_(
            "Partners identified and how the HCT will work in complementarity with them set out in "
            "the HRP and/or the HCT protection action plan."
        ),
        partners,
    ),
    Rule(
        "B3.1",
        3,
        N_("Indicators on threat, vulnerability and capacity, with baseline and target"),
        N_(
            "A set of appropriate indicators monitors progress towards the outcomes for each "
            "priority risk: threat, vulnerability and capacity."
        ),
        indicators,
    ),
    Rule(
        "B3.2",
        3,
        N_("Results documented at least twice a year; reviews record adaptations"),
        N_(
            "Process in place to regularly document interim results; the HCT demonstrates how/why "
            "it has adapted the plan in response to them."
        ),
        results_and_reviews,
    ),
)


# -- evaluation ---------------------------------------------------------------------------------
def grade(check: Check, translate: Translate = str) -> tuple[Status, tuple[str, ...]]:
    """Met when every part holds, not met when none does (or there is nothing to check)."""
    if not check.parts:
        return Status.NOT_MET, (translate(check.nothing),) if check.nothing else ()
    missing = tuple(p.says(translate) for p in check.parts if not p.ok)
    if not missing:
        return Status.MET, ()
    return (Status.NOT_MET if len(missing) == len(check.parts) else Status.PARTLY), missing


def evaluate(v: View, rules: Iterable[Rule] = RULES) -> list[Result]:
    """Every rule against one view (the confidential one, see ``assess``), in its language."""
    _ = translator(v.get("lang", "en"))
    results = []
    for rule in rules:
        check = rule.check(v)
        status, missing = grade(check, _)
        results.append(
            Result(
                rule.id,
                rule.benchmark,
                _(rule.title),
                _(rule.verification),
                status,
                check.evidence,
                missing,
                _(BENCHMARKS[rule.benchmark]),
                tuple(describe(evidence, v, _) for evidence in check.evidence),
            )
        )
    return results


_TEAM_FIELDS = {
    "analysis_team.lead": N_("the lead of the analysis team"),
    "analysis_team.members": N_("the members of the analysis team"),
    "analysis_team.update_frequency": N_("how often the analysis is updated"),
}
_SHORT_WORDS = 6  # a sentence-long item (an action, a threat) is named by its first words


def describe(evidence: str, v: View, translate: Translate = str) -> str:
    """One piece of evidence as annex 6 prints it for the HCT: an item's title or name (a
    sentence cut to its first words), a field of the analysis in words, never a slug."""
    if evidence in _TEAM_FIELDS:
        return translate(_TEAM_FIELDS[evidence])
    item = v.get("index", {}).get(evidence)
    if not item:
        return evidence
    for key in ("title", "name", "group"):
        if isinstance(item.get(key), str) and item[key].strip():
            return f"{evidence} {item[key].strip()}"
    return f"{evidence} {_shortened(str(item.get('text') or item.get('findings') or ''))}".strip()


def _shortened(text: str) -> str:
    words = " ".join(text.split()).rstrip(".").split(" ")
    return " ".join(words) if len(words) <= _SHORT_WORDS else " ".join(words[:_SHORT_WORDS]) + "…"


def assess(content: Content) -> list[Result]:
    """The self-assessment of validated content, over everything but strictly-confidential items."""
    return evaluate(view(content, Audience.CONFIDENTIAL))


def not_met(results: Iterable[Result]) -> list[Result]:
    return [r for r in results if r.status is Status.NOT_MET]


def summary(results: list[Result]) -> str:
    counts = {s: sum(r.status is s for r in results) for s in Status}
    return ", ".join(f"{counts[s]} {s.label.lower()}" for s in Status)


# -- formats ------------------------------------------------------------------------------------
def as_json(results: list[Result]) -> str:
    """Stable for other tools: rules in id order, keys sorted."""
    return json.dumps(
        {"results": [r.as_dict() for r in results], "summary": _counts(results)},
        indent=2,
        sort_keys=True,
        ensure_ascii=False,
    )


def _counts(results: list[Result]) -> dict[str, int]:
    return {s.value: sum(r.status is s for r in results) for s in Status}


def as_markdown(results: list[Result]) -> str:
    """The matrix of annex 6, from the same template macro, so the two never drift apart."""
    macros = environment().get_template("_macros.md.j2").module
    matrix = str(macros.assessment([r.as_dict() for r in results]))  # type: ignore[attr-defined]
    return f"{matrix.strip()}\n\n{summary(results)}.\n"


_COLOURS = {Status.MET: "green", Status.PARTLY: "yellow", Status.NOT_MET: "red"}
WIDTH = 100
_ID_W, _STATUS_W = 5, 11
_TEXT_W = (WIDTH - _ID_W - _STATUS_W - 4) // 2


def as_table(results: list[Result]) -> str:
    """At most 100 columns wide; statuses in colour, which click strips when not on a terminal."""
    rule = "-" * WIDTH
    lines = [_row("Rule", "Status", "Verification item", "Evidence / what is missing"), rule]
    for benchmark, title in BENCHMARKS.items():
        lines.append(click.style(f"Benchmark {benchmark}: {title}", bold=True))
        lines += [line for r in results if r.benchmark == benchmark for line in _result_lines(r)]
    lines += [rule, summary(results)]
    return "\n".join(lines)


def _result_lines(result: Result) -> list[str]:
    details = [f"missing: {m}" for m in result.missing]
    if result.evidence:
        details.append("evidence: " + ", ".join(result.evidence))
    left = textwrap.wrap(result.title, _TEXT_W)
    right = [w for d in details for w in textwrap.wrap(d, _TEXT_W, subsequent_indent="  ")]
    status = click.style(result.status.label.ljust(_STATUS_W), fg=_COLOURS[result.status])
    lines = []
    for n in range(max(len(left), len(right))):
        cells = (result.id if n == 0 else "", status if n == 0 else " " * _STATUS_W)
        lines.append(_row(*cells, _at(left, n), _at(right, n), pad_status=False))
    return lines


def _row(rule: str, status: str, left: str, right: str, pad_status: bool = True) -> str:
    status = status.ljust(_STATUS_W) if pad_status else status
    return f"{rule.ljust(_ID_W)} {status} {left.ljust(_TEXT_W)}  {right}".rstrip()


def _at(lines: list[str], n: int) -> str:
    return lines[n] if n < len(lines) else ""
