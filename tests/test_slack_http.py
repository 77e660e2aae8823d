"""HTTP mode (bot/slack/http.py): the WSGI application in process, and `syncdoc serve` itself
under gunicorn in a subprocess, as a deployment runs it."""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest

from bot.slack.http import EVENTS_PATH, MAX_BODY_BYTES
from bot.testing.cli import run_syncdoc
from bot.testing.fake_slack import (
    BOT_TOKEN,
    RESPONSE_URL_METHOD,
    SIGNING_SECRET,
    FakeSlack,
    SlackSender,
    message_event,
    slash_command,
    url_verification,
)
from bot.testing.process import syncdoc

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- The WSGI application ------------------------------------------------------------------------


def test_health_check_says_it_answers_and_from_which_knowledge_base(app, engine):
    status, body = get(app.url + "/healthz")
    assert status == 200
    assert json.loads(body) == {
        "ok": True,
        "answering": "ok",
        "store": {"state": "none"},
        "knowledge_base": {"entries": len(engine.kb), "fingerprint": engine.kb.fingerprint[:16]},
        "known_errors": len(engine.kb),
    }


@pytest.mark.parametrize("path", ["/", "/slack/event", "/healthz/x"])
def test_other_paths_are_not_found(app, path):
    assert get(app.url + path)[0] == 404


def test_slack_requests_must_be_posts(app):
    assert get(app.url + EVENTS_PATH)[0] == 404


def test_saving_the_request_url_is_answered_with_the_challenge(app):
    response = app.sender.event(url_verification("abc123"))
    assert response.status == 200
    assert response.json() == {"challenge": "abc123"}


def test_a_body_larger_than_any_slack_request_is_refused_unread(slack, app):
    # Only the headers are sent: the answer must come from Content-Length alone, before any of
    # the body is read.
    parts = urllib.parse.urlsplit(app.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("POST", EVENTS_PATH)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    app.wait_idle()
    assert [c.method for c in slack.calls if c.method != "auth.test"] == []


# --- `syncdoc serve` under gunicorn --------------------------------------------------------------

SERVE_ENV = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "SYNCDOC_LOG_LEVEL": "DEBUG",  # the most talkative logs still never show a secret
}


@contextmanager
def serving():
    """A running `syncdoc serve`: (fake Slack, sender, base URL, process)."""
    with FakeSlack() as fake:
        env = {**SERVE_ENV, "SLACK_API_URL": fake.api_url}
        with syncdoc(["serve", "--host", "127.0.0.1", "--port", "0"], env) as process:
            match = process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events")
            base = match.group(1)
            yield fake, SlackSender(base + EVENTS_PATH), base, process


@pytest.fixture(scope="module")
def served():
    """One `syncdoc serve` shared by the module's tests, which leave it running."""
    with serving() as running:
        yield running


def answers_in_thread(fake, ts):
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def reply_to(fake, ts):
    (post,) = fake.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)
    return post


def test_served_app_answers_a_pasted_error_in_its_thread(served):
    fake, sender, _, _ = served
    event = message_event(f"getting this: ```{TOKEN}```")
    assert sender.event(event).status == 200
    post = reply_to(fake, event["event"]["ts"])
    assert post.token == BOT_TOKEN
    assert post.blocks[0]["text"]["text"] == "eBay token expired"


def test_served_app_refuses_a_forged_request_and_posts_nothing_for_it(served):
    fake, sender, _, process = served
    forged = message_event(TOKEN)
    assert sender.event(forged, secret="not-the-signing-secret").status == 401
    assert sender.event(forged, timestamp=int(time.time()) - 301).status == 401
    # The genuine delivery that follows is answered, and it is the only answer for this message:
    # had the forged ones been accepted, their answers would have come first.
    assert sender.event(forged).status == 200
    reply_to(fake, forged["event"]["ts"])
    # Bolt refuses a bad signature before any listener runs, and logs it: once both refusals
    # are logged, no answer for them can still be on its way.
    refusal = rf"Invalid request signature detected .*{forged['event_id']}"
    process.wait_for_line(refusal, count=2)
    assert len(answers_in_thread(fake, forged["event"]["ts"])) == 1


def test_served_app_answers_a_redelivered_event_once(served):
    fake, sender, _, process = served
    event = message_event(TOKEN)
    assert [sender.event(event, retry=n).status for n in range(3)] == [200, 200, 200]
    reply_to(fake, event["event"]["ts"])
    # Two of the three deliveries are dropped, each with a log line (by the worker that saw the
    # event before, or by the listener that finds another worker answered): once both are
    # logged, no second answer can still be on its way.
    process.wait_for_line(rf"dropped redelivery .*of event {event['event_id']}\b", count=2)
    assert len(answers_in_thread(fake, event["event"]["ts"])) == 1


def test_served_app_answers_the_slash_command_within_three_seconds(served):
    fake, sender, _, _ = served
    url = fake.response_url("commands")
    response = sender.command(slash_command("[Amazon UK] Request is throttled", response_url=url))
    assert response.status == 200
    (answer,) = fake.wait_for(RESPONSE_URL_METHOD, timeout=3, where=lambda c: url.endswith(c.path))
    assert answer.params["response_type"] == "ephemeral"
    assert answer.blocks[0]["text"]["text"] == "Amazon request throttled"


def test_served_app_stays_up_after_a_40000_character_paste(served):
    fake, sender, base, _ = served
    paste = "\n".join(
        f"2026-11-03 04:{n % 60:02d}:{n % 47:02d} An existing connection was forcibly closed by the "
        "remote host"
        for n in range(700)
    )[:40_000]
    event = message_event(paste)
    assert sender.event(event).status == 200
    assert "Log excerpt" in reply_to(fake, event["event"]["ts"]).blocks[0]["text"]["text"]
    assert get(base + "/healthz")[0] == 200


def test_served_app_stops_cleanly_on_sigterm_and_never_logs_a_secret():
    # Its own server: stopping the module's would fail whichever test ran after this one.
    with serving() as (fake, sender, _, process):
        event = message_event(TOKEN)
        assert sender.event(event).status == 200
        reply_to(fake, event["event"]["ts"])
        assert process.stop() == 0
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in process.output


# --- `syncdoc serve` refusing to start -----------------------------------------------------------


# In process (bot.testing.cli): it stops before gunicorn starts, as a real process would.
def test_serve_without_settings_names_what_is_missing_and_exits_2():
    result = run_syncdoc("serve", "--port", "0", clean=True)
    assert result.code == 2
    assert "syncdoc: missing settings: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in result.err


def test_serve_with_a_token_slack_rejects_says_so_and_exits_2(tmp_path, caplog):
    with FakeSlack(bot_token="xoxb-the-right-one") as fake, caplog.at_level(logging.DEBUG):
        env = {**SERVE_ENV, "SLACK_API_URL": fake.api_url, "SYNCDOC_DATA_DIR": str(tmp_path)}
        result = run_syncdoc("serve", "--port", "0", env=env, clean=True)
    assert result.code == 2
    assert "syncdoc: Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.err
    for shown in (result.out, result.err, caplog.text):
        assert BOT_TOKEN not in shown and SIGNING_SECRET not in shown


def test_serve_starts_while_slack_is_unreachable(unused_port):
    env = {**SERVE_ENV, "SLACK_API_URL": f"http://127.0.0.1:{unused_port}/api/"}
    with syncdoc(["serve", "--host", "127.0.0.1", "--port", "0"], env) as process:
        base = process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events").group(1)
        assert get(base + "/healthz")[0] == 200
    assert "could not reach Slack to check the token" in process.output
