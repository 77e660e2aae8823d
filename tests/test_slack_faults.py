"""Slack misbehaving: rate limits, resets and slowness past the retry limits, and Slack unreachable
at start-up. The real app over loopback against the fake Slack; each answer is sent once or, when
it finally cannot be, logged with where it belonged (bot/slack/send.py, bot/slack/socket_mode.py).

The simple cases (one 429 then success, one reset then success, a 500 not retried) are in
tests/test_slack_events.py.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.slack.app import create_app
from bot.slack.http import EVENTS_PATH, create_wsgi_app
from bot.slack.send import CONNECTION_RETRIES, RATE_LIMIT_RETRIES, retry_handlers
from bot.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    CHANNEL_ID,
    Failure,
    SlackSender,
    message_event,
)
from bot.testing.loopback import TrackedExecutor, loopback_settings, serve_wsgi
from bot.testing.process import syncdoc

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)
THROTTLED = "[Amazon UK] Request is throttled"


def statuses(slack):
    return [c.status for c in slack.calls_to("chat.postMessage")]


def test_rate_limits_past_the_retry_limit_give_up_logged_with_the_thread(slack, app, caplog):
    attempts = 1 + RATE_LIMIT_RETRIES
    slack.fail_next("chat.postMessage", *[Failure.rate_limited(retry_after=0)] * attempts)
    event = message_event(TOKEN)
    with caplog.at_level(logging.WARNING, logger="bot.slack.send"):
        app.sender.event(event)
        app.wait_idle(timeout=20)
    assert statuses(slack) == [429] * attempts
    assert (
        f"Slack refused chat.postMessage in {CHANNEL_ID} thread {event['event']['ts']}: "
        "ratelimited; answer not sent"
    ) in caplog.text


def test_resets_past_the_retry_limit_give_up_logged_with_the_thread(slack, app, caplog):
    attempts = 1 + CONNECTION_RETRIES
    slack.fail_next("chat.postMessage", *[Failure.connection_reset()] * attempts)
    event = message_event(TOKEN)
    with caplog.at_level(logging.WARNING, logger="bot.slack.send"):
        app.sender.event(event)
        app.wait_idle(timeout=20)
    assert statuses(slack) == [0] * attempts
    assert (
        f"could not reach Slack for chat.postMessage in {CHANNEL_ID} thread "
        f"{event['event']['ts']}: "
    ) in caplog.text
    assert "; answer not sent" in caplog.text


def test_after_giving_up_the_next_paste_is_answered(slack, app):
    slack.fail_next("chat.postMessage", *[Failure.connection_reset()] * (1 + CONNECTION_RETRIES))
    app.sender.event(message_event(TOKEN))
    app.wait_idle(timeout=20)
    app.sender.event(message_event(THROTTLED))
    slack.wait_for("chat.postMessage")
    app.wait_idle()
    assert statuses(slack) == [0] * (1 + CONNECTION_RETRIES) + [200]


def test_a_slow_web_api_does_not_hold_up_the_acknowledgement(slack, app):
    slack.fail_next("chat.postMessage", Failure.slow(2.0))
    assert app.sender.event(message_event(TOKEN)).status == 200
    assert slack.calls_to("chat.postMessage") == []  # acknowledged while the answer is on its way
    slack.wait_for("chat.postMessage", timeout=10)
    app.wait_idle()
    assert statuses(slack) == [200]


def test_an_answer_slower_than_the_client_timeout_is_not_sent_twice(slack, engine, caplog):
    # Slack may still post a message whose answer timed out, so a timeout is never retried.
    client = WebClient(
        token=BOT_TOKEN, base_url=slack.api_url, timeout=1, retry_handlers=retry_handlers()
    )
    executor = TrackedExecutor()
    bolt = create_app(loopback_settings(slack), engine, client, listener_executor=executor)
    slack.fail_next("chat.postMessage", Failure.slow(2.5))
    try:
        with serve_wsgi(create_wsgi_app(bolt, engine)) as url:
            with caplog.at_level(logging.WARNING, logger="bot.slack.send"):
                SlackSender(url + EVENTS_PATH).event(message_event(TOKEN))
                executor.wait_idle(timeout=20)
            slack.wait_for("chat.postMessage", timeout=10)
    finally:
        executor.shutdown(wait=True)
    assert statuses(slack) == [200]
    assert "timed out" in caplog.text and "answer not sent" in caplog.text


def test_socket_mode_with_slack_unreachable_backs_off_and_stops_cleanly(unused_port):
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": f"http://127.0.0.1:{unused_port}/api/",
    }
    with syncdoc(["run"], env) as process:
        process.wait_for_line(r"could not reach Slack to check the token")
        process.wait_for_line(r"could not connect to Slack \(.*\); retry in 1s", timeout=30)
        process.wait_for_line(r"could not connect to Slack \(.*\); retry in 2s", timeout=30)
        assert process.stop() == 0
    assert "Traceback" not in process.output
    assert BOT_TOKEN not in process.output and APP_TOKEN not in process.output
