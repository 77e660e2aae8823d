"""A fake Slack for tests, on 127.0.0.1: the Web API, response_url endpoints and a Socket Mode
WebSocket server, plus helpers that sign and shape requests exactly as Slack sends them.

Point the app's Web API client at `FakeSlack.api_url` (`SLACK_API_URL`), put
`FakeSlack.response_url()` into the payloads you send, and assert on what the fake recorded::

    with FakeSlack() as slack:
        settings = Settings.from_env({"SLACK_API_URL": slack.api_url,
                                      "SLACK_BOT_TOKEN": slack.bot_token, ...})
        ...  # start the app, send it a signed event with `SlackSender`
        (reply,) = slack.wait_for("chat.postMessage")
        assert reply.params["thread_ts"] == event_ts

What it implements: `auth.test`, `chat.postMessage`, `chat.postEphemeral`, `views.publish`,
`apps.connections.open` (answering the URL of its own WebSocket server when started with
`socket_mode=True`), and any number of response_url endpoints. Each checks the token and what
real Slack enforces (bot/testing/slack_rules.py: slack-sdk's Block Kit models plus the published
limits they miss; `invalid_blocks`, `msg_too_long`, `no_text`), so a message the fake accepts is
one Slack would show; `refused_payloads()` lists every refusal, for a suite-wide check.
`fail_next` makes the next calls of a method fail: HTTP 429 with Retry-After, 500, 502 or 503 with
an HTML page, an HTML page with 200, a reset connection (before or after the call was handled),
an `ok: false` error, or a slow answer; `outage` makes every call fail for a while.

One module per part, all imported from here: `web_api` (FakeSlack) and `handler` (its HTTP side),
`calls` (what it records and refuses), `failures`, `socket_mode`, `signing` (SlackSender),
`payloads` (the builders) and `workspace` (tokens and ids).

Socket Mode needs the `websockets` package (the `dev` extra); the rules need slack-sdk, which
syncdoc itself depends on.
"""

from __future__ import annotations

from bot.testing.fake_slack.calls import RESPONSE_URL_METHOD, Call, RefusedPayload, refused_payloads
from bot.testing.fake_slack.failures import SLACK_DOWN_PAGE, Failure
from bot.testing.fake_slack.payloads import (
    app_home_opened_event,
    app_mention_event,
    block_action,
    message_event,
    message_shortcut,
    new_ts,
    sample,
    slash_command,
    socket_envelope,
    url_verification,
)
from bot.testing.fake_slack.signing import Response, SlackSender, sign
from bot.testing.fake_slack.socket_mode import HELLO, SocketModeServer
from bot.testing.fake_slack.web_api import FakeSlack
from bot.testing.fake_slack.workspace import (
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    HUMAN_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
)
from bot.testing.slack_rules import block_problems

__all__ = [
    "APP_TOKEN",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DM_CHANNEL_ID",
    "HELLO",
    "HUMAN_USER_ID",
    "RESPONSE_URL_METHOD",
    "SIGNING_SECRET",
    "SLACK_DOWN_PAGE",
    "TEAM_ID",
    "Call",
    "Failure",
    "FakeSlack",
    "RefusedPayload",
    "Response",
    "SlackSender",
    "SocketModeServer",
    "app_home_opened_event",
    "app_mention_event",
    "block_action",
    "block_problems",
    "message_event",
    "message_shortcut",
    "new_ts",
    "refused_payloads",
    "sample",
    "sign",
    "slash_command",
    "socket_envelope",
    "url_verification",
]
