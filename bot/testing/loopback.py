"""The real syncdoc Slack app over loopback HTTP, in this process, for tests.

    with FakeSlack() as slack, app_on_loopback(slack, engine) as app:
        app.sender.event(message_event("Request is throttled"))
        app.wait_idle()      # every answer the app started has been sent (or given up)
        assert slack.calls_to("chat.postMessage")

`wait_idle` is what makes "the bot stayed silent" a fact rather than a guess: Bolt runs listeners
on the executor given here, which knows when all of them have finished.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App

from bot.config import Settings
from bot.engine import Engine
from bot.slack.answers import AnswerExtra
from bot.slack.app import create_app
from bot.slack.dedupe import SeenEvents
from bot.slack.http import EVENTS_PATH, WSGIApp, create_wsgi_app
from bot.slack.outbox import Outbox
from bot.store import Store, open_store, sqlite_path
from bot.store_guard import GuardedStore
from bot.testing.fake_slack import SIGNING_SECRET, FakeSlack, SlackSender


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that can wait until everything submitted to it, including work submitted by
    that work, has finished."""

    def __init__(self, max_workers: int = 5) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._pending: set[Future[Any]] = set()
        self._idle = threading.Condition()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            future = super().submit(fn, *args, **kwargs)
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._idle:
            self._pending.discard(future)
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self._pending)} listener(s) still running")
                self._idle.wait(left)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_wsgi(application: WSGIApp) -> Iterator[str]:
    """Serve `application` on 127.0.0.1 (a free port) in threads; yields its base URL."""
    server = make_server(
        "127.0.0.1", 0, application, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    # A short poll interval: shutdown() waits for the next poll.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="wsgi", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


DATA_DIR = "SYNCDOC_DATA_DIR"


def loopback_settings(slack: FakeSlack, env: Mapping[str, str] = {}) -> Settings:
    """Settings for an app that talks to `slack`, as the environment would give them."""
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            **env,
        }
    )


@dataclass(frozen=True)
class LoopbackApp:
    url: str
    sender: SlackSender
    app: App
    executor: TrackedExecutor
    outbox: Outbox

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every listener the app started has finished, and every answer Slack did
        not take at first has been sent again or given up."""
        deadline = time.monotonic() + timeout
        self.executor.wait_idle(timeout)
        if not self.outbox.wait_empty(max(0.0, deadline - time.monotonic())):
            raise AssertionError(f"answers still waiting for Slack: {self.outbox.waiting()}")


@contextmanager
def app_on_loopback(
    slack: FakeSlack,
    engine: Engine,
    *,
    env: Mapping[str, str] = {},
    seen: SeenEvents | None = None,
    store: Store | None = None,
    answer_extras: Sequence[AnswerExtra] = (),
) -> Iterator[LoopbackApp]:
    """syncdoc's Slack app in HTTP mode on a loopback port, talking to `slack`; the keyword
    arguments go to `create_app`. Without a `store`, the app has one as `syncdoc serve` does:
    guarded (bot/store_guard.py), in a data folder of its own that is removed afterwards."""
    executor = TrackedExecutor()
    with ExitStack() as cleanup:
        if store is None:
            data = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="syncdoc-data-"))
            store = cleanup.enter_context(
                _guarded_store(loopback_settings(slack, {**env, DATA_DIR: data}))
            )
        settings = loopback_settings(slack, env)
        outbox = Outbox(settings.outbox_size, settings.slack_retry_seconds)
        app = create_app(
            settings,
            engine,
            seen=seen,
            store=store,
            answer_extras=answer_extras,
            listener_executor=executor,
            outbox=outbox,
        )
        try:
            with serve_wsgi(create_wsgi_app(app, engine)) as url:
                running = LoopbackApp(url, SlackSender(url + EVENTS_PATH), app, executor, outbox)
                yield running
                running.wait_idle()
        finally:
            executor.shutdown(wait=True)


@contextmanager
def _guarded_store(settings: Settings) -> Iterator[Store]:
    guarded = GuardedStore(
        lambda: open_store(settings, timeout=settings.store_timeout),
        name=str(sqlite_path(settings)),
        timeout=settings.store_timeout,
    )
    guarded.wait_ready(timeout=10.0)
    try:
        yield guarded  # type: ignore[misc]  # the guard has the store's methods
    finally:
        guarded.close()
