"""The store's own thread (bot/store_thread.py): calls run in order, one at a time, and calls to
be run together that wait one behind the other are handed over as one list."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from bot.store_thread import StoreThread

WAIT = 10.0  # a hang guard, not a speed claim


@pytest.fixture
def held() -> Iterator[tuple[StoreThread, threading.Event]]:
    """A store thread busy with a call that ends when the event is set."""
    release = threading.Event()
    thread = StoreThread("store", limit=3)
    thread.submit(release.wait)
    yield thread, release
    release.set()
    thread.shutdown()


class Recorder:
    def __init__(self) -> None:
        self.lists: list[list[Any]] = []

    def __call__(self, calls: Sequence[tuple[Any, ...]]) -> list[Any]:
        self.lists.append([args[0] for args in calls])
        return [ValueError(args[0]) if args[0] == "bad" else args[0].upper() for args in calls]


def test_calls_to_run_together_that_waited_one_behind_the_other_are_handed_over_as_one_list(held):
    thread, release = held
    together = Recorder()
    futures = [thread.submit_together(together, name) for name in ("a", "b", "c")]
    release.set()
    assert [f.result(WAIT) for f in futures] == ["A", "B", "C"]
    assert together.lists == [["a", "b", "c"]]


def test_another_call_between_them_keeps_its_place_in_the_order(held):
    thread, release = held
    together = Recorder()
    ran: list[str] = []
    first = thread.submit_together(together, "a")
    between = thread.submit(lambda: ran.append(f"between after {together.lists}"))
    last = thread.submit_together(together, "b")
    release.set()
    assert (first.result(WAIT), between.result(WAIT), last.result(WAIT)) == ("A", None, "B")
    assert ran == ["between after [['a']]"]
    assert together.lists == [["a"], ["b"]]


def test_no_more_than_the_limit_run_as_one(held):
    thread, release = held
    together = Recorder()
    futures = [thread.submit_together(together, name) for name in "abcde"]
    release.set()
    assert [f.result(WAIT) for f in futures] == list("ABCDE")
    assert together.lists == [["a", "b", "c"], ["d", "e"]]


def test_an_error_given_for_one_call_reaches_that_call_alone(held):
    thread, release = held
    together = Recorder()
    good, bad = thread.submit_together(together, "a"), thread.submit_together(together, "bad")
    release.set()
    assert good.result(WAIT) == "A"
    with pytest.raises(ValueError, match="bad"):
        bad.result(WAIT)


def test_calls_still_waiting_when_it_stops_are_cancelled(held):
    thread, release = held
    waiting = thread.submit(lambda: "never")
    thread.shutdown()
    release.set()
    assert waiting.cancelled()
