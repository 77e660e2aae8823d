"""The HTTP side of the fake Web API: read a call as Slack reads it (JSON or form, token from the
header or the body), fail it as queued, or answer it with what the fake decided."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import time
import urllib.parse
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from bot.testing.fake_slack.calls import RESPONSE_URL_METHOD, Call
from bot.testing.fake_slack.failures import SLACK_DOWN_PAGE

if TYPE_CHECKING:
    from bot.testing.fake_slack.web_api import FakeSlack


def handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    """The request handler class of `fake`'s HTTP server."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        # The headers and the body leave in two writes. With Nagle's algorithm on, the body
        # waited for the client to acknowledge the headers, which a client on a kept connection
        # delays by up to 40 ms: every answer syncdoc posted waited that long for the fake,
        # which Slack's servers do not make it wait. (socketserver sets TCP_NODELAY for this.)
        disable_nagle_algorithm = True

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
                retry_after = failure.retry_after
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
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
