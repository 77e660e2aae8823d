"""Socket Mode: syncdoc opens a WebSocket to Slack, so no public URL is needed.

Bolt's SocketModeHandler on slack-sdk's built-in client (no extra dependency) reconnects by itself
once connected; the first connection is retried here, so syncdoc started during a Slack outage
connects when Slack is back.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.exceptions import ConfigError
from bot.slack.identity import REJECTED_TOKEN_ERRORS
from bot.slack.send import api_error

FIRST_RETRY_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
log = logging.getLogger(__name__)


def run_socket_mode(
    app: App, app_token: str, stop: threading.Event, *, first_retry: float = FIRST_RETRY_SECONDS
) -> None:
    """Connect `app` to Slack and handle its events until `stop` is set; a failed first
    connection is retried after `first_retry` seconds, then twice as long each time."""
    handler = SocketModeHandler(app, app_token)
    if _connect(handler, stop, first_retry):
        log.info("syncdoc: connected to Slack over Socket Mode")
        stop.wait()
    handler.close()


def _connect(handler: SocketModeHandler, stop: threading.Event, first_retry: float) -> bool:
    """Connect, retrying with backoff; False if `stop` was set first."""
    delay = first_retry
    while not stop.is_set():
        try:
            handler.connect()
            return True
        except SlackApiError as exc:
            error = api_error(exc)
            if error in REJECTED_TOKEN_ERRORS:
                raise ConfigError(
                    f"Slack rejected SLACK_APP_TOKEN ({error}): create an app-level token "
                    "(xapp-...) with the connections:write scope under Basic Information"
                ) from None
            log.warning("Slack refused a Socket Mode connection (%s); retry in %gs", error, delay)
        except (SlackClientError, OSError) as exc:
            log.warning("could not connect to Slack (%r); retry in %gs", exc, delay)
        stop.wait(delay)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)
    return False
