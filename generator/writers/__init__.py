"""Stage 5, write: each output format behind one small writer, all writing atomically."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_READABLE = 0o666 & ~_umask()


def write_atomically(target: Path, produce: Callable[[Path], object]) -> None:
    """Let ``produce`` write a temporary file beside ``target``, then rename it into place.

    A crash or an error never leaves a half-written output under the final name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        produce(tmp)
        tmp.chmod(_READABLE)  # mkstemp's 0600 would make outputs unreadable to the team
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    write_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def zip_entry(name: str, timestamp: dt.datetime) -> zipfile.ZipInfo:
    """A zip entry that is the same on every machine: fixed date, permissions and system."""
    info = zipfile.ZipInfo(name, date_time=max(timestamp.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, as the permissions above; zipfile would say 0 on Windows
    return info
