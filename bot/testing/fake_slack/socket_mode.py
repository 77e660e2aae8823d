"""A loopback stand-in for Slack's Socket Mode WebSocket (needs the `websockets` package, in the
`dev` extra)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

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
