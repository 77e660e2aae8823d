"""The listeners' thread pool keeps its backlog bounded (bot/slack/executor.py)."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

import pytest

from bot.slack.executor import BoundedExecutor


def wait_until(done: Callable[[], object], message: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, message
        time.sleep(0.001)


def test_submitting_waits_while_the_backlog_is_full_and_resumes_when_a_task_ends():
    executor = BoundedExecutor(workers=1, backlog=1)
    release = threading.Event()
    done: list[str] = []
    try:
        executor.submit(release.wait)  # runs, holding the only worker
        executor.submit(done.append, "queued")  # waits in the backlog
        third = threading.Thread(target=executor.submit, args=(done.append, "third"))
        third.start()
        # What settles it: the third submit queues for room. Had the bound let it through, it
        # would never queue, and this wait fails.
        wait_until(lambda: executor._waiting, "the third submit never waited for room")
        assert third.is_alive(), "a third task was accepted past the bound"
        release.set()
        third.join(5)
        assert not third.is_alive()
    finally:
        release.set()
        executor.shutdown(wait=True)
    assert done == ["queued", "third"]


def test_a_task_that_raises_frees_its_place():
    executor = BoundedExecutor(workers=1, backlog=0)
    try:
        failed = executor.submit(lambda: 1 / 0)
        assert isinstance(failed.exception(timeout=5), ZeroDivisionError)
        assert executor.submit(lambda: "next").result(timeout=5) == "next"
    finally:
        executor.shutdown(wait=True)


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_answers_run_at_a_lower_priority_than_the_thread_that_hands_them_over():
    executor = BoundedExecutor(workers=1, backlog=0, nice=3)
    try:
        answering = executor.submit(own_nice).result(timeout=5)
    finally:
        executor.shutdown(wait=True)
    # Only the listener thread was lowered: the thread that acknowledges keeps its priority.
    assert (answering, own_nice()) == (min(own_nice() + 3, 19), own_nice())
