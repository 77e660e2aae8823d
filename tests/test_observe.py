"""What the bot notes about each paste: answers, alternatives, the inbox, bursts."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings
from bot.observe import Observer

KNOWN = "An existing connection was forcibly closed by the remote host"
UNKNOWN = "Order {number} is stuck in the despatch queue error"
MINUTE = 60.0


@pytest.fixture
def observer(store, engine) -> Observer:
    return Observer(store, engine, Settings.from_env({}))


def observe(observer, text: str, user: str = "U1", channel: str = "C1"):
    return observer.observe(observer.engine.explain(text), user=user, channel=channel)


def test_an_answer_is_recorded_with_the_entries_it_showed(observer, store):
    observation = observe(observer, KNOWN)
    answer = store.answer(observation.answer_id)
    assert answer.entries == ("general-connection-forcibly-closed",)
    assert (answer.user, answer.channel) == ("U1", "C1")


def test_the_alternatives_are_the_near_entries_never_the_one_shown(observer, store):
    observation = observe(observer, "The remote server returned an error: (429) Too Many Requests")
    assert observation.entries == ("general-remote-server-429",)
    assert observation.candidates[0] == "shopify-rate-limited-429"
    assert "general-remote-server-429" not in observation.candidates
    assert store.answer(observation.answer_id).candidates == observation.candidates


def test_an_unknown_answer_offers_the_did_you_mean_entries(observer):
    observation = observe(observer, "eBay token expired for account")
    assert observation.entries == ()
    assert observation.candidates[0] == "ebay-token-hard-expired"


def test_chat_that_is_not_a_paste_is_not_recorded(observer, store):
    assert observe(observer, "morning all, lunch at one?") is None
    assert store.paste_counts(0) == (0, 0)


def test_two_pastes_differing_only_in_order_number_are_one_inbox_entry(observer, store):
    observe(observer, UNKNOWN.format(number="203-1234567-1234567"), user="U1", channel="C1")
    observe(observer, UNKNOWN.format(number="111-7654321-7654321"), user="U2", channel="C2")
    [item] = store.inbox()
    assert (item.count, item.people, item.channels) == (2, 2, ("C1", "C2"))
    assert item.example == UNKNOWN.format(number="<order number>")


def test_the_answer_remembers_its_unknown_templates_for_the_report_button(observer, store):
    observation = observe(observer, UNKNOWN.format(number="203-1234567-1234567"))
    assert store.answer(observation.answer_id).templates == observation.unknown_keys
    assert [i.key for i in store.inbox()] == list(observation.unknown_keys)


def test_three_people_pasting_the_same_error_make_a_burst_noticed_once(observer, clock):
    first = [observe(observer, KNOWN, user=f"U{n}") for n in (1, 2)]
    clock.advance(20 * MINUTE)
    third, fourth = observe(observer, KNOWN, user="U3"), observe(observer, KNOWN, user="U4")
    assert [o.burst for o in first] == [None, None]
    assert (third.burst.people, third.burst.new) == (3, True)
    assert (fourth.burst.people, fourth.burst.new) == (4, False)
    assert third.burst_subject == "Connection closed by the remote host"


def test_an_unknown_error_can_make_a_burst_too(observer):
    for n in range(3):
        observation = observe(observer, UNKNOWN.format(number=f"{n}0000{n}"), user=f"U{n}")
    assert observation.burst.new
    assert observation.burst_subject == UNKNOWN.format(number="<order number>")


def test_the_burst_threshold_and_window_come_from_the_settings(store, engine, clock):
    settings = Settings.from_env({"SYNCDOC_BURST_PEOPLE": "2", "SYNCDOC_BURST_MINUTES": "5"})
    observer = Observer(store, engine, settings)
    observe(observer, KNOWN, user="U1")
    clock.advance(6 * MINUTE)
    assert observe(observer, KNOWN, user="U2").burst is None
    assert observe(observer, KNOWN, user="U3").burst.new


def test_a_failing_store_is_logged_and_the_paste_still_explained(observer, store, caplog):
    with store.database.transaction() as sql:
        sql.execute("DROP TABLE hits")
    with caplog.at_level(logging.WARNING, logger="bot.observe"):
        assert observe(observer, KNOWN) is None
    assert "could not record a paste for the maintainers" in caplog.text


def test_an_answer_shared_again_adds_no_hit_inbox_entry_or_sighting(observer, store):
    text = UNKNOWN.format(number="203-1234567-1234567")
    for n in range(3):
        shared = observer.observe(
            observer.engine.explain(text), user=f"U{n}", channel="C1", repeat=True
        )
    assert store.answer(shared.answer_id) is not None
    assert (shared.burst, shared.unknowns) == (None, ())
    assert store.inbox() == []
    assert store.paste_counts(0) == (0, 0)


def test_chat_that_only_comes_near_an_entry_gets_an_answer_id_but_is_not_a_paste(observer, store):
    observation = observe(observer, "the remote server closed the connection again today")
    assert observation.candidates  # a "did you mean" answer, which people can vote on
    assert store.paste_counts(0) == (0, 0)
