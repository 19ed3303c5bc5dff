"""The pandoc queue: the largest waiting document is converted first, failures reach the build."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import Future

import pytest

from generator.jobs import BACKGROUND_NICENESS, LargestFirst, run_by_needs


def test_the_largest_waiting_job_starts_first() -> None:
    started: list[str] = []
    gate = threading.Event()
    with LargestFirst(workers=1) as pool:
        pool.submit(1, gate.wait)  # holds the only worker while the others queue up
        for name, size in (("annex", 10), ("action plan", 650), ("hno", 390), ("annex 2", 10)):
            pool.submit(size, started.append, name)
        gate.set()
    assert started == ["action plan", "hno", "annex", "annex 2"]


def test_a_failed_job_raises_where_its_result_is_read() -> None:
    with LargestFirst(workers=2) as pool:
        failed = pool.submit(5, int, "not a number")
        fine = pool.submit(1, int, "42")
    assert fine.result() == 42
    with pytest.raises(ValueError, match="not a number"):
        failed.result()


def test_a_failure_in_the_build_cancels_the_conversions_not_yet_started() -> None:
    ran: list[int] = []
    started, gate = threading.Event(), threading.Event()

    def long_conversion() -> bool:
        started.set()
        return gate.wait()

    with pytest.raises(KeyboardInterrupt), LargestFirst(workers=1) as pool:
        running = pool.submit(100, long_conversion)
        started.wait()
        waiting = [pool.submit(size, ran.append, size) for size in (3, 2, 1)]
        threading.Timer(0.2, gate.set).start()  # the running one ends on its own
        raise KeyboardInterrupt
    assert running.result() is True
    assert ran == [] and all(job.cancelled() for job in waiting)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads have their own priority")
def test_background_conversions_yield_the_cores_to_the_rest_of_the_build() -> None:
    """The conversions and the processes they start run below the build's own thread."""

    def niceness_of_thread_and_child() -> tuple[int, int]:
        mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        child = subprocess.run(["nice"], capture_output=True, text=True, check=True)
        return mine, int(child.stdout)

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with LargestFirst(workers=2, background=True) as pool:
        thread, child = pool.submit(1, niceness_of_thread_and_child).result()
    with LargestFirst(workers=1) as pool:
        plain, _ = pool.submit(1, niceness_of_thread_and_child).result()
    assert thread == child == min(before + BACKGROUND_NICENESS, 19)
    assert plain == before
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


def _lanes(log: list[str], pool: LargestFirst, slow: set[str]):
    """Start a node: slow ones on the pool (waiting until released), the rest on this thread."""
    gates = {name: threading.Event() for name in slow}

    def made_when_released(name: str) -> None:
        gates[name].wait(5)
        log.append(name)

    def start(name: str) -> Future[None]:
        if name in slow:
            return pool.submit(1, made_when_released, name)
        log.append(name)
        done: Future[None] = Future()
        done.set_result(None)
        return done

    return start, gates


def test_an_output_starts_once_what_it_needs_is_made_and_not_before() -> None:
    """A document's Word file waits for its charts; the site waits for the public charts only;
    outputs that need nothing more start at once, in the plan's order."""
    needs = {
        "hno.md": [],
        "charts": [],
        "hno.docx": ["hno.md", "charts"],
        "annex.md": [],
        "annex.docx": ["annex.md"],
        "site": ["hno.md", "charts"],
    }
    log: list[str] = []
    with LargestFirst(workers=2) as pool:
        start, gates = _lanes(log, pool, {"charts"})
        timer = threading.Timer(0.3, gates["charts"].set)
        timer.start()
        run_by_needs(list(needs), needs.__getitem__, start)
    assert log.index("annex.docx") < log.index("charts")  # never waited for the charts
    assert log.index("charts") < log.index("hno.docx") and log.index("charts") < log.index("site")
    assert log[:3] == ["hno.md", "annex.md", "annex.docx"]


def test_what_becomes_ready_starts_before_the_rest_still_waiting() -> None:
    """A document's conversion starts as soon as its own text is made, not after every text."""
    needs = {"a.md": [], "a.docx": ["a.md"], "b.md": [], "b.docx": ["b.md"]}
    log: list[str] = []
    with LargestFirst(workers=1) as pool:
        start, _ = _lanes(log, pool, set())
        run_by_needs(list(needs), needs.__getitem__, start)
    assert log == ["a.md", "a.docx", "b.md", "b.docx"]


def test_what_a_finished_chart_lets_start_goes_before_the_texts_still_to_render() -> None:
    """The HNO's conversion waits for its charts; once they are drawn it starts, while this
    thread still has texts to render, not after all of them."""
    needs = {"charts": [], "hno.md": [], "hno.docx": ["hno.md", "charts"]}
    needs |= {f"annex-{n}.md": [] for n in range(5)}
    log: list[str] = []
    with LargestFirst(workers=1) as pool:
        start, gates = _lanes(log, pool, {"charts"})
        gates["charts"].set()

        def slowly(name: str) -> Future[None]:
            if name.startswith("annex"):
                threading.Event().wait(0.05)  # a text taking a while to render
            return start(name)

        run_by_needs(list(needs), needs.__getitem__, slowly)
    assert log.index("hno.docx") < log.index("annex-4.md")


def test_a_failure_stops_the_run_and_what_needs_it_never_starts() -> None:
    needs = {"charts": [], "hno.docx": ["charts"], "annex.docx": []}
    started: list[str] = []

    def start(name: str) -> Future[None]:
        started.append(name)
        future: Future[None] = Future()
        if name == "charts":
            future.set_exception(RuntimeError("matplotlib failed"))
        else:
            future.set_result(None)
        return future

    with pytest.raises(RuntimeError, match="matplotlib failed"):
        run_by_needs(list(needs), needs.__getitem__, start)
    assert "hno.docx" not in started


@pytest.mark.parametrize(
    ("needs", "message"),
    [
        ({"a.docx": ["a.md"]}, "a.docx needs a.md, which is not planned"),
        ({"a": ["b"], "b": ["a"], "c": []}, "these need each other, so none can start: a, b"),
    ],
)
def test_a_plan_that_cannot_run_is_refused_before_anything_starts(
    needs: dict[str, list[str]], message: str
) -> None:
    started: list[str] = []

    def start(name: str) -> Future[None]:
        started.append(name)
        future: Future[None] = Future()
        future.set_result(None)
        return future

    with pytest.raises(ValueError, match=message):
        run_by_needs(list(needs), needs.__getitem__, start)
    assert started == []
