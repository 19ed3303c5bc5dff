"""The preview site in a real browser: Debian's headless Chromium, driven through ChromeDriver.

The example operation, with markup injected into public content, is built with `protdocs site`
and served on 127.0.0.1; every page of its public and internal previews also goes through
axe-core (accessibility: no serious or critical violation). Nothing here downloads a browser: without /usr/bin/chromium the tests
are skipped locally (`make browser` installs it) and fail under CI, where it must be present.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_selenium_python import Axe
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from generator.audience import Audience
from generator.build import build_site
from generator.documents import DOCUMENTS
from generator.errors import BuildFailed, Problem, ProtdocsError, Severity, ValidationFailed
from generator.serve import BANNER_ID, Preview
from generator.serve import error_banner as error_banner_html
from generator.site import INTERNAL_BANNER
from tests.conftest import EXAMPLE, replace_in

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# As root, in a sandbox with no network but loopback (see `make browser`).
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
OP = "norvania-2027"
WAIT = 30

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
LINK = "[click me](javascript:window.__pwned=3)"
CELL = '<svg onload="window.__pwned=4"></svg>'
INJECTED_DRIVER = f"""  - id: D9
    classification: public
    text: '{SCRIPT} {IMG} {LINK} Injected markup stays text.'
"""
INJECTED_THREAT = f"""  - id: T9
    classification: public
    text: '{CELL} A threat whose text carries markup.'
    trend: unknown
"""

PUBLIC_PAGES = [d for d in DOCUMENTS if d.audience is Audience.PUBLIC]
PUBLIC_SEARCH = "shelling air strikes"  # T1, public
INTERNAL_SEARCHES = ("incommunicado", "smuggling")  # R6's title and D3's text, both internal


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with markup injected into a public driver and a public threat, built."""
    root = tmp_path_factory.mktemp("browser")
    content = root / "content"
    shutil.copytree(EXAMPLE, content)
    analysis = content / "analysis.yaml"
    replace_in(analysis, "drivers:\n", "drivers:\n" + INJECTED_DRIVER)
    replace_in(analysis, "threats:\n", "threats:\n" + INJECTED_THREAT)
    build_site(content, root / "out", Audience.PUBLIC)
    build_site(content, root / "out", Audience.INTERNAL)
    return root / "out" / OP


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def serve_folder() -> Iterator[Callable[[Path], str]]:
    """Serve a folder over HTTP on 127.0.0.1 in a thread; returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site_url(built: Path, serve_folder: Callable[[Path], str]) -> str:
    return serve_folder(built / "site")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests but {', '.join(missing)} is missing")
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed: `make browser` installs Debian's chromium"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch a browser or driver
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(browser: WebDriver, url: str) -> None:
    browser.get(url)
    wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")


def wait(browser: WebDriver, condition: Callable[[WebDriver], object]) -> object:
    return WebDriverWait(browser, WAIT).until(condition)


def console_errors(browser: WebDriver) -> list[dict[str, object]]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def visible_link(browser: WebDriver, text: str) -> WebElement:
    def find(driver: WebDriver) -> WebElement | None:
        links = driver.find_elements(By.CSS_SELECTOR, ".md-tabs__link, .md-nav--primary a")
        return next((a for a in links if a.is_displayed() and a.text.strip() == text), None)

    link = wait(browser, find)
    assert isinstance(link, WebElement)
    return link


def test_every_page_loads_without_console_errors(browser: WebDriver, site_url: str) -> None:
    browser.get_log("browser")  # start from an empty log
    for page in ["index.html", *(f"{d.slug}.html" for d in PUBLIC_PAGES)]:
        open_page(browser, site_url + page)
        wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "article h1").is_displayed())
        assert console_errors(browser) == [], page


def test_navigation_reaches_every_section(browser: WebDriver, site_url: str) -> None:
    for doc in PUBLIC_PAGES:
        open_page(browser, site_url + "index.html")
        if Path(doc.folder).name == "annexes":
            visible_link(browser, "Annexes").click()
            wait(browser, lambda d: "annex" in d.current_url)
        visible_link(browser, doc.title).click()
        wait(browser, lambda d, slug=doc.slug: d.current_url.endswith(f"/{slug}.html"))
        assert browser.title.startswith(f"Norvania: {doc.title} - "), browser.title
        assert browser.find_element(By.CSS_SELECTOR, "article h1").is_displayed()


def search(browser: WebDriver, site_url: str, query: str) -> tuple[str, list[str]]:
    """What Material's client-side search shows for ``query``: its summary and result links.

    A public query runs first and must return hits, so the search worker has loaded the index
    before ``query`` is typed: "No matching documents" then really means none.
    """
    open_page(browser, site_url + "index.html")
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.click()
    box.send_keys(PUBLIC_SEARCH)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item"))
    box.clear()
    box.send_keys(" ")  # an input event, so the result list resets before the real query
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, ".md-search-result__item"))
    box.clear()
    box.send_keys(query)

    def settled(driver: WebDriver) -> str | None:
        meta = driver.find_element(By.CSS_SELECTOR, ".md-search-result__meta").text.strip()
        return meta if "matching document" in meta else None

    summary = wait(browser, settled)
    assert isinstance(summary, str)
    links = browser.find_elements(By.CSS_SELECTOR, ".md-search-result__item a")
    return summary, [str(a.get_attribute("href")) for a in links]


def test_search_finds_public_text(browser: WebDriver, site_url: str) -> None:
    summary, links = search(browser, site_url, PUBLIC_SEARCH)
    assert summary != "No matching documents"
    assert any("hno-protection-analysis.html" in link for link in links), links


@pytest.mark.parametrize("query", INTERNAL_SEARCHES)
def test_search_finds_no_internal_text(browser: WebDriver, site_url: str, query: str) -> None:
    summary, links = search(browser, site_url, query)
    assert summary == "No matching documents", links
    assert links == []


def test_script_injected_through_content_does_not_run(browser: WebDriver, site_url: str) -> None:
    open_page(browser, site_url + "hno-protection-analysis.html")
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    text = browser.find_element(By.CSS_SELECTOR, "article").text
    for shown in (SCRIPT, IMG, CELL, "Injected markup stays text."):
        assert shown in text
    link = browser.find_element(By.LINK_TEXT, "click me")
    assert not str(link.get_attribute("href")).lower().startswith("javascript:")
    link.click()
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert console_errors(browser) == []


def test_home_page_screenshot_is_not_blank(
    browser: WebDriver, site_url: str, tmp_path: Path
) -> None:
    open_page(browser, site_url + "index.html")
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "article h1").is_displayed())
    shot = tmp_path / "home.png"
    assert browser.save_screenshot(str(shot))
    with Image.open(shot) as image:
        pixels = image.convert("RGB")
        width, height = pixels.size
        assert (width, height) >= (800, 600)
        colours = pixels.getcolors(maxcolors=width * height) or []
        assert len(colours) > 50, "the page is (nearly) one colour"
        background = max(colours)[0]
        assert background < 0.95 * width * height, "almost every pixel is the background"


def test_internal_preview_shows_the_banner_on_every_page(
    browser: WebDriver, built: Path, serve_folder: Callable[[Path], str]
) -> None:
    url = serve_folder(built / "site-internal")
    for page in ["index.html", *(f"{d.slug}.html" for d in PUBLIC_PAGES)]:
        open_page(browser, url + page)
        banner = browser.find_element(By.CSS_SELECTOR, ".md-banner")
        assert banner.is_displayed() and banner.text.strip() == INTERNAL_BANNER, page
    summary, _ = search(browser, url, INTERNAL_SEARCHES[0])
    assert summary != "No matching documents"  # the internal preview does hold internal text


# -- serve: a content error shows in the browser until it is fixed ------------------------------
@pytest.fixture
def live_preview(content: Path) -> Iterator[tuple[Preview, list[ProtdocsError]]]:
    """`protdocs serve` on a copy of the example, in a thread, on a free port."""
    reports: list[ProtdocsError] = []
    preview = Preview(content, Audience.PUBLIC, port=0, report=reports.append)
    preview.build()
    listening = threading.Event()
    thread = threading.Thread(target=preview.serve, args=(lambda _: listening.set(),), daemon=True)
    thread.start()
    assert listening.wait(timeout=WAIT)
    try:
        yield preview, reports
    finally:
        preview.shutdown()
        thread.join(timeout=10)


def error_banner(browser: WebDriver) -> WebElement | None:
    found = browser.find_elements(By.ID, BANNER_ID)
    return found[0] if found else None


def test_serve_shows_a_content_error_on_every_page_until_it_is_fixed(
    browser: WebDriver, live_preview: tuple[Preview, list[ProtdocsError]], content: Path
) -> None:
    preview, reports = live_preview
    page = preview.url + "hno-protection-analysis.html"
    open_page(browser, page)
    assert error_banner(browser) is None
    # A bad edit whose value is markup: the message quotes it, and the banner shows it as text.
    bad = '    trend: "<b id=typed>stabel</b>"'
    line = replace_in(content / "analysis.yaml", "    trend: stable", bad)
    wait(browser, lambda d: error_banner(d) is not None)  # the open page reloaded by itself
    assert reports and isinstance(reports[-1], ValidationFailed)
    banner = error_banner(browser)
    assert banner is not None and banner.is_displayed()
    assert "The content has 1 error" in banner.text
    assert "this page is the last good preview" in banner.text
    assert f"analysis.yaml:{line}: threats[T4].trend: '<b id=typed>stabel</b>'" in banner.text
    assert browser.find_elements(By.ID, "typed") == []
    for other in ("index.html", "hrp-protection-section.html"):
        open_page(browser, preview.url + other)
        shown = error_banner(browser)
        assert shown is not None and shown.is_displayed(), other
    replace_in(content / "analysis.yaml", bad, "    trend: stable")
    wait(browser, lambda d: error_banner(d) is None)
    open_page(browser, page)
    assert error_banner(browser) is None
    assert console_errors(browser) == []


def test_error_banner_lists_errors_escaped_and_sends_the_rest_to_the_terminal() -> None:
    problems = [
        Problem(Path("analysis.yaml"), line, f"threats[T{line}].trend", f"'<i>x{line}</i>' is not")
        for line in range(1, 16)
    ]
    problems.append(Problem(Path("partners.yaml"), 3, "", "a warning", None, Severity.WARNING))
    banner = error_banner_html(ValidationFailed(problems)).decode()
    assert "The content has 15 errors" in banner
    assert banner.count("<li>") == 13  # twelve errors, then how many more
    assert "… and 3 more: see the terminal." in banner
    assert "&lt;i&gt;x1&lt;/i&gt;" in banner and "<i>" not in banner
    assert "a warning" not in banner
    other = error_banner_html(BuildFailed("pandoc failed: <b>")).decode()
    assert "The preview could not be rebuilt" in other and "pandoc failed: &lt;b&gt;" in other


# -- accessibility: axe-core on every page of both previews -------------------------------------
SERIOUS = {"serious", "critical"}


def site_pages(site: Path) -> list[str]:
    """Every page of a site, theme files aside, by its path from the site's root."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if "assets" not in p.relative_to(site).parts
    )


@pytest.mark.parametrize("folder", ["site", "site-internal"])
def test_every_site_page_passes_axe(
    browser: WebDriver,
    built: Path,
    serve_folder: Callable[[Path], str],
    folder: str,
) -> None:
    """axe-core's WCAG 2.x A/AA rules and best practices on each page; none serious or worse."""
    site = built / folder
    pages = site_pages(site)
    assert "index.html" in pages and len(pages) >= 4
    base = serve_folder(site)
    problems = []
    for page in pages:
        open_page(browser, base + page)
        axe = Axe(browser)
        axe.inject()
        results = axe.run()
        for violation in results["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{page}: {violation['id']} ({violation['impact']}): {targets}")
    assert problems == [], "\n".join(problems)
