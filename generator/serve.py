"""The live preview: the site rebuilt whenever content or a template changes, on 127.0.0.1 only.

MkDocs' LiveReloadServer serves a temporary folder and reloads the browser after each rebuild.
Every rebuild is the whole pipeline (validate → filter → render → MkDocs → leak check → swap in),
but MkDocs makes only the pages the edit changed and the leak check reads only those (``cache``);
one that fails reports its problems in the terminal and, until a rebuild succeeds, in a banner on
every page the browser loads, over the last good preview left in place.
"""

from __future__ import annotations

import html
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mkdocs.livereload import LiveReloadServer

from .audience import Audience
from .build import publish_site
from .errors import BuildFailed, ProtdocsError, Severity, ValidationFailed
from .layout import SITE_FOLDERS
from .render import TEMPLATES
from .resources import MKDOCS_YML
from .validate import validated

HOST = "127.0.0.1"
Report = Callable[[ProtdocsError], None]
BANNER_ID = "protdocs-content-error"
_SHOWN_PROBLEMS = 12  # the terminal lists them all
# Seconds between two looks at the watched files (MkDocs' default is 0.5): a save shows sooner,
# for a few hundred stat calls a second at most (content, templates, mkdocs.yml).
POLLING_INTERVAL = 0.2


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM (a terminal closed, ``kill``, a process manager) stops the preview as Ctrl-C
    does, so its temporary site is removed; only the main thread can take signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_LOCAL_HOST = re.compile(r"(?:localhost|127\.0\.0\.1)(?::\d{1,5})?\Z", re.IGNORECASE)


def is_local_host(host: str | None) -> bool:
    """``Host: localhost`` or ``127.0.0.1``, with or without a port: the names a browser on
    this machine sends. Any other name reached 127.0.0.1 through DNS rebinding, from a web page
    that would then read the (possibly internal) preview."""
    return host is not None and _LOCAL_HOST.match(host) is not None


class _Server(LiveReloadServer):
    """MkDocs' server, telling when it listens (it binds inside ``serve``), answering only
    requests addressed to this machine by name (``is_local_host``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_listening: Callable[[], None] = lambda: None
        # The last rebuild's error as HTML, put on every page served until a rebuild succeeds.
        self.banner = b""

    def server_activate(self) -> None:
        super().server_activate()
        self.on_listening()

    def serve_request(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not is_local_host(environ.get("HTTP_HOST")):
            start_response(
                "421 Misdirected Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
            )
            return [b"The preview answers only http://localhost or http://127.0.0.1.\n"]
        return super().serve_request(environ, start_response)

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        """MkDocs adds its reload script here as each page is served; the error banner goes in
        the same way, never through the site's files (which the leak check and the HTML
        sanitiser see) or the content."""
        page: bytes = super()._inject_js_into_html(content, epoch)
        banner = self.banner
        if not banner:
            return page
        body = re.search(rb"<body[^>]*>", page)
        at = body.end() if body else 0
        return page[:at] + banner + page[at:]


class Preview:
    """One operation's preview site, served and kept up to date until ``shutdown``."""

    def __init__(
        self,
        content_dir: Path,
        audience: Audience = Audience.PUBLIC,
        port: int = 8000,
        report: Report = lambda _: None,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.content_dir = content_dir
        self.audience = audience
        self.report = report
        self.progress = progress
        self.workdir = Path(tempfile.mkdtemp(prefix="protdocs-serve-"))
        self.op_dir = self.workdir / "preview"
        self.site_dir = self.op_dir / SITE_FOLDERS[audience]
        self.server = _Server(
            builder=self.rebuild,
            host=HOST,
            port=port,
            root=str(self.site_dir),
            polling_interval=POLLING_INTERVAL,
        )
        self.server.error_handler = self._error_page
        for path in (content_dir, TEMPLATES, MKDOCS_YML):
            self.server.watch(str(path))

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def build(self) -> None:
        """The first build: without a good one there is nothing to serve, so errors propagate."""
        publish_site(validated(self.content_dir), self.op_dir, self.audience, reuse=True)

    def rebuild(self) -> None:
        """Called by the server after a change; a failure keeps the last good site served."""
        self.progress("change detected: rebuilding the preview")
        try:
            self.build()
        except ProtdocsError as exc:
            self.server.banner = error_banner(exc)
            self.report(exc)
        else:
            self.server.banner = b""
            self.progress("preview rebuilt; the browser reloads")

    def serve(self, listening: Callable[[str], None] = lambda _: None) -> None:
        """Serve until ``shutdown`` or Ctrl-C, then remove the temporary site.

        ``listening`` gets the URL once the port is bound, before any request is answered.
        """
        self.server.on_listening = lambda: listening(self.url)
        try:
            with _stopped_by_sigterm():
                self.server.serve()  # binds first: an address in use fails here, before all else
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            port = self.server.server_address[1]
            raise BuildFailed(f"cannot serve on {HOST}:{port}: {exc.strerror or exc}") from exc
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self.server.shutdown()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _error_page(self, code: int) -> bytes | None:
        page = self.site_dir / f"{code}.html"
        return page.read_bytes() if page.is_file() else None


def error_banner(exc: ProtdocsError) -> bytes:
    """The failed rebuild's problems as a banner: file, line, field and message of each error.

    Everything in it is escaped: a message may quote what a drafter typed.
    """
    if isinstance(exc, ValidationFailed):
        errors = [str(p) for p in exc.problems if p.severity is Severity.ERROR]
        title = f"The content has {len(errors)} error{'s' if len(errors) != 1 else ''}"
    else:
        errors, title = [exc.format_message()], "The preview could not be rebuilt"
    more = len(errors) - _SHOWN_PROBLEMS
    items = "".join(f"<li>{html.escape(text)}</li>" for text in errors[:_SHOWN_PROBLEMS])
    if more > 0:
        items += f"<li>… and {more} more: see the terminal.</li>"
    return (
        f'<div id="{BANNER_ID}" role="alert" style="position:fixed;left:0;right:0;bottom:0;'
        "z-index:10000;max-height:45vh;overflow:auto;margin:0;padding:.8em 1.2em;"
        "background:#fff3cd;color:#1a1a1a;border-top:4px solid #b71c1c;"
        'font:15px/1.4 system-ui,sans-serif;box-shadow:0 -2px 8px rgba(0,0,0,.3)">'
        f"<strong>{html.escape(title)}: this page is the last good preview, not your latest "
        "edit.</strong> Fix the content and save; the page reloads by itself."
        f'<ul style="margin:.4em 0 0;padding-left:1.4em;font-family:monospace">{items}</ul>'
        "</div>"
    ).encode()
