"""A Web API client that keeps its HTTP connections to Slack open between calls.

slack-sdk's `WebClient` opens a new connection (and, against slack.com, a new TLS session) for
every call and closes it after: under load that set-up cost the bot and the server about a third
of a millisecond of CPU per answer. Here a connection goes back to the client's pool after each
call, and the next call on any thread takes it while it is fresh.

What Slack may have acted on is decided exactly as before (bot/slack/send.py): an error while
connecting or writing the request is urllib's `URLError` (certainly not posted: sent again from
the outbox); an error once the request is written propagates as it is (may have posted: never
sent again); a status outside 2xx is urllib's `HTTPError`. Keeping connections adds one way a
request can fail after it was written: the server closing an idle connection just as it is
reused. So a connection is reused only when it has been idle less than `MAX_IDLE_SECONDS`
(servers close idle ones after a minute or more) and the server has not already closed it (an
idle connection with something to read has been closed, or is out of step, and is replaced).

A JSON call (every answer: chat.postMessage) skips slack-sdk's wrapping when Slack answers it
with a 2xx JSON body, which cost as much CPU as the exchange itself; any other outcome (an error,
an HTTP error status, a body that is not JSON) is handed to slack-sdk's own code as the result of
its first attempt, so its errors, rate-limit retries and messages are unchanged and nothing is
sent twice.
"""

from __future__ import annotations

import io
import json as _json
import os
import select
import ssl
import threading
import time
import weakref
from http.client import HTTPConnection, HTTPSConnection
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin, urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse

MAX_IDLE_SECONDS = 5.0
MAX_IDLE_CONNECTIONS = 32
"""Per host: one per thread that calls Slack at once is enough (Bolt's listeners, the outbox)."""

Key = tuple[str, str, int | None]
_replay = threading.local()


class KeepAliveWebClient(WebClient):
    """A `WebClient` whose calls reuse an idle connection to the API host when there is one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle = IdleConnections()
        # Closed with the client (or at exit), never left for the garbage collector to find open.
        weakref.finalize(self, self._idle.close)

    def __deepcopy__(self, memo: dict[int, Any]) -> KeepAliveWebClient:
        # Bolt deep-copies a request's context (with its client) for a lazy listener: the copy
        # may share this client, which is safe across threads, and its pool, which is the point.
        return self

    def api_call(  # type: ignore[override]
        self, api_method: str, *, json: dict[str, Any] | None = None, **others: Any
    ) -> SlackResponse:
        """A JSON call (chat.postMessage and the like) is sent straight on a kept connection;
        anything else, and any answer but a 2xx JSON body, goes through slack-sdk's own path."""
        lean = (
            json is not None
            and not any(others.get(k) for k in ("files", "data", "params", "headers", "auth"))
            and others.get("http_verb", "POST") == "POST"
            and not self.default_params
            and self.proxy is None
            and self.base_url.lower().startswith(("http://", "https://"))
            # On a 2xx answer these never retry, so skipping their look at it changes nothing.
            and all(type(h) is RateLimitErrorRetryHandler for h in self.retry_handlers)
        )
        if not lean:
            return super().api_call(api_method, json=json, **others)  # type: ignore[no-any-return]
        assert json is not None
        return self._post_json(api_method, json, others)

    def _post_json(
        self, api_method: str, json_body: dict[str, Any], others: dict[str, Any]
    ) -> SlackResponse:
        # slack-sdk spends about as much CPU wrapping a call (request objects, retry-handler
        # views of a successful answer, its own header and URL building) as the exchange
        # itself; for a successful answer none of it changes the outcome.
        url = urljoin(self.base_url, api_method.lstrip("/"))
        headers = {
            **self.headers,
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json;charset=utf-8",
        }
        body = _json.dumps(json_body).encode("utf-8")
        request = Request(url, data=body, headers=headers, method="POST")
        try:
            answer = exchange(self._idle, url, request, timeout=self.timeout, context=self.ssl)
            data = _json.loads(answer["body"]) if answer["body"].startswith("{") else None
        except Exception as outcome:  # handed to slack-sdk as it is, below
            return self._as_slack_sdk(api_method, json_body, others, outcome)
        if not isinstance(data, dict):
            return self._as_slack_sdk(api_method, json_body, others, answer)
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=url,
            req_args={
                "headers": headers,
                "data": {},
                "params": {},
                "files": None,
                "json": json_body,
            },
            data=data,
            headers=dict(answer["headers"]),
            status_code=answer["status"],
        ).validate()

    def _as_slack_sdk(
        self,
        api_method: str,
        json_body: dict[str, Any],
        others: dict[str, Any],
        outcome: dict[str, Any] | BaseException,
    ) -> SlackResponse:
        """slack-sdk's own call, whose first exchange is `outcome` (what the lean one got)
        rather than a second request: its errors, retries (a 429's Retry-After) and messages
        stay exactly slack-sdk's, and nothing is sent twice."""
        _replay.outcome = outcome
        try:
            return super().api_call(api_method, json=json_body, **others)  # type: ignore[no-any-return]
        finally:
            _replay.outcome = None

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        outcome = getattr(_replay, "outcome", None)
        if outcome is not None:
            _replay.outcome = None  # once: a retry slack-sdk asks for is a real request
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome  # type: ignore[no-any-return]
        if self.proxy is not None or not url.lower().startswith(("http://", "https://")):
            return super()._perform_urllib_http_request_internal(url, req)  # type: ignore[no-any-return]
        return exchange(self._idle, url, req, timeout=self.timeout, context=self.ssl)


class IdleConnections:
    """Open connections not in use, by (scheme, host, port), each with when it was last used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._idle: dict[Key, list[tuple[HTTPConnection, float]]] = {}

    def take(self, key: Key) -> HTTPConnection | None:
        """The most recently used idle connection to `key` that is still fresh, or None."""
        stale = []
        found = None
        with self._lock:
            self._forget_parents()
            kept = self._idle.get(key, [])
            while kept and found is None:
                connection, last_used = kept.pop()
                if time.monotonic() - last_used > MAX_IDLE_SECONDS:
                    stale += [connection, *(c for c, _ in kept)]  # the older ones are older still
                    kept.clear()
                elif _closed_by_server(connection):
                    stale.append(connection)
                else:
                    found = connection
        for connection in stale:
            connection.close()
        return found

    def give(self, key: Key, connection: HTTPConnection) -> None:
        with self._lock:
            self._forget_parents()
            kept = self._idle.setdefault(key, [])
            if len(kept) < MAX_IDLE_CONNECTIONS:
                kept.append((connection, time.monotonic()))
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            kept, self._idle = self._idle, {}
        for connections in kept.values():
            for connection, _ in connections:
                connection.close()

    def _forget_parents(self) -> None:
        # A forked worker must not write on its parent's sockets: it closes its copies (the
        # parent's stay open) and opens its own.
        if self._pid != os.getpid():
            self._pid = os.getpid()
            for connections in self._idle.values():
                for connection, _ in connections:
                    connection.close()
            self._idle = {}


def exchange(
    idle: IdleConnections,
    url: str,
    req: Request,
    *,
    timeout: float,
    context: ssl.SSLContext | None,
) -> dict[str, Any]:
    """Send `req` on an idle connection to `url`'s host (or a new one); slack-sdk's response."""
    parts = urlsplit(url)
    key = (parts.scheme.lower(), parts.hostname or "", parts.port)
    connection = idle.take(key) or _connect(key, timeout, context)
    headers = dict(req.header_items())
    try:
        connection.request(req.get_method(), req.selector, body=req.data, headers=headers)
    except OSError as exc:
        # As urllib: Slack did not receive the whole request, so it cannot have acted on it.
        connection.close()
        raise URLError(exc) from exc
    try:
        response = connection.getresponse()
        body = response.read()
    except BaseException:
        connection.close()
        raise
    if response.will_close:
        connection.close()
    else:
        idle.give(key, connection)
    if not 200 <= response.status < 300:
        raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(body))
    charset = response.headers.get_content_charset() or "utf-8"
    return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}


def _connect(key: Key, timeout: float, context: ssl.SSLContext | None) -> HTTPConnection:
    scheme, host, port = key
    if scheme == "https":
        return HTTPSConnection(host, port, timeout=timeout, context=context)
    return HTTPConnection(host, port, timeout=timeout)


def _closed_by_server(connection: HTTPConnection) -> bool:
    """True when an idle connection has something to read: the server closed it (or it is out of
    step), so a request written on it could be lost after it was sent."""
    sock = connection.sock
    if sock is None:
        return False  # never opened, or closed by http.client: it opens a fresh one
    try:
        if not hasattr(select, "poll"):  # Windows
            return bool(select.select([sock], [], [], 0)[0])
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True
