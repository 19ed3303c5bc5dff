"""The benchmark self-assessment: every rule met once and broken once, and the `assess` command."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from generator.assess import RULES, Result, Status, assess
from generator.cli import main
from generator.tracking import (
    end_date,
    in_order,
    indicator_progress,
    is_overdue,
    progress,
    progress_label,
)
from generator.validate import validated
from tests.conftest import EXAMPLE, FIXTURES

MINIMAL = FIXTURES / "assess-minimal"
RESULTS_TABLE = "data/indicator-results.csv"  # supplies results to indicators of the example
Edit = Callable[[dict[str, Any]], None] | None  # None deletes the file
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- helpers ------------------------------------------------------------------------------------
def operation_with(tmp_path: Path, edits: dict[str, Edit], source: Path = EXAMPLE) -> Path:
    """A copy of an operation with some files changed as data (comments are not kept)."""
    folder = tmp_path / "content"
    shutil.copytree(source, folder)
    for name, edit in edits.items():
        path = folder / name
        if edit is None:
            path.unlink(missing_ok=True)
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def results_of(folder: Path) -> dict[str, Result]:
    return {r.id: r for r in assess(validated(folder))}


def each(key: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    """An edit applying ``change`` to every item of a top-level list."""
    return lambda data: [change(item) for item in data.get(key, [])]


def actions_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for so in data["strategic_objectives"] for a in so.get("actions", [])]


def _no_analysis(data: dict[str, Any]) -> None:
    for key in ("threats", "vulnerabilities", "capacities"):
        data.pop(key)
    for risk in data["risks"]:
        risk["threats"] = risk["vulnerabilities"] = risk["capacities"] = []


def _no_actions(data: dict[str, Any]) -> None:
    for so in data["strategic_objectives"]:
        so["actions"] = []


def _no_action_refs(data: dict[str, Any]) -> None:
    for review in data["reviews"]:
        for adaptation in review.get("adaptations", []):
            adaptation.pop("actions", None)


def _no_mechanism_actions(data: dict[str, Any]) -> None:
    for action in actions_of(data):
        if action["modality"] == "human-rights-mechanism":
            action["modality"] = "programming"


def _no_results_or_reviews(data: dict[str, Any]) -> None:
    data.pop("reviews")
    for indicator in data["indicators"]:
        indicator.pop("results", None)


def _no_sources(data: dict[str, Any]) -> None:
    data.pop("sources")


def _no_indicator_sources(data: dict[str, Any]) -> None:
    for indicator in data["indicators"]:
        indicator.pop("source", None)


# rule -> the edits that break it completely, and one line of what the rule then reports missing
BROKEN: dict[str, tuple[dict[str, Edit], str]] = {
    "B1.1": ({"analysis.yaml": _no_analysis}, "no threats are analysed"),
    "B1.2": (
        {"analysis.yaml": _no_sources, "monitoring.yaml": _no_indicator_sources},
        "no source from inside the HCT",
    ),
    "B1.3": (
        {"analysis.yaml": each("risks", lambda r: r.pop("legal_frameworks"))},
        "R1 states no legal framework (IHL, IHRL, IRL)",
    ),
    "B1.4": (
        {"analysis.yaml": each("risks", lambda r: r.update(priority=False))},
        "no priority risk is identified",
    ),
    "B1.5": (
        {
            "strategic-objectives.yaml": each(
                "strategic_objectives", lambda so: so.pop("priority_risks")
            )
        },
        "R2 is under no strategic objective",
    ),
    "B1.6": (
        {"analysis.yaml": lambda d: d.pop("analysis_team")},
        "no update frequency is set for the analysis",
    ),
    "B2.1": (
        {"strategic-objectives.yaml": _no_actions, "monitoring.yaml": _no_action_refs},
        "no programming action",
    ),
    "B2.2": (
        {
            "cluster-contributions.yaml": each(
                "clusters", lambda c: [k.update(risks=["R3"]) for k in c["contributions"]]
            )
        },
        "cluster health contributes to no area for a priority risk",
    ),
    "B2.3": (
        {
            "partners.yaml": lambda d: d.pop("human_rights_engagement", None),
            "strategic-objectives.yaml": _no_mechanism_actions,
        },
        "no engagement with human-rights mechanisms is planned for R1",
    ),
    "B2.4": (
        {"monitoring.yaml": lambda d: d.pop("capacity_gaps")},
        "no capacity gaps are identified",
    ),
    "B2.5": (
        {"partners.yaml": each("partners", lambda p: p.pop("complementarity"))},
        "partner ohchr does not say how the HCT complements it",
    ),
    "B3.1": (
        {"monitoring.yaml": lambda d: d.pop("indicators"), RESULTS_TABLE: None},
        "R1 has no threat indicator",
    ),
    "B3.2": (
        {"monitoring.yaml": _no_results_or_reviews, RESULTS_TABLE: None},
        "fewer than two reviews dated in 2027",
    ),
}


# -- the rules ----------------------------------------------------------------------------------
def test_every_rule_has_a_breaking_case() -> None:
    assert [r.id for r in RULES] == list(BROKEN)
    assert len(RULES) == 13


@pytest.mark.parametrize("folder", [EXAMPLE, MINIMAL], ids=["example", "minimal"])
def test_operation_meets_every_rule(folder: Path) -> None:
    results = results_of(folder)
    assert {i: r.status for i, r in results.items()} == {r.id: Status.MET for r in RULES}
    assert all(r.evidence and not r.missing for r in results.values())


@pytest.mark.parametrize("rule", list(BROKEN))
def test_rule_broken(tmp_path: Path, rule: str) -> None:
    edits, missing = BROKEN[rule]
    results = results_of(operation_with(tmp_path, edits))
    assert results[rule].status is Status.NOT_MET, results[rule]
    assert missing in results[rule].missing


@pytest.mark.parametrize("rule", list(BROKEN))
def test_rule_broken_in_minimal_operation(tmp_path: Path, rule: str) -> None:
    """The same edits break the smallest operation too, so no rule leans on the example."""
    edits, _ = BROKEN[rule]
    if rule == "B1.2":
        edits = {"analysis.yaml": _no_sources}
    if rule == "B2.2":
        edits = {
            "cluster-contributions.yaml": each(
                "clusters", lambda c: [k.update(risks=[]) for k in c["contributions"]]
            )
        }
    results = results_of(operation_with(tmp_path, edits, MINIMAL))
    assert results[rule].status is Status.NOT_MET, results[rule]


PARTLY: dict[str, tuple[dict[str, Edit], tuple[str, ...]]] = {
    "B1.1": (
        {
            "analysis.yaml": each(
                "vulnerabilities",
                lambda v: v.update(people={"total": 5}) if v["id"] == "V1" else None,
            )
        },
        ("V1 has no figures by sex, age or disability",),
    ),
    "B1.2": (
        {
            "analysis.yaml": each(
                "sources",
                lambda s: s.update(type="inside-hct") if s["type"] != "affected-people" else None,
            )
        },
        ("no source from outside the HCT",),
    ),
    "B1.4": (
        {
            "analysis.yaml": each(
                "risks",
                lambda r: (
                    r.update(articulated_by_affected_people=False) if r["id"] == "R2" else None
                ),
            )
        },
        ("R2 is not recorded as articulated by affected people",),
    ),
    "B2.1": (
        {"strategic-objectives.yaml": lambda d: [a.update(area="threat") for a in actions_of(d)]},
        ("no action in the area 'vulnerability'", "no action in the area 'capacity'"),
    ),
    "B2.4": (
        {
            "monitoring.yaml": each(
                "capacity_gaps", lambda g: g.pop("response") if g["id"] == "G2" else None
            )
        },
        ("gap G2 has no response",),
    ),
    "B3.2": (
        {"monitoring.yaml": lambda d: d["reviews"].pop()},
        ("fewer than two reviews dated in 2027",),
    ),
}


@pytest.mark.parametrize("rule", list(PARTLY))
def test_rule_partly_met(tmp_path: Path, rule: str) -> None:
    edits, missing = PARTLY[rule]
    result = results_of(operation_with(tmp_path, edits))[rule]
    assert result.status is Status.PARTLY
    assert result.missing == missing


def test_strictly_confidential_items_do_not_count(tmp_path: Path) -> None:
    """S3 and S6 are the only sources from affected people; S6 is strictly confidential."""
    edits = {
        "analysis.yaml": each(
            "sources",
            lambda s: s.update(classification="strictly-confidential") if s["id"] == "S3" else None,
        )
    }
    result = results_of(operation_with(tmp_path, edits))["B1.2"]
    assert result.status is Status.PARTLY
    assert result.missing == ("no source from affected people",)
    assert "S3" not in result.evidence and "S6" not in result.evidence


def test_evidence_names_no_strictly_confidential_item() -> None:
    evidence = {e for r in assess(validated(EXAMPLE)) for e in r.evidence}
    assert {"V6", "S6"}.isdisjoint(evidence)
    assert {"S3", "A8", "tvpn"} <= evidence  # confidential items are part of the HCT's analysis


# -- progress, periods and deadlines ------------------------------------------------------------
@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        (640, 480, 512, 0.8),  # a decrease towards the target
        (9, 31, 17, 8 / 22),
        (10, 20, 25, 1.5),
        (10, 20, 5, -0.5),
        (10, 10, 12, None),
        (None, 20, 5, None),
        (10, 20, None, None),
    ],
)
def test_progress(baseline: float, target: float, current: float, expected: float | None) -> None:
    result = progress(baseline, target, current)
    assert result is None if expected is None else result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ratio", "label"), [(0.8, "80%"), (8 / 22, "36%"), (1.5, "100%+"), (-0.5, "0%"), (None, "—")]
)
def test_progress_label(ratio: float | None, label: str) -> None:
    assert progress_label(ratio) == label


def test_latest_result_is_by_period_not_by_position() -> None:
    indicator = {
        "baseline": {"value": 0},
        "target": {"value": 10},
        "results": [{"period": "2027-H2", "value": 5}, {"period": "2027-Q1", "value": 1}],
    }
    assert indicator_progress(indicator) == 0.5
    periods = ["2027-Q4", "2027", "2027-H2", "2026-Q4", "2027-Q1", "2027-H1"]
    ordered = [r["period"] for r in in_order({"period": p} for p in periods)]
    assert ordered == ["2026-Q4", "2027-Q1", "2027-H1", "2027", "2027-H2", "2027-Q4"]


@pytest.mark.parametrize(
    ("end", "status", "overdue"),
    [
        ("2027-02", "delayed", True),
        ("2027-02", "done", False),
        ("2027-02", "dropped", False),
        ("2027-03", "ongoing", True),
        ("2027-04", "ongoing", False),
        ("2027-03-31", None, True),
        ("2027-04-01", "planned", False),
        (None, "planned", False),
    ],
)
def test_overdue_against_build_date(end: str | None, status: str | None, overdue: bool) -> None:
    action = {"timeframe": {"start": None, "end": end} if end else None, "status": status}
    assert is_overdue(action, dt.date(2027, 4, 1)) is overdue


def test_end_of_month() -> None:
    assert end_date("2028-02") == dt.date(2028, 2, 29)


# -- the command --------------------------------------------------------------------------------
def invoke(runner: CliRunner, *args: str, color: bool = False) -> Any:
    return runner.invoke(main, ["assess", *args], color=color, catch_exceptions=False)


def test_assess_table_fits_100_columns_in_colour(runner: CliRunner) -> None:
    result = invoke(runner, "--content", str(EXAMPLE), color=True)
    assert result.exit_code == 0, result.output
    assert "\x1b[32m" in result.output  # met, in green
    plain = _ANSI.sub("", result.output)
    assert max(len(line) for line in plain.splitlines()) <= 100
    for rule in RULES:
        assert re.search(rf"^{re.escape(rule.id)}\s+Met\b", plain, re.MULTILINE)
    assert plain.rstrip().endswith("13 met, 0 partly met, 0 not met")


def test_assess_table_shows_what_is_missing(runner: CliRunner, tmp_path: Path) -> None:
    folder = operation_with(tmp_path, BROKEN["B2.4"][0])
    result = invoke(runner, "--content", str(folder), color=True)
    assert result.exit_code == 0
    assert click.style("Not met".ljust(11), fg="red") in result.output
    plain = _ANSI.sub("", result.output)
    assert re.search(
        r"^B2\.4\s+Not met .*missing: no capacity gaps are identified$", plain, re.MULTILINE
    )
    assert max(len(line) for line in plain.splitlines()) <= 100


def test_assess_json_is_stable(runner: CliRunner) -> None:
    first = invoke(runner, "--content", str(EXAMPLE), "--format", "json").output
    assert first == invoke(runner, "--content", str(EXAMPLE), "--format", "json").output
    data = json.loads(first)
    assert [r["id"] for r in data["results"]] == [r.id for r in RULES]
    assert data["summary"] == {"met": 13, "not-met": 0, "partly": 0}
    b31 = data["results"][11]
    assert list(b31) == sorted(b31)
    assert {"id", "benchmark", "title", "status", "evidence", "missing", "verification"} <= set(b31)
    # per priority risk: its SO's outcomes' indicators, then those of its SPs and of the AoR
    # objectives contributing to it (I9-I11 to SO1, I12 to SO2)
    assert b31["evidence"] == [
        "I1", "I2", "I3", "I4", "I9", "I10", "I11", "I5", "I6", "I7", "I8", "I12"
    ]  # fmt: skip


def test_assess_markdown_is_the_annex_matrix(runner: CliRunner) -> None:
    output = invoke(runner, "--content", str(EXAMPLE), "--format", "markdown").output
    assert output.startswith("## Benchmark 1: Analysis and prioritisation\n")
    assert "| B2.3 | **Engagement with human-rights mechanisms" in output
    assert output.rstrip().endswith("13 met, 0 partly met, 0 not met.")


def test_strict_fails_when_an_item_is_not_met(runner: CliRunner, tmp_path: Path) -> None:
    folder = operation_with(tmp_path, BROKEN["B2.4"][0])
    result = runner.invoke(main, ["assess", "--content", str(folder), "--strict"])
    assert result.exit_code == 1
    assert result.output.rstrip().endswith("Error: 1 verification item(s) not met: B2.4")


def test_strict_passes_a_partly_met_item(runner: CliRunner, tmp_path: Path) -> None:
    folder = operation_with(tmp_path, PARTLY["B2.4"][0])
    assert runner.invoke(main, ["assess", "--content", str(folder), "--strict"]).exit_code == 0


def test_invalid_content_is_reported_like_validate(runner: CliRunner, tmp_path: Path) -> None:
    folder = operation_with(
        tmp_path, {"analysis.yaml": each("risks", lambda r: r.update(severity=9))}
    )
    result = runner.invoke(main, ["assess", "--content", str(folder)])
    assert result.exit_code == 1
    assert re.search(r"analysis\.yaml:\d+: risks\[R1\]\.severity: 9 is not in 1-5", result.output)
    assert "problem(s) in the content" in result.output
