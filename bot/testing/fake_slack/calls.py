"""What the fake Slack records: each call it received and what it answered, and every payload it
refused as Slack would (bot/testing/slack_rules.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

RESPONSE_URL_METHOD = "response_url"
"""The `Call.method` recorded for a post to one of the fake's response_url endpoints."""


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


def note_refused(refusal: RefusedPayload) -> None:
    """Add a refusal to `refused_payloads()` (any fake in this process may refuse)."""
    with _REFUSED_LOCK:
        _REFUSED.append(refusal)


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
