"""The running bot's start-up wiring, shared by `syncdoc run` (Socket Mode) and `syncdoc serve`
(HTTP): settings checked, logging on, the knowledge base loaded, the store opened behind its
guard, the token checked with Slack, the app built, and the live-reload watcher made ready."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App

from bot.config import Settings
from bot.engine import Engine
from bot.reload import KnowledgeWatcher
from bot.slack.app import create_app
from bot.slack.executor import BoundedExecutor
from bot.slack.health import Health
from bot.slack.identity import Identity
from bot.slack.maintainers import Notifier, watch_knowledge
from bot.slack.outbox import Outbox
from bot.slack.send import web_client
from bot.store import PostgresStore, open_store, sqlite_path
from bot.store_guard import GuardedStore


@dataclass
class SlackBot:
    """Everything `run` and `serve` share."""

    engine: Engine
    app: App
    watcher: KnowledgeWatcher
    executor: BoundedExecutor
    outbox: Outbox
    health: Health
    notifier: Notifier
    store: GuardedStore

    def start_worker(self) -> None:
        """Start what each forked worker process runs besides its requests: live reload, and
        the store's own thread, made here on the worker's main thread so that it answers at
        the priority of the requests, not of the listeners that call it."""
        self.store.start()
        self.watcher.start()


def start_bot(settings: Settings, load_engine: Callable[[], Engine], *required: str) -> SlackBot:
    """Settings checked, logging on, base loaded, store opening in the background (syncdoc
    answers without it until it works), token checked with Slack, app built, and a (not yet
    started) live-reload watcher."""
    settings.require("slack_bot_token", *required)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    engine = load_engine()
    # Built beside start-up, not in its way: the bot is ready as soon as the base is loaded.
    threading.Thread(target=engine.prepare_search, name="search-index", daemon=True).start()
    store = GuardedStore(
        lambda: open_store(settings, timeout=settings.store_timeout),
        name=store_name(settings),
        timeout=settings.store_timeout,
    )
    # A reachable database is open before the first request; an unreachable one is not waited for.
    store.wait_ready(timeout=max(2.0, 4 * settings.store_timeout))
    client = web_client(settings)
    identity = Identity.check(client)
    executor = BoundedExecutor()
    outbox = Outbox(settings.outbox_size, settings.slack_retry_seconds)
    app = create_app(
        settings,
        engine,
        client,
        identity=identity,
        store=store,  # type: ignore[arg-type]  # the guard has the store's methods
        listener_executor=executor,
        outbox=outbox,
    )
    notifier = Notifier(client, settings.maintainers_channel)
    watcher = watch_knowledge(engine, settings, notifier)
    health = Health(engine, store, outbox, executor)
    return SlackBot(engine, app, watcher, executor, outbox, health, notifier, store)


def store_name(settings: Settings) -> str:
    """The store as the logs name it (a database URL without its password, or a file)."""
    if settings.database_url:
        return PostgresStore.describe_url(settings.database_url)
    return str(sqlite_path(settings))
