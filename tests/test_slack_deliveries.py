"""Slack's event deliveries in HTTP mode take a lean route to the listeners Bolt also runs
(bot/slack/deliveries.py): the same answer, and failures handled as Bolt handled them."""

from __future__ import annotations

import json
import logging

from slack_bolt import BoltRequest

from bot.slack.app import create_app
from bot.slack.http import EVENTS_PATH, create_wsgi_app
from bot.slack.outbox import Outbox
from bot.testing.fake_slack import SIGNING_SECRET, SlackSender, message_event
from bot.testing.fake_slack.signing import sign
from bot.testing.loopback import TrackedExecutor, app_on_loopback, loopback_settings, serve_wsgi

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)


def test_a_paste_gets_the_same_answer_through_bolt_as_through_the_event_route(slack, engine):
    settings = loopback_settings(slack)
    executor = TrackedExecutor()
    app = create_app(
        settings,
        engine,
        listener_executor=executor,
        outbox=Outbox(10, settings.slack_retry_seconds),
    )
    try:
        with serve_wsgi(create_wsgi_app(app, engine)) as url:
            assert SlackSender(url + EVENTS_PATH).event(message_event(TOKEN)).status == 200
            executor.wait_idle()
        body = json.dumps(message_event(TOKEN)).encode()
        assert (
            app.dispatch(BoltRequest(body=body.decode(), headers=sign(body, SIGNING_SECRET))).status
            == 200
        )
        executor.wait_idle()
    finally:
        executor.shutdown(wait=True)
    lean, bolt = slack.calls_to("chat.postMessage")
    assert lean.ok and bolt.ok
    assert {k: v for k, v in lean.params.items() if k != "thread_ts"} == {
        k: v for k, v in bolt.params.items() if k != "thread_ts"
    }


def test_a_listener_failing_after_the_acknowledgement_is_logged_and_the_next_paste_answered(
    slack, engine, caplog
):
    calls = []

    def fails_the_first_time(report, asker):
        calls.append(asker)
        if len(calls) == 1:
            raise RuntimeError("the extra broke")
        return []

    with app_on_loopback(slack, engine, answer_extras=[fails_the_first_time]) as app:
        with caplog.at_level(logging.ERROR, logger="bot.slack.deliveries"):
            assert app.sender.event(message_event(TOKEN)).status == 200
            app.wait_idle()
        assert "Failed to run listener function (error: the extra broke)" in caplog.text
        assert "RuntimeError" in caplog.text  # with its traceback, as Bolt logs it
        app.sender.event(message_event(TOKEN))
        slack.wait_for("chat.postMessage")
    (post,) = slack.calls_to("chat.postMessage")
    assert "token" in post.params["text"].lower()
