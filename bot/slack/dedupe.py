"""Remembering which Slack deliveries were already handled, so a redelivery gets no second reply.

Slack redelivers an event (same `event_id`, header `X-Slack-Retry-Num`) when it did not see our
acknowledgement in time. Anything with `first_time(key) -> bool` can be the memory. Two are asked:
this process's memory, on the acknowledgement's path (`redelivery_filter`), and, when several
processes or instances share a store, that store, after the acknowledgement, by the listener
(`SharedSeenEvents`), so that a slow or absent database never delays an acknowledgement.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import BoltRequest, BoltResponse

from bot.exceptions import StoreError

DEFAULT_TTL_SECONDS = 3600.0
"""Slack gives up redelivering after about five minutes; an hour leaves a wide margin."""
DEFAULT_MAX_KEYS = 100_000

log = logging.getLogger(__name__)


class SeenEvents(Protocol):
    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered (and remember it); False on every later offer."""
        ...


class MemorySeenEvents:
    """`SeenEvents` in this process's memory: keys expire after `ttl` seconds, oldest go first."""

    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_keys = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            while self._seen:
                oldest, expires = next(iter(self._seen.items()))
                if expires > now and len(self._seen) < self._max_keys:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return False
            self._seen[key] = now + self._ttl
            return True


class SharedSeenEvents:
    """The store shared with other processes, asked after the acknowledgement (so its latency
    never delays one). When it cannot answer (down, slow, full), the event counts as new: this
    process's memory has already let through only the first delivery it saw."""

    def __init__(self, shared: SeenEvents) -> None:
        self._shared = shared

    def first_time(self, key: str) -> bool:
        try:
            return self._shared.first_time(key)
        except StoreError:
            return True


def redelivery_filter(seen: SeenEvents) -> Callable[..., BoltResponse | None]:
    """Bolt middleware: an event whose `event_id` was handled before is acknowledged and dropped.

    It runs after Bolt's signature check, so forged requests never enter the memory.
    """

    def skip_redeliveries(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not seen.first_time(f"event:{event_id}"):
            retry = request.headers.get("x-slack-retry-num", ["?"])[0]
            log.info("dropped redelivery %s of event %s", retry, event_id)
            return BoltResponse(status=200, body="")
        return next()

    return skip_redeliveries
