"""The live preview: the site rebuilt whenever content or a template changes, on 127.0.0.1 only.

MkDocs' LiveReloadServer serves a temporary folder and reloads the browser after each rebuild.
Every rebuild is the whole pipeline (validate → filter → render → MkDocs → leak check → swap in);
one that fails reports its problems and leaves the last good preview in place.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mkdocs.livereload import LiveReloadServer

from .audience import Audience
from .build import publish_site
from .errors import BuildFailed, ProtdocsError
from .layout import SITE_FOLDERS
from .render import TEMPLATES
from .resources import MKDOCS_YML
from .validate import validated

HOST = "127.0.0.1"
Report = Callable[[ProtdocsError], None]


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


class _Server(LiveReloadServer):
    """MkDocs' server, telling when it listens (it binds inside ``serve``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_listening: Callable[[], None] = lambda: None

    def server_activate(self) -> None:
        super().server_activate()
        self.on_listening()


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
        self.server = _Server(builder=self.rebuild, host=HOST, port=port, root=str(self.site_dir))
        self.server.error_handler = self._error_page
        for path in (content_dir, TEMPLATES, MKDOCS_YML):
            self.server.watch(str(path))

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def build(self) -> None:
        """The first build: without a good one there is nothing to serve, so errors propagate."""
        publish_site(validated(self.content_dir), self.op_dir, self.audience)

    def rebuild(self) -> None:
        """Called by the server after a change; a failure keeps the last good site served."""
        self.progress("change detected: rebuilding the preview")
        try:
            self.build()
        except ProtdocsError as exc:
            self.report(exc)
        else:
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
