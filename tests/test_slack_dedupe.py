"""Remembering handled Slack deliveries (bot/slack/dedupe.py)."""

from __future__ import annotations

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
