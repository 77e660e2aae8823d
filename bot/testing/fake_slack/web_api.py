"""The fake Slack Web API and response_url endpoints on 127.0.0.1: it records each call, checks
the token and what Slack enforces, and fails on demand. `check_payloads=False` turns the payload
checks off, for load benchmarks only."""

from __future__ import annotations

import itertools
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from bot.testing.fake_slack.call_log import CallLog
from bot.testing.fake_slack.calls import RESPONSE_URL_METHOD, RefusedPayload, note_refused
from bot.testing.fake_slack.handler import handler_for
from bot.testing.fake_slack.socket_mode import SocketModeServer
from bot.testing.fake_slack.workspace import APP_TOKEN, BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_ID
from bot.testing.slack_rules import message_problems, view_problems


class FakeSlack(CallLog):
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
        super().__init__()
        self.bot_token = bot_token
        # Off only for load benchmarks (bench/load.py): checking every payload with slack-sdk's
        # models costs the fake more CPU than answering costs syncdoc, and Slack's own servers
        # do not run on the benchmark's cores.
        self.check_payloads = check_payloads
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self._ts = itertools.count(1)
        self._urls = itertools.count(1)
        # `port`: a fixed port, for a test that starts Slack only after the app tried to reach it.
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(self))
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

    # Serving (called from the HTTP handler's threads)

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
        note_refused(RefusedPayload(method, error, tuple(problems), params))
        return {"ok": False, "error": error, "errors": problems}

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"
