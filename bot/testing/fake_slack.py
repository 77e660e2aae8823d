"""A fake Slack for tests, on 127.0.0.1: the Web API, response_url endpoints and a Socket Mode
WebSocket server, plus helpers that sign and shape requests exactly as Slack sends them.

Point the app's Web API client at `FakeSlack.api_url` (`SLACK_API_URL`), put
`FakeSlack.response_url()` into the payloads you send, and assert on what the fake recorded::

    with FakeSlack() as slack:
        settings = Settings.from_env({"SLACK_API_URL": slack.api_url,
                                      "SLACK_BOT_TOKEN": slack.bot_token, ...})
        ...  # start the app, send it a signed event with `SlackSender`
        (reply,) = slack.wait_for("chat.postMessage")
        assert reply.params["thread_ts"] == event_ts

What it implements: `auth.test`, `chat.postMessage`, `chat.postEphemeral`, `views.publish`,
`apps.connections.open` (answering the URL of its own WebSocket server when started with
`socket_mode=True`), and any number of response_url endpoints. Each checks the token and what
real Slack enforces (bot/testing/slack_rules.py: slack-sdk's Block Kit models plus the published
limits they miss; `invalid_blocks`, `msg_too_long`, `no_text`), so a message the fake accepts is
one Slack would show; `refused_payloads()` lists every refusal, for a suite-wide check.
`check_payloads=False` turns those checks off, for load benchmarks only.
`fail_next` makes the next calls of a method fail: HTTP 429 with Retry-After, 500, 502 or 503 with
an HTML page, an HTML page with 200, a reset connection (before or after the call was handled),
an `ok: false` error, or a slow answer; `outage` makes every call fail for a while.

Socket Mode needs the `websockets` package (the `dev` extra); the rules need slack-sdk, which
syncdoc itself depends on.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import itertools
import json
import socket
import struct
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from bot.testing.slack_rules import block_problems, message_problems, view_problems

__all__ = ["block_problems"]  # re-exported: tests check blocks with the fake's own rules

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_ID = "T0001TEAM"
BOT_USER_ID = "U0001BOT"
BOT_ID = "B0001BOT"
HUMAN_USER_ID = "U0001HUMAN"
CHANNEL_ID = "C0001OPS"
DM_CHANNEL_ID = "D0001DM"

RESPONSE_URL_METHOD = "response_url"
"""The `Call.method` recorded for a post to one of the fake's response_url endpoints."""

# --- What the fake records -----------------------------------------------------------------------


@dataclass(frozen=True)
class RefusedPayload:
    """A message, response_url body or view the fake refused as Slack would (bad blocks, too
    long, no text, a live mass mention): the bot under test sent something Slack rejects."""

    method: str
    error: str
    problems: tuple[str, ...]
    params: dict[str, Any] = field(repr=False)


_REFUSED: list[RefusedPayload] = []
_REFUSED_LOCK = threading.Lock()


def refused_payloads() -> list[RefusedPayload]:
    """Every payload any FakeSlack in this process has refused, oldest first. The test suite
    fails a test during which this list grew (tests/conftest.py), unless the test is marked
    `sends_invalid_payloads` (it checks the refusal itself)."""
    with _REFUSED_LOCK:
        return list(_REFUSED)


@dataclass(frozen=True)
class Call:
    """One request the fake received, and what it answered."""

    method: str
    params: dict[str, Any]
    token: str | None
    path: str
    status: int
    response: dict[str, Any]
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.params.get("blocks") or [])

    def block_text(self) -> str:
        """Every piece of text in the blocks, one per line: what a person reads."""
        return "\n".join(_texts(self.blocks))


SLACK_DOWN_PAGE = (
    "<!DOCTYPE html><html><head><title>Slack is temporarily unavailable</title></head>"
    "<body><h1>Slack is having trouble</h1><p>Please try again in a few minutes.</p></body></html>"
)


@dataclass(frozen=True)
class Failure:
    """How one call should fail. `status` 429 comes with `retry_after` seconds. `html` answers
    with an HTML page instead of Slack's JSON; `processed` handles the call normally (a message
    is posted and recorded as such) before the failure, as when Slack fails after acting."""

    status: int = 500
    retry_after: int | None = None
    error: str | None = None
    reset: bool = False
    delay: float = 0.0
    html: bool = False
    processed: bool = False

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> Failure:
        return cls(status=429, retry_after=retry_after, error="ratelimited")

    @classmethod
    def server_error(cls) -> Failure:
        return cls(status=500, error="internal_error")

    @classmethod
    def connection_reset(cls) -> Failure:
        return cls(reset=True)

    @classmethod
    def refused(cls, error: str) -> Failure:
        """HTTP 200 with `ok: false` and this error, as Slack refuses most calls."""
        return cls(status=200, error=error)

    @classmethod
    def unavailable(cls) -> Failure:
        """HTTP 503 with an HTML page, as Slack's edge answers while Slack is down: not acted on."""
        return cls(status=503, html=True)

    @classmethod
    def bad_gateway(cls) -> Failure:
        """HTTP 502 with an HTML page, from a proxy that could not reach Slack: not acted on."""
        return cls(status=502, html=True)

    @classmethod
    def html_page(cls) -> Failure:
        """HTTP 200 with an HTML page instead of Slack's JSON (a captive portal, a proxy)."""
        return cls(status=200, html=True)

    @classmethod
    def processed_then_reset(cls) -> Failure:
        """The call is handled (the message is posted), then the connection is reset before the
        answer: the client cannot tell this from a reset before Slack acted."""
        return cls(reset=True, processed=True)

    @classmethod
    def slow(cls, seconds: float) -> Failure:
        """Not a failure: the normal answer, after `seconds`."""
        return cls(status=200, delay=seconds)


# --- The fake ------------------------------------------------------------------------------------


class FakeSlack:
    """The fake Web API and response_url endpoints (and optionally a Socket Mode server)."""

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        team_id: str = TEAM_ID,
        socket_mode: bool = False,
        port: int = 0,
        check_payloads: bool = True,
    ) -> None:
        self.bot_token = bot_token
        # Off only for load benchmarks (bench/load.py): checking every payload with slack-sdk's
        # models costs the fake more CPU than answering costs syncdoc, and Slack's own servers
        # do not run on the benchmark's cores.
        self.check_payloads = check_payloads
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self._calls: list[Call] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self._urls = itertools.count(1)
        self._outage: tuple[float, Failure, frozenset[str] | None] | None = None
        # `port`: a fixed port, for a test that starts Slack only after the app tried to reach it.
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.socket_mode: SocketModeServer | None = SocketModeServer() if socket_mode else None

    # Lifecycle

    def start(self) -> FakeSlack:
        # A short poll interval: stop() waits for the next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-slack", daemon=True
        )
        self._thread.start()
        if self.socket_mode:
            self.socket_mode.start()
        return self

    def stop(self) -> None:
        if self.socket_mode:
            self.socket_mode.stop()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Addresses

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's address
        return f"http://{host}:{port}/"

    @property
    def api_url(self) -> str:
        """The Web API base URL, as `SLACK_API_URL` wants it."""
        return self.url + "api/"

    def response_url(self, name: str = "hook") -> str:
        """A fresh response_url; posts to it are recorded as method `response_url`."""
        return f"{self.url}response/{name}/{next(self._urls)}"

    # Recording

    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
        ok: bool = True,
    ) -> list[Call]:
        """Wait until `count` calls to `method` (successful ones, unless `ok=False`, and matching
        `where`) were recorded; return them. AssertionError listing every call on timeout."""
        deadline = time.monotonic() + timeout

        def matching() -> list[Call]:
            return [
                c
                for c in self._calls
                if c.method == method and (c.ok or not ok) and (where is None or where(c))
            ]

        with self._changed:
            while len(found := matching()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.status, c.response.get("error")) for c in self._calls]
                    raise AssertionError(
                        f"expected {count} {method} call(s) within {timeout}s; recorded: {seen}"
                    )
                self._changed.wait(left)
            return found

    def fail_next(self, method: str, *failures: Failure) -> None:
        """The next calls to `method` fail as given, one failure per call, in order."""
        with self._changed:
            self._failures[method].extend(failures)

    def outage(self, seconds: float, failure: Failure, *methods: str) -> None:
        """For the next `seconds`, every call (to `methods`, if any are named) fails as
        `failure`; calls queued with `fail_next` still come first."""
        with self._changed:
            until = time.monotonic() + seconds
            self._outage = (until, failure, frozenset(methods) if methods else None)

    def drain(self) -> list[Call]:
        """The calls recorded so far, forgotten as they are returned (in one step, so none is
        missed): long runs such as bench/load.py keep memory flat this way."""
        with self._changed:
            taken = list(self._calls)
            self._calls.clear()
            return taken

    def reset(self) -> None:
        """Forget every recorded call and queued failure."""
        with self._changed:
            self._calls.clear()
            self._failures.clear()

    # Serving (called from the HTTP handler's threads)

    def _next_failure(self, method: str) -> Failure | None:
        with self._changed:
            queue = self._failures.get(method)
            if queue:
                return queue.popleft()
            if self._outage is not None:
                until, failure, methods = self._outage
                if time.monotonic() < until and (methods is None or method in methods):
                    return failure
            return None

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == RESPONSE_URL_METHOD:
            return self._check_message(method, params)
        if method == "apps.connections.open":
            if token != self.app_token:
                return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
            if self.socket_mode is None:
                return {"ok": False, "error": "socket_mode_not_enabled"}
            return {"ok": True, "url": self.socket_mode.url}
        if token != self.bot_token:
            return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        return handler(params) if handler else {"ok": False, "error": "unknown_method"}

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://acme-ops.slack.com/",
            "team": "Acme Ops",
            "user": "syncdoc",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        checked = self._check_message("chat.postMessage", params)
        if not checked["ok"]:
            return checked
        ts = self._new_ts()
        message = {"type": "message", "bot_id": self.bot_id, "user": self.bot_user_id, "ts": ts}
        message.update({k: params[k] for k in ("text", "blocks", "thread_ts") if k in params})
        return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        checked = self._check_message("chat.postEphemeral", params)
        return checked if not checked["ok"] else {"ok": True, "message_ts": self._new_ts()}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not params.get("user_id") or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        problems = view_problems(view, types=("home",))
        if problems:
            return self._refuse("views.publish", params, "invalid_blocks", problems)
        return {"ok": True, "view": {"id": "V0001HOME", **view}}

    def _check_message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if not self.check_payloads:
            return {"ok": True}
        error, problems = message_problems(params, text_required=method != RESPONSE_URL_METHOD)
        if error:
            return self._refuse(method, params, error, problems)
        return {"ok": True}

    def _refuse(
        self, method: str, params: dict[str, Any], error: str, problems: list[str]
    ) -> dict[str, Any]:
        """Slack's answer to a payload it does not accept; also noted in `refused_payloads()`."""
        with _REFUSED_LOCK:
            _REFUSED.append(RefusedPayload(method, error, tuple(problems), params))
        return {"ok": False, "error": error, "errors": problems}

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            yield value["text"]
        for key, inner in value.items():
            if key != "text" or not isinstance(inner, str):
                yield from _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner)


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith("/api/"):
                method = path.removeprefix("/api/")
            elif path.startswith("/response/"):
                method = RESPONSE_URL_METHOD
            else:
                self._send(404, {"ok": False, "error": "not_found"})
                return
            params = self._params()
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip() or params.get("token") or None
            failure = fake._next_failure(method)
            if failure and failure.delay:
                time.sleep(failure.delay)
            if failure and failure.processed:
                body = fake._answer(method, params, token)
                fake._record(Call(method, params, token, path, 200, body, time.time()))
            if failure and failure.reset:
                if not failure.processed:
                    fake._record(Call(method, params, token, path, 0, {}, time.time()))
                self._reset()
                return
            if failure and failure.html:
                fake._record(Call(method, params, token, path, failure.status, {}, time.time()))
                self._send_raw(failure.status, SLACK_DOWN_PAGE.encode(), "text/html")
                return
            if failure and (failure.status != 200 or failure.error):
                body = {"ok": False, "error": failure.error or "internal_error"}
                fake._record(Call(method, params, token, path, failure.status, body, time.time()))
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                self._send(failure.status, body, headers)
                return
            body = fake._answer(method, params, token)
            status = 200
            if method == RESPONSE_URL_METHOD and not body["ok"]:
                status = 400  # response_url refuses bad messages with an HTTP error, not ok:false
            fake._record(Call(method, params, token, path, status, body, time.time()))
            self._send(status, body)

        def _params(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            params: dict[str, Any] = {k: v[-1] for k, v in query.items()}
            if "json" in (self.headers.get("Content-Type") or ""):
                params.update(json.loads(raw or "{}"))
            else:
                params.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw).items()})
            for key in ("blocks", "view", "attachments"):
                if isinstance(params.get(key), str):  # form posts carry these as JSON text
                    with contextlib.suppress(ValueError):
                        params[key] = json.loads(params[key])
            return params

        def _send(self, status: int, body: dict[str, Any], headers: Mapping[str, str] = {}) -> None:
            raw = json.dumps(body).encode("utf-8")
            self._send_raw(status, raw, "application/json", headers)

        def _send_raw(
            self, status: int, raw: bytes, content_type: str, headers: Mapping[str, str] = {}
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(raw)  # the client may have gone (stopped, or timed out)

        def _reset(self) -> None:
            # SO_LINGER 0: close() sends a TCP reset, which the client sees as "connection reset".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# --- Socket Mode ---------------------------------------------------------------------------------


HELLO = {
    "type": "hello",
    "num_connections": 1,
    "connection_info": {"app_id": "A0001APP"},
    "debug_info": {"host": "fake-socket-mode"},
}


class SocketModeServer:
    """A loopback stand-in for Slack's Socket Mode WebSocket: greets each connection with
    `hello`, sends the envelopes you give it, and records every acknowledgement."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self._connections: list[Any] = []
        self._changed = threading.Condition()
        self._server: Any = None

    def start(self) -> None:
        from websockets.sync.server import serve

        self._server = serve(self._handle, "127.0.0.1", 0, compression=None)
        threading.Thread(target=self._server.serve_forever, name="fake-socket", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=fake-ticket&app_id=A0001APP"

    def wait_connected(self, timeout: float = 5.0) -> None:
        self._wait(lambda: bool(self._connections), timeout, "no Socket Mode client connected")

    def send(self, envelope: Mapping[str, Any]) -> None:
        """Send one envelope (see `socket_envelope`) to the most recent connection."""
        self.wait_connected()
        with self._changed:
            connection = self._connections[-1]
        connection.send(json.dumps(envelope))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The acknowledgement the client sent for `envelope_id`."""

        def found() -> list[dict[str, Any]]:
            return [a for a in self.acks if a.get("envelope_id") == envelope_id]

        self._wait(lambda: bool(found()), timeout, f"no acknowledgement of {envelope_id}")
        with self._changed:
            return found()[0]

    def _wait(self, done: Callable[[], bool], timeout: float, message: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(message)
                self._changed.wait(left)

    def _handle(self, connection: Any) -> None:
        # Registered before the greeting: a client that has seen `hello` can be sent to at once.
        with self._changed:
            self._connections.append(connection)
            self._changed.notify_all()
        try:
            connection.send(json.dumps(HELLO))
            for message in connection:
                with self._changed:
                    self.acks.append(json.loads(message))
                    self._changed.notify_all()
        except Exception:  # The client went away: that ends this connection, nothing more.
            pass
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()


# --- Requests as Slack sends them ----------------------------------------------------------------


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack signs each HTTP request with: v0 HMAC-SHA256 of timestamp and body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class Response:
    """What the app answered Slack."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SlackSender:
    """Sends requests to an app's Request URL the way Slack does: signed, with Slack's content
    types and, for redeliveries, Slack's retry headers."""

    url: str
    signing_secret: str = SIGNING_SECRET
    timeout: float = 30.0
    extra_headers: dict[str, str] = field(default_factory=dict)

    def event(self, payload: Mapping[str, Any], *, retry: int = 0, **options: Any) -> Response:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        body = json.dumps(payload).encode()
        return self.post(body, "application/json", headers=headers if retry else {}, **options)

    def command(self, fields: Mapping[str, str], **options: Any) -> Response:
        body = urllib.parse.urlencode(fields).encode()
        return self.post(body, "application/x-www-form-urlencoded", **options)

    def interaction(self, payload: Mapping[str, Any], **options: Any) -> Response:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **options)

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: Mapping[str, str] = {},
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
    ) -> Response:
        """POST `body`, signed with `secret` (default: the right one) at `timestamp` (default:
        now); `signature` replaces the computed signature outright."""
        signed = sign(body, secret or self.signing_secret, timestamp)
        if signature is not None:
            signed["X-Slack-Signature"] = signature
        parts = urllib.parse.urlsplit(self.url)
        connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=self.timeout)
        started = time.monotonic()
        try:
            connection.request(
                "POST",
                parts.path,
                body=body,
                headers={
                    "Content-Type": content_type,
                    "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                    **signed,
                    **self.extra_headers,
                    **headers,
                },
            )
            answer = connection.getresponse()
            return Response(
                answer.status,
                {k.lower(): v for k, v in answer.getheaders()},
                answer.read(),
                time.monotonic() - started,
            )
        finally:
            connection.close()


# --- Payloads, shaped like the samples in slack_payloads/ ----------------------------------------

_ids = itertools.count(1)


def sample(name: str) -> Any:
    """A reference payload from `slack_payloads/`, parsed (a fresh copy each call)."""
    raw = _sample_text(name)
    return json.loads(raw) if name.endswith(".json") else raw


@functools.cache
def _sample_text(name: str) -> str:
    # Read once: bench/load.py builds thousands of events a second from these.
    return (resources.files(__package__) / "slack_payloads" / name).read_text(encoding="utf-8")


def new_ts() -> str:
    """A message timestamp no other payload from this process has."""
    return f"{1795770000 + next(_ids)}.{next(_ids):06d}"


def _event_envelope(event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
    body = sample("event_message_channel.json")
    body.pop("event_context", None)
    body["event"] = event
    body["event_id"] = event_id or f"Ev{next(_ids):08d}"
    body["event_time"] = int(float(event.get("event_ts", time.time())))
    return body


def message_event(
    text: str,
    *,
    channel: str = CHANNEL_ID,
    channel_type: str = "channel",
    user: str | None = HUMAN_USER_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    event_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An Events API `message` event (a person's message unless `fields` say otherwise:
    `subtype=`, `bot_id=`...)."""
    event = sample("event_message_channel.json")["event"]
    ts = ts or new_ts()
    event.update(text=text, channel=channel, channel_type=channel_type, ts=ts, event_ts=ts)
    event["client_msg_id"] = f"msg-{next(_ids)}"
    if user is None:
        event.pop("user")
    else:
        event["user"] = user
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(fields)
    return _event_envelope(event, event_id)


def app_mention_event(
    text: str,
    *,
    channel: str = CHANNEL_ID,
    user: str = HUMAN_USER_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    event_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An `app_mention` event; `text` should contain `<@BOT_USER_ID>` as Slack's does."""
    event = sample("event_app_mention.json")["event"]
    ts = ts or new_ts()
    event.update(text=text, channel=channel, user=user, ts=ts, event_ts=ts, **fields)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return _event_envelope(event, event_id)


def app_home_opened_event(
    user: str = HUMAN_USER_ID, tab: str = "home", event_id: str | None = None
) -> dict[str, Any]:
    ts = new_ts()
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0001HOME",
        "tab": tab,
        "event_ts": ts,
    }
    return _event_envelope(event, event_id)


def url_verification(challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7") -> dict:
    return {**sample("url_verification.json"), "challenge": challenge}


def slash_command(
    text: str,
    *,
    response_url: str,
    command: str = "/syncerror",
    user_id: str = HUMAN_USER_ID,
    channel_id: str = CHANNEL_ID,
) -> dict[str, str]:
    """The form fields of a slash command invocation."""
    fields = dict(urllib.parse.parse_qsl(sample("slash_command.txt").strip()))
    fields.update(
        text=text,
        command=command,
        response_url=response_url,
        user_id=user_id,
        channel_id=channel_id,
        trigger_id=f"{next(_ids)}.738474920.8088930838d88f008e0",
    )
    return fields


def message_shortcut(
    text: str,
    *,
    response_url: str | None,
    callback_id: str = "explain_error",
    user_id: str = HUMAN_USER_ID,
    channel_id: str = CHANNEL_ID,
    message_ts: str | None = None,
    **message_fields: Any,
) -> dict[str, Any]:
    """A `message_action` payload: someone chose a shortcut on a message with `text`."""
    payload = sample("message_shortcut.json")
    ts = message_ts or new_ts()
    payload.update(callback_id=callback_id, message_ts=ts, action_ts=new_ts())
    payload["user"]["id"] = user_id
    payload["channel"]["id"] = channel_id
    payload["message"].update(text=text, ts=ts, **message_fields)
    if response_url is None:
        payload.pop("response_url")
    else:
        payload["response_url"] = response_url
    return payload


def block_action(
    action_id: str,
    value: str,
    *,
    response_url: str,
    user_id: str = HUMAN_USER_ID,
    ephemeral: bool = True,
) -> dict[str, Any]:
    """A `block_actions` payload: a click on button `action_id` carrying `value`. Slack sends
    no `message` with a click on an ephemeral message."""
    payload = sample("block_actions.json")
    payload["user"]["id"] = user_id
    payload["response_url"] = response_url
    payload["container"]["is_ephemeral"] = ephemeral
    if ephemeral:
        payload.pop("message")
    action = payload["actions"][0]
    action.update(action_id=action_id, value=value, block_id="share", action_ts=new_ts())
    return payload


def socket_envelope(
    payload: Mapping[str, Any],
    *,
    kind: str = "events_api",
    envelope_id: str | None = None,
    retry_attempt: int = 0,
) -> dict[str, Any]:
    """How Socket Mode wraps a payload: `kind` is `events_api`, `slash_commands` (payload: the
    command's fields) or `interactive`."""
    envelope = sample("socket_mode_envelope.json")
    envelope.update(
        type=kind,
        envelope_id=envelope_id or f"env-{next(_ids):08d}",
        payload=dict(payload),
        accepts_response_payload=kind != "events_api",
        retry_attempt=retry_attempt,
        retry_reason="timeout" if retry_attempt else "",
    )
    return envelope
