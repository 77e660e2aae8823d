"""Talking to Slack: Web API and response_url clients, and sending answers so that a failure is
logged, never raised: a Slack outage never crashes syncdoc.

What happens to a failed send depends on whether Slack may have acted on it:

- *certainly not posted* (HTTP 429 past the client's retries, 502, 503, a body that is not
  Slack's JSON, a connection that could not be opened or a request that could not be written):
  handed to the outbox (bot/slack/outbox.py), which tries again for up to five minutes;
- *may have been posted* (a 500, a connection reset or closed after the request was written, a
  timeout waiting for the answer): never sent again, since a person would rather miss one answer
  than see it twice; logged with its channel and thread;
- *refused* (`ok: false`, such as `channel_not_found`): logged.

The client itself retries only rate limits (HTTP 429, after the Retry-After Slack asks for).
slack-sdk's `ConnectionErrorRetryHandler` is not used: it also retries a reset that follows a
written request, which posts the answer twice when Slack had already posted it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.render.blocks import SlackMessage
from bot.slack.keepalive import KeepAliveWebClient
from bot.slack.outbox import Attempt, Outbox, Outcome

TIMEOUT_SECONDS = 15
RATE_LIMIT_RETRIES = 3
NOT_POSTED_STATUSES = frozenset({429, 502, 503})
"""HTTP statuses with which Slack (or the proxy in front of it) did not act on the request."""
NOT_JSON = "Received a response in a non-JSON format"
"""How slack-sdk describes a body that is not Slack's JSON (an HTML error page)."""
MAY_BE_POSTED = "Slack may have posted it, so it is not sent again"

log = logging.getLogger(__name__)


def retry_handlers() -> list[RetryHandler]:
    return [RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


def web_client(settings: Settings) -> WebClient:
    """The bot's Web API client, keeping its connection to Slack open between calls;
    `SLACK_API_URL` points it elsewhere (tests, proxies)."""
    settings.require("slack_bot_token")
    assert settings.slack_bot_token is not None
    options: dict[str, Any] = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
    return KeepAliveWebClient(
        token=settings.slack_bot_token.reveal(),
        timeout=TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
        **options,
    )


def post_message(
    client: WebClient,
    channel: str,
    message: SlackMessage,
    *,
    thread_ts: str | None = None,
    outbox: Outbox | None = None,
) -> bool:
    """Post `message` in `channel` (in the thread of `thread_ts` if given). False if it failed;
    with an `outbox`, an answer Slack certainly did not post is kept there to send again (True)."""

    def call() -> None:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **message.payload(),
        )

    return _deliver("chat.postMessage", _where(channel, thread_ts), call, outbox)


def _where(channel: str, thread_ts: str | None) -> str:
    # The thread names the message whose answer was lost, so someone can follow it up by hand.
    return f"{channel} thread {thread_ts}" if thread_ts else channel


def post_ephemeral(
    client: WebClient,
    channel: str,
    user: str,
    message: SlackMessage,
    *,
    outbox: Outbox | None = None,
) -> bool:
    """Show `message` to `user` only, in `channel`; False if it failed."""

    def call() -> None:
        client.chat_postEphemeral(channel=channel, user=user, **message.payload())

    return _deliver("chat.postEphemeral", f"{channel} for {user}", call, outbox)


def respond(
    response_url: str,
    message: SlackMessage | None,
    *,
    response_type: str = "ephemeral",
    delete_original: bool | None = None,
    replace_original: bool = False,
    outbox: Outbox | None = None,
    where: str = "a response_url",
) -> bool:
    """Answer through the `response_url` Slack gave with a command, shortcut or click.

    `message=None` with `delete_original=True` removes the message the click came from;
    `replace_original=True` puts `message` in its place.
    """
    client = WebhookClient(
        response_url, timeout=TIMEOUT_SECONDS, retry_handlers=retry_handlers(), logger=log
    )
    payload = message.payload() if message else {}

    def call() -> None:
        response = client.send(
            **payload,
            response_type=response_type if message else None,
            replace_original=replace_original if message else None,
            delete_original=delete_original,
            unfurl_links=False if message else None,
        )
        if response.status_code != 200:
            raise _WebhookRefused(response.status_code, response.body[:200])

    return _deliver("response_url", where, call, outbox)


class _WebhookRefused(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status} {body}")
        self.status = status


def _deliver(method: str, where: str, call: Callable[[], None], outbox: Outbox | None) -> bool:
    def send() -> Attempt:
        return attempt(method, where, call)

    first = send()
    if first.outcome is Outcome.SENT:
        return True
    if first.outcome is Outcome.RETRY and outbox is not None:
        return outbox.put(where, send, first)
    if first.outcome is Outcome.RETRY:
        log.warning("Slack did not take %s in %s: %s; answer not sent", method, where, first.why)
    return False


def attempt(method: str, where: str, call: Callable[[], None]) -> Attempt:
    """Make one call to Slack and say what became of it (a final failure is logged here)."""
    try:
        call()
    except SlackApiError as exc:
        response = exc.response
        status = response.status_code if response is not None else None
        error = api_error(exc) or ""
        if status in NOT_POSTED_STATUSES or error.startswith(NOT_JSON):
            why = f"HTTP {status}" + (
                "" if error.startswith(NOT_JSON) or not error else f" {error}"
            )
            if error.startswith(NOT_JSON):
                why += ", not Slack's JSON"
            return Attempt(Outcome.RETRY, why, _retry_after(response))
        if status is not None and status >= 500:
            log.warning(
                "Slack failed %s in %s (HTTP %s %s); %s; answer not sent",
                method,
                where,
                status,
                error,
                MAY_BE_POSTED,
            )
        else:
            log.warning("Slack refused %s in %s: %s; answer not sent", method, where, error)
        return Attempt(Outcome.FAILED, error)
    except _WebhookRefused as exc:
        if exc.status in NOT_POSTED_STATUSES:
            return Attempt(Outcome.RETRY, str(exc))
        log.warning("Slack refused a %s post in %s: %s; answer not sent", method, where, exc)
        return Attempt(Outcome.FAILED, str(exc))
    except URLError as exc:
        if not isinstance(exc, HTTPError):
            # urllib raises URLError only while connecting or writing the request: Slack never
            # received all of it, so it cannot have acted on it.
            return Attempt(Outcome.RETRY, f"could not reach Slack: {exc.reason!r}")
        log.warning("could not reach Slack for %s in %s: %r; answer not sent", method, where, exc)
        return Attempt(Outcome.FAILED, repr(exc))
    except (SlackClientError, OSError) as exc:
        log.warning(
            "could not reach Slack for %s in %s: %r; %s; answer not sent",
            method,
            where,
            exc,
            MAY_BE_POSTED,
        )
        return Attempt(Outcome.FAILED, repr(exc))
    return Attempt(Outcome.SENT)


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def api_error(exc: SlackApiError) -> str | None:
    """Slack's error code (`invalid_auth`, `ratelimited`...) in a refused call."""
    response = exc.response
    if response is None:
        return None
    return str(response.get("error") or f"HTTP {response.status_code}")
