"""Talking to Slack: Web API and response_url clients with slack-sdk's retry handlers, and sending
answers so that a failure is logged and dropped, never raised: a Slack outage never crashes syncdoc.

Retries cover rate limits (HTTP 429, after the Retry-After Slack asks for) and connections that
failed or were reset. A 500 is not retried: Slack may have posted the message before failing, and a
person would rather miss one answer than see it twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.render.slack import SlackMessage

TIMEOUT_SECONDS = 15
RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2

log = logging.getLogger(__name__)


def retry_handlers() -> list[RetryHandler]:
    return [
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
    ]


def web_client(settings: Settings) -> WebClient:
    """The bot's Web API client; `SLACK_API_URL` points it elsewhere (tests, proxies)."""
    settings.require("slack_bot_token")
    assert settings.slack_bot_token is not None
    options: dict[str, Any] = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
    return WebClient(
        token=settings.slack_bot_token.reveal(),
        timeout=TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
        **options,
    )


def post_message(
    client: WebClient, channel: str, message: SlackMessage, *, thread_ts: str | None = None
) -> bool:
    """Post `message` in `channel` (in the thread of `thread_ts` if given); False if it failed."""
    try:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **message.payload(),
        )
    except SlackApiError as exc:
        where = _where(channel, thread_ts)
        log.warning(
            "Slack refused chat.postMessage in %s: %s; answer not sent", where, api_error(exc)
        )
        return False
    except (SlackClientError, OSError) as exc:
        where = _where(channel, thread_ts)
        log.warning(
            "could not reach Slack for chat.postMessage in %s: %r; answer not sent", where, exc
        )
        return False
    return True


def _where(channel: str, thread_ts: str | None) -> str:
    # The thread names the message whose answer was lost, so someone can follow it up by hand.
    return f"{channel} thread {thread_ts}" if thread_ts else channel


def post_ephemeral(client: WebClient, channel: str, user: str, message: SlackMessage) -> bool:
    """Show `message` to `user` only, in `channel`; False if it failed."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, **message.payload())
    except SlackApiError as exc:
        log.warning("Slack refused chat.postEphemeral in %s: %s", channel, api_error(exc))
        return False
    except (SlackClientError, OSError) as exc:
        log.warning("could not reach Slack for chat.postEphemeral in %s: %r", channel, exc)
        return False
    return True


def respond(
    response_url: str,
    message: SlackMessage | None,
    *,
    response_type: str = "ephemeral",
    delete_original: bool | None = None,
    replace_original: bool = False,
) -> bool:
    """Answer through the `response_url` Slack gave with a command, shortcut or click.

    `message=None` with `delete_original=True` removes the message the click came from;
    `replace_original=True` puts `message` in its place.
    """
    client = WebhookClient(
        response_url, timeout=TIMEOUT_SECONDS, retry_handlers=retry_handlers(), logger=log
    )
    payload = message.payload() if message else {}
    try:
        response = client.send(
            **payload,
            response_type=response_type if message else None,
            replace_original=replace_original if message else None,
            delete_original=delete_original,
            unfurl_links=False if message else None,
        )
    except (SlackClientError, OSError) as exc:
        log.warning("could not reach Slack's response_url: %r", exc)
        return False
    if response.status_code != 200:
        log.warning(
            "Slack refused a response_url post: HTTP %s %s",
            response.status_code,
            response.body[:200],
        )
        return False
    return True


def api_error(exc: SlackApiError) -> str | None:
    """Slack's error code (`invalid_auth`, `ratelimited`...) in a refused call."""
    response = exc.response
    if response is None:
        return None
    return str(response.get("error") or f"HTTP {response.status_code}")
