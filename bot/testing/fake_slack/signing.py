"""Requests as Slack sends them to an app's Request URL: signed (v0 HMAC-SHA256), with Slack's
content types and retry headers."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection
from typing import Any

from bot.testing.fake_slack.workspace import SIGNING_SECRET


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
