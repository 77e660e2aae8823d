"""The bot's Web API client keeps its connections to Slack open between calls, and never loses an
answer to a connection the server closed while it was idle (bot/slack/keepalive.py). A small
HTTP server on loopback stands in for Slack: it counts connections and messages, and can close
each connection after answering without saying so, as a server closing idle connections does.
(What Slack may have posted, through the fake Slack with kept connections: test_slack_faults.py.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_sdk import WebClient

from bot.config import Settings
from bot.render.slack import render_note
from bot.slack.send import post_message, web_client
from bot.testing.fake_slack import BOT_TOKEN


@dataclass
class Server:
    url: str
    connections: int = 0
    messages: list[str] = field(default_factory=list)
    close_after_answer: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))


@contextmanager
def slack_api(*, close_after_answer: bool = False) -> Iterator[Server]:
    server = Server("", close_after_answer=close_after_answer)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            with server.lock:
                server.connections += 1

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with server.lock:
                server.messages.append(body["blocks"][0]["text"]["text"])
            answer = b'{"ok": true, "ts": "1.2"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            self.wfile.flush()
            # Closed without a "Connection: close": the client finds out only when it next looks.
            self.close_connection = server.close_after_answer

        def log_message(self, *args: object) -> None:
            pass

    class Http(ThreadingHTTPServer):
        daemon_threads = True

        def shutdown_request(self, request: object) -> None:
            super().shutdown_request(request)  # type: ignore[arg-type]
            server.closed.release()

    http = Http(("127.0.0.1", 0), Handler)
    server.url = f"http://127.0.0.1:{http.server_address[1]}/api/"
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        http.shutdown()
        http.server_close()


def client_for(server: Server) -> WebClient:
    return web_client(
        Settings.from_env({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": server.url})
    )


def post(client: WebClient, text: str) -> bool:
    return post_message(client, "C0123", render_note(text), thread_ts="1.1")


def test_answers_in_a_row_share_one_connection_to_slack() -> None:
    with slack_api() as server:
        client = client_for(server)
        assert [post(client, f"answer {n}") for n in range(5)] == [True] * 5
    assert server.messages == [f"answer {n}" for n in range(5)]
    assert server.connections == 1


def test_a_connection_slack_closed_while_idle_is_not_used_and_no_answer_is_lost() -> None:
    with slack_api(close_after_answer=True) as server:
        client = client_for(server)
        results = []
        for n in range(5):
            results.append(post(client, f"answer {n}"))
            # The server has closed the connection before the next answer goes out.
            assert server.closed.acquire(timeout=10)
    assert results == [True] * 5
    assert server.messages == [f"answer {n}" for n in range(5)]
    assert server.connections == 5
