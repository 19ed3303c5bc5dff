"""The external conversions of a build run on a few threads, the largest waiting one first.

Documents reach the queue in the order they are rendered, and the largest (the action plan,
the HNO) are not the first. Run first come, first served, a large conversion started last
finishes alone while the other cores have nothing left to do; started first, it overlaps
with the many small ones.
"""

from __future__ import annotations

import itertools
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_Entry = tuple[int, int, Callable[[], None] | None]


class LargestFirst:
    """A pool of threads that always starts the largest waiting job next."""

    def __init__(self, workers: int) -> None:
        self._waiting: queue.PriorityQueue[_Entry] = queue.PriorityQueue()
        self._order = itertools.count()  # equal sizes: first come, first served
        self._threads = [
            threading.Thread(target=self._work, name=f"largest-first-{n}", daemon=True)
            for n in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, size: int, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` once no larger job waits; ``size`` is any measure of its work."""
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)

        self._waiting.put((-size, next(self._order), run))
        return future

    def _work(self) -> None:
        while True:
            _size, _order, run = self._waiting.get()
            if run is None:
                return
            run()

    def shutdown(self) -> None:
        """Finish every job submitted, then stop the threads."""
        for _ in self._threads:  # sorted after every job, whatever its size
            self._waiting.put((sys.maxsize, next(self._order), None))
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> LargestFirst:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
