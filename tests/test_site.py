"""The preview site (issue #4) without a browser: what is written, where, and what it may hold."""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from generator.audience import Audience
from generator.build import BuildResult, build_site
from generator.cli import main
from generator.documents import DOCUMENTS
from generator.errors import LeakFound, ProtdocsError, ValidationFailed
from generator.serve import Preview
from generator.site import INTERNAL_BANNER, MKDOCS_YML, site_markdown
from tests.conftest import EXAMPLE, replace_in

OP = "norvania-2027"
PAGES = {
    "index.html",
    "hno-protection-analysis.html",
    "hrp-protection-section.html",
    *(f"{d.slug}.html" for d in DOCUMENTS if d.audience is Audience.PUBLIC),
}


def folded(text: str) -> str:
    """Text as a reader sees it: tags gone, entities decoded, whitespace collapsed, lower case."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split()).casefold()


def marked(level: str) -> list[tuple[str, str]]:
    """(id, opening words) of every content item marked ``level``, from the YAML as written."""
    found = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if node.get("classification") == level and "id" in node:
                for field in ("text", "title", "group", "complementarity", "findings"):
                    if isinstance(node.get(field), str):
                        found.append((node["id"], " ".join(node[field].split()[:7])))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    for path in sorted(EXAMPLE.glob("*.yaml")):
        visit(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


INTERNAL = marked("internal")
PUBLIC_PHRASE = "Shelling, air strikes and armed-drone attacks on populated areas"  # T1, public


def search_text(site: Path) -> str:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return folded(" ".join(f"{d['title']} {d['text']}" for d in index["docs"]))


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's public site and internal preview, each built with `protdocs site`."""
    out = tmp_path_factory.mktemp("sites")
    runner = CliRunner()
    for audience in ("public", "internal"):
        args = ["site", "--content", str(EXAMPLE), "--out", str(out), "--audience", audience]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    return out / OP


def test_internal_items_exist_to_be_looked_for() -> None:
    assert {"T6", "D3", "HE2", "nchr", "R6"} <= {item for item, _ in INTERNAL}


def test_a_page_per_public_section_and_annex(sites: Path) -> None:
    site = sites / "site"
    assert {p.name for p in site.glob("*.html")} == PAGES | {"404.html"}
    hno = folded((site / "hno-protection-analysis.html").read_text(encoding="utf-8"))
    assert folded(PUBLIC_PHRASE) in hno
    assert "<title>norvania: protection analysis - norvania 2027 · protection preview</title>" in (
        (site / "hno-protection-analysis.html").read_text(encoding="utf-8").casefold()
    )


def test_home_page_has_operation_version_date_and_people_at_risk(sites: Path) -> None:
    home = folded((sites / "site" / "index.html").read_text(encoding="utf-8"))
    for fact in ("operation norvania", "2027.1-draft", "date", "people in need"):
        assert fact in home
    assert "norvania-2027" not in home.replace("/norvania-2027/", "")  # no slug as a fact
    assert "attacks on civilians and civilian objects in upper tarvan and marisk" in home
    assert "r1:" not in home  # a public page prints no id
    assert "212,000" in home and "143,000" in home  # people at risk of the two priority risks


def test_monitoring_annex_page_shows_its_charts(sites: Path) -> None:
    page = (sites / "site" / "annex-3-monitoring-framework.html").read_text(encoding="utf-8")
    charts = set(re.findall(r'<img [^>]*src="(charts/[^"]+\.png)"', page))
    assert charts, "no chart on the monitoring annex page"
    for chart in charts:
        assert (sites / "site" / chart).is_file()
    assert "{width=" not in page and "custom-style" not in page


def test_search_index_holds_public_text_and_no_internal_text(sites: Path) -> None:
    text = search_text(sites / "site")
    assert folded(PUBLIC_PHRASE) in text
    for item, words in INTERNAL:
        assert folded(words) not in text, f"internal {item} in the public search index"


def test_no_file_of_the_public_site_holds_internal_text(sites: Path) -> None:
    for path in (sites / "site").rglob("*"):
        if path.suffix in {".html", ".json", ".xml"}:
            text = folded(path.read_text(encoding="utf-8"))
            for item, words in INTERNAL:
                assert folded(words) not in text, f"internal {item} in {path}"


def test_sitemap_lists_only_public_pages(sites: Path) -> None:
    """Without a site_url (a preview has no public address) MkDocs lists no URL at all."""
    sitemap = (sites / "site" / "sitemap.xml").read_text(encoding="utf-8")
    listed = {loc.rsplit("/", 1)[-1] for loc in re.findall(r"<loc>([^<]*)</loc>", sitemap)}
    assert listed <= PAGES
    assert "internal" not in sitemap
    assert gzip.decompress((sites / "site" / "sitemap.xml.gz").read_bytes()).decode() == sitemap


def test_internal_preview_is_separate_and_bannered_on_every_page(sites: Path) -> None:
    internal = sites / "site-internal"
    pages = sorted(internal.glob("*.html"))
    assert {p.name for p in pages} == PAGES | {"404.html"}
    for page in pages:
        assert INTERNAL_BANNER in page.read_text(encoding="utf-8"), page.name
    text = search_text(internal)
    assert any(folded(words) in text for _, words in INTERNAL), "internal preview lacks internal"
    for page in (sites / "site").rglob("*.html"):
        assert INTERNAL_BANNER not in page.read_text(encoding="utf-8")


def _recipe(makefile: str, target: str) -> str:
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)*)", makefile, re.MULTILINE)
    assert match, f"no {target} target"
    return match.group(1)


def test_internal_preview_needs_an_explicit_request() -> None:
    config = MKDOCS_YML.read_text(encoding="utf-8")
    assert "site-internal" not in config and "classification_banner" not in config
    extensions = yaml.safe_load(config)["markdown_extensions"]
    names = {e if isinstance(e, str) else next(iter(e)) for e in extensions}
    assert not names & {"attr_list", "md_in_html", "pymdownx.snippets"}
    # A bare `mkdocs build` on this file has no docs folder to read, content/ least of all.
    with pytest.raises(Abort):
        load_config(config_file=str(MKDOCS_YML))
    makefile = (MKDOCS_YML.parent / "Makefile").read_text(encoding="utf-8")
    for target in ("all", "site", "serve"):
        assert "internal" not in _recipe(makefile, target)


def test_every_site_build_starts_empty(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site(content, out)
    site = out / OP / "site"
    assert (site / "annex-2-partners.html").is_file()
    (site / "old-draft.html").write_text("<p>left over</p>", encoding="utf-8")
    fewer = tuple(d for d in DOCUMENTS if d.slug != "annex-2-partners")
    build_site(content, out, documents=fewer)
    assert not (site / "old-draft.html").exists()
    assert not (site / "annex-2-partners.html").exists()
    assert "annex-2-partners" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "annex-2-partners" not in (site / "search" / "search_index.json").read_text()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_site_command_leaves_the_other_outputs_alone(content: Path, example_out: Path) -> None:
    out = example_out  # a build of the same content
    documents = {k: v for k, v in _hashes(out / OP).items() if not k.startswith("site/")}
    stale = out / OP / "site" / "stale.html"
    stale.write_text("old", encoding="utf-8")
    build_site(content, out)
    after = {k: v for k, v in _hashes(out / OP).items() if not k.startswith("site/")}
    assert after == documents
    assert not stale.exists()


def test_site_then_build_both_pass_the_leak_check(runner: CliRunner, tmp_path: Path) -> None:
    common = ["--content", str(EXAMPLE), "--out", str(tmp_path)]
    for command in (["site"], ["site", "--audience", "internal"], ["build"], ["check-leaks"]):
        result = runner.invoke(main, [*command, *common])
        assert result.exit_code == 0, result.output
    assert "leak check passed" in runner.invoke(main, ["site", *common]).output
    assert (tmp_path / OP / "site" / "index.html").is_file()
    assert (tmp_path / OP / "public" / "hno-protection-analysis.docx").is_file()


def test_build_writes_the_public_site_too(example_build: BuildResult) -> None:
    site = example_build.op_dir / "site"
    assert {p.name for p in site.glob("*.html")} == PAGES | {"404.html"}
    assert not (example_build.op_dir / "site-internal").exists()
    assert {p.name for p in example_build.written if p.parent == site} == PAGES


def test_a_leaking_site_is_refused_and_the_last_good_one_kept(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build_site(content, out)
    before = _hashes(out / OP / "site")
    t6 = next(words for item, words in INTERNAL if item == "T6")
    monkeypatch.setattr("generator.site.site_markdown", lambda md: site_markdown(md) + t6)
    with pytest.raises(LeakFound) as caught:
        build_site(content, out)
    assert "T6 (text, internal" in caught.value.message
    assert f"{OP}/site/hno-protection-analysis.html" in caught.value.message
    assert _hashes(out / OP / "site") == before


def test_theme_files_are_listed_as_mkdocs_would_keep_them() -> None:
    """The quick listing of the theme skips hidden folders, and nothing else."""
    import jinja2
    from mkdocs.theme import Theme

    from generator.site import ThemeLoader

    dirs = Theme(name="material").dirs
    everything = jinja2.FileSystemLoader(dirs).list_templates()
    visible = [p for p in everything if not any(part.startswith(".") for part in p.split("/")[:-1])]
    assert any(p.startswith(".icons/") for p in everything)
    assert ThemeLoader(dirs).list_templates() == visible


def test_content_html_is_text_never_markup(tmp_path: Path, content: Path) -> None:
    payload = '<script>alert(1)</script> <b onclick="x()">bold</b> [go](javascript:alert(2))'
    replace_in(content / "analysis.yaml", "      Decades of political", f"      {payload} Decades")
    build_site(content, tmp_path)
    page = (tmp_path / OP / "site" / "hno-protection-analysis.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "<b onclick" not in page
    assert "javascript:" not in page


def test_pandoc_only_syntax_is_dropped_for_the_site() -> None:
    markdown = (
        '---\ntitle: "T"\nsubtitle: "S"\n---\n\n| | |\n|---|---|\n| Operation | X |\n\n'
        '# Heading\n\n::: {custom-style="Notice"}\nText\n:::\n\n'
        '![Chart](charts/I1.png){width=4cm} [**OVERDUE**]{custom-style="Row highlight"}'
        " and \\{drafter braces\\}\n"
    )
    expected = (
        '---\ntitle: "T"\n---\n\n# Heading\n\n| | |\n|---|---|\n| Operation | X |\n\n'
        "Text\n\n![Chart](charts/I1.png) **OVERDUE** and \\{drafter braces\\}\n"
    )
    assert site_markdown(markdown) == expected


def test_site_command_reports_content_errors(runner: CliRunner, content: Path) -> None:
    line = replace_in(content / "analysis.yaml", "    trend: stable", "    trend: stabel")
    result = runner.invoke(main, ["site", "--content", str(content), "--out", str(content.parent)])
    assert result.exit_code == 1
    assert f"analysis.yaml:{line}: threats[T4].trend" in result.output


# --- protdocs serve -------------------------------------------------------------------------


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Until ``condition`` holds; a request that times out while the preview rebuilds (on a
    loaded machine, a test worker beside it) is asked again, until the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except TimeoutError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def preview(content: Path) -> Iterator[tuple[Preview, list[ProtdocsError]]]:
    reports: list[ProtdocsError] = []
    preview = Preview(content, Audience.PUBLIC, port=0, report=reports.append)
    preview.build()
    listening = threading.Event()
    thread = threading.Thread(target=preview.serve, args=(lambda _: listening.set(),), daemon=True)
    thread.start()
    assert listening.wait(timeout=30)
    try:
        yield preview, reports
    finally:
        preview.shutdown()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert not preview.workdir.exists()


def test_serve_binds_loopback_and_rebuilds_on_change(
    preview: tuple[Preview, list[ProtdocsError]], content: Path
) -> None:
    server, reports = preview
    assert server.url.startswith("http://127.0.0.1:")
    page = server.url + "hno-protection-analysis.html"
    assert "armed-drone attacks" in _fetch(page)
    replace_in(content / "analysis.yaml", "armed-drone attacks", "loitering-munition attacks")
    _wait_for(lambda: "loitering-munition attacks" in _fetch(page))
    assert not reports
    # A content error is reported with its file and line; the last good preview stays up.
    line = replace_in(content / "analysis.yaml", "    trend: stable", "    trend: stabel")
    _wait_for(lambda: bool(reports))
    assert isinstance(reports[0], ValidationFailed)
    assert f"analysis.yaml:{line}: threats[T4].trend" in str(reports[0].problems[0])
    assert "loitering-munition attacks" in _fetch(page)


def test_serve_refuses_invalid_content_before_serving(runner: CliRunner, content: Path) -> None:
    line = replace_in(content / "analysis.yaml", "    trend: stable", "    trend: stabel")
    result = runner.invoke(main, ["serve", "--content", str(content), "--port", "0"])
    assert result.exit_code == 1
    assert f"analysis.yaml:{line}: threats[T4].trend" in result.output
    assert "Serving" not in result.output


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_command_stops_cleanly(content: Path, tmp_path: Path, stop: signal.Signals) -> None:
    command = [sys.executable, "-m", "generator", "serve", "--content", str(content), "--port", "0"]
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(temporary)}
    # As from a terminal: a shell that starts pytest in the background makes it, and so the
    # command, ignore Ctrl-C, and Python keeps an ignored SIGINT ignored.
    terminal = partial(signal.signal, signal.SIGINT, signal.SIG_DFL)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env=env, preexec_fn=terminal
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:\d+/", line)
            assert url, line
            assert "Norvania 2027 · Protection preview" in _fetch(url.group(0))
            assert list(temporary.glob("protdocs-serve-*"))
            process.send_signal(stop)
            assert process.wait(timeout=20) == 0
        finally:
            process.kill()  # a command that did not stop fails the test, not the whole run
    assert not list(temporary.iterdir())  # the preview's temporary site is gone
