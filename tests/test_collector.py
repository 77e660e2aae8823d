"""Pausing the garbage collector while a base is built (bot/collector.py): it always comes back
as it was, however pauses nest or overlap between threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.collector import collector_paused
from bot.engine import Engine
from bot.knowledge import load_knowledge_base


@pytest.fixture
def collector_off_after() -> Iterator[None]:
    yield
    gc.enable()


def test_loading_and_indexing_a_base_leave_the_collector_on(alpha_kb: Path):
    Engine(load_knowledge_base(alpha_kb)).search("token expired")
    assert gc.isenabled()


def test_a_base_loaded_from_its_folder_is_left_out_of_the_collectors_passes(alpha_kb: Path):
    engine = Engine.from_path(alpha_kb)
    try:
        assert gc.isenabled()
        assert all(tracked is not engine.kb for tracked in gc.get_objects())
    finally:
        gc.unfreeze()  # Later tests' bases are collected as usual.


def test_a_load_that_fails_leaves_the_collector_on(tmp_path: Path):
    with pytest.raises(Exception, match=r"no \*\.yaml files"):
        load_knowledge_base(tmp_path)
    assert gc.isenabled()


def test_the_collector_is_off_until_the_last_of_nested_pauses_ends():
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pauses_overlapping_in_two_threads_leave_the_collector_on():
    first_paused, second_done = threading.Event(), threading.Event()

    def first() -> None:
        with collector_paused():
            first_paused.set()
            second_done.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    first_paused.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # The first thread's pause is still on.
    second_done.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off(collector_off_after):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
