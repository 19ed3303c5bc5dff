"""The edits a review round makes to the example, for the diff and release tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import replace_in

NEW_ACTION = (
    "Map safe water points within walking distance of every site and publish the map monthly."
)


def edit_for_next_round(content: Path) -> None:
    """An added action, a removed indicator, a changed number and a reclassification."""
    replace_in(
        content / "strategic-objectives.yaml",
        "      - id: A3\n",
        "      - id: A30\n"
        "        classification: public\n"
        "        area: vulnerability\n"
        "        modality: programming\n"
        f'        text: "{NEW_ACTION}"\n'
        "        lead: unhcr\n"
        "        timeframe: {start: 2027-03, end: 2027-12}\n"
        "      - id: A3\n",
    )
    monitoring = content / "monitoring.yaml"
    text = monitoring.read_text(encoding="utf-8")
    start = text.index("  - id: I8\n")
    end = min(text.index("\nreviews:"), text.find("\n  - id: ", start) % len(text))  # I8 only
    monitoring.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    replace_in(
        monitoring, "target: {value: 480, date: 2027-12}", "target: {value: 450, date: 2027-12}"
    )
    replace_in(
        monitoring,
        "  - id: I7\n    classification: internal\n",
        "  - id: I7\n    classification: public\n",
    )
