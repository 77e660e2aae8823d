"""Usage statistics, collected from the store and shown by `syncdoc stats`."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.config import Settings
from bot.recorder import PasteRecorder
from bot.render.text import render_stats_text
from bot.stats import collect
from bot.store import DAY

KNOWN = "An existing connection was forcibly closed by the remote host"
THROTTLED = "The remote server returned an error: (429) Too Many Requests"
UNKNOWN = "Order {number} is stuck in the despatch queue error"
KNOWN_ID = "general-connection-forcibly-closed"


@pytest.fixture
def recorder(store, engine) -> PasteRecorder:
    return PasteRecorder(store, engine, Settings.from_env({}))


def paste(recorder, text: str, user: str = "U1"):
    return recorder.record(recorder.engine.explain(text), user=user, channel="C1")


def test_hits_votes_and_rates_per_entry(recorder, store, engine, clock):
    clock.advance(-10 * DAY)
    paste(recorder, KNOWN)
    clock.advance(10 * DAY)
    answers = [paste(recorder, KNOWN, user=f"U{n}") for n in range(3)]
    store.vote(answers[0].answer_id, "U1", helpful=True)
    store.vote(answers[1].answer_id, "U1", helpful=True)
    store.vote(answers[2].answer_id, "U1", helpful=False)

    [row] = collect(store, engine.kb).entries
    assert (row.entry_id, row.day, row.week, row.month) == (KNOWN_ID, 3, 3, 4)
    assert (row.helpful, row.wrong) == (2, 1)
    assert row.helpful_rate == pytest.approx(2 / 3)


def test_entries_never_matched_in_90_days_are_listed(recorder, store, engine, clock):
    clock.advance(-100 * DAY)
    paste(recorder, THROTTLED)
    clock.advance(100 * DAY)
    paste(recorder, KNOWN)
    stats = collect(store, engine.kb)
    assert "general-remote-server-429" in stats.never_matched
    assert KNOWN_ID not in stats.never_matched
    assert len(stats.never_matched) == len(engine.kb) - 1


def test_the_share_of_pastes_nobody_recognised(recorder, store, engine):
    paste(recorder, KNOWN)
    paste(recorder, UNKNOWN.format(number="12345"))
    paste(recorder, UNKNOWN.format(number="67890"))
    stats = collect(store, engine.kb)
    assert (stats.pastes, stats.unrecognised) == (3, 2)
    assert stats.unrecognised_share == pytest.approx(2 / 3)


def test_the_most_confused_pairs_come_from_the_wrong_answer_choices(recorder, store, engine):
    for user in ("U1", "U2"):
        answer = paste(recorder, THROTTLED, user=user)
        store.vote(answer.answer_id, user, helpful=False)
        store.record_confusion(
            answer.answer_id, user, answered=answer.entries[0], chosen="shopify-rate-limited-429"
        )
    [pair] = collect(store, engine.kb).confused
    assert (pair.answered, pair.chosen, pair.count) == (
        "general-remote-server-429",
        "shopify-rate-limited-429",
        2,
    )


def test_the_terminal_report_shows_every_figure(recorder, store, engine):
    answer = paste(recorder, THROTTLED)
    store.vote(answer.answer_id, "U1", helpful=False)
    store.record_confusion(
        answer.answer_id, "U1", answered=answer.entries[0], chosen="shopify-rate-limited-429"
    )
    paste(recorder, UNKNOWN.format(number="12345"))
    stats = collect(store, engine.kb)
    text = render_stats_text(stats)
    assert "general-remote-server-429    1   1    1   0 (0%)  1 (100%)" in text
    assert "Pastes nobody recognised (last 30 days): 1 of 2 (50%)" in text
    assert f"Never matched in the last 90 days ({len(engine.kb) - 1} of {len(engine.kb)}" in text
    assert "general-remote-server-429 -> shopify-rate-limited-429: 1 time" in text
    assert all(f" {entry_id}," in text for entry_id in stats.never_matched[:40])  # never split
    assert f"and {len(stats.never_matched) - 40} more" in text


def test_an_empty_store_says_so_rather_than_showing_empty_tables(store, engine):
    text = render_stats_text(collect(store, engine.kb))
    assert "No answers recorded yet." in text
    assert "Pastes nobody recognised (last 30 days): none recorded." in text
    assert "No wrong answers corrected yet." in text


def test_syncdoc_stats_prints_the_report(syncdoc_env, recorder, capsys):
    paste(recorder, KNOWN)
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("syncdoc usage statistics, ")
    assert "general-connection-forcibly-closed    1   1    1" in out


def test_syncdoc_stats_json_has_the_same_figures(syncdoc_env, recorder, capsys):
    answer = paste(recorder, KNOWN)
    recorder.store.vote(answer.answer_id, "U1", helpful=True)
    paste(recorder, UNKNOWN.format(number="12345"))
    assert main(["stats", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entries"][0] == {
        "id": KNOWN_ID,
        "title": "Connection closed by the remote host",
        "hits": {"24h": 1, "7d": 1, "30d": 1},
        "helpful": 1,
        "wrong": 0,
        "helpful_rate": 1.0,
        "wrong_rate": 0.0,
    }
    assert (data["pastes_30d"], data["unrecognised_30d"]) == (2, 1)


def test_syncdoc_stats_on_an_unreachable_database_is_a_clear_error(
    monkeypatch, capsys, unused_port
):
    monkeypatch.setenv("DATABASE_URL", f"postgresql://bot:pw-secret@127.0.0.1:{unused_port}/x")
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("syncdoc: PostgreSQL at 127.0.0.1:")
    assert "pw-secret" not in err
