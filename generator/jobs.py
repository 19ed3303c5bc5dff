"""How a build's work is ordered: each output starts once what it needs is made
(``run_by_needs``), and the external conversions run on a few threads, the largest waiting one
first (``LargestFirst``).

Documents reach the queue in the order they are rendered, and the largest (the action plan,
the HNO) are not the first. Run first come, first served, a large conversion started last
finishes alone while the other cores have nothing left to do; started first, it overlaps
with the many small ones.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, TypeVar

T = TypeVar("T")
N = TypeVar("N", bound=Hashable)
_Entry = tuple[int, int, Callable[[], None] | None, "Future[Any] | None"]


BACKGROUND_NICENESS = 10


class LargestFirst:
    """A pool of threads that always starts the largest waiting job next.

    With ``background``, the threads (and on Linux the processes they start) run at a lower
    scheduling priority: conversions are the bulk of a build, and nothing waits on any one of
    them, while the build's own thread draws the charts the site is waiting for and MkDocs
    builds the site. Given the cores first, those finish sooner and the conversions fill every
    moment they leave; a 30x operation builds 5-10% quicker on two cores, when nothing else runs.
    The build does not use it: on a machine busy with other programs (a drafter's laptop, a
    shared server), niced conversions wait behind all of them: pandoc converting the action
    plan five times took 2.5-3x the time at niceness 10 as at 0 on this project's shared
    machine, for the same CPU, and the conversions are most of a build.
    """

    def __init__(self, workers: int, background: bool = False) -> None:
        self._waiting: queue.PriorityQueue[_Entry] = queue.PriorityQueue()
        self._order = itertools.count()  # equal sizes: first come, first served
        self._background = background
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

        self._waiting.put((-size, next(self._order), run, future))
        return future

    def _work(self) -> None:
        if self._background:
            _lower_this_threads_priority()
        while True:
            _size, _order, run, _future = self._waiting.get()
            if run is None:
                return
            run()

    def shutdown(self, cancel: bool = False) -> None:
        """Finish every job submitted (or, with ``cancel``, only those already running), then
        stop the threads."""
        if cancel:
            while True:
                try:
                    *_, future = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if future is not None:
                    future.cancel()
        for _ in self._threads:  # sorted after every job, whatever its size
            self._waiting.put((sys.maxsize, next(self._order), None, None))
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> LargestFirst:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        """A failed build (or Ctrl-C) does not wait for the conversions not yet started."""
        self.shutdown(cancel=kind is not None)


def _lower_this_threads_priority() -> None:
    """Linux schedules each thread on its own, and a process started from a thread inherits its
    priority. Elsewhere this would renice the whole build (or, on macOS, whichever process
    has the thread's number), so it does nothing."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError):  # never refused for lowering; nothing depends on it
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


def run_by_needs(
    nodes: Sequence[N], needs: Callable[[N], Iterable[N]], start: Callable[[N], Future[Any]]
) -> None:
    """Start each node once every node it needs is done, and wait until all are.

    ``start`` hands a node to whatever makes it (a queue, a pool, or this thread, returning a
    finished future) and so decides where it runs; this decides only when. Nodes that become
    ready start before the others still waiting, in ``nodes``' order: a document's conversion
    starts as soon as its own text is rendered. The first failure is raised here, after the
    nodes not yet started are cancelled; a need that is not one of ``nodes``, or a cycle, is
    a fault of the plan and raises ValueError before anything starts.
    """
    waiting = {node: set(needs(node)) for node in nodes}
    dependents = _dependents(waiting)
    order = {node: n for n, node in enumerate(nodes)}
    ready: deque[N] = deque(node for node in nodes if not waiting[node])
    running: dict[Future[Any], N] = {}

    def finished(future: Future[Any], node: N) -> None:
        future.result()  # raises the node's failure
        now = sorted((d for d in dependents[node] if _met(waiting[d], node)), key=order.__getitem__)
        ready.extendleft(reversed(now))

    try:
        while ready or running:
            while ready:
                node = ready.popleft()
                future = start(node)
                if future.done():
                    finished(future, node)
                else:
                    running[future] = node
                # What finished meanwhile lets its dependents start before the rest of the
                # queue: a node this thread makes (a document's text) can take a second, and
                # a conversion waiting on a chart must not wait for every text to be rendered.
                for done in [f for f in running if f.done()]:
                    finished(done, running.pop(done))
            for future in wait(running, return_when=FIRST_COMPLETED).done if running else ():
                finished(future, running.pop(future))
    except BaseException:
        for future in running:
            future.cancel()
        raise


def _dependents(waiting: dict[N, set[N]]) -> dict[N, list[N]]:
    """Who needs each node; refuses needs that nothing makes, and cycles."""
    dependents: dict[N, list[N]] = {node: [] for node in waiting}
    for node, wanted in waiting.items():
        for need in wanted:
            if need not in dependents:
                raise ValueError(f"{node} needs {need}, which is not planned")
            dependents[need].append(node)
    left = {node: len(wanted) for node, wanted in waiting.items()}
    free = [node for node, count in left.items() if not count]
    while free:
        for other in dependents[free.pop()]:
            left[other] -= 1
            if not left[other]:
                free.append(other)
    cycle = [str(node) for node, count in left.items() if count]
    if cycle:
        raise ValueError(f"these need each other, so none can start: {', '.join(cycle)}")
    return dependents


def _met(wanted: set[N], done: N) -> bool:
    """Cross ``done`` off what a node still waits for; whether that was the last."""
    wanted.discard(done)
    return not wanted
