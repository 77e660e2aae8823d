"""The Bolt app: one factory that wires the listeners to an engine and a Slack client."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.engine import Engine
from bot.exceptions import ConfigError
from bot.slack.answers import AnswerExtra, Answers
from bot.slack.dedupe import MemorySeenEvents, SeenEvents, redelivery_filter
from bot.slack.executor import BoundedExecutor
from bot.slack.listeners import actions, commands, events, feedback, shortcuts
from bot.slack.maintainers import MaintainersLoop
from bot.slack.send import api_error, web_client
from bot.store import Store

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    engine: Engine,
    client: WebClient | None = None,
    *,
    seen: SeenEvents | None = None,
    store: Store | None = None,
    answer_extras: Sequence[AnswerExtra] = (),
    listener_executor: Executor | None = None,
) -> App:
    """A Bolt app answering with `engine`; `seen` remembers handled events (default: `store`,
    else in memory). With a `store`, every answer is recorded and carries feedback buttons, and
    the App Home tab shows usage statistics (the maintainers' loop).

    Listeners acknowledge first and answer afterwards on Bolt's executor, in both HTTP and
    Socket Mode. The token is checked by `check_token` at start-up, not here.
    """
    secret = settings.slack_signing_secret
    app = App(
        name="syncdoc",
        client=client or web_client(settings),
        # Always given, so Bolt never reads the environment itself; empty means Socket Mode.
        signing_secret=secret.reveal() if secret else "",
        token_verification_enabled=False,
        process_before_response=False,
        listener_executor=listener_executor or BoundedExecutor(),
    )
    app.use(redelivery_filter(seen or store or MemorySeenEvents()))
    loop = MaintainersLoop(store, engine, settings, app.client) if store else None
    answers = Answers(
        engine,
        settings,
        [*answer_extras, loop.answer_blocks] if loop else answer_extras,
        home_extras=[loop.home_blocks] if loop else (),
    )
    for listeners in (events, commands, shortcuts, actions):
        listeners.register(app, answers)
    if loop:
        feedback.register(app, loop)
    return app


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


def check_token(client: WebClient, variable: str = "SLACK_BOT_TOKEN") -> None:
    """Fail start-up with a clear message when Slack rejects the token; if Slack cannot be
    reached, only warn: Bolt asks again on the first request."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = api_error(exc)
        if error in REJECTED_TOKEN_ERRORS:
            raise ConfigError(
                f"Slack rejected {variable} ({error}): copy the Bot User OAuth Token (xoxb-...) "
                "from your app's OAuth & Permissions page"
            ) from None
        log.warning("Slack could not check the token (%s); starting anyway", error)
    except (SlackClientError, OSError) as exc:
        log.warning("could not reach Slack to check the token (%r); starting anyway", exc)
