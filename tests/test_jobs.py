"""The pandoc queue: the largest waiting document is converted first, failures reach the build."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from generator.jobs import BACKGROUND_NICENESS, LargestFirst


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
