"""Property: for any classification of any operation, public outputs hold exactly the public items.

Each generated item carries a unique marker word. The test computes each item's level itself,
from the rules of the content spec, independently of the code under test. Many operations are
checked on the views and the rendered Markdown (all that pandoc and MkDocs are given), and one,
with items at every level, through a full build.
"""

from __future__ import annotations

import datetime as dt
import json
import string
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from generator.assess import evaluate
from generator.audience import Audience, view
from generator.build import build
from generator.documents import DOCUMENTS
from generator.model import Content
from generator.render import BuildInfo, render
from generator.validate import validated
from tests.docx_text import all_text

INFO = BuildInfo(dt.date(2027, 3, 31), "property")

LEVELS = ["public", "internal", "confidential", "strictly-confidential"]


@dataclass
class Op:
    """Generated content plus the expected level of every marker."""

    draw: st.DataObject
    markers: dict[str, int] = field(default_factory=dict)
    shown_if: dict[str, str] = field(default_factory=dict)  # marker -> marker it depends on

    def marker(self, level: int) -> str:
        n = len(self.markers)
        word = "zq" + "".join(string.ascii_lowercase[(n // 26**i) % 26] for i in range(3))
        self.markers[word] = level
        return word

    def level(self, inherited: int, strict_parent: bool, floor: int = 0) -> tuple[int, dict]:
        """Draw a classification that obeys the rules; return (effective level, yaml fields)."""
        lowest = max(inherited if strict_parent else 0, floor)
        choices: list[int | None] = [None, *range(lowest, 4)]
        chosen = self.draw.draw(st.sampled_from(choices))
        if chosen is None:
            return max(inherited, floor), {}
        return chosen, {"classification": LEVELS[chosen]}

    def marked(self, inherited: int, strict_parent: bool) -> tuple[int, dict]:
        """The level of an item that is public only when marked public on its own line (an AoR,
        an AoR objective, a severity row): unmarked, internal at least."""
        lowest = inherited if strict_parent else 0
        chosen = self.draw.draw(st.sampled_from([None, *range(lowest, 4)]))
        if chosen is None:
            return max(inherited, 1), {}
        return chosen, {"classification": LEVELS[chosen]}

    def item(self, prefix: str, n: int, inherited: int, strict_parent: bool, floor: int = 0):
        level, extra = self.level(inherited, strict_parent, floor)
        return level, {"id": f"{prefix}{n}", **extra}


def generate(draw: st.DataObject) -> tuple[Op, dict[str, dict]]:
    op = Op(draw)
    default = draw.draw(st.sampled_from(range(4)))
    files: dict[str, dict] = {}

    def file_level(name: str) -> int:
        level, extra = op.level(default, strict_parent=False)
        files[name] = dict(extra)
        return level

    analysis_level = file_level("analysis.yaml")
    threats = []
    for n in range(draw.draw(st.integers(1, 3))):
        level, t = op.item("T", n, analysis_level, False)
        t["text"] = f"Threat {op.marker(level)} in the north."
        t["trend"] = "stable"
        if draw.draw(st.booleans()):
            a_level, a = op.level(level, True, floor=2)
            t["actors"] = [{"name": f"Group {op.marker(a_level)}", "type": "other", **a}]
        threats.append(t)
    risks = []
    for n in range(draw.draw(st.integers(1, 3))):
        level, r = op.item("R", n, analysis_level, False)
        r.update(category="gender-based-violence", title=f"Risk {op.marker(level)} title")
        r["threats"] = [t["id"] for t in threats]
        risks.append(r)
    sources = []
    for n in range(draw.draw(st.integers(0, 2))):
        kind = draw.draw(st.sampled_from(["inside-hct", "affected-people"]))
        floor = 2 if kind == "affected-people" else 0
        level, src = op.item("S", n, analysis_level, False, floor)
        src.update(name=f"Source {op.marker(level)} survey", type=kind)
        sources.append(src)
    files["analysis.yaml"].update(threats=threats, risks=risks, sources=sources)

    so_file_level = file_level("strategic-objectives.yaml")
    objectives = []
    for n in range(draw.draw(st.integers(1, 2))):
        level, so = op.item("SO", n, so_file_level, False)
        so["title"] = f"Objective {op.marker(level)} reduce harm"
        so["priority_risks"] = [risks[0]["id"]]
        so["code"] = f"{op.marker(level)}1"  # a code prints as written, with its objective
        sp_level, sp = op.item(f"SP{n}x", 0, level, True)
        sp.update(code=f"{op.marker(sp_level)}2", text=f"Specific {op.marker(sp_level)} aim")
        so["specific_objectives"] = [sp]
        o_level, outcome = op.item(f"O{n}x", 0, level, True)
        outcome.update(horizon="interim", text=f"Outcome {op.marker(o_level)} reached")
        so["outcomes"] = [outcome]
        so["actions"] = []
        for k in range(draw.draw(st.integers(1, 3))):
            modality = draw.draw(st.sampled_from(["programming", "private-diplomacy"]))
            floor = 2 if modality == "private-diplomacy" else 0
            a_level, act = op.item(f"A{n}x", k, level, True, floor)
            act.update(area="threat", modality=modality, text=f"Action {op.marker(a_level)} done")
            if draw.draw(st.booleans()):
                r_level, r_extra = op.level(a_level, True, floor=2)
                act["advocacy_risks"] = [
                    {"risk": f"Risk of {op.marker(r_level)} access", **r_extra}
                ]
            so["actions"].append(act)
        objectives.append(so)
    files["strategic-objectives.yaml"].update(strategic_objectives=objectives)
    aims = [so["id"] for so in objectives] + [
        sp["id"] for so in objectives for sp in so["specific_objectives"]
    ]

    contributed = list(aims)  # an AoR objective contributes to an SO or an SP
    aors = []
    for n, kind in enumerate(
        draw.draw(
            st.sampled_from([[], ["child-protection"], ["mine-action", "gender-based-violence"]])
        )
    ):
        level, aor = op.marked(analysis_level, False)
        aor.update(
            aor=kind,
            needs=f"Needs {op.marker(level)} here",
            response=f"Response {op.marker(level)} given",
        )
        aor["objectives"] = []
        for k in range(draw.draw(st.integers(0, 2))):
            o_level, extra = op.marked(level, True)
            aor["objectives"].append(
                {
                    "id": f"AO{n}x{k}",
                    **extra,
                    "code": f"{op.marker(o_level)}3",
                    "text": f"Aim {op.marker(o_level)} met",
                    "contributes_to": [draw.draw(st.sampled_from(contributed))],
                }
            )
            aims.append(f"AO{n}x{k}")
        aors.append(aor)
    severities = []
    for n in range(draw.draw(st.integers(0, 2))):
        level, row = op.marked(analysis_level, False)
        row.update(
            area=f"Area {op.marker(level)}", pcode=f"P{n}", severity=draw.draw(st.integers(1, 5))
        )
        severities.append(row)
    files["analysis.yaml"].update(areas_of_responsibility=aors, severity_by_area=severities)

    cl_file_level = file_level("cluster-contributions.yaml")
    clusters = []
    for n in range(draw.draw(st.integers(1, 2))):
        level, cl = op.item("cl", n, cl_file_level, False)
        cl_marker = op.marker(level)
        cl["name"] = f"Cluster {cl_marker}"
        cl["contributions"] = []
        for k in range(draw.draw(st.integers(0, 2))):
            c_level, c = op.item(f"C{n}x", k, level, True)
            c_marker = op.marker(c_level)
            c.update(
                area="vulnerability", text=f"Contribution {c_marker} given", risks=[risks[0]["id"]]
            )
            cl["contributions"].append(c)
            if c_level == 0:
                op.shown_if.pop(cl_marker, None)
        if not any(op.markers[c["text"].split()[1]] == 0 for c in cl["contributions"]):
            op.shown_if[cl_marker] = "needs a public contribution"
        clusters.append(cl)
    files["cluster-contributions.yaml"].update(clusters=clusters)

    pa_file_level = file_level("partners.yaml")
    partners = []
    for n in range(draw.draw(st.integers(0, 2))):
        level, p = op.item("pa", n, pa_file_level, False)
        p.update(
            name=f"Partner {op.marker(level)}",
            type="other",
            complementarity=f"Works {op.marker(level)} together",
        )
        partners.append(p)
    files["partners.yaml"].update(partners=partners)

    mo_file_level = file_level("monitoring.yaml")
    indicators = []
    for n in range(draw.draw(st.integers(0, 2))):
        level, i = op.item("I", n, mo_file_level, False)
        i.update(dimension="threat", text=f"Indicator {op.marker(level)} count")
        i["objectives"] = draw.draw(st.lists(st.sampled_from(aims), max_size=2, unique=True))
        indicators.append(i)
    files["monitoring.yaml"].update(indicators=indicators)

    files["operation.yaml"] = {
        "id": "prop-op",
        "country": "Testland",
        "plan_year": 2027,
        "title": "Testland plan",
        "version": "1",
        "languages": ["en"],
        "default_classification": LEVELS[default],
        "hct_members": [{"id": "m1", "name": "Agency One", "type": "un-agency"}],
    }
    return op, files


def _texts(folder: Path) -> str:
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".docx":
            parts.append(all_text(path))
        elif path.is_file():
            parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return " ".join(parts).lower()


def _write(files: dict[str, dict], content: Path) -> Path:
    content.mkdir()
    for name, body in files.items():
        (content / name).write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return content


def _assert_exactly_public(op: Op, public: str, everything: str, public_documents: str) -> None:
    for marker, level in op.markers.items():
        if level == 0 and marker not in op.shown_if:
            assert marker in public_documents, (
                f"public marker {marker} missing from public documents"
            )
        if level > 0:
            assert marker not in public, f"{LEVELS[level]} marker {marker} in a public output"
        if level == 3:
            assert marker not in everything, f"strictly-confidential marker {marker} in an output"


def _rendered(content: Content) -> dict[Audience, list[str]]:
    """Each audience's views (as JSON, what the site and the HXL tables are made from) and the
    Markdown of its documents: every text pandoc and MkDocs are given."""
    texts: dict[Audience, list[str]] = {}
    views = {a: view(content, a) for a in Audience}
    views[Audience.CONFIDENTIAL]["assessment"] = [
        r.as_dict() for r in evaluate(views[Audience.CONFIDENTIAL])
    ]
    for audience, seen in views.items():
        texts[audience] = [json.dumps(seen, default=str, ensure_ascii=False)]
    for doc in DOCUMENTS:
        texts[doc.audience].append(render(doc, views[doc.audience], INFO))
    for audience in (Audience.INTERNAL,):  # the internal preview renders the public documents
        for doc in DOCUMENTS:
            if doc.audience is Audience.PUBLIC:
                page = replace(doc, audience=audience)
                texts[audience].append(render(page, views[audience], INFO))
    return texts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_public_views_and_markdown_hold_exactly_the_public_items(data: st.DataObject) -> None:
    """The property on what the filter and the templates produce, without pandoc or MkDocs:
    many examples in the time of a few builds."""
    op, files = generate(data)
    with tempfile.TemporaryDirectory() as tmp:
        texts = _rendered(validated(_write(files, Path(tmp) / "content")))
    public = " ".join(texts[Audience.PUBLIC]).lower()
    everything = " ".join(t for group in texts.values() for t in group).lower()
    documents = " ".join(texts[Audience.PUBLIC][1:]).lower()
    _assert_exactly_public(op, public, everything, documents)


def _every_level() -> tuple[Op, dict[str, dict]]:
    """The first generated operation with items at all four levels, the same on every run
    (derandomized). Not shrunk: shrinking took 26 s of the suite to find a smaller one, and a
    larger operation has more items for the build to get right."""
    found: list[tuple[Op, dict[str, dict]]] = []

    def every_level(data: st.DataObject) -> bool:
        op, files = generate(data)
        if set(op.markers.values()) == {0, 1, 2, 3}:
            found.append((op, files))
            return True
        return False

    find(
        st.data(),
        every_level,
        settings=settings(derandomize=True, database=None, phases=[Phase.generate]),
    )
    return found[-1]


def test_one_full_build_holds_exactly_the_public_items(tmp_path: Path) -> None:
    """The same property end to end, once: Word files, site, search index, HXL tables."""
    op, files = _every_level()
    op_dir = build(_write(files, tmp_path / "content"), tmp_path / "out").op_dir
    public = _texts(op_dir / "public") + _texts(op_dir / "site")
    public_docx = " ".join(all_text(p) for p in (op_dir / "public").glob("*.docx")).lower()
    _assert_exactly_public(op, public, _texts(op_dir), public_docx)
