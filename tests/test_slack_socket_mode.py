"""Socket Mode (bot/slack/socket_mode.py): slack-sdk's own client connects to the fake Slack's
loopback WebSocket server, which delivers envelopes and records the acknowledgements."""

from __future__ import annotations

import threading

import pytest

from bot.slack.app import create_app
from bot.slack.socket_mode import run_socket_mode
from bot.testing.cli import run_syncdoc
from bot.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    RESPONSE_URL_METHOD,
    SIGNING_SECRET,
    Failure,
    FakeSlack,
    message_event,
    sample,
    slash_command,
    socket_envelope,
)
from bot.testing.loopback import TrackedExecutor, loopback_settings
from bot.testing.process import syncdoc

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)


@pytest.fixture(scope="module")
def slack():
    with FakeSlack(socket_mode=True) as fake:
        yield fake


@pytest.fixture(scope="module")
def connected(slack, engine):
    """The app connected over Socket Mode, once for the module (closing a connection takes
    slack-sdk's client up to 3 seconds); yields its executor, to wait for answers."""
    executor = TrackedExecutor()
    app = create_app(loopback_settings(slack), engine, listener_executor=executor)
    stop = threading.Event()
    runner = threading.Thread(target=run_socket_mode, args=(app, slack.app_token, stop))
    runner.start()
    try:
        slack.socket_mode.wait_connected()
        yield executor
    finally:
        stop.set()
        runner.join(10)
        executor.shutdown()


def replies_in(slack, ts):
    return [c for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def test_an_event_is_acknowledged_and_answered_in_its_thread(slack, connected):
    envelope = sample("socket_mode_envelope.json")
    slack.socket_mode.send(envelope)
    ack = slack.socket_mode.wait_for_ack(envelope["envelope_id"])
    assert ack["envelope_id"] == envelope["envelope_id"]
    ts = envelope["payload"]["event"]["ts"]
    slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)
    connected.wait_idle()
    (post,) = replies_in(slack, ts)
    assert post.blocks[0]["text"]["text"] == "Amazon request throttled"


def test_the_connection_url_comes_from_apps_connections_open_with_the_app_token(slack, connected):
    (opened,) = slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN and opened.ok


def test_a_redelivered_envelope_is_acknowledged_and_answered_once(slack, connected):
    payload = message_event(TOKEN)
    first = socket_envelope(payload)
    again = socket_envelope(payload, retry_attempt=1)
    for envelope in (first, again):
        slack.socket_mode.send(envelope)
        slack.socket_mode.wait_for_ack(envelope["envelope_id"])
    ts = payload["event"]["ts"]
    slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)
    connected.wait_idle()
    assert len(replies_in(slack, ts)) == 1


def test_a_slash_command_over_socket_mode_is_answered_privately(slack, connected):
    url = slack.response_url("commands")
    envelope = socket_envelope(
        slash_command("[Amazon UK] Request is throttled", response_url=url), kind="slash_commands"
    )
    slack.socket_mode.send(envelope)
    slack.socket_mode.wait_for_ack(envelope["envelope_id"])
    (answer,) = slack.wait_for(RESPONSE_URL_METHOD, timeout=3, where=lambda c: url.endswith(c.path))
    assert answer.params["response_type"] == "ephemeral"
    assert answer.blocks[0]["text"]["text"] == "Amazon request throttled"


def test_connecting_is_retried_until_slack_answers(engine):
    with FakeSlack(socket_mode=True) as slack:
        slack.fail_next("apps.connections.open", Failure.server_error())
        app = create_app(loopback_settings(slack), engine)
        stop = threading.Event()
        runner = threading.Thread(
            target=run_socket_mode, args=(app, slack.app_token, stop), kwargs={"first_retry": 0.05}
        )
        runner.start()
        try:
            slack.socket_mode.wait_connected(timeout=10)
        finally:
            stop.set()
            runner.join(10)
        assert [c.status for c in slack.calls_to("apps.connections.open")] == [500, 200]


# --- `syncdoc run` -------------------------------------------------------------------------------


def test_syncdoc_run_answers_over_socket_mode_and_stops_on_sigterm():
    with FakeSlack(socket_mode=True) as slack:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": slack.api_url,
            "SYNCDOC_LOG_LEVEL": "DEBUG",  # the most talkative logs still never show a secret
        }
        with syncdoc(["run"], env) as process:
            process.wait_for_line("connected to Slack over Socket Mode")
            envelope = socket_envelope(message_event(f"seeing this: {TOKEN}"))
            slack.socket_mode.send(envelope)
            slack.socket_mode.wait_for_ack(envelope["envelope_id"])
            (post,) = slack.wait_for("chat.postMessage")
            assert post.blocks[0]["text"]["text"] == "eBay token expired"
            assert process.stop() == 0
    assert BOT_TOKEN not in process.output and APP_TOKEN not in process.output


def test_syncdoc_run_with_an_app_token_slack_rejects_says_so_and_exits_2():
    with FakeSlack(socket_mode=True) as slack:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": "xapp-wrong",
            "SLACK_API_URL": slack.api_url,
        }
        with syncdoc(["run"], env) as process:
            assert process.wait() == 2
    assert "syncdoc: Slack rejected SLACK_APP_TOKEN (invalid_auth)" in process.output


def test_syncdoc_run_needs_the_app_token_not_the_signing_secret():
    # In process (bot.testing.cli): it stops before it connects, as a real process would.
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    result = run_syncdoc("run", env=env, clean=True)
    assert result.code == 2
    assert "syncdoc: missing setting: SLACK_APP_TOKEN" in result.err
