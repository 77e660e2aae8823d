"""The Slack app manifest (manifest.yml, bot/slack/manifest.py) agrees with the app: every
subscribed event has a listener, and the command, shortcut and scopes are the ones the app uses;
it and every `syncdoc manifest` variant are valid against Slack's official manifest schema."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from bot.config import DEFAULT_COMMAND
from bot.slack.listeners.shortcuts import CALLBACK_ID
from bot.slack.manifest import load_manifest
from bot.testing.cli import run_syncdoc
from bot.testing.fake_slack import (
    BOT_USER_ID,
    FakeSlack,
    app_home_opened_event,
    app_mention_event,
    message_event,
)
from bot.testing.loopback import app_on_loopback

from conftest import CATALOGUE

# Slack's schema (slackapi/manifest-schema), copied from ../shared/reference so that the tests run
# from a lone clone; test_the_schema_copy_is_the_shared_one keeps the two the same.
SCHEMA_DIR = Path(__file__).parent / "data" / "slack-manifest-schema"
SHARED_SCHEMA_DIR = CATALOGUE.parent / "slack-manifest-schema"
SCHEMA_URL = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"

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
    result = run_syncdoc("manifest", *args, env=env)
    assert result.code == 0, result.err
    return yaml.safe_load(result.out)


def test_printed_manifest_for_http_mode_sends_everything_to_the_request_url():
    url = "https://syncdoc.example.com/slack/events"
    printed = manifest_command("--request-url", url)
    assert printed["settings"]["socket_mode_enabled"] is False
    assert printed["settings"]["event_subscriptions"]["request_url"] == url
    assert printed["settings"]["interactivity"]["request_url"] == url
    assert printed["features"]["slash_commands"][0]["url"] == url


def test_printed_manifest_uses_the_configured_command():
    printed = manifest_command(env={"SYNCDOC_COMMAND": "/lnwerror"})
    assert printed["features"]["slash_commands"][0]["command"] == "/lnwerror"
    assert "/lnwerror" in printed["display_information"]["long_description"]
    assert printed["settings"]["socket_mode_enabled"] is True


# --- Slack's own schema ----------------------------------------------------------------------------


@cache
def manifest_validator() -> jsonschema.Draft7Validator:
    """The entry schema, its `$ref`s resolved to the local copies, never over the network."""
    versions = [
        (SCHEMA_URL + path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT7))
        for path in sorted((SCHEMA_DIR / "schemas").glob("*.json"))
    ]
    entry = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text())
    return jsonschema.Draft7Validator(entry, registry=Registry().with_resources(versions))


def schema_problems(manifest: dict) -> list[str]:
    """Where and why Slack's schema refuses `manifest` (the reasons `oneOf` hides, too)."""

    def leaves(errors):
        for error in errors:
            if error.context:
                yield from leaves(error.context)
            else:
                yield f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"

    return sorted(set(leaves(manifest_validator().iter_errors(manifest))))


def test_manifest_yml_is_valid_against_slacks_schema():
    assert schema_problems(load_manifest()) == []


VARIANTS = {
    "socket mode": ([], {}),
    "http mode": (["--request-url", "https://syncdoc.example.com/slack/events"], {}),
    "another command": ([], {"SYNCDOC_COMMAND": "/lnwerror"}),
    "shortest command": ([], {"SYNCDOC_COMMAND": "/x"}),
    "longest command": ([], {"SYNCDOC_COMMAND": "/" + "x" * 31}),
    "http mode, another command": (
        ["--request-url", "https://bots.example.com/syncdoc/slack/events"],
        {"SYNCDOC_COMMAND": "/lnwerror"},
    ),
}


@pytest.mark.parametrize(("args", "env"), VARIANTS.values(), ids=VARIANTS.keys())
def test_every_printed_manifest_is_valid_against_slacks_schema(args, env):
    assert schema_problems(manifest_command(*args, env=env)) == []


def test_the_schema_check_refuses_what_slack_refuses():
    manifest = load_manifest()
    manifest["features"]["slash_commands"][0]["command"] = "/" + "x" * 32
    manifest["settings"]["event_subscriptions"]["request_url"] = "ftp://example.com/slack/events"
    problems = schema_problems(manifest)
    assert any(p.startswith("features/slash_commands/0/command:") for p in problems)
    assert any(p.startswith("settings/event_subscriptions/request_url:") for p in problems)


def test_the_schema_copy_is_the_shared_one():
    if not SHARED_SCHEMA_DIR.is_dir():
        message = f"no shared reference at {SHARED_SCHEMA_DIR}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    names = ["manifest.schema.json", "schemas/manifest.schema.1.0.0.json", "LICENSE"]
    names.append("schemas/manifest.schema.2.0.0.json")
    for name in names:
        assert (SCHEMA_DIR / name).read_bytes() == (SHARED_SCHEMA_DIR / name).read_bytes(), name


REFUSED = {
    "plain http": (
        ["--request-url", "http://localhost:3000/slack/events"],
        {},
        "--request-url must be the https:// address Slack can reach",
    ),
    "not the events path": (
        ["--request-url", "https://syncdoc.example.com/"],
        {},
        "--request-url must end with /slack/events, where `syncdoc serve` listens",
    ),
    **{
        name: (
            [],
            {"SYNCDOC_COMMAND": command},
            "SYNCDOC_COMMAND must look like /syncerror (a slash and 1 to 31 characters",
        )
        for name, command in [
            ("a bare slash", "/"),
            ("a 33-character command", "/" + "x" * 32),
            ("a command with a space", "/sync error"),
        ]
    },
}


@pytest.mark.parametrize(("args", "env", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_manifest_slack_could_not_use_is_refused_with_exit_2(args, env, message):
    result = run_syncdoc("manifest", *args, env=env)
    assert result.code == 2
    assert message in result.err
