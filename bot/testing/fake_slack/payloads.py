"""Payloads shaped like the samples in bot/testing/slack_payloads/: events, slash commands,
shortcuts, button clicks and Socket Mode envelopes, each with fresh ids and timestamps."""

from __future__ import annotations

import functools
import itertools
import json
import time
import urllib.parse
from collections.abc import Mapping
from importlib import resources
from typing import Any

from bot.testing.fake_slack.workspace import CHANNEL_ID, HUMAN_USER_ID

_ids = itertools.count(1)


def sample(name: str) -> Any:
    """A reference payload from `slack_payloads/`, parsed (a fresh copy each call)."""
    raw = _sample_text(name)
    return json.loads(raw) if name.endswith(".json") else raw


@functools.cache
def _sample_text(name: str) -> str:
    # Read once: bench/load.py builds thousands of events a second from these.
    return (resources.files("bot.testing") / "slack_payloads" / name).read_text(encoding="utf-8")


def new_ts() -> str:
    """A message timestamp no other payload from this process has."""
    return f"{1795770000 + next(_ids)}.{next(_ids):06d}"


def _event_envelope(event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
    body = sample("event_message_channel.json")
    body.pop("event_context", None)
    body["event"] = event
    body["event_id"] = event_id or f"Ev{next(_ids):08d}"
    body["event_time"] = int(float(event.get("event_ts", time.time())))
    return body


def message_event(
    text: str,
    *,
    channel: str = CHANNEL_ID,
    channel_type: str = "channel",
    user: str | None = HUMAN_USER_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    event_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An Events API `message` event (a person's message unless `fields` say otherwise:
    `subtype=`, `bot_id=`...)."""
    event = sample("event_message_channel.json")["event"]
    ts = ts or new_ts()
    event.update(text=text, channel=channel, channel_type=channel_type, ts=ts, event_ts=ts)
    event["client_msg_id"] = f"msg-{next(_ids)}"
    if user is None:
        event.pop("user")
    else:
        event["user"] = user
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(fields)
    return _event_envelope(event, event_id)


def app_mention_event(
    text: str,
    *,
    channel: str = CHANNEL_ID,
    user: str = HUMAN_USER_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    event_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An `app_mention` event; `text` should contain `<@BOT_USER_ID>` as Slack's does."""
    event = sample("event_app_mention.json")["event"]
    ts = ts or new_ts()
    event.update(text=text, channel=channel, user=user, ts=ts, event_ts=ts, **fields)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return _event_envelope(event, event_id)


def app_home_opened_event(
    user: str = HUMAN_USER_ID, tab: str = "home", event_id: str | None = None
) -> dict[str, Any]:
    ts = new_ts()
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0001HOME",
        "tab": tab,
        "event_ts": ts,
    }
    return _event_envelope(event, event_id)


def url_verification(challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7") -> dict:
    return {**sample("url_verification.json"), "challenge": challenge}


def slash_command(
    text: str,
    *,
    response_url: str,
    command: str = "/syncerror",
    user_id: str = HUMAN_USER_ID,
    channel_id: str = CHANNEL_ID,
) -> dict[str, str]:
    """The form fields of a slash command invocation."""
    fields = dict(urllib.parse.parse_qsl(sample("slash_command.txt").strip()))
    fields.update(
        text=text,
        command=command,
        response_url=response_url,
        user_id=user_id,
        channel_id=channel_id,
        trigger_id=f"{next(_ids)}.738474920.8088930838d88f008e0",
    )
    return fields


def message_shortcut(
    text: str,
    *,
    response_url: str | None,
    callback_id: str = "explain_error",
    user_id: str = HUMAN_USER_ID,
    channel_id: str = CHANNEL_ID,
    message_ts: str | None = None,
    **message_fields: Any,
) -> dict[str, Any]:
    """A `message_action` payload: someone chose a shortcut on a message with `text`."""
    payload = sample("message_shortcut.json")
    ts = message_ts or new_ts()
    payload.update(callback_id=callback_id, message_ts=ts, action_ts=new_ts())
    payload["user"]["id"] = user_id
    payload["channel"]["id"] = channel_id
    payload["message"].update(text=text, ts=ts, **message_fields)
    if response_url is None:
        payload.pop("response_url")
    else:
        payload["response_url"] = response_url
    return payload


def block_action(
    action_id: str,
    value: str,
    *,
    response_url: str,
    user_id: str = HUMAN_USER_ID,
    ephemeral: bool = True,
) -> dict[str, Any]:
    """A `block_actions` payload: a click on button `action_id` carrying `value`. Slack sends
    no `message` with a click on an ephemeral message."""
    payload = sample("block_actions.json")
    payload["user"]["id"] = user_id
    payload["response_url"] = response_url
    payload["container"]["is_ephemeral"] = ephemeral
    if ephemeral:
        payload.pop("message")
    action = payload["actions"][0]
    action.update(action_id=action_id, value=value, block_id="share", action_ts=new_ts())
    return payload


def socket_envelope(
    payload: Mapping[str, Any],
    *,
    kind: str = "events_api",
    envelope_id: str | None = None,
    retry_attempt: int = 0,
) -> dict[str, Any]:
    """How Socket Mode wraps a payload: `kind` is `events_api`, `slash_commands` (payload: the
    command's fields) or `interactive`."""
    envelope = sample("socket_mode_envelope.json")
    envelope.update(
        type=kind,
        envelope_id=envelope_id or f"env-{next(_ids):08d}",
        payload=dict(payload),
        accepts_response_payload=kind != "events_api",
        retry_attempt=retry_attempt,
        retry_reason="timeout" if retry_attempt else "",
    )
    return envelope
