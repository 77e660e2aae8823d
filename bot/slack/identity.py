"""Who the bot is in Slack, learned once with `auth.test` and handed to Bolt on every request.

Without it, Bolt calls `auth.test` itself on the first request, on the acknowledgement's path;
when Slack's API fails at that moment (a 503 or an HTML page just after a start), Bolt answers the
event with "please reinstall this app" and drops it. Here `auth.test` runs at start (`check`),
and, if Slack could not be reached then, again in the background until it answers; meanwhile
requests are answered with the token alone (the bot's own user id is then unknown, so a message
that mentions the bot may be answered both as a message and as a mention).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.exceptions import ConfigError
from bot.slack.send import api_error

log = logging.getLogger(__name__)

REJECTED_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)
MAX_BACKOFF_SECONDS = 60.0


class Identity:
    """The bot's token, user id, bot id and team, as Bolt's `authorize` function wants them."""

    def __init__(self, client: WebClient, found: dict[str, Any] | None = None) -> None:
        self._client = client
        self._found = found
        self._learner_pid = 0
        self._lock = threading.Lock()

    @classmethod
    def check(cls, client: WebClient, variable: str = "SLACK_BOT_TOKEN") -> Identity:
        """Ask Slack who the token belongs to. ConfigError when Slack rejects the token; if Slack
        cannot be reached, a warning, and the identity is learned in the background."""
        return cls(client, _auth_test(client, variable, at_start=True))

    @property
    def bot_user_id(self) -> str | None:
        return self._found.get("user_id") if self._found else None

    @property
    def authorize(self) -> Callable[..., AuthorizeResult]:
        """Bolt's `authorize` function: never calls Slack. (A plain function, not a method: Bolt
        passes it every argument named in its signature, which would include `self`.)"""

        def authorize(
            enterprise_id: str | None, team_id: str | None, user_id: str | None
        ) -> AuthorizeResult:
            found = self._found
            if found is None:
                self._learn()
            found = found or {}
            return AuthorizeResult(
                enterprise_id=found.get("enterprise_id") or enterprise_id,
                team_id=found.get("team_id") or team_id,
                bot_user_id=found.get("user_id"),
                bot_id=found.get("bot_id"),
                bot_token=self._client.token,
                user_id=user_id,
            )

        return authorize

    def _learn(self) -> None:
        with self._lock:
            if self._learner_pid == os.getpid():
                return
            self._learner_pid = os.getpid()
        threading.Thread(target=self._keep_asking, name="auth-test", daemon=True).start()

    def _keep_asking(self) -> None:
        delay = 1.0
        stop = threading.Event()
        while self._found is None:
            try:
                self._found = _auth_test(self._client, "SLACK_BOT_TOKEN", at_start=False)
            except ConfigError as exc:
                log.error("%s", exc)
                return
            if self._found is None:
                stop.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        log.info("syncdoc: Slack confirmed the bot token (bot user %s)", self.bot_user_id)


def _auth_test(client: WebClient, variable: str, *, at_start: bool) -> dict[str, Any] | None:
    then = "starting anyway" if at_start else "asking again later"
    try:
        return dict(client.auth_test().data)  # type: ignore[arg-type]
    except SlackApiError as exc:
        error = api_error(exc)
        if error in REJECTED_TOKEN_ERRORS:
            raise ConfigError(
                f"Slack rejected {variable} ({error}): copy the Bot User OAuth Token (xoxb-...) "
                "from your app's OAuth & Permissions page"
            ) from None
        log.warning("Slack could not check the token (%s); %s", error, then)
    except (SlackClientError, OSError) as exc:
        log.warning("could not reach Slack to check the token (%r); %s", exc, then)
    return None
