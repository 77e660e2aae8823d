"""Request verification that cannot be bypassed, secrets that never leave, YAML that is only data.

Requests go to the real app over loopback HTTP (Bolt verifies Slack's signature; we never
hand-write that); a refused request must change nothing, so each forgery is followed by the
genuine delivery, which must be answered exactly once. Wrong-secret, forged-signature and stale
event cases are in tests/test_slack_events.py.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from bot.config import Settings
from bot.exceptions import ConfigError
from bot.slack.app import create_app
from bot.slack.identity import Identity
from bot.slack.send import web_client
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
    sign,
    slash_command,
)
from bot.testing.loopback import app_on_loopback, loopback_settings
from bot.testing.process import syncdoc

from conftest import VALID_ENTRY

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)


def post(url: str, body: bytes, headers: dict[str, str], content_type: str) -> int:
    """POST exactly these headers (no signing added): the status the app answered."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(
            "POST", parts.path, body=body, headers={**headers, "Content-Type": (content_type)}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


def forgeries(body: bytes) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Ways to get `body` (or a changed one) past the signature check, none of which may work."""
    good = sign(body, SIGNING_SECRET)
    now = int(time.time())
    changed = body.replace(b"hard expired", b"soft expired")
    return {
        "no signature header": (body, _without(good, "X-Slack-Signature")),
        "no timestamp header": (body, _without(good, "X-Slack-Request-Timestamp")),
        "no headers at all": (body, {}),
        "body changed after signing": (changed, good),
        "signed with another app's secret": (body, sign(body, "another-apps-signing-secret")),
        "old request replayed": (body, sign(body, SIGNING_SECRET, timestamp=now - 6 * 60)),
        "timestamp from the future": (body, sign(body, SIGNING_SECRET, timestamp=now + 6 * 60)),
        "timestamp not a number": (body, {**good, "X-Slack-Request-Timestamp": "now"}),
        "empty signature": (body, {**good, "X-Slack-Signature": ""}),
        "another signature version": (
            body,
            {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")},
        ),
    }


EVENT_BODY = json.dumps(message_event(TOKEN)).encode()
FORGERIES = list(forgeries(EVENT_BODY))  # names only: signatures are made when a test runs


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_event_is_refused_and_the_genuine_one_is_answered_once(slack, app, name):
    body, headers = forgeries(EVENT_BODY)[name]
    assert post(app.sender.url, body, headers, "application/json") == 401
    app.wait_idle()
    assert [c.method for c in slack.calls if c.method != "auth.test"] == []
    assert post(
        app.sender.url, EVENT_BODY, sign(EVENT_BODY, SIGNING_SECRET), "application/json"
    ) == (200)
    slack.wait_for("chat.postMessage")
    app.wait_idle()
    (answer,) = slack.calls_to("chat.postMessage")
    assert "hard expired" in answer.block_text()


@pytest.mark.parametrize(
    "name", ["no headers at all", "signed with another app's secret", "old request replayed"]
)
def test_a_forged_slash_command_is_refused_and_nothing_is_answered(slack, app, name):
    url = slack.response_url("commands")
    body = urllib.parse.urlencode(slash_command(TOKEN, response_url=url)).encode()
    forged_body, headers = forgeries(body)[name]
    assert post(app.sender.url, forged_body, headers, "application/x-www-form-urlencoded") == 401
    app.wait_idle()
    assert slack.calls_to(RESPONSE_URL_METHOD) == []


# --- Secrets ---------------------------------------------------------------------------------------
def test_no_secret_reaches_logs_errors_or_replies_through_faults_and_forgeries(
    slack, engine, caplog
):
    caplog.set_level(logging.DEBUG)  # every logger, at its most talkative: Bolt, slack-sdk, ours
    with app_on_loopback(slack, engine) as app:
        slack.fail_next(
            "chat.postMessage",
            Failure.rate_limited(retry_after=0),
            Failure.connection_reset(),
            Failure.server_error(),
            Failure.refused("invalid_auth"),
        )
        for n in range(4):
            app.sender.event(message_event(f"{TOKEN} {n}"))
            app.wait_idle(timeout=20)
        app.sender.event(message_event(TOKEN), secret="another-apps-signing-secret")
        app.wait_idle()
    errors = [repr(loopback_settings(slack)), *start_up_refusals(engine)]
    replies = json.dumps([call.params for call in slack.calls])
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 0, 500, 200, 200]
    for secret in SECRETS:
        assert secret not in caplog.text
        assert not any(secret in error for error in errors)
        assert secret not in replies


def start_up_refusals(engine) -> list[str]:
    """What syncdoc says when Slack rejects its bot token, then its app token."""
    with FakeSlack(bot_token="xoxb-another", app_token="xapp-another") as other:
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_APP_TOKEN": APP_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": other.api_url,
            }
        )
        with pytest.raises(ConfigError) as bot_token:
            Identity.check(web_client(settings))
        with pytest.raises(ConfigError) as app_token:
            app = create_app(settings, engine, identity=Identity(web_client(settings)))
            run_socket_mode(app, APP_TOKEN, threading.Event())
    assert str(bot_token.value).startswith("Slack rejected SLACK_BOT_TOKEN (invalid_auth)")
    assert str(app_token.value).startswith("Slack rejected SLACK_APP_TOKEN (invalid_auth)")
    return [str(bot_token.value), str(app_token.value)]


def test_serve_refusing_a_forged_request_logs_no_secret():
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    with FakeSlack() as fake:
        env |= {"SLACK_API_URL": fake.api_url, "SYNCDOC_LOG_LEVEL": "DEBUG"}
        with syncdoc(["serve", "--host", "127.0.0.1", "--port", "0"], env) as process:
            base = process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events").group(1)
            for body, headers in forgeries(EVENT_BODY).values():
                assert post(base + "/slack/events", body, headers, "application/json") == 401
            assert process.stop() == 0
    for secret in SECRETS:
        assert secret not in process.output


# --- YAML is data ----------------------------------------------------------------------------------
def test_a_python_tag_in_the_knowledge_base_is_refused_and_never_run(write_kb, tmp_path):
    marker = tmp_path / "owned"
    folder = write_kb(
        **{
            "demo.yaml": VALID_ENTRY
            + f"  notes: !!python/object/apply:os.system ['touch {marker}']\n"
        }
    )
    result = run_syncdoc("lint", "--kb", str(folder))
    assert result.code == 1
    assert f"{folder / 'demo.yaml'}:13: YAML syntax error" in result.out
    assert not marker.exists()


UNSAFE_YAML = re.compile(
    r"yaml\.(?:load|load_all|full_load|unsafe_load)\(|(?:Full|Unsafe)?Loader\b"
)


def test_the_code_only_ever_loads_yaml_safely():
    sources = Path(__file__).resolve().parents[1] / "bot"
    unsafe = [
        f"{path}:{number}: {line.strip()}"
        for path in sorted(sources.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNSAFE_YAML.search(line) and "SafeLoader" not in line
    ]
    assert unsafe == []
