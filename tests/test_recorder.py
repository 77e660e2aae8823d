"""What the bot records about each paste: answers, alternatives, the inbox, bursts."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings
from bot.recorder import PasteRecorder, alternatives

KNOWN = "An existing connection was forcibly closed by the remote host"
UNKNOWN = "Order {number} is stuck in the despatch queue error"
THROTTLED = "Amazon SubmitInventoryChange: Request is throttled"
MINUTE = 60.0


@pytest.fixture
def recorder(store, engine) -> PasteRecorder:
    return PasteRecorder(store, engine, Settings.from_env({}))


def record(recorder, text: str, user: str = "U1", channel: str = "C1"):
    return recorder.record(recorder.engine.explain(text), user=user, channel=channel)


def test_an_answer_is_recorded_with_the_entries_it_showed(recorder, store):
    recorded = record(recorder, KNOWN)
    answer = store.answer(recorded.answer_id)
    assert answer.entries == ("general-connection-forcibly-closed",)
    assert (answer.user, answer.channel) == ("U1", "C1")


def test_the_alternatives_are_the_near_entries_never_the_one_shown(recorder, store, engine):
    recorded = record(recorder, "The remote server returned an error: (429) Too Many Requests")
    assert recorded.entries == ("general-remote-server-429",)
    offered = [e.id for e in alternatives(store.answer(recorded.answer_id), engine)]
    assert offered[0] == "shopify-rate-limited-429"
    assert "general-remote-server-429" not in offered


def test_the_alternatives_start_with_the_other_errors_found_in_the_paste(recorder, store, engine):
    paste = "\n".join([THROTTLED, KNOWN])
    recorded = record(recorder, paste)
    shown, other = recorded.entries
    offered = [e.id for e in alternatives(store.answer(recorded.answer_id), engine)]
    assert offered[0] == other
    assert shown not in offered


def test_an_unknown_answer_offers_the_did_you_mean_entries(recorder):
    recorded = record(recorder, "eBay token expired for account")
    assert recorded.entries == ()
    assert recorded.candidates[0] == "ebay-token-hard-expired"


def test_chat_that_is_not_a_paste_is_not_recorded(recorder, store):
    assert record(recorder, "morning all, lunch at one?") is None
    assert store.paste_counts(0) == (0, 0)


def test_two_pastes_differing_only_in_order_number_are_one_inbox_entry(recorder, store):
    record(recorder, UNKNOWN.format(number="203-1234567-1234567"), user="U1", channel="C1")
    record(recorder, UNKNOWN.format(number="111-7654321-7654321"), user="U2", channel="C2")
    [item] = store.inbox()
    assert (item.count, item.people, item.channels) == (2, 2, ("C1", "C2"))
    assert item.example == UNKNOWN.format(number="<order number>")


def test_the_answer_remembers_its_unknown_templates_for_the_report_button(recorder, store):
    recorded = record(recorder, UNKNOWN.format(number="203-1234567-1234567"))
    assert store.answer(recorded.answer_id).templates == recorded.unknown_keys
    assert [i.key for i in store.inbox()] == list(recorded.unknown_keys)


def test_three_people_pasting_the_same_error_make_a_burst_noticed_once(recorder, clock):
    first = [record(recorder, KNOWN, user=f"U{n}") for n in (1, 2)]
    clock.advance(20 * MINUTE)
    third, fourth = record(recorder, KNOWN, user="U3"), record(recorder, KNOWN, user="U4")
    assert [o.burst for o in first] == [None, None]
    assert (third.burst.people, third.burst.new) == (3, True)
    assert (fourth.burst.people, fourth.burst.new) == (4, False)
    assert third.burst_subject == "Connection closed by the remote host"


def test_an_unknown_error_can_make_a_burst_too(recorder):
    for n in range(3):
        recorded = record(recorder, UNKNOWN.format(number=f"{n}0000{n}"), user=f"U{n}")
    assert recorded.burst.new
    assert recorded.burst_subject == UNKNOWN.format(number="<order number>")


def test_the_burst_threshold_and_window_come_from_the_settings(store, engine, clock):
    settings = Settings.from_env({"SYNCDOC_BURST_PEOPLE": "2", "SYNCDOC_BURST_MINUTES": "5"})
    recorder = PasteRecorder(store, engine, settings)
    record(recorder, KNOWN, user="U1")
    clock.advance(6 * MINUTE)
    assert record(recorder, KNOWN, user="U2").burst is None
    assert record(recorder, KNOWN, user="U3").burst.new


def test_a_failing_store_is_logged_and_the_paste_still_explained(recorder, store, caplog):
    with store.database.transaction() as sql:
        sql.execute("DROP TABLE hits")
    with caplog.at_level(logging.WARNING, logger="bot.recorder"):
        assert record(recorder, KNOWN) is None
    assert "could not record a paste for the maintainers" in caplog.text


def test_an_answer_shared_again_adds_no_hit_inbox_entry_or_sighting(recorder, store):
    text = UNKNOWN.format(number="203-1234567-1234567")
    for n in range(3):
        shared = recorder.record(
            recorder.engine.explain(text), user=f"U{n}", channel="C1", repeat=True
        )
    assert store.answer(shared.answer_id) is not None
    assert (shared.burst, shared.unknowns) == (None, ())
    assert store.inbox() == []
    assert store.paste_counts(0) == (0, 0)


def test_chat_that_only_comes_near_an_entry_gets_an_answer_id_but_is_not_a_paste(recorder, store):
    recorded = record(recorder, "the remote server closed the connection again today")
    assert recorded.candidates  # a "did you mean" answer, which people can vote on
    assert store.paste_counts(0) == (0, 0)
