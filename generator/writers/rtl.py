"""Right-to-left Word documents (Arabic): what pandoc's ``dir: rtl`` leaves out.

Pandoc marks body paragraphs bidi and their runs rtl. Word also needs the title and the
classification banners bidi, tables laid out from the right (``w:bidiVisual``), complex-script
bold and italic wherever there is bold or italic, and styles whose complex-script font, size and
weight match the Latin ones: Word draws Arabic text with those, so without them Arabic headings
come out in the default size, not bold, in whatever font the theme names.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

from ..bidi import isolated, strong
from ..model import language_tag
from ..reference_doc import FONT


def _order(names: str) -> tuple[str, ...]:
    return tuple(f"w:{name}" for name in names.split())


# Child order of w:pPr, w:tblPr and w:rPr in the OOXML schema (ECMA-376 part 1, 17.3 and 17.4):
# Word refuses a document whose elements are out of order.
_PPR = _order(
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
    "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct "
    "autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing "
    "mirrorIndents suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl "
    "divId cnfStyle rPr sectPr pPrChange"
)
_TBLPR = _order(
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption "
    "tblDescription tblPrChange"
)
RUN_PROPERTY_ORDER = _RPR = _order(
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
    "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
    "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath "
    "rPrChange"
)
# Latin property → its complex-script twin, which Word applies to right-to-left runs.
_COMPLEX_SCRIPT = {"w:b": "w:bCs", "w:i": "w:iCs", "w:sz": "w:szCs"}
_VAL = qn("w:val")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def pandoc_language_args(lang: str, right_to_left: bool) -> list[str]:
    """Pandoc's own language support: w:lang in the styles, and bidi paragraphs for rtl.

    English is tagged British English (en-GB), as the UN writes it.
    """
    args = [f"--metadata=lang:{language_tag(lang)}"]
    return [*args, "--metadata=dir:rtl"] if right_to_left else args


def make_right_to_left(doc: WordDocument) -> None:
    """Every paragraph, table and run of the body, headers and footers, and every style.

    Left-to-right stretches (Latin words, ids, dates, versions, figures) are isolated in each
    paragraph and their runs are not marked right to left: see ``isolate_left_to_right``.
    """
    for root in story_roots(doc):
        for paragraph in root.iter(qn("w:p")):
            _ensure(_child(paragraph, "w:pPr", first=True), "w:bidi", _PPR)
            isolate_left_to_right(paragraph)
        for table in root.iter(qn("w:tbl")):
            _ensure(_child(table, "w:tblPr", first=True), "w:bidiVisual", _TBLPR)
        for run in root.iter(qn("w:r")):
            properties = _child(run, "w:rPr", first=True)
            if _reads_right_to_left(_run_text(run)):
                _ensure(properties, "w:rtl", _RPR)
            else:
                _remove(properties, "w:rtl")
            _mirror_complex_script(properties)
    _complex_script_styles(doc)


def _reads_right_to_left(text: str) -> bool:
    """Arabic letters, or nothing strong at all (spaces, punctuation: they follow the paragraph)."""
    kinds = {strong(c) for c in text} - {""}
    return "rtl" in kinds or not kinds


def isolate_left_to_right(paragraph: BaseOxmlElement) -> None:
    """Wrap each left-to-right stretch of a paragraph in LRI ... PDI, across runs: a sentence in
    italics and roman stays one stretch, so its words keep their order."""
    nodes = [t for t in paragraph.iter(qn("w:t")) if t.text]
    pieces = [t.text for t in nodes]
    if not any(strong(c) == "ltr" for piece in pieces for c in piece):
        return
    for node, text in zip(nodes, isolated(pieces), strict=True):
        node.text = text
        node.set(_XML_SPACE, "preserve")


def _run_text(run: BaseOxmlElement) -> str:
    return "".join(t.text or "" for t in run.iter(qn("w:t")))


def _remove(parent: BaseOxmlElement, tag: str) -> None:
    found = parent.find(qn(tag))
    if found is not None:
        parent.remove(found)


def story_roots(doc: WordDocument) -> Iterator[BaseOxmlElement]:
    yield doc.element.body
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header):
            if not part.is_linked_to_previous:
                yield part._element


def _complex_script_styles(doc: WordDocument) -> None:
    """Styles and document defaults: complex-script font, size, bold and italic as the Latin."""
    styles = doc.styles.element
    for properties in styles.iter(qn("w:rPr")):
        _mirror_complex_script(properties)
        fonts = properties.find(qn("w:rFonts"))
        if fonts is not None or properties.getparent().tag == qn("w:rPrDefault"):
            fonts = fonts if fonts is not None else _ensure(properties, "w:rFonts", _RPR)
            fonts.attrib.pop(qn("w:cstheme"), None)  # a theme font wins over a named one
            fonts.set(qn("w:cs"), FONT)


def _mirror_complex_script(properties: BaseOxmlElement) -> None:
    for latin, complex_script in _COMPLEX_SCRIPT.items():
        source = properties.find(qn(latin))
        if source is None:
            continue
        twin = _ensure(properties, complex_script, _RPR)
        if source.get(_VAL) is None:
            twin.attrib.pop(_VAL, None)
        else:
            twin.set(_VAL, source.get(_VAL))


def _child(parent: BaseOxmlElement, tag: str, first: bool = False) -> BaseOxmlElement:
    """The properties element of a paragraph, table or run, made when it has none."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert(0, found) if first else parent.append(found)
    return found


def _ensure(parent: BaseOxmlElement, tag: str, order: Sequence[str]) -> BaseOxmlElement:
    """The child ``tag`` of ``parent``, inserted at its place in the schema's order if missing."""
    found = parent.find(qn(tag))
    if found is not None:
        return found
    element = OxmlElement(tag)
    successors = order[order.index(tag) + 1 :]
    parent.insert_element_before(element, *successors)
    return element
