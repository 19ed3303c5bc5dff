"""The adversarial suite (issue #15): content files written by an attacker, and what must hold.

Each section is one layer of defence; each test builds (or renders) content that carries an
attack and asserts what a reader of the outputs would check: the public files hold nothing the
build did not make, their links run nothing, and a refusal names its file and line.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import html
import http.client
import http.server
import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import markdown as python_markdown
import pytest
import yaml
from docx import Document as open_docx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.audience import Audience, view
from generator.build import build, build_site, docx_meta, export_hxl
from generator.charts import write_charts
from generator.documents import DOCUMENTS
from generator.errors import ProtdocsError
from generator.mdtext import safe_markdown
from generator.render import BuildInfo, render
from generator.serve import Preview, is_local_host
from generator.site import page_problems, sanitise_site, site_markdown
from generator.validate import validated
from generator.writers.docx import write_docx
from tests.conftest import EXAMPLE, replace_in

# -- pandoc, Markdown and HTML -------------------------------------------------------------------

ALLOWED_SCHEMES = ("http", "https", "mailto")
EXAMPLE_DATE = dt.date(2027, 3, 1)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def scheme_allowed(url: str) -> bool:
    """A browser's reading of a URL: it drops ASCII tabs, line breaks and leading controls."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("\x00- ")
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in ALLOWED_SCHEMES


class _Links(HTMLParser):
    """Every URL-bearing attribute and every on* attribute of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            elif name in {"href", "src", "action", "formaction", "xlink:href", "poster"}:
                self.urls.append(value or "")


def links_of(markup: str) -> _Links:
    parser = _Links()
    parser.feed(markup)
    parser.close()
    return parser


def bad_links(markup: str) -> list[str]:
    links = links_of(markup)
    return [u for u in links.urls if not scheme_allowed(u)] + links.handlers


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def word_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as docx:
        return {name: docx.read(name) for name in docx.namelist()}


def media_of(path: Path) -> dict[str, bytes]:
    return {n: d for n, d in word_parts(path).items() if n.startswith("word/media/")}


def external_targets(path: Path) -> list[str]:
    """The targets of every external relationship of a Word file (hyperlinks, linked files)."""
    targets = []
    for name, data in word_parts(path).items():
        if name.endswith(".rels"):
            text = data.decode("utf-8")
            for rel in re.findall(r"<Relationship [^>]*>", text):
                if 'TargetMode="External"' in rel:
                    targets.append(re.search(r'Target="([^"]*)"', rel).group(1))  # type: ignore[union-attr]
    return targets


def title_paragraphs(path: Path) -> list[str]:
    return [
        p.text for p in open_docx(str(path)).paragraphs if p.style.name in {"Title", "Subtitle"}
    ]


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on this machine that records what it was asked for."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


def metadata_block(*images: str) -> str:
    """Issue #15, class 1: a YAML metadata block inside a text field, its ``!`` written as the
    YAML escape ``\\x21`` so that no ``![`` reaches the sanitiser, forming images of files."""
    title = " ".join(f"\\x21[leak]({target})" for target in images)
    block = f'\n---\ntitle: "Hijacked {title}"\n---\n\nAfter the block.\n'
    return block.replace("\n", "\n    ").rstrip(" ")  # inside the context's block scalar


def test_pandoc_metadata_block_in_public_text_embeds_nothing(
    content: Path, example_out: Path, listener: tuple[str, list[str]]
) -> None:
    url, requests = listener
    out = example_out  # the build before the edit
    op_dir = out / "norvania-2027"
    plan = op_dir / "internal" / "hct-protection-action-plan.docx"
    assert plan.is_file()
    hno = op_dir / "public" / "hno-protection-analysis.docx"
    titles = title_paragraphs(hno)
    replace_in(
        content / "analysis.yaml",
        "    internally displaced, over half of them in informal sites with no security of tenure.\n",
        "    internally displaced, over half of them in informal sites with no security of tenure.\n"
        + metadata_block(str(plan.resolve()), f"{url}/beacon.png", "/etc/hostname"),
    )

    build(content, out)

    charts = {sha256(p.read_bytes()) for p in (op_dir / "public").rglob("*.png")}
    plan_bytes = plan.read_bytes()
    for word in (op_dir / "public").rglob("*.docx"):
        for name, data in word_parts(word).items():
            assert not data.startswith(b"PK"), f"{word.name} embeds a zip file as {name}"
            assert plan_bytes not in data
        assert {sha256(d) for d in media_of(word).values()} <= charts, word.name
    assert media_of(hno), "the HNO's own chart is still embedded"
    assert title_paragraphs(hno) == titles  # the block did not replace the title
    assert "Hijacked" not in word_parts(hno)["docProps/core.xml"].decode("utf-8")
    assert requests == []  # nothing was fetched during the build


# The Markdown and HTML that content text may try: block openers of pandoc and Python-Markdown,
# YAML escapes, raw HTML, link and image syntax with unsafe targets.
_PIECES = st.sampled_from(
    [
        "-", ":", "!", "[", "]", "(", ")", "<", ">", "{", "}", "\r", "\n", "\\x21", "\\x3a", "`",
        "|", "^", "~", "@", "=", "---\n", "...\n", ":::", "!!!", "#", "*", "_", "&", ";",
        "\\", '"', "'", " ", "a", "javascript:alert(1)", "file:///etc/hostname",
        "data:text/html,x", "/etc/hostname", "http://127.0.0.1:9/x.png", "title: ",
        "{=openxml}", "{.x}", "<script>", "<a href=x>", "&#58;", "&#x21;", "[x]: ", "](",
    ]
)  # fmt: skip
_SOUP = st.lists(_PIECES, max_size=12).map("".join)
_TARGETS = st.sampled_from(
    ["/etc/hostname", "file:///etc/hostname", "http://127.0.0.1:9/x.png", "javascript:alert(1)"]
)
# Whole constructs, so that the few examples a fast test can afford try each of them.
_BLOCKS = st.one_of(
    st.builds(lambda a, t: f'\n\n---\ntitle: "{a}\\x21[x]({t})"\n---\n\n', _SOUP, _TARGETS),
    st.builds(lambda a, t: f"\n\n::: {{custom-style={a}}}\n![x]({t})\n:::\n", _SOUP, _TARGETS),
    st.builds(lambda a, t: f"{a}\r[x]: {t}\n\n[y][x]", _SOUP, _TARGETS),
    st.builds(lambda a, t: f"\n\n> - [x]:\n  {t}\n\n[x]{a}", _SOUP, _TARGETS),
    st.builds(
        lambda a, t: f"[{a}](<{t}>) ![{a}]({t}){{width=1cm}} `{a}`{{=openxml}}", _SOUP, _TARGETS
    ),
)
HOSTILE_TEXT = st.lists(st.one_of(_PIECES, _BLOCKS), min_size=1, max_size=30).map("".join)
ISSUE_PAYLOAD = 'Intro.\n\n---\ntitle: "Hijacked \\x21[x](/etc/hostname)"\n---\n\nAfter.'


class _Setup(dict[str, Any]):
    """A short repr: hypothesis prints the arguments of a failing example, fixtures too."""

    def __repr__(self) -> str:
        return "<the example's public HNO, its charts and clean Word file>"


@pytest.fixture(scope="module")
def hno_setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example's public view, the HNO and its charts drawn once, its clean Word file."""
    content = validated(EXAMPLE)
    public = view(content, Audience.PUBLIC)
    doc = next(d for d in DOCUMENTS if d.slug == "hno-protection-analysis")
    folder = tmp_path_factory.mktemp("hno")
    charts = write_charts(doc.charts, public, folder)
    info = BuildInfo(EXAMPLE_DATE, "test")
    meta = docx_meta(content, info, doc)
    clean = folder / "clean.docx"
    write_docx(render(doc, public, info), clean, meta, folder)
    return _Setup(
        view=public,
        doc=doc,
        folder=folder,
        charts={sha256(p.read_bytes()) for p in charts},
        info=info,
        meta=meta,
        titles=title_paragraphs(clean),
    )


def test_charts_keep_their_shape_and_bytes_in_word(hno_setup: dict[str, Any]) -> None:
    """pandoc lays each chart out from a stand-in: the Word picture has the chart's own
    proportions, its description is the chart's path, and its bytes are the chart's."""
    clean = hno_setup["folder"] / "clean.docx"
    parts = word_parts(clean)
    document = parts["word/document.xml"].decode("utf-8")
    extents = re.findall(r'<wp:extent cx="(\d+)" cy="(\d+)"', document)
    pictures = [d for n, d in parts.items() if n.startswith("word/media/")]
    assert len(extents) == len(pictures) == 2  # people in need; severity by area
    shapes = []  # media parts are not in the document's order: compare the proportions
    for png in pictures:
        assert sha256(png) in hno_setup["charts"]
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        shapes.append(height / width)
    placed = [int(cy) / int(cx) for cx, cy in extents]
    for expected, found in zip(sorted(shapes), sorted(placed), strict=True):
        assert abs(found - expected) < 0.01
    described = re.findall(r'<pic:cNvPr [^>]*descr="([^"]*)"', document)
    assert described and all(d and not d.startswith("data:") for d in described)
    assert "data:" not in document


def hostile_view(setup: dict[str, Any], text: str) -> dict[str, Any]:
    """The public view with the text in public text fields, as the audience filter gives it."""
    hostile = copy.deepcopy(setup["view"])
    hostile["analysis"]["context"] = safe_markdown(text)
    hostile["analysis"]["drivers"][0]["text"] = safe_markdown(text)
    return hostile


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=HOSTILE_TEXT)
@example(text=ISSUE_PAYLOAD)
def test_metacharacters_in_public_text_reach_no_output_as_syntax(
    hno_setup: dict[str, Any], tmp_path: Path, text: str
) -> None:
    setup = hno_setup
    markdown = render(setup["doc"], hostile_view(setup, text), setup["info"])
    target = tmp_path / f"{sha256(text.encode())[:12]}.docx"
    try:
        write_docx(markdown, target, setup["meta"], setup["folder"])
    except ProtdocsError as exc:  # a refusal is fine, if it says what happened
        assert str(exc).strip()
        return
    media = media_of(target)
    assert media and {sha256(d) for d in media.values()} <= setup["charts"]
    assert all(scheme_allowed(t) for t in external_targets(target)), external_targets(target)
    assert title_paragraphs(target) == setup["titles"]
    # The site reads the same Markdown: before any cleaning, no link runs anything...
    page = python_markdown.markdown(
        site_markdown(markdown), extensions=["tables", "admonition", "toc"]
    )
    assert bad_links(page) == []
    assert "<script" not in page.lower()


def test_syntax_beyond_the_content_format_is_text_in_word_and_on_the_site(
    hno_setup: dict[str, Any], tmp_path: Path
) -> None:
    """Fenced divs and code blocks, admonitions, raw blocks and footnotes are what pandoc or
    Python-Markdown would read as structure: a reader sees them as typed, in both (a footnote
    is no footnote)."""
    text = (
        "Intro[^n1] here.\n\n[^n1]: Footnote words.\n\n::: Title\nDiv words\n:::\n\n"
        '!!! danger "Box"\n    Admonition words\n\n```{=openxml}\n<w:p>Raw words</w:p>\n```\n'
    )
    setup = hno_setup
    markdown = render(setup["doc"], hostile_view(setup, text), setup["info"])
    target = tmp_path / "syntax.docx"
    write_docx(markdown, target, setup["meta"], setup["folder"])
    word = open_docx(str(target))
    body = "\n".join(p.text for p in word.paragraphs)
    assert ":::" in body and "!!!" in body and "Raw words" in body
    # No footnote: what would be one is at most an ordinary (relative) link.
    assert all(p.style.name != "Title" for p in word.paragraphs if "Div words" in p.text)
    assert "Footnote words" not in word_parts(target).get("word/footnotes.xml", b"").decode()
    page = python_markdown.markdown(
        site_markdown(markdown), extensions=["tables", "admonition", "toc"]
    )
    assert 'class="admonition' not in page and "Admonition words" in page
    shown = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert ":::" in shown and "!!!" in shown and "Div words" in shown


LINK_ATTACK = (
    "Read [the annex][a] and [this][b], [that][c], [more][d].\r"
    "[a]: javascript:alert(document.domain)\n\n"
    "> [b]: javascript:alert(2)\n\n"
    "- [c]: JaVaScRiPt:alert(3)\n\n"
    "[d]:\n  vbscript:msgbox(4)\n\n"
    "[inline](java\nscript:alert(5)) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
)


def _attack_links(content: Path) -> None:
    """Issue #15, class 3: script links hidden from a line-based sanitiser, in the public
    context and, for the internal preview, in an internal driver."""
    path = content / "analysis.yaml"
    analysis = yaml.safe_load(path.read_text(encoding="utf-8"))
    analysis["context"]["en"] = LINK_ATTACK + analysis["context"]["en"]
    internal = next(d for d in analysis["drivers"] if d["classification"] == "internal")
    internal["text"] = "See [here][z].\n\n> [z]: javascript:alert(6)\n\n" + internal["text"]
    path.write_text(yaml.safe_dump(analysis, allow_unicode=True, sort_keys=False), "utf-8")


def _site_html(site: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


@pytest.mark.parametrize("audience", [Audience.PUBLIC, Audience.INTERNAL])
def test_script_links_in_content_give_no_script_href(
    content: Path, tmp_path: Path, audience: Audience
) -> None:
    _attack_links(content)
    written = yaml.safe_load((content / "analysis.yaml").read_text(encoding="utf-8"))
    assert (
        "\r[a]: javascript:" in written["context"]["en"]
    )  # the attack is in the content as written
    result = build_site(content, tmp_path / "out", audience)
    site = result.op_dir / ("site" if audience is Audience.PUBLIC else "site-internal")
    pages = _site_html(site)
    assert any("Read [the annex]" in text for text in pages.values())
    if audience is Audience.INTERNAL:
        assert any("See [here]" in text for text in pages.values())
    for page, text in pages.items():
        assert bad_links(text) == [], page.name
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for entry in index["docs"]:
        assert bad_links(entry["text"]) == [] and "<a" not in entry["text"], entry["location"]


def test_site_sanitiser_cleans_what_markdown_let_through(tmp_path: Path) -> None:
    """The second layer alone: HTML that the Markdown layer would never make is cleaned in the
    content region (images show only the build's charts), and the theme's scripts around it
    stay."""
    page = tmp_path / "page.html"
    theme = '<script src="assets/javascripts/bundle.js"></script>'
    page.write_text(
        f"<html><head>{theme}</head><body>"
        '<article class="md-content__inner md-typeset">'
        '<p><a href="javascript:alert(1)">x</a><img src="file:///etc/hostname" onerror="x()">'
        '<a href="&#106;avascript:alert(2)">y</a><script>alert(3)</script>'
        '<a href="https://example.org/">ok</a><a href="page.html#s">rel</a>'
        '<img src="https://example.org/pixel.png"><img src="charts/I1.png" alt="c"></p>'
        "</article></body></html>",
        encoding="utf-8",
    )
    sanitise_site(tmp_path)
    cleaned = page.read_text(encoding="utf-8")
    assert theme in cleaned
    assert bad_links(cleaned) == []
    assert "alert(3)" not in cleaned
    assert 'href="https://example.org/"' in cleaned and 'href="page.html#s"' in cleaned
    assert page_problems(cleaned) == []
    assert "example.org/pixel.png" not in cleaned and 'src="charts/I1.png"' in cleaned


def test_site_check_refuses_a_script_link_outside_the_content(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<html><body><nav><a href=" javascript:alert(1)">toc</a></nav>'
        '<article class="md-content__inner md-typeset"><p>x</p></article></body></html>',
        encoding="utf-8",
    )
    with pytest.raises(ProtdocsError, match=r"page\.html"):
        sanitise_site(tmp_path)


def test_hxl_export_neutralises_formulas(content: Path, tmp_path: Path) -> None:
    """Issue #15, class 9: text a spreadsheet would run gets a leading quote; numbers stay."""
    attacks = {
        "text": '=HYPERLINK("http://127.0.0.1:9/?"&A1,"Click")',
        "unit": "+cmd|' /C calc'!A0",
        "note": "@SUM(1+1)*cmd|' /C calc'!A0",
    }
    monitoring = content / "monitoring.yaml"
    replace_in(
        monitoring,
        '    text: "Civilian casualties from explosive weapons within five kilometres of'
        ' displacement sites"\n    unit: people\n',
        f"    text: {json.dumps(attacks['text'])}\n    unit: {json.dumps(attacks['unit'])}\n",
    )
    replace_in(
        monitoring,
        'note: "Baseline period; 19 displacement sites were hit between July and December."',
        f"note: {json.dumps(attacks['note'])}",
    )
    path = export_hxl(content, tmp_path / "out", Audience.PUBLIC)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    cells = [cell for row in rows[2:] for cell in row]
    for attack in attacks.values():
        assert "'" + attack in cells, attack
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        if cell.startswith("-"):
            float(cell)  # a negative number, not a formula
    header = rows[0]
    values = [row[header.index("Result")] for row in rows[2:] if row[header.index("Result")]]
    assert values and all(float(v) == float(v) for v in values)  # numbers stay numbers


def test_serve_accepts_only_local_host_names() -> None:
    for host in ("localhost", "localhost:8000", "127.0.0.1", "127.0.0.1:65535", "LOCALHOST:1"):
        assert is_local_host(host), host
    for host in (None, "", "evil.example", "localhost.evil.example", "127.0.0.1.nip.io",
                 "evil.example:8000", "localhost:8000@evil", "127.0.0.1:80\r\nX: y"):  # fmt: skip
        assert not is_local_host(host), host


def test_serve_refuses_a_rebinding_host_header(content: Path) -> None:
    preview = Preview(content, Audience.PUBLIC, port=0)
    preview.build()
    listening = threading.Event()
    thread = threading.Thread(target=preview.serve, args=(lambda _: listening.set(),), daemon=True)
    thread.start()
    try:
        assert listening.wait(30)
        port = preview.server.server_address[1]

        def get(host: str) -> tuple[int, bytes]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/index.html", headers={"Host": host})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            return response.status, body

        status, body = get(f"localhost:{port}")
        assert status == 200 and b"<html" in body.lower()
        assert get(f"127.0.0.1:{port}")[0] == 200
        for host in (f"attacker.example:{port}", "attacker.example", f"127.0.0.1.nip.io:{port}"):
            status, body = get(host)
            assert status == 421, host
            assert b"<html" not in body.lower()
    finally:
        preview.shutdown()
        thread.join(10)
