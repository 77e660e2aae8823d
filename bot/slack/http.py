"""HTTP mode: every Slack request at `POST /slack/events`, a health check at `GET /healthz`,
served by gunicorn.

gunicorn runs one worker process per CPU core (`SYNCDOC_WORKERS`), each with a pool of threads:
one Python process answers on one core at a time, and acknowledging and answering are CPU work
(signature check, matching, rendering). The workers share the store, which makes the redelivery
check hold across them and other instances; they also share a memory of what they handled,
made before the fork (bot/slack/dedupe.py), which holds when the store is down.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.engine import Engine
from bot.slack.deliveries import deliveries_of
from bot.slack.health import Health

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1_000_000
"""Slack's largest request (a 40,000-character message) is far smaller; anything bigger is not
Slack's and is refused before it is read."""
DEFAULT_THREADS = 4
"""Request threads per worker. Acknowledging is short, so few are needed; at saturation each waits
for room in the answer backlog, and requests beyond them wait in the listening socket's queue,
which the workers share first come, first served. With 8, more of them waited in each worker's
own queue, and a request that landed in the slower worker waited longer: ack p99 at 50 in flight
was 408 and 383 ms with 4 against 1,142 and 498 ms with 8, back to back (docs/reliability.md)."""

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
log = logging.getLogger(__name__)


def create_wsgi_app(app: App, engine: Engine, health: Health | None = None) -> WSGIApp:
    """The WSGI application: Bolt's own adapter for Slack's requests (event deliveries by the
    lean route the app was given, bot/slack/deliveries.py), plus the health check."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    events = deliveries_of(app)
    health = health or Health(engine)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if environ.get("PATH_INFO") == HEALTH_PATH and method in ("GET", "HEAD"):
            body = json.dumps(health.report()).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body if method == "GET" else b""]
        if _content_length(environ) > MAX_BODY_BYTES:
            start_response("413 Content Too Large", [("Content-Type", "text/plain")])
            return [b"request body too large\n"]
        if not _timestamp_readable(environ):
            # slack-sdk's verifier raises on such a timestamp, and Bolt answers 500 with an ERROR
            # traceback: anyone could fill the logs. A forger gets the 401 Bolt gives the rest.
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "invalid request"}']
        if events is not None and method == "POST" and environ.get("PATH_INFO") == EVENTS_PATH:
            return events(environ, start_response, slack)
        return slack(environ, start_response)

    return application


def _timestamp_readable(environ: dict[str, Any]) -> bool:
    """False when Slack's timestamp header is there but is not a whole number."""
    stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    try:
        int(stamp) if stamp is not None else 0
    except ValueError:
        return False
    return True


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn serving an application object built here, with options given here (no config
    file, no command line), so settings are read once, by syncdoc."""

    def __init__(self, application: WSGIApp, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self.application


def _announce(server: Any) -> None:
    for listener in server.LISTENERS:
        server.log.info("syncdoc: Slack requests at %s%s", listener, EVENTS_PATH)


def serve(
    application: WSGIApp,
    *,
    host: str,
    port: int,
    workers: int = 1,
    threads: int = DEFAULT_THREADS,
    log_level: str = "INFO",
    on_worker_start: Callable[[], object] | None = None,
    on_worker_stop: Callable[[], int] | None = None,
    stop_seconds: float = 15.0,
) -> int:
    """Serve until SIGTERM or SIGINT; the number of answers dropped on the way out.

    `on_worker_start` runs in each worker process once it is forked: background threads (live
    reload) must start there. `on_worker_stop` runs in each worker as it stops, may take up to
    `stop_seconds`, and returns how many answers it dropped."""
    dropped = multiprocessing.get_context("fork").Value("i", 0)

    def worker_exit(server: Any, worker: Any) -> None:
        if on_worker_stop is None:
            return
        lost = on_worker_stop()
        with dropped.get_lock():
            dropped.value += lost
        # Threads still stuck on a dropped answer would hold the exit until gunicorn kills it.
        logging.shutdown()
        os._exit(0)

    hooks: dict[str, Any] = {"worker_exit": worker_exit}
    if on_worker_start:
        hooks["post_worker_init"] = lambda worker: on_worker_start()
    try:
        _Gunicorn(
            application,
            {
                **hooks,
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                # A worker takes a connection only when a thread is free to serve it (and two
                # more, kept alive): otherwise a worker whose answer backlog is full hoards
                # requests another could serve.
                "worker_connections": threads + 2,
                "timeout": 30,
                # gunicorn kills a worker still running after this: give it time to finish.
                "graceful_timeout": math.ceil(stop_seconds) + 3,
                "loglevel": log_level.lower(),
                "errorlog": "-",
                "proc_name": "syncdoc",
                "when_ready": _announce,
            },
        ).run()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    return dropped.value
