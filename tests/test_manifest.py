"""The Slack app manifest (manifest.yml, bot/slack/manifest.py) agrees with the app: every
subscribed event has a listener, and the command, shortcut and scopes are the ones the app uses."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from bot.config import DEFAULT_COMMAND
from bot.slack.listeners.shortcuts import CALLBACK_ID
from bot.slack.manifest import load_manifest
from bot.testing.fake_slack import (
    BOT_USER_ID,
    FakeSlack,
    app_home_opened_event,
    app_mention_event,
    message_event,
)
from bot.testing.loopback import app_on_loopback
from bot.testing.process import syncdoc_executable

MANIFEST = load_manifest()
BOT_EVENTS = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
THROTTLED = "[Amazon UK] Request is throttled"

# One payload per subscribable event, as Slack sends it; an event in the manifest without one
# here fails test_every_subscribed_event_is_here.
EVENTS = {
    "app_home_opened": lambda: app_home_opened_event(),
    "app_mention": lambda: app_mention_event(f"<@{BOT_USER_ID}> {THROTTLED}"),
    "message.channels": lambda: message_event(THROTTLED, channel_type="channel"),
    "message.groups": lambda: message_event(THROTTLED, channel="G0001PRIV", channel_type="group"),
    "message.im": lambda: message_event(THROTTLED, channel="D0001DM", channel_type="im"),
    "message.mpim": lambda: message_event(THROTTLED, channel="G0002MPIM", channel_type="mpim"),
}
SCOPE_FOR_EVENT = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
}


@pytest.fixture(scope="module")
def app(engine):
    with FakeSlack() as slack, app_on_loopback(slack, engine) as running:
        yield running


def test_every_subscribed_event_is_here():
    assert sorted(EVENTS) == sorted(BOT_EVENTS)


@pytest.mark.parametrize("event", BOT_EVENTS)
def test_every_subscribed_event_is_acknowledged_never_404(app, event):
    assert app.sender.event(EVENTS[event]()).status == 200


def test_an_event_nobody_subscribed_to_would_be_a_404(app):
    unsubscribed = message_event(THROTTLED)
    unsubscribed["event"] = {"type": "reaction_added", "user": "U0001HUMAN", "reaction": "eyes"}
    assert app.sender.event(unsubscribed).status == 404


def test_every_subscribed_event_has_its_scope():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {SCOPE_FOR_EVENT[e] for e in BOT_EVENTS if e in SCOPE_FOR_EVENT} <= scopes
    assert {"chat:write", "commands"} <= scopes


def test_command_and_shortcut_are_the_ones_the_app_listens_to():
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == DEFAULT_COMMAND
    (shortcut,) = MANIFEST["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", CALLBACK_ID)
    assert shortcut["name"] == "Explain this error"


def test_socket_mode_interactivity_and_the_messages_tab_are_on():
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True
    assert MANIFEST["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def manifest_command(*args: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [syncdoc_executable(), "manifest", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    return yaml.safe_load(result.stdout)


def test_printed_manifest_for_http_mode_sends_everything_to_the_request_url():
    url = "https://syncdoc.example.com/slack/events"
    printed = manifest_command("--request-url", url)
    assert printed["settings"]["socket_mode_enabled"] is False
    assert printed["settings"]["event_subscriptions"]["request_url"] == url
    assert printed["settings"]["interactivity"]["request_url"] == url
    assert printed["features"]["slash_commands"][0]["url"] == url


def test_printed_manifest_uses_the_configured_command():
    printed = manifest_command(env={**os.environ, "SYNCDOC_COMMAND": "/lnwerror"})
    assert printed["features"]["slash_commands"][0]["command"] == "/lnwerror"
    assert "/lnwerror" in printed["display_information"]["long_description"]
    assert printed["settings"]["socket_mode_enabled"] is True


def test_a_request_url_slack_cannot_use_is_a_usage_error():
    result = subprocess.run(
        [syncdoc_executable(), "manifest", "--request-url", "http://localhost:3000/slack/events"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--request-url must be the https:// address Slack can reach" in result.stderr
