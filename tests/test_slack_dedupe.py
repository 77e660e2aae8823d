"""Remembering handled Slack deliveries (bot/slack/dedupe.py)."""

from __future__ import annotations

import multiprocessing

from bot.slack.dedupe import MemorySeenEvents


def test_a_key_is_new_once_then_seen(clock):
    seen = MemorySeenEvents(clock=clock)
    assert [seen.first_time("event:Ev1") for _ in range(3)] == [True, False, False]


def test_different_keys_are_independent(clock):
    seen = MemorySeenEvents(clock=clock)
    assert seen.first_time("event:Ev1") and seen.first_time("event:Ev2")


def test_a_key_is_forgotten_after_its_time_to_live(clock):
    seen = MemorySeenEvents(ttl=600, clock=clock)
    seen.first_time("event:Ev1")
    clock.advance(599)
    assert not seen.first_time("event:Ev1")
    clock.advance(2)
    assert seen.first_time("event:Ev1")


def test_memory_is_bounded_and_forgets_the_oldest_first(clock):
    seen = MemorySeenEvents(max_keys=3, clock=clock)
    for n in range(4):
        seen.first_time(f"event:Ev{n}")
    assert seen.first_time("event:Ev0")  # evicted to make room
    assert not seen.first_time("event:Ev3")


def test_a_key_one_worker_saw_is_seen_by_the_others_forked_beside_it():
    seen = MemorySeenEvents()  # built before the fork, as gunicorn loads the app
    fork = multiprocessing.get_context("fork")
    workers = [fork.Process(target=seen.first_time, args=(f"event:Ev{n}",)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert [seen.first_time(f"event:Ev{n}") for n in range(3)] == [False, False, True]
