"""Site writer: the public text as a MkDocs (mkdocs-material) preview site, reviewed before layout.

The pages are the Markdown of every public document, rendered from the view of the audience asked
for (public, or internal for the internal preview), plus a home page. They go into a temporary
docs folder and MkDocs runs in-process on the project's mkdocs.yml: no subprocess per build.
MkDocs' logging is held at WARNING, and any warning it logs fails the build: mkdocs.yml keeps
drafters' links out of its warnings, so what remains (theme, navigation, configuration) is a bug.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import nh3
from lxml import html as lxml_html
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files

from .audience import Audience
from .bidi import isolated
from .cache import OutputCache, code_digest, file_digest, fingerprint, tree_digest
from .charts import charts_folder, write_charts
from .documents import DOCUMENTS, Document
from .errors import BuildFailed
from .i18n import N_, is_right_to_left, translator
from .layout import SITE_FOLDERS
from .mdtext import is_safe_target, marks_to_html, without_marks
from .render import BuildInfo, render
from .resources import MKDOCS_YML, SITE_HOOKS, TEMPLATES
from .writers import write_text

INTERNAL_BANNER = N_("INTERNAL — NOT FOR PUBLICATION")
HOME = Document("index", "site/home.md.j2", Audience.PUBLIC, "site", N_("Overview"))
# Pandoc-only syntax in the templates' Markdown, which MkDocs would print as text: fenced divs
# (`::: {custom-style=...}`), attributes after an image (`{width=4cm}`) and styled spans
# (`[text]{custom-style=...}`). Content text cannot produce these: its braces are escaped.
_FENCED_DIV = re.compile(r"^:::.*(?:\n|$)", re.MULTILINE)
_IMAGE_ATTRIBUTES = re.compile(r"(?<=\))\{[^{}\n]*\}")
_SPAN = re.compile(r"(?<!\\)\[([^\[\]\n]*)\]\{[^{}\n]*\}")
# Material shows a front-matter subtitle under every nav entry; in Word it is the cover's.
_SUBTITLE = re.compile(r"\A(---\n(?:(?!---\n).*\n)*?)subtitle: .*\n")
# The Word cover's facts table opens each document; on a web page the title comes first.
_COVER = re.compile(
    r"^(?P<cover>\| \| \|\n\|---\|---\|\n(?:\|.*\n)+)\n*"
    r"(?P<between>(?:(?!# ).*\n)*?)(?P<h1># .*\n)",
    re.MULTILINE,
)


def site_documents(documents: tuple[Document, ...] = DOCUMENTS) -> tuple[Document, ...]:
    """The documents that become pages: the public ones, whatever the preview's audience."""
    return tuple(doc for doc in documents if doc.audience is Audience.PUBLIC)


def write_site(
    view: dict[str, Any],
    audience: Audience,
    site_dir: Path,
    info: BuildInfo,
    *,
    documents: tuple[Document, ...] = DOCUMENTS,
    rendered: Mapping[str, str] | None = None,
    charts: list[Path] | None = None,
    template_dir: Path = TEMPLATES,
    cache: OutputCache | None = None,
) -> list[Path]:
    """Build the preview of ``view`` into ``site_dir`` (emptied first); returns its HTML pages.

    With a ``cache``, a site whose pages, charts and settings are those of the last build is
    taken from it as it is, and MkDocs does not run.

    A full build passes what it already made from this same view, so nothing is made twice:
    ``rendered``, the documents' Markdown by slug, and ``charts``, the folders of their charts.
    """
    if audience not in SITE_FOLDERS:
        raise ValueError(f"no preview site for the {audience.slug} audience")
    with tempfile.TemporaryDirectory(prefix="protdocs-docs-") as tmp:
        docs_dir = Path(tmp)
        pages = write_pages(view, audience, docs_dir, info, documents, rendered or {}, template_dir)
        if charts is not None:
            copy_charts(charts, docs_dir / charts_folder(view))
        else:
            kinds = tuple(dict.fromkeys(k for page in pages for k in page.charts))
            write_charts(kinds, view, docs_dir)  # charts/*.png, as the pages expect
        key = fingerprint(
            "site", tree_digest(docs_dir), audience.slug, site_name(view, audience), code_digest()
        )
        if cache is None or not cache.reuse_tree(site_dir, key, skip=view["languages"]):
            frame, page_keys = site_keys(view, audience, docs_dir, pages)
            unchanged = cache.unchanged_pages(site_dir, frame, page_keys) if cache else None

            def config() -> MkDocsConfig:  # one per MkDocs run: its plugins keep state
                return site_config(view, audience, docs_dir, site_dir, pages)

            if not unchanged or not _partial_build(config(), site_dir, unchanged, cache, view):
                _whole_build(config(), site_dir, view)
    return [site_dir / f"{doc.slug}.html" for doc in pages]


def _whole_build(config: MkDocsConfig, site_dir: Path, view: dict[str, Any]) -> None:
    shutil.rmtree(site_dir, ignore_errors=True)  # what a partial build may have left
    run_mkdocs(config)
    prune_theme(site_dir, view["lang"])
    mark_languages(site_dir, skip=view["languages"])
    if is_right_to_left(view["lang"]):
        isolate_latin_text(site_dir, skip=view["languages"])
    sanitise_site(site_dir, skip=view["languages"])


def site_keys(
    view: dict[str, Any], audience: Audience, docs_dir: Path, pages: list[Document]
) -> tuple[str, dict[str, str]]:
    """What every page of the site is made from (its frame: settings, theme, navigation, the
    other files' names), and what each page is made from besides (its own Markdown). A page
    whose own key and the frame are those of the last build comes out of MkDocs byte for byte
    the same: the navigation's titles are the config's (``site_nav``), not read from pages."""
    names = [p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*") if p.is_file()]
    frame = fingerprint(
        "site-frame",
        audience.slug,
        view["lang"],
        view["languages"],
        site_name(view, audience),
        site_nav(pages, view["lang"]),
        sorted(names),
        code_digest(),
        _versions(),
    )
    return frame, {f"{p.slug}.md": file_digest(docs_dir / f"{p.slug}.md") for p in pages}


@lru_cache(maxsize=1)
def _versions() -> list[str]:
    """The site's libraries: a new theme version makes every page again."""
    from importlib.metadata import version

    return [version(name) for name in ("mkdocs", "mkdocs-material", "markdown", "nh3")]


def _partial_build(
    config: MkDocsConfig,
    site_dir: Path,
    unchanged: set[str],
    cache: OutputCache | None,
    view: dict[str, Any],
) -> bool:
    """MkDocs makes only the changed pages (its ``dirty`` build, told which pages and theme
    files to leave alone), into the empty staging folder; every file it did not write is then
    linked from the last build, and the search index takes the last build's entries of the
    unchanged pages. Nothing is written into a file linked from the last build. False if the
    last build's search index cannot be merged (the caller then builds the whole site)."""
    assert cache is not None
    docs_dir = Path(config.docs_dir)
    config.plugins["protdocs-unchanged"] = _Unchanged(unchanged, docs_dir)
    run_mkdocs(config, dirty=True)
    written = {p for p in site_dir.rglob("*") if p.is_file()}
    index = site_dir / "search" / "search_index.json"
    old_index = cache.previous / cache.relative(index)
    if not _merge_search_index(index, old_index, unchanged):
        return False
    prune_theme(site_dir, view["lang"])
    cache.link_missing(site_dir, skip=view["languages"])
    fresh = [p for p in written if p.suffix == ".html" and p.exists()]
    mark_languages(site_dir, skip=view["languages"], only=fresh)
    if is_right_to_left(view["lang"]):
        isolate_latin_text(site_dir, skip=view["languages"], only=fresh)
    sanitise_site(site_dir, skip=view["languages"], only=fresh)
    return True


class _Unchanged(BasePlugin):  # type: ignore[type-arg]
    """Tells a dirty MkDocs build which files to leave alone: the unchanged pages and the
    theme's own files (both linked from the last build afterwards)."""

    def __init__(self, pages: set[str], docs_dir: Path) -> None:
        super().__init__()
        self.pages, self.docs_dir = pages, str(docs_dir.resolve())

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        for file in files:
            ours = file.abs_src_path and os.path.realpath(file.abs_src_path).startswith(
                self.docs_dir + os.sep
            )
            if file.src_uri in self.pages or not ours:
                file.is_modified = _never  # type: ignore[method-assign]
        return files


def _never() -> bool:
    return False


def _merge_search_index(index: Path, old_index: Path, unchanged: set[str]) -> bool:
    """The last build's entries of the unchanged pages, in their place, with this build's of
    the others; the result cleaned as a whole build's is (``_sanitise_search_index``)."""
    try:
        new = json.loads(index.read_text(encoding="utf-8"))
        old = json.loads(old_index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    kept_pages = {name.removesuffix(".md") + ".html" for name in unchanged}
    made: dict[str, list[dict[str, Any]]] = {}
    for entry in new.get("docs", []):
        made.setdefault(entry["location"].split("#")[0], []).append(entry)
    merged: list[dict[str, Any]] = []
    placed: set[str] = set()
    for entry in old.get("docs", []):
        page = entry["location"].split("#")[0]
        if page in kept_pages:
            merged.append(entry)
        elif page in made:
            merged.extend(made.pop(page))
            placed.add(page)
        elif page not in placed:
            return False  # a page of the last build that is no longer made: not a partial build
    if made:
        return False  # a page the last build did not have
    data = {"config": new["config"], "docs": merged}
    index.unlink()
    write_text(index, search_index_json(data))
    return True


def mark_languages(site_dir: Path, skip: list[str], only: Iterable[Path] | None = None) -> None:
    """Text in another language (a translation not yet given) becomes <span lang="en-GB"> in
    each page's content; its marks are dropped everywhere else (titles, navigation, search).
    ``only``: the pages a partial build made (the search index is always done)."""
    for path in _own_files(
        site_dir, skip, [*_pages(site_dir, only), *site_dir.glob("search/*.json")]
    ):
        text = path.read_text(encoding="utf-8")
        marked = _ARTICLE.sub(
            lambda m: m.group(1) + marks_to_html(m.group(2)) + m.group(3), text, count=1
        )
        marked = without_marks(marked)
        if marked != text:
            write_text(path, marked)


def _pages(site_dir: Path, only: Iterable[Path] | None) -> Iterable[Path]:
    """Every page of the folder, or ``only`` those (the pages a partial build made)."""
    return site_dir.rglob("*.html") if only is None else only


def _own_files(site_dir: Path, skip: Iterable[str], paths: Iterable[Path]) -> list[Path]:
    """``paths`` in order, without those of the other languages' sites in its folders
    (``skip``: site/fr/, site/ar/), which their own builds mark, isolate and clean."""
    skipped = set(skip)
    return sorted(p for p in paths if not skipped.intersection(p.relative_to(site_dir).parts[:1]))


def isolate_latin_text(site_dir: Path, skip: list[str], only: Iterable[Path] | None = None) -> None:
    """A right-to-left site: the Latin stretches of every paragraph, heading, list item and table
    cell of each page's content, and of each title of its navigation, between LRI and PDI, as in
    the Word files and PDFs (``bidi``): "2027.1-draft" no longer shows as "draft-2027.1", nor an
    English sentence with its full stop first. The search index keeps its text without them.
    ``skip`` and ``only`` as for ``mark_languages``."""
    for path in _own_files(site_dir, skip, _pages(site_dir, only)):
        text = path.read_text(encoding="utf-8")
        isolated_ = _ARTICLE.sub(
            lambda m: m.group(1) + _isolated_html(m.group(2)) + m.group(3), text, count=1
        )
        isolated_ = _TITLE_SPAN.sub(
            lambda m: m.group(1) + _isolated_text(m.group(2)) + m.group(3), isolated_
        )
        if isolated_ != text:
            write_text(path, isolated_)


# The navigation's and header's titles: text alone in the theme's span.
_TITLE_SPAN = re.compile(r'(<span class="md-ellipsis">)([^<]*)(</span>)')
_BLOCKS = frozenset(
    {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "caption"}
    | {"figcaption", "summary", "div", "table", "thead", "tbody", "tfoot", "tr", "ul", "ol"}
    | {"dl", "blockquote", "details", "figure", "pre", "nav", "section", "article", "aside"}
    | {"header", "footer"}
)


def _isolated_text(escaped: str) -> str:
    (text,) = isolated([html.unescape(escaped)])
    return html.escape(text, quote=False)


def _isolated_html(fragment: str) -> str:
    """Each block of an HTML fragment with its text isolated across its inline elements (a
    sentence half in italics stays one stretch); a block inside a block is its own paragraph."""
    lead = fragment[: len(fragment) - len(fragment.lstrip())]  # which the parser drops
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for block in root.iter(*_BLOCKS):
        slots: list[tuple[Any, str]] = []
        _html_text_slots(block, slots)
        pieces = [getattr(node, slot) or "" for node, slot in slots]
        for (node, slot), text in zip(slots, isolated(pieces), strict=True):
            if text != (getattr(node, slot) or ""):
                setattr(node, slot, text)
    head = html.escape(root.text or "", quote=False)
    return lead + head + "".join(lxml_html.tostring(child, encoding="unicode") for child in root)


def _html_text_slots(element: Any, slots: list[tuple[Any, str]]) -> None:
    """(element, "text" or "tail") of each piece of text a block shows, in order, not going into
    the blocks inside it (a comment's own text is not shown, its tail is)."""
    if isinstance(element.tag, str):
        slots.append((element, "text"))
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _BLOCKS:
            _html_text_slots(child, slots)
        slots.append((child, "tail"))


def copy_charts(folders: list[Path], target: Path) -> None:
    """The charts of this view's language only: each folder's files, not its subfolders."""
    for folder in folders:
        for chart in folder.glob("*") if folder.is_dir() else ():
            if chart.is_file():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(chart, target / chart.name)


def write_pages(
    view: dict[str, Any],
    audience: Audience,
    docs_dir: Path,
    info: BuildInfo,
    documents: tuple[Document, ...],
    rendered: Mapping[str, str],
    template_dir: Path,
) -> list[Document]:
    """The home page and one page per public document, as MkDocs Markdown; returns the nav."""
    # A page carries the preview's classification on its cover, not the public document's.
    pages = [replace(doc, audience=audience) for doc in site_documents(documents)]
    home = replace(HOME, audience=audience)
    write_text(docs_dir / "index.md", site_markdown(render(home, view, info, pages=pages)))
    for page in pages:
        markdown = rendered.get(page.slug) if audience is Audience.PUBLIC else None
        if markdown is None:
            markdown = render(page, view, info, template_dir)
        write_text(docs_dir / f"{page.slug}.md", site_markdown(markdown))
    return [home, *pages]


def site_markdown(markdown: str) -> str:
    """Pandoc Markdown as MkDocs reads it: the front matter stays (MkDocs takes its title)."""
    markdown = _SUBTITLE.sub(r"\1", markdown, count=1)
    markdown = _COVER.sub(r"\g<between>\g<h1>\n\g<cover>", markdown, count=1)
    markdown = _FENCED_DIV.sub("", markdown)
    markdown = _IMAGE_ATTRIBUTES.sub("", markdown)
    return _SPAN.sub(r"\1", markdown)


def prune_theme(site_dir: Path, lang: str) -> None:
    """Drop theme files this site never loads: 2 MB that nobody reviews but the leak check reads.

    Source maps are debugging aids; the search worker loads a word segmenter only for Japanese
    (tinyseg) or Hindi and Thai (wordcut).
    """
    for source_map in site_dir.glob("assets/**/*.map"):
        source_map.unlink()
    for segmenter, languages in (("tinyseg.js", {"ja"}), ("wordcut.js", {"hi", "th"})):
        if lang not in languages:
            (site_dir / "assets" / "javascripts" / "lunr" / segmenter).unlink(missing_ok=True)


# What the pages' content may hold once MkDocs made it HTML: the Markdown of the content format
# and of the templates (and the few blocks Python-Markdown adds: admonitions, code), nothing
# that runs or loads. Links and images keep http, https, mailto and relative addresses only.
_CONTENT_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_CONTENT_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang"},  # lang: text in another language (mdtext)
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    """An image shows only one of the build's charts (``charts/...``): the preview loads
    nothing from elsewhere, nor anything a link to the machine's files would name."""
    if tag == "img" and attribute == "src":
        relative = not _SCHEME_OR_HOST.match(value) and ".." not in value.split("/")
        return value if relative and value.startswith("charts/") else None
    return value


_SCHEME_OR_HOST = re.compile(r"\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:|[/\\]{2})")
_CONTENT = nh3.Cleaner(
    tags=_CONTENT_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_CONTENT_ATTRIBUTES,
    attribute_filter=_own_images_only,
    url_schemes=_URL_SCHEMES,
    filter_style_properties={"text-align"},  # the tables extension aligns columns this way
    link_rel=None,
)
# The search index's text is shown as HTML in the search results: text-level tags only.
_SEARCH_TEXT = nh3.Cleaner(
    tags={"p", "ul", "ol", "li", "em", "strong", "code", "pre", "b", "i", "br", "table", "tr",
          "td", "th", "thead", "tbody", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"},
    clean_content_tags={"script", "style"},
    attributes={},
    url_schemes=_URL_SCHEMES,
    link_rel=None,
)  # fmt: skip
_ARTICLE = re.compile(
    r'(<article class="md-content__inner md-typeset">)(.*)(</article>)', re.DOTALL
)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "cite",
                   "background", "data", "srcset", "codebase", "manifest"}  # fmt: skip
_ACTIVE_TAGS = {"iframe", "frame", "frameset", "object", "embed", "base", "applet"}


def sanitise_site(
    site_dir: Path, skip: Iterable[str] = (), only: Iterable[Path] | None = None
) -> None:
    """Clean every page's content after MkDocs wrote it, then check the whole page.

    The content region of each page (mkdocs-material's ``article``) goes through nh3 with an
    allow-list of tags, attributes and URL schemes, whatever the Markdown looked like; the
    theme's own structure and scripts around it are kept; a page without that region (a new
    theme version) fails the build rather than go uncleaned. Then every page is read as a
    browser would: an ``on...`` attribute, a frame or object, or a link, form action or source
    with a scheme other than http(s)/mailto anywhere (title, navigation, table of contents)
    fails the build. The search index's text, which the search shows as HTML, is cleaned too.
    ``skip``: the folders of the other languages' sites, cleaned by their own build; ``only``:
    the pages a partial build made (the others are the last build's, cleaned by it).
    """
    problems: list[str] = []
    for page in _own_files(site_dir, skip, _pages(site_dir, only)):
        text = page.read_text(encoding="utf-8")
        clean, found = _ARTICLE.subn(
            lambda m: m.group(1) + _CONTENT.clean(m.group(2)) + m.group(3), text, count=1
        )
        if not found:
            problems.append(f"{page.relative_to(site_dir)}: no content region to clean")
        elif clean != text:
            write_text(page, clean)
        problems.extend(f"{page.relative_to(site_dir)}: {p}" for p in page_problems(clean))
    index = site_dir / "search" / "search_index.json"
    if index.is_file():
        _sanitise_search_index(index)
    if problems:
        raise BuildFailed(
            "the preview site holds what it must not (this is a bug in protdocs or an attack "
            "through the content: report it with the content that caused it):\n  "
            + "\n  ".join(problems)
        )


def _sanitise_search_index(index: Path) -> None:
    data = json.loads(index.read_text(encoding="utf-8"))
    changed = False
    for entry in data.get("docs", []):
        for field in ("title", "text"):
            value = entry.get(field)
            if isinstance(value, str) and (clean := _SEARCH_TEXT.clean(value)) != value:
                entry[field] = clean
                changed = True
    if changed:
        write_text(index, search_index_json(data))


def search_index_json(data: dict[str, Any]) -> str:
    """The search index as the theme writes it, so that an index cleaned or merged from a
    partial build (``_merge_search_index``) is the same bytes as a whole build's."""
    return json.dumps(data, separators=(",", ":"), default=str)


def _urls_are_safe(name: str, value: str) -> bool:
    if name == "srcset":
        return all(is_safe_target(part.split()[0]) for part in value.split(",") if part.split())
    return is_safe_target(value)


def page_problems(page: str) -> list[str]:
    """What in one page's final HTML could run or load something it must not.

    Read with libxml2's HTML parser (through lxml, which python-docx already needs): entities
    decoded, attributes as a browser sees them, ten times quicker than ``html.parser`` on the
    theme's large pages.
    """
    problems: list[str] = []
    for element in lxml_html.document_fromstring(page).iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.lower() in _ACTIVE_TAGS:
            problems.append(f"a <{tag}> element")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                problems.append(f"an {name} attribute on <{tag}>")
            elif name in _URL_ATTRIBUTES and value and not _urls_are_safe(name, value):
                problems.append(f"<{tag} {name}={value[:80]!r}>")
    return problems


def site_nav(pages: list[Document], lang: str = "en") -> list[dict[str, Any]]:
    """Home and the sections first, then the annexes under one heading."""
    _ = translator(lang)
    nav: list[dict[str, Any]] = []
    annexes: list[dict[str, Any]] = []
    for page in pages:
        entry = {_(page.title): f"{page.slug}.md"}
        (annexes if Path(page.folder).name == "annexes" else nav).append(entry)
    return nav + ([{_("Annexes"): annexes}] if annexes else [])


def site_name(view: dict[str, Any], audience: Audience) -> str:
    """'Norvania 2027 · Protection preview', safe in the HTML attributes the theme puts it in."""
    _ = translator(view["lang"])
    op = view["operation"]
    country = without_marks(html.unescape(op["country"]).replace("\\", ""))
    name = _("{country} {year} · Protection preview").format(country=country, year=op["plan_year"])
    if audience is not Audience.PUBLIC:
        name += f" ({_(audience.slug.capitalize()).upper()})"
    return html.escape(name, quote=True)


def site_config(
    view: dict[str, Any], audience: Audience, docs_dir: Path, site_dir: Path, pages: list[Document]
) -> MkDocsConfig:
    with mkdocs_logging():
        config = load_config(
            config_file=str(MKDOCS_YML),
            docs_dir=str(docs_dir),
            site_dir=str(site_dir.absolute()),  # else MkDocs takes it as relative to mkdocs.yml
            site_name=site_name(view, audience),
            nav=site_nav(pages, view["lang"]),
            hooks=[str(SITE_HOOKS)],  # wherever the package is installed
        )
    _list_theme_files_quickly(config)
    config.theme["language"] = view["lang"]
    if is_right_to_left(view["lang"]):
        config.theme["direction"] = "rtl"  # mkdocs-material mirrors the layout
    config.extra["classification_banner"] = (
        translator(view["lang"])(INTERNAL_BANNER) if audience is not Audience.PUBLIC else None
    )
    return config


class ThemeLoader(jinja2.FileSystemLoader):
    """The theme's templates as MkDocs' own loader has them, listed without walking hidden
    folders. MkDocs lists every file of the theme to find the static ones to copy, and drops
    those under hidden folders; material keeps 14,000 icons in ``.icons``, and walking them
    took about half of each MkDocs build (under the profiler). Loading templates (icons
    included) is unchanged."""

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for searchpath in self.searchpath:
            for folder, folders, names in os.walk(searchpath, followlinks=self.followlinks):
                folders[:] = sorted(f for f in folders if not f.startswith("."))
                inner = Path(folder).relative_to(searchpath)
                found.update((inner / name).as_posix() for name in names)
        return sorted(found)


def _list_theme_files_quickly(config: MkDocsConfig) -> None:
    theme = config.theme
    make_env = theme.get_env

    def get_env() -> jinja2.Environment:
        env = make_env()
        env.loader = ThemeLoader(theme.dirs)
        return env

    theme.get_env = get_env  # type: ignore[method-assign]


def run_mkdocs(config: MkDocsConfig, dirty: bool = False) -> None:
    """MkDocs' own build, in-process; its warnings and errors become one BuildFailed.
    ``dirty``: MkDocs' partial build (``_partial_build``), whose own warning about it is not
    one about the site."""
    with mkdocs_logging(dirty) as problems:
        try:
            config.plugins.on_startup(command="build", dirty=dirty)
            _forget_last_search_index(config)
            try:
                mkdocs_build(config, dirty=dirty)
            finally:
                config.plugins.on_shutdown()
        except (MkDocsException, OSError) as exc:
            problems.append(str(exc))
    if problems:
        raise BuildFailed("the preview site could not be built:\n  " + "\n  ".join(problems))


_DIRTY_WARNING = "A 'dirty' build is being performed"


def _forget_last_search_index(config: MkDocsConfig) -> None:
    """mkdocs-material's search plugin keeps a dirty build's index in the plugin, which MkDocs
    reuses for the next build in the same process, and merges it into that build's index:
    the pages of another site (another audience's) would land in this one's search. Each
    build starts from none; ``_merge_search_index`` does a partial build's merging."""
    for plugin in config.plugins.values():
        if hasattr(plugin, "search_index_prev"):
            plugin.search_index_prev = None


class _Collector(logging.Handler):
    def __init__(self, dirty: bool = False) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.dirty = dirty

    def emit(self, record: logging.LogRecord) -> None:
        # The preview server's request log is not about the build.
        message = record.getMessage()
        if self.dirty and message.startswith(_DIRTY_WARNING):
            return  # about the navigation of pages not made again: ours are (``site_keys``)
        if not record.name.startswith("mkdocs.livereload"):
            self.messages.append(message)


@contextmanager
def mkdocs_logging(dirty: bool = False) -> Iterator[list[str]]:
    """Hold MkDocs at WARNING (no wall of INFO lines) and collect what it warns about."""
    logger = logging.getLogger("mkdocs")
    collector = _Collector(dirty)
    level = logger.level
    logger.setLevel(logging.WARNING)
    logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)
        logger.setLevel(level)
