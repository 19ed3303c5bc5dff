"""Stage 4, render: a view and a Jinja2 template make one Markdown document.

Content text arrives already inert (see ``mdtext``) and is passed as data, so ``{{ ... }}`` in a
drafter's text is printed, never evaluated. ``StrictUndefined`` turns a template typo into an error.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from . import columns, i18n
from . import schema as s
from .anchors import strip_anchors
from .cache import user_cache
from .charts import Labels, alt_text, severity_alt_text
from .documents import Document
from .errors import BuildFailed
from .layout import charts_folder
from .mdtext import one_line, without_marks
from .resources import TEMPLATES
from .tracking import in_order, indicator_progress, is_overdue, progress_label


@dataclass(frozen=True)
class BuildInfo:
    """What every document prints on its first page besides the content."""

    date: dt.date
    tool_version: str
    # The full build time (UTC): Word's created/modified dates and its zip entries carry it.
    time: dt.datetime | None = None

    @property
    def timestamp(self) -> dt.datetime:
        """When the outputs say they were made; midnight of ``date`` when no time was given."""
        return self.time or dt.datetime.combine(self.date, dt.time(0, 0), dt.UTC)


def build_time() -> dt.datetime:
    """The build time, from SOURCE_DATE_EPOCH when set so that rebuilds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def build_date() -> dt.date:
    """The date of ``build_time``: what the covers print and overdue actions are judged by."""
    return build_time().date()


def current_build(tool_version: str) -> BuildInfo:
    """One build's date and time, read once so that every output of the build agrees."""
    time = build_time()
    return BuildInfo(time.date(), tool_version, time)


def _label(value: Any, vocab: str) -> str:
    labels = s.vocabulary()[vocab]
    return labels.get(value, str(value)) if value is not None else ""


def _number(value: Any, lang: str = "en") -> str:
    return i18n.number(value, lang)


def _compact(value: Any, lang: str = "en") -> str:
    return i18n.compact(value, lang)


def _percent(value: float | None, lang: str = "en") -> str:
    return i18n.percent(value, lang)


def _by_risk(clusters: list[dict[str, Any]]) -> dict[str, list[tuple[dict[str, Any], dict]]]:
    """Risk id -> the clusters contributing to it, in their order, each with its contributions
    by area of action: one pass over the contributions instead of one per risk and cluster."""
    index: dict[str, dict[str, tuple[dict[str, Any], dict[str, list]]]] = {}
    for cluster in clusters:
        for contribution in cluster["contributions"]:
            for risk in contribution["risks"]:
                _, areas = index.setdefault(risk, {}).setdefault(cluster["id"], (cluster, {}))
                areas.setdefault(contribution["area"], []).append(contribution)
    return {risk: list(by_cluster.values()) for risk, by_cluster in index.items()}


_YAML_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\ufeff]")


def _yaml_string(value: str) -> str:
    """A YAML double-quoted scalar: safe for any text in a front-matter block. Every line break
    YAML knows (``\\r``, NEL, the Unicode separators) and control character becomes a space."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _YAML_BREAKS.sub(" ", escaped) + '"'


@cache
def bytecode_cache(kind: str = "templates") -> jinja2.BytecodeCache | None:
    """Compiled templates, kept like Python's __pycache__: compiling them costs more than a
    whole rebuild. Keyed by each template's source, so an edited template is compiled again.
    ``kind`` keeps apart the site theme's and each language's: Jinja folds constant
    expressions such as ``"threat" | label("area")`` into the compiled code, in one language."""
    folder = user_cache() / f"jinja-{jinja2.__version__}" / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@cache
def environment(
    template_dir: Path = TEMPLATES, lang: str = i18n.SOURCE_LANGUAGE
) -> jinja2.Environment:
    """Templates whose ``_()`` strings and vocabulary labels come out in ``lang``: one per
    folder and language for the whole process, so that a build's forty renders (and a
    ``serve`` session's builds) load each template once. Jinja checks a template's file
    before each use (``auto_reload``), so an edited template is still compiled again."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"],
        bytecode_cache=bytecode_cache(f"templates-{lang}"),  # labels are folded in at compile time
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(lang), newstyle=True
    )
    translate = i18n.translator(lang)
    env.filters.update(
        label=lambda value, vocab: translate(_label(value, vocab)),
        date=i18n.long_date,
        period=i18n.period,
        cell=lambda v: one_line(str(v)) if v is not None else "",
        number=_number,
        compact=_compact,
        percent=_percent,
        natural_list=lambda items, lang="en", style="standard": i18n.natural_list(
            list(items), lang, style
        ),
        yaml_string=_yaml_string,
        by_risk=_by_risk,
        dashes=columns.dashes,
        without_empty_columns=columns.without_empty_columns,
        figure=lambda value, unit=None, lang="en": (
            Labels(lang).figure(value, unit) if value is not None else "–"
        ),
        chart_alt=lambda indicator, lang="en": image_description(
            strip_anchors(without_marks(alt_text(indicator, lang)))
        ),
        severity_alt=lambda view: image_description(
            strip_anchors(without_marks(severity_alt_text(view)))
        ),
        chronological=in_order,
        progress=lambda indicator, lang="en": progress_label(indicator_progress(indicator), lang),
    )
    env.tests["overdue"] = is_overdue
    env.globals["colon"] = i18n.colon(lang)  # "R1: …", "R1 : …" in French
    env.globals["comma"], env.globals["semicolon"] = i18n.list_separators(lang)  # "، " in Arabic
    return env


def image_description(text: str) -> str:
    """A chart's description as the text of Markdown's image syntax: one line, its brackets
    escaped (content text keeps its own escapes), no backslash at its end, so that words from
    the content can neither end the description early nor make an image or a link of their own.
    It is an attribute (Word's descr, HTML's alt): the review's anchors and the language marks
    of the text it quotes are left out (``chart_alt``)."""
    flat = " ".join(text.split()).rstrip("\\")
    return _UNESCAPED_BRACKET.sub(r"\\\1", flat)


_UNESCAPED_BRACKET = re.compile(r"(?<!\\)([\[\]])")


def render(
    doc: Document,
    view: dict[str, Any],
    info: BuildInfo,
    template_dir: Path = TEMPLATES,
    **extra: Any,
) -> str:
    """One document's Markdown; a template mistake is reported with its file and line.

    ``extra`` reaches the template as is (the site's home page gets its list of pages).
    """
    env = environment(template_dir, view["lang"])
    try:
        template = env.get_template(doc.template)
        markdown = template.render(
            v=view,
            doc=doc,
            build=info,
            lookup=view["index"].get,
            charts_dir=charts_folder(view["lang"], view["languages"]),
            **extra,
        )
        return i18n.typography(markdown, view["lang"])
    except jinja2.TemplateSyntaxError as exc:
        raise BuildFailed(f"{exc.filename}:{exc.lineno}: template error: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise BuildFailed(f"templates/{doc.template}: {exc.message}") from exc
