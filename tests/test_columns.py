"""Column widths follow the reference document a layout team edits in Word (issue 16)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from generator.columns import page_layout
from generator.resources import REFERENCE_DOC


def _edited_reference(target: Path, replacements: dict[str, tuple[str, str]]) -> Path:
    """A copy of the reference document with some of its XML parts edited as Word would."""
    with zipfile.ZipFile(REFERENCE_DOC) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            if item.filename in replacements:
                old, new = replacements[item.filename]
                text = data.decode("utf-8")
                assert old in text, (item.filename, old)
                data = text.replace(old, new).encode("utf-8")
            copy.writestr(item, data)
    return target


def test_the_shipped_reference_gives_the_measured_widths() -> None:
    layout = page_layout()
    assert (layout.portrait_cm, layout.landscape_cm, layout.table_pt) == (17.0, 25.7, 9.0)


def test_wider_margins_and_a_larger_table_font_are_read(tmp_path: Path) -> None:
    reference = _edited_reference(
        tmp_path / "reference.docx",
        {
            # 3 cm margins left and right instead of 2 cm
            "word/document.xml": (
                '<w:pgMar w:left="1134" w:right="1134"',
                '<w:pgMar w:left="1701" w:right="1701"',
            ),
            # the cells' "Compact" paragraphs at 10 pt instead of 9 pt
            "word/styles.xml": ('<w:sz w:val="18"/>', '<w:sz w:val="20"/>'),
        },
    )
    layout = page_layout(reference)
    assert layout.portrait_cm == 15.0
    assert layout.landscape_cm == 23.7
    assert layout.table_pt == 10.0
    assert layout.text_width(landscape=True) == 23.7


def test_an_unreadable_reference_falls_back_to_a4(tmp_path: Path) -> None:
    broken = tmp_path / "reference.docx"
    broken.write_bytes(b"not a zip")
    assert page_layout(broken).portrait_cm == 17.0
