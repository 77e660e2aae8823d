"""The Bolt app: one factory that wires the listeners to an engine and a Slack client."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.config import Settings
from bot.engine import Engine
from bot.slack.answers import AnswerExtra, Answers
from bot.slack.dedupe import MemorySeenEvents, RedeliveryFilter, SeenEvents, SharedSeenEvents
from bot.slack.deliveries import EventDeliveries
from bot.slack.executor import BoundedExecutor, note_where
from bot.slack.identity import Identity
from bot.slack.listeners import actions, commands, events, feedback, shortcuts
from bot.slack.maintainers import MaintainersLoop
from bot.slack.outbox import Outbox
from bot.slack.send import web_client
from bot.store import Store

log = logging.getLogger(__name__)


class _TokenGivenByAuthorize(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and, finding it beside a client,
    warns that it is unused: here the token reaches Bolt through `authorize`, on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.App").addFilter(_TokenGivenByAuthorize())


class AnswerWith(Middleware):
    """Bolt middleware: listeners get `client`, the bot's own, rather than the fresh one Bolt
    builds for each request, so that its connections to Slack are kept between answers
    (bot/slack/keepalive.py). One workspace, one token: the two hold the same."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["client"] = self.client
        return next()


def create_app(
    settings: Settings,
    engine: Engine,
    client: WebClient | None = None,
    *,
    identity: Identity | None = None,
    seen: SeenEvents | None = None,
    store: Store | None = None,
    answer_extras: Sequence[AnswerExtra] = (),
    listener_executor: Executor | None = None,
    outbox: Outbox | None = None,
) -> App:
    """A Bolt app answering with `engine`. Redeliveries are recognised by a memory shared with
    the processes later forked from this one (gunicorn's workers) before the acknowledgement,
    and by `seen` (default: `store`), shared with other instances, after it. With a `store`,
    every answer is recorded and carries feedback buttons, and the App Home tab shows usage
    statistics (the maintainers' loop).

    Listeners acknowledge first and answer afterwards on Bolt's executor, in both HTTP and
    Socket Mode; answers Slack did not take wait in `outbox`. `identity` is who the token
    belongs to (default: asked of Slack now), so Bolt never asks Slack on a request.
    """
    client = client or web_client(settings)
    identity = identity or Identity.check(client)
    secret = settings.slack_signing_secret
    executor = listener_executor or BoundedExecutor()
    app = App(
        name="syncdoc",
        # The token reaches Bolt through `authorize` alone: given a token as well, Bolt would
        # call auth.test itself, lazily, on the first request.
        client=WebClient(
            base_url=client.base_url,
            timeout=client.timeout,
            retry_handlers=client.retry_handlers,
            logger=client.logger,
        ),
        authorize=identity.authorize,
        # Always given, so Bolt never reads the environment itself; empty means Socket Mode.
        signing_secret=secret.reveal() if secret else "",
        process_before_response=False,
        listener_executor=executor,
    )
    redeliveries = RedeliveryFilter(MemorySeenEvents())
    app.use(redeliveries)
    app.use(note_where)
    app.use(AnswerWith(client))
    shared = seen if seen is not None else store
    loop = MaintainersLoop(store, engine, settings, client) if store else None
    answers = Answers(
        engine,
        settings,
        answer_extras,
        home_extras=[loop.home_blocks] if loop else (),
        loop=loop,
        outbox=outbox
        if outbox is not None
        else Outbox(settings.outbox_size, settings.slack_retry_seconds),
        first_delivery=SharedSeenEvents(shared).first_time if shared is not None else None,
        recording_checks_delivery=seen is None,
    )
    # In HTTP mode Slack's event deliveries take a lean route to the same listeners
    # (bot/slack/deliveries.py); Socket Mode has no signing secret and Bolt takes everything.
    deliveries = (
        EventDeliveries(secret.reveal(), identity, client, executor, redeliveries)
        if secret
        else None
    )
    events.register(app, answers, deliveries)
    for listeners in (commands, shortcuts, actions):
        listeners.register(app, answers)
    if deliveries:
        deliveries.attach(app)
    if loop:
        feedback.register(app, loop)
    return app
