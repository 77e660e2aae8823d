"""bench/load.py's driver still sends what Slack sends: its lean sender writes the same request
(line, headers, signed body) that `SlackSender` does, on one connection per event."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
from pathlib import Path

import pytest

from bot.testing.fake_slack import SlackSender, message_event

BENCH = Path(__file__).resolve().parents[1] / "bench" / "load.py"
ACK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=utf-8\r\nContent-Length: 0\r\n\r\n"


def load_bench():
    spec = importlib.util.spec_from_file_location("load_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def requests_received(senders) -> list[tuple[bytes, frozenset[bytes], bytes]]:
    """What a server on loopback receives from each of `senders` (called with its URL): each
    request's line, its set of headers and its body (one connection each)."""
    count = len(senders)
    server = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{server.getsockname()[1]}/slack/events"
    received = []

    def serve() -> None:
        for _ in range(count):
            connection, _ = server.accept()
            with connection:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                head, body = data.split(b"\r\n\r\n", 1)
                line, *headers = head.split(b"\r\n")
                length = next(
                    int(h.split(b":")[1])
                    for h in headers
                    if h.lower().startswith(b"content-length:")
                )
                while len(body) < length:
                    body += connection.recv(65536)
                received.append((line, frozenset(headers), body))
                connection.sendall(ACK)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        for send in senders:
            assert send(url).status == 200
    finally:
        thread.join(10)
        server.close()
    return received


@pytest.mark.parametrize("retry", [0, 1])
def test_the_load_drivers_deliveries_are_the_requests_slack_sends(retry):
    deliveries = load_bench().Deliveries
    event = message_event("Error: SKU not found")
    for _ in range(3):  # signed to the second: try again if a second ticked in between
        slack, driver = requests_received(
            [
                lambda url: SlackSender(url).event(event, retry=retry),
                lambda url: deliveries(url, timeout=5).event(event, retry=retry),
            ]
        )
        if slack == driver:
            break
    assert driver == slack
