"""Messages, DMs, @mentions and the App Home, end to end: signed requests over loopback HTTP to
the real app, answers posted to the fake Slack Web API (bot/slack/listeners/events.py)."""

from __future__ import annotations

import logging
import time
import urllib.request
from pathlib import Path

import pytest

from bot.render.blocks import MAX_BLOCKS
from bot.testing.fake_slack import (
    BOT_ID,
    BOT_USER_ID,
    DM_CHANNEL_ID,
    Failure,
    app_home_opened_event,
    app_mention_event,
    block_problems,
    message_event,
    sample,
)
from bot.testing.loopback import app_on_loopback

from conftest import load_yaml

PASTES = load_yaml(Path(__file__).parent / "data" / "pastes.yaml")
TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)
CLOSED = "An existing connection was forcibly closed by the remote host"
TOKEN_ARTICLE = "https://help.linnworks.com/support/solutions/articles/7000024275"
MENTION = f"<@{BOT_USER_ID}>"


def only_post(slack, app):
    """The one chat.postMessage the app made, after everything it started has finished."""
    slack.wait_for("chat.postMessage")
    app.wait_idle()
    (post,) = slack.calls_to("chat.postMessage")
    return post


def assert_silent(slack, app):
    app.wait_idle()
    assert [c.method for c in slack.calls if c.method != "auth.test"] == []


# --- Channels ------------------------------------------------------------------------------------


def test_pasted_error_gets_one_threaded_reply_carrying_the_article(slack, app):
    event = sample("event_message_channel.json")
    response = app.sender.event(event)
    assert response.status == 200
    post = only_post(slack, app)
    assert post.params["channel"] == "C0001OPS"
    assert post.params["thread_ts"] == event["event"]["ts"]
    assert post.blocks[0]["text"]["text"] == "eBay token expired"
    shown = post.block_text()
    assert "*🔴 Action required*" in shown
    assert f"<{TOKEN_ARTICLE}|eBay token expiry/generation>" in shown
    assert any(b.get("accessory", {}).get("url") == TOKEN_ARTICLE for b in post.blocks)
    assert post.text.startswith("🔴 Action required: eBay token expired")


def test_reply_to_a_message_in_a_thread_goes_into_that_thread(slack, app):
    app.sender.event(message_event(CLOSED, thread_ts="1795769000.000001"))
    assert only_post(slack, app).params["thread_ts"] == "1795769000.000001"


@pytest.mark.parametrize(
    "case", PASTES["recognised"], ids=[c["expect"] for c in PASTES["recognised"]]
)
def test_realistic_pastes_are_answered_with_their_entry(slack, app, engine, case):
    paste = case["paste"]
    event = app_mention_event(paste) if MENTION in paste else message_event(paste)
    app.sender.event(event)
    post = only_post(slack, app)
    entry = engine.kb.by_id[case["expect"]]
    assert post.blocks[0]["text"]["text"] == entry.title
    assert post.params["thread_ts"] == event["event"]["ts"]


@pytest.mark.parametrize("paste", PASTES["not_recognised"])
def test_chat_and_unknown_text_in_a_channel_get_silence(slack, app, paste):
    assert app.sender.event(message_event(paste)).status == 200
    assert_silent(slack, app)


@pytest.mark.parametrize(
    "event",
    [
        sample("event_message_bot.json"),
        message_event(TOKEN, bot_id="B0002OTHER", user="U0002APPUSER"),
        message_event(TOKEN, user=BOT_USER_ID, bot_id=BOT_ID),
        sample("event_message_changed.json"),
        message_event(TOKEN, subtype="message_deleted", user=None, hidden=True),
        message_event(f"<@U0003NEW> has joined the channel {TOKEN}", subtype="channel_join"),
        message_event(TOKEN, user="USLACKBOT"),
    ],
    ids=["other-bot", "other-app-user", "itself", "edit", "deletion", "join", "slackbot"],
)
def test_messages_not_written_by_a_person_get_silence(slack, app, event):
    assert app.sender.event(event).status == 200
    assert_silent(slack, app)


@pytest.mark.parametrize("subtype", ["file_share", "thread_broadcast"])
def test_a_person_sharing_a_file_or_broadcasting_a_reply_is_answered(slack, app, subtype):
    app.sender.event(message_event(TOKEN, subtype=subtype))
    assert only_post(slack, app).blocks[0]["text"]["text"] == "eBay token expired"


def test_a_generic_text_naming_no_channel_gets_silence_in_a_channel(slack, app):
    assert app.sender.event(message_event("423 Locked")).status == 200
    assert_silent(slack, app)


def test_a_generic_text_naming_its_channel_is_answered_in_a_channel(slack, app):
    app.sender.event(message_event("Shopify says 423 Locked on the stock level update"))
    assert only_post(slack, app).blocks[0]["text"]["text"] == "Shopify shop locked (423 Locked)"


def test_another_systems_error_gets_silence_in_a_channel(slack, app):
    app.sender.event(message_event("Etsy API returned 429 Too Many Requests when updating stock"))
    assert_silent(slack, app)


SSMS_PASTE = f"running the monthly sales query in SSMS and it keeps dying:\n{CLOSED}"


def test_linnworks_text_next_to_a_tool_linnworks_never_runs_in_gets_silence_in_a_channel(
    slack, app
):
    app.sender.event(message_event(SSMS_PASTE))
    assert_silent(slack, app)


def test_direct_message_of_linnworks_text_next_to_such_a_tool_gets_a_did_you_mean(slack, app):
    app.sender.event(message_event(SSMS_PASTE, channel=DM_CHANNEL_ID, channel_type="im"))
    shown = only_post(slack, app).block_text()
    assert "(`general-connection-forcibly-closed`" in shown
    assert "SSMS shows this text too, and the paste names neither a channel nor Linnworks" in shown


def test_a_log_with_successes_between_failures_is_judged_by_its_ratio(slack, app):
    log = "".join(
        f"0{n}:00 {CLOSED}\n0{n}:05 Sync completed: 14 orders downloaded\n" for n in range(8)
    )
    app.sender.event(message_event(log))
    shown = only_post(slack, app).block_text()
    assert "Syncs in this log: 8 failures in 16 syncs (50%); the others succeeded." in shown
    assert (
        "*Verdict:* Nothing to worry about: 8 failures in 16 syncs (50%), never 5 in a row" in shown
    )


# --- Direct messages and mentions ----------------------------------------------------------------


def test_direct_message_with_a_known_error_gets_the_explanation(slack, app):
    app.sender.event(sample("event_message_im.json"))
    post = only_post(slack, app)
    assert post.params["channel"] == DM_CHANNEL_ID
    assert "thread_ts" not in post.params
    assert "*🟢 Transient*" in post.block_text()


def test_direct_message_with_unknown_text_says_so_with_candidates_and_how_to_add(slack, app):
    paste = "sync started\nAccess to reports denied"
    app.sender.event(message_event(paste, channel=DM_CHANNEL_ID, channel_type="im"))
    shown = only_post(slack, app).block_text()
    assert "*I don't recognise this error.*" in shown
    assert "*Did you mean…*\n• *Amazon app authorisation lapsed" in shown
    assert "*How to get it added:*" in shown


def test_direct_message_asking_in_words_gets_the_entries_that_fit(slack, app):
    question = "why is amazon throttling our feeds?"
    app.sender.event(message_event(question, channel=DM_CHANNEL_ID, channel_type="im"))
    post = only_post(slack, app)
    assert post.blocks[1]["text"]["text"].startswith("🟢 *Amazon request throttled*")
    assert post.blocks[1]["accessory"]["text"]["text"] == "Show"


def test_mention_asking_in_words_gets_the_entries_that_fit_in_the_thread(slack, app):
    event = app_mention_event(f"{MENTION} what does error 931 mean?")
    app.sender.event(event)
    post = only_post(slack, app)
    assert post.params["thread_ts"] == event["event"]["ts"]
    assert post.blocks[1]["accessory"]["value"] == "ebay-auth-token-invalid-931"


def test_words_in_a_channel_without_a_recognised_error_get_silence(slack, app):
    app.sender.event(message_event("feed rejected again?"))
    assert_silent(slack, app)


def test_direct_message_of_a_generic_text_naming_no_channel_gets_a_did_you_mean(slack, app):
    app.sender.event(message_event("423 Locked", channel=DM_CHANNEL_ID, channel_type="im"))
    shown = only_post(slack, app).block_text()
    assert (
        "*Did you mean…*\n• *Shopify shop locked (423 Locked)* (`shopify-shop-locked-423`" in shown
    )
    assert "it does not name Shopify" in shown


def test_direct_message_of_chit_chat_is_still_answered(slack, app):
    app.sender.event(
        message_event("thanks, that fixed it!", channel=DM_CHANNEL_ID, channel_type="im")
    )
    assert "I don't recognise a Linnworks error" in only_post(slack, app).block_text()


def test_how_to_add_points_at_the_maintainers_channel_when_configured(slack, engine):
    with app_on_loopback(slack, engine, env={"SYNCDOC_MAINTAINERS_CHANNEL": "C0009MAINT"}) as app:
        app.sender.event(
            message_event("Weird failure 77", channel=DM_CHANNEL_ID, channel_type="im")
        )
        assert "Post it in <#C0009MAINT>" in only_post(slack, app).block_text()


def test_pasted_channel_pings_are_echoed_escaped_and_never_ping(slack, app):
    text = "Fatal error &lt;!channel&gt; sync failed for &lt;@U0002OTHER&gt;"
    app.sender.event(message_event(text, channel=DM_CHANNEL_ID, channel_type="im"))
    post = only_post(slack, app)
    assert "&lt;!channel&gt;" in post.block_text()
    assert "<!channel>" not in str(post.params) and "<@U0002OTHER>" not in str(post.params)


def test_mention_of_unknown_text_is_answered_in_the_thread(slack, app):
    event = app_mention_event(f"{MENTION} what is Weird failure 77?")
    app.sender.event(event)
    post = only_post(slack, app)
    assert post.params["thread_ts"] == event["event"]["ts"]
    assert "I don't recognise" in post.block_text()


def test_mention_with_nothing_else_gets_the_help(slack, app):
    app.sender.event(app_mention_event(f"{MENTION} help"))
    assert "/syncerror list [channel]" in only_post(slack, app).block_text()


def test_a_mention_answered_as_app_mention_is_not_answered_again_as_a_message(slack, app):
    text = f"{MENTION} is this bad? {TOKEN}"
    ts = "1795779999.000100"
    app.sender.event(message_event(text, ts=ts))
    app.sender.event(app_mention_event(text, ts=ts))
    assert only_post(slack, app).params["thread_ts"] == ts


# --- Deliveries ----------------------------------------------------------------------------------


def test_a_redelivered_event_still_gets_one_reply(slack, app):
    event = message_event(TOKEN)
    statuses = [app.sender.event(event, retry=n).status for n in range(3)]
    assert statuses == [200, 200, 200]
    only_post(slack, app)


@pytest.mark.parametrize(
    "forgery",
    [
        {"secret": "not-the-signing-secret"},
        {"signature": "v0=" + "0" * 64},
        {"timestamp": int(time.time()) - 6 * 60},
    ],
    ids=["wrong-secret", "forged-signature", "six-minutes-old"],
)
def test_forged_or_stale_requests_are_refused_and_nothing_is_posted(slack, app, forgery):
    assert app.sender.event(message_event(TOKEN), **forgery).status == 401
    assert_silent(slack, app)


def test_a_forged_request_does_not_stop_the_real_one_from_being_answered(slack, app):
    event = message_event(TOKEN)
    app.sender.event(event, secret="not-the-signing-secret")
    app.sender.event(event)
    only_post(slack, app)


def test_rate_limited_reply_arrives_once_after_retry_after(slack, app):
    slack.fail_next("chat.postMessage", Failure.rate_limited(retry_after=1))
    app.sender.event(message_event(TOKEN))
    slack.wait_for("chat.postMessage", timeout=10)
    app.wait_idle()
    posts = slack.calls_to("chat.postMessage")
    assert [p.status for p in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0
    assert posts[0].params == posts[1].params


def test_a_reset_connection_after_the_request_was_written_is_not_sent_again(slack, app):
    # Slack may have posted it before the connection broke: one missed answer, never two.
    slack.fail_next("chat.postMessage", Failure.connection_reset())
    app.sender.event(message_event(TOKEN))
    app.wait_idle()
    assert [p.status for p in slack.calls_to("chat.postMessage")] == [0]


def test_a_slack_server_error_is_logged_and_the_next_paste_is_answered(slack, app, caplog):
    slack.fail_next("chat.postMessage", Failure.server_error())
    event = message_event(TOKEN)
    with caplog.at_level(logging.WARNING, logger="bot.slack.send"):
        app.sender.event(event)
        app.wait_idle()
    assert (
        f"Slack failed chat.postMessage in C0001OPS thread {event['event']['ts']} (HTTP 500 "
        "internal_error); Slack may have posted it, so it is not sent again; answer not sent"
    ) in caplog.text
    app.sender.event(message_event(CLOSED))
    slack.wait_for("chat.postMessage")
    app.wait_idle()
    assert [p.status for p in slack.calls_to("chat.postMessage")] == [500, 200]


def test_a_40000_character_paste_is_answered_within_slacks_limits_and_the_server_stays_up(
    slack, app
):
    lines = []
    for n in range(2000):
        lines.append(
            f"2026-11-03 04:{n % 60:02d}:00 Start sync Error: Amazon UK ListOrders: {CLOSED}"
        )
        if n % 7 == 0:
            lines.append(
                f"2026-11-03 04:{n % 60:02d}:30 ERROR Unknown failure code {n} in module X"
            )
        if n % 50 == 0:
            lines.append(
                f"Step: Synchronize orders for [eBay{n}], Unhandled Error is thrown: {TOKEN}"
            )
    paste = "\n".join(lines)[:40_000]
    response = app.sender.event(message_event(paste))
    assert response.status == 200
    post = only_post(slack, app)
    assert block_problems(post.blocks) == [] and len(post.blocks) <= MAX_BLOCKS
    assert post.blocks[0]["text"]["text"].startswith("Log excerpt: 2 known errors")
    assert "*Error lines not in the knowledge base yet:*" in post.block_text()
    with urllib.request.urlopen(app.url + "/healthz", timeout=5) as health:
        assert health.status == 200


# --- App Home ------------------------------------------------------------------------------------


def test_opening_the_home_tab_publishes_how_to_use_syncdoc(slack, app, engine):
    app.sender.event(app_home_opened_event(user="U0001HUMAN"))
    (publish,) = slack.wait_for("views.publish")
    assert publish.params["user_id"] == "U0001HUMAN"
    view = publish.params["view"]
    assert view["type"] == "home"
    assert f"I know *{len(engine.kb)}* errors" in str(view)


def test_the_home_tab_shows_how_to_look_an_error_up_by_words(slack, app):
    app.sender.event(app_home_opened_event(user="U0001HUMAN"))
    (publish,) = slack.wait_for("views.publish")
    assert "`/syncerror &lt;words&gt;`: look an error up" in str(publish.params["view"])
    assert "`/syncerror feed rejected`" in str(publish.params["view"])


def test_opening_the_messages_tab_publishes_nothing(slack, app):
    assert app.sender.event(app_home_opened_event(tab="messages")).status == 200
    assert_silent(slack, app)
